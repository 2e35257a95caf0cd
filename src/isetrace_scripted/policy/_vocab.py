"""Industry vocabularies: plausible column names, labels and value ranges for generated data.

A persona in healthcare should paste ward admissions, one in logistics depot delays. The renderer
picks the vocabulary by keywords in the persona's industry and falls back to a neutral one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """A numeric column: its name and the range its made-up values are drawn from."""

    name: str
    low: float
    high: float
    decimals: int

    @property
    def words(self) -> str:
        """The column name as words, for prose ("avg_wait_min" -> "avg wait min")."""
        return self.name.replace("_", " ")


@dataclass(frozen=True)
class Vocab:
    """The nouns of one industry: a file-name key, a label column with its values, metrics, a service."""

    key: str
    entity: str
    labels: tuple[str, ...]
    metrics: tuple[Metric, ...]
    service: str


def _vocab(key: str, entity: str, labels: str, metrics: str, service: str) -> Vocab:
    """Compact constructor: labels space-separated, metrics as "name:low:high:decimals" items."""
    parsed = []
    for item in metrics.split():
        name, low, high, decimals = item.split(":")
        parsed.append(Metric(name, float(low), float(high), int(decimals)))
    return Vocab(key, entity, tuple(labels.split()), tuple(parsed), service)


_VOCABS: tuple[tuple[tuple[str, ...], Vocab], ...] = (
    (
        ("health", "hospital", "clinic", "medical", "pharma", "biotech", "care"),
        _vocab(
            "clinic",
            "ward",
            "cardiology oncology pediatrics radiology emergency orthopedics neurology",
            "admissions:20:180:0 avg_wait_min:8:95:1 bed_occupancy_pct:55:99:1",
            "ehr-sync",
        ),
    ),
    (
        ("financ", "bank", "fintech", "insurance", "invest", "accounting", "audit"),
        _vocab(
            "ledger",
            "region",
            "north south east west central emea apac",
            "revenue_k:120:980:1 churn_pct:0.5:7.5:2 new_accounts:40:600:0",
            "payments-api",
        ),
    ),
    (
        ("retail", "commerce", "fashion", "consumer", "grocery", "wholesale"),
        _vocab(
            "store",
            "sku",
            "SKU-1042 SKU-2210 SKU-3307 SKU-4415 SKU-5120 SKU-6031 SKU-7702",
            "units_sold:30:900:0 revenue:500:25000:2 return_rate_pct:0.5:12:1",
            "checkout",
        ),
    ),
    (
        ("logistic", "shipping", "transport", "supply", "freight", "aviation", "maritime"),
        _vocab(
            "shipments",
            "depot",
            "rotterdam hamburg antwerp lyon milan gdansk valencia",
            "shipments:80:1400:0 on_time_pct:78:99.5:1 avg_delay_h:0.2:9:1",
            "route-planner",
        ),
    ),
    (
        ("manufactur", "automotive", "industrial", "factory", "semiconductor", "chemical"),
        _vocab(
            "production",
            "line",
            "line_a line_b line_c press_1 press_2 paint assembly",
            "units:400:5200:0 defects:0:60:0 downtime_min:0:240:0",
            "mes-gateway",
        ),
    ),
    (
        ("educat", "universit", "school", "edtech", "academ", "training"),
        _vocab(
            "courses",
            "course",
            "algebra_1 biology world_history intro_cs chemistry statistics",
            "enrolled:12:240:0 pass_rate_pct:52:98:1 avg_grade:55:92:1",
            "lms-sync",
        ),
    ),
    (
        ("energy", "utilit", "oil", "solar", "renewable", "power"),
        _vocab(
            "meters",
            "site",
            "plant_north substation_7 solar_farm_b wind_park_2 depot_east hq",
            "kwh:1200:48000:0 peak_kw:40:900:1 outage_min:0:180:0",
            "scada-bridge",
        ),
    ),
    (
        ("marketing", "media", "advertis", "publish", "entertainment", "journalism", "brand"),
        _vocab(
            "campaigns",
            "campaign",
            "spring_launch retargeting newsletter podcast_ads influencer brand_search",
            "impressions:5000:480000:0 clicks:40:9000:0 spend_eur:150:12000:2",
            "ad-sync",
        ),
    ),
    (
        ("software", "saas", "tech", "cloud", "cyber", "telecom", "internet", "data"),
        _vocab(
            "service",
            "endpoint",
            "/api/login /api/orders /api/search /api/users /api/export /healthz",
            "requests:1000:250000:0 p95_ms:35:1800:0 error_rate_pct:0:4.5:2",
            "gateway",
        ),
    ),
    (
        ("legal", "law", "compliance"),
        _vocab(
            "matters",
            "matter",
            "M-2024-011 M-2024-017 M-2024-023 M-2024-031 M-2024-044 M-2024-052",
            "billable_h:4:160:1 expenses_eur:0:5200:2 open_tasks:0:25:0",
            "docket-sync",
        ),
    ),
    (
        ("real estate", "property", "construction", "architect"),
        _vocab(
            "properties",
            "property",
            "elm_street_12 harbor_view oak_plaza riverside_4 maple_court north_yard",
            "monthly_rent:850:4800:0 occupancy_pct:60:100:1 maintenance_tickets:0:30:0",
            "tenant-portal",
        ),
    ),
    (
        ("agricultur", "farm", "food", "forestry"),
        _vocab(
            "fields",
            "field",
            "north_40 river_plot hill_east orchard_2 greenhouse_1 south_pasture",
            "yield_t:2:48:1 rainfall_mm:10:140:0 irrigation_h:0:60:1",
            "sensor-hub",
        ),
    ),
    (
        ("hospitality", "hotel", "travel", "tourism", "restaurant"),
        _vocab(
            "bookings",
            "property",
            "harbour_inn city_loft lakeside old_town airport_suites beach_house",
            "occupancy_pct:40:98:1 adr_eur:65:320:2 cancellations:0:45:0",
            "booking-engine",
        ),
    ),
    (
        ("government", "public", "nonprofit", "ngo", "municipal", "civic"),
        _vocab(
            "requests",
            "district",
            "ward_1 ward_2 ward_3 ward_4 old_town harbour",
            "requests:20:900:0 resolved_pct:40:99:1 avg_days:0.5:21:1",
            "case-portal",
        ),
    ),
    (
        ("gaming", "game", "esports"),
        _vocab(
            "titles",
            "title",
            "sky_raiders puzzle_bay dune_kart tiny_farms mech_arena",
            "dau:800:120000:0 arpu_usd:0.05:2.5:2 crash_rate_pct:0:3:2",
            "matchmaker",
        ),
    ),
    (
        ("research", "science", "laborator", "environment"),
        _vocab(
            "samples",
            "sample",
            "S-101 S-102 S-107 S-113 S-120 S-131",
            "concentration_mg_l:0.1:48:2 ph:5.5:8.5:2 temp_c:18:37:1",
            "lims-export",
        ),
    ),
)
_FALLBACK = _vocab(
    "items",
    "item",
    "alpha bravo charlie delta echo foxtrot",
    "count:5:500:0 value:10:9000:2 share_pct:1:60:1",
    "worker",
)


def vocab_for(industry: str) -> Vocab:
    """The vocabulary whose keywords occur in `industry` (first match wins), else a neutral one."""
    text = industry.lower()
    for words, vocab in _VOCABS:
        if any(re.search(rf"\b{re.escape(word)}", text) for word in words):
            return vocab
    return _FALLBACK
