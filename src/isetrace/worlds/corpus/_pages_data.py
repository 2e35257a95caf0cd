"""Brackenford Open Data: the fictional city's datasets as CSV and JSON files, each with a description page.

Every dataset is generated from its own fixed seed. The description pages give each file's size, row count and
SHA-256, computed from the very bytes served, so an agent can verify a download.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from ._common import Page, page, raw, sha256, size, table, to_csv, to_json
from ._pages_transit import LINES

HOST = "data.brackenford.example.org"
BASE = f"http://{HOST}"

SITES = {HOST: {"name": "Brackenford Open Data",
                "nav": [("Datasets", "/"), ("About and licence", "/about.html"),
                        ("Catalogue API", "/api/datasets.json")],
                "footer": "Brackenford City Council open data · all datasets CC0 1.0"}}

DISTRICTS = ["Old Town", "Harbourside", "Millbrook", "Eastgate", "Northfield", "Ashby Green", "Kingsmead",
             "Riverside", "Westcombe", "Fenwick", "Hollins Park", "Southmoor"]
REGIONS = ["North", "South", "East", "West", "Central"]
BRANCHES = ["Central Library", "Eastgate", "Millbrook", "Harbourside"]
BUDGET_2026 = {"Education": 118_400_000, "Social care": 96_750_000, "Transport and roads": 54_200_000,
               "Housing": 38_900_000, "Environment and waste": 31_650_000, "Public safety": 27_800_000,
               "Culture and libraries": 14_300_000, "Administration": 30_600_000}
"""Department totals of the 2026 budget; the lines of each add up to exactly these."""
BUDGET_LINES = {
    "Education": [("Primary schools", 36), ("Secondary schools", 38), ("School transport", 7),
                  ("Special educational needs", 15), ("Adult learning", 4)],
    "Social care": [("Care for older people", 40), ("Children's services", 30), ("Disability support", 18),
                    ("Home care visits", 12)],
    "Transport and roads": [("Road maintenance", 36), ("Tram and bus subsidy", 34), ("Street lighting", 13),
                            ("Cycle network", 10), ("Winter gritting", 7)],
    "Housing": [("Social housing repairs", 50), ("Homelessness services", 30), ("Housing grants", 20)],
    "Environment and waste": [("Waste collection", 45), ("Recycling centres", 20), ("Parks and street trees", 22),
                              ("Flood defence", 13)],
    "Public safety": [("Fire and rescue contribution", 60), ("Community wardens", 25), ("Emergency planning", 15)],
    "Culture and libraries": [("Libraries", 42), ("Museums and archives", 20), ("Arts grants", 13),
                              ("Sports centres", 25)],
    "Administration": [("Finance and audit", 22), ("IT services", 33), ("Council tax collection", 20),
                       ("Elections", 7), ("Legal services", 18)],
}
"""Each department's budget lines with their approximate share of it, in per cent."""


def _months(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def retail_sales() -> list[list[Any]]:
    rng = random.Random(101)
    level = {"North": 3.9e6, "South": 3.1e6, "East": 2.6e6, "West": 2.9e6, "Central": 3.6e6}
    season = [0.86, 0.84, 0.95, 0.97, 1.0, 1.01, 1.03, 1.0, 0.97, 1.0, 1.08, 1.29]
    rows = []
    for index, month in enumerate(_months("2024-01", "2026-10")):
        for region in REGIONS:
            sales = level[region] * season[int(month[5:]) - 1] * (1.0025 ** index) * rng.uniform(0.95, 1.05)
            rows.append([month, region, f"{sales:.2f}", int(sales / rng.uniform(38.0, 44.0))])
    return rows


def air_quality() -> list[list[Any]]:
    rng = random.Random(202)
    sensors = [("AQ-01", "Market Hall", 1.0), ("AQ-02", "Harbourside Quay", 0.8), ("AQ-03", "Eastgate Junction", 1.35),
               ("AQ-04", "Hollins Park", 0.6)]
    start = dt.datetime(2026, 11, 16)
    rows = []
    for hour in range(7 * 24):
        moment = start + dt.timedelta(hours=hour)
        rush = 1.6 if moment.hour in (7, 8, 9, 17, 18) and moment.weekday() < 5 else 1.0
        temperature = 4.0 + 3.5 * (1 if 11 <= moment.hour <= 16 else 0) + rng.gauss(0, 1.2) - 0.3 * (hour // 24)
        for sensor, _, factor in sensors:
            stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            if sensor == "AQ-03" and moment.date() == dt.date(2026, 11, 19) and 2 <= moment.hour <= 9:
                rows.append([stamp, sensor, "", "", "", ""])
                continue
            pm25 = max(1.0, rng.gauss(9.0, 3.0) * factor * rush)
            no2 = max(2.0, rng.gauss(21.0, 6.0) * factor * rush)
            row = [stamp, sensor, f"{pm25:.1f}", f"{pm25 * rng.uniform(1.4, 1.9):.1f}", f"{no2:.1f}",
                   f"{temperature + rng.gauss(0, 0.4):.1f}"]
            if rng.random() < 0.012:
                row[rng.choice((2, 4))] = ""
            rows.append(row)
    return rows


def budget() -> list[list[Any]]:
    rng = random.Random(303)
    rows = []
    for department, total in BUDGET_2026.items():
        names = [name for name, _ in BUDGET_LINES[department]]
        weights = [share * rng.uniform(0.9, 1.1) for _, share in BUDGET_LINES[department]]
        shares = [int(total * w / sum(weights) / 1000) * 1000 for w in weights]
        shares[0] += total - sum(shares)
        for number, (name, amount) in enumerate(zip(names, shares, strict=True), 1):
            before = int(amount / rng.uniform(0.97, 1.09) / 1000) * 1000
            rows.append([f"{department[:3].upper()}-{number:02d}", department, name, before, amount])
    return rows


def bike_share() -> list[list[Any]]:
    rng = random.Random(404)
    stations = [("BS-01", "Central Station", "Old Town"), ("BS-02", "Market Hall", "Old Town"),
                ("BS-03", "University", "Eastgate"), ("BS-04", "Eastgate Library", "Eastgate"),
                ("BS-05", "Riverside Bridge", "Riverside"), ("BS-06", "Millbrook Centre", "Millbrook"),
                ("BS-07", "Harbourside Quay", "Harbourside"), ("BS-08", "Hollins Park", "Hollins Park"),
                ("BS-09", "Westcombe", "Westcombe"), ("BS-10", "Science Park", "Eastgate")]
    season = [0.55, 0.6, 0.75, 0.9, 1.05, 1.2, 1.25, 1.2, 1.1, 0.9, 0.7, 0.5]
    rows = []
    for month in _months("2025-11", "2026-10"):
        for station, name, district in stations:
            base = {"BS-01": 2400, "BS-03": 2100, "BS-07": 1900}.get(station, 1100)
            started = int(base * season[int(month[5:]) - 1] * rng.uniform(0.9, 1.1))
            ended = int(started * rng.uniform(0.93, 1.07))
            if station == "BS-07" and month in ("2026-06", "2026-07"):
                ended = int(ended * (0.09 if month == "2026-06" else 0.22))
            rows.append([month, station, name, district, started, ended])
    return rows


def population() -> list[list[Any]]:
    rng = random.Random(505)
    rows = []
    for district in DISTRICTS:
        people, area = rng.randint(9000, 31000), round(rng.uniform(1.2, 9.5), 2)
        growth = rng.uniform(-0.004, 0.021)
        for year in range(2021, 2026):
            rows.append([district, year, people, area, int(people / rng.uniform(2.05, 2.45))])
            people = int(people * (1 + growth + rng.gauss(0, 0.003)))
    return rows


def library_loans() -> list[list[Any]]:
    rng = random.Random(606)
    size_of = {"Central Library": 21000, "Eastgate": 9800, "Millbrook": 7400, "Harbourside": 6100}
    rows = []
    for month in _months("2024-11", "2026-10"):
        for branch in BRANCHES:
            loans = int(size_of[branch] * (0.8 if month[5:] == "08" else 1.0) * rng.uniform(0.9, 1.1))
            rows.append([month, branch, loans, int(loans * rng.uniform(0.94, 1.03)), rng.randint(40, 420)])
    return rows


def street_trees() -> list[list[Any]]:
    rng = random.Random(707)
    species = ["English oak", "Small-leaved lime", "London plane", "Silver birch", "Field maple", "Rowan",
               "Wild cherry", "Hornbeam", "Norway maple", "Common ash"]
    messy = {"English oak": "Oak (English)", "London plane": "london plane ", "Silver birch": "SILVER BIRCH"}
    rows: list[list[Any]] = []
    for number in range(1, 149):
        name = rng.choice(species)
        planted = rng.randint(1952, 2024)
        height = round(min(32.0, max(1.5, (2026 - planted) * rng.uniform(0.18, 0.42))), 1)
        rows.append([f"T{number:05d}", messy[name] if name in messy and rng.random() < 0.12 else name,
                     rng.choice(DISTRICTS), planted, height, int(height * rng.uniform(2.2, 3.4)),
                     rng.choices(["good", "fair", "poor", "dead"], (60, 28, 10, 2))[0]])
    rows.insert(40, list(rows[17]))
    rows.insert(95, list(rows[80]))
    return rows


def waste() -> list[list[Any]]:
    rng = random.Random(808)
    rows = []
    for week in range(52):
        monday = dt.date(2025, 11, 3) + dt.timedelta(weeks=week)
        garden = 1.5 if 4 <= monday.month <= 9 else 1.0
        festive = 1.25 if monday.month == 12 and monday.day > 20 else 1.0
        rows.append([monday.isoformat(), round(rng.uniform(610, 690) * festive, 1),
                     round(rng.uniform(280, 330) * festive, 1), round(rng.uniform(150, 190) * garden, 1),
                     round(rng.uniform(55, 75) * festive, 1)])
    return rows


def parking() -> list[list[Any]]:
    rng = random.Random(909)
    fines = {"Expired meter": 35, "No permit": 60, "Loading bay": 60, "Double parking": 80}
    rows = []
    for month in _months("2025-11", "2026-10"):
        for zone in "ABCD":
            for violation, fine in fines.items():
                count = int({"A": 420, "B": 260, "C": 150, "D": 90}[zone] * {"Expired meter": 1.0}.get(violation, 0.3)
                            * rng.uniform(0.8, 1.2))
                rows.append([month, zone, violation, count, count * fine])
    return rows


def energy() -> list[list[Any]]:
    rng = random.Random(1010)
    kinds = [("school", 95), ("library", 110), ("office", 140), ("sports centre", 230), ("depot", 80)]
    rows = []
    for number in range(1, 25):
        kind, intensity = kinds[number % len(kinds)]
        area = rng.randint(600, 9000)
        first = area * intensity * rng.uniform(0.85, 1.2)
        rows.append([f"B{number:03d}", f"{rng.choice(DISTRICTS)} {kind}", kind, area,
                     int(first), int(first * rng.uniform(0.9, 1.02)), int(first * rng.uniform(0.82, 1.0))])
    return rows


def ridership() -> list[list[Any]]:
    rng = random.Random(1111)
    scale = {"T1": 610_000, "T2": 540_000, "4": 150_000, "11": 98_000, "27": 71_000, "N40": 9_500, "F1": 26_000,
             "R2": 118_000}
    rows = []
    for index, month in enumerate(_months("2025-01", "2026-10")):
        for code, *_ in LINES:
            boardings = scale[code] * (1.004 ** index) * (0.82 if month[5:] in ("07", "08") else 1.0)
            if code == "F1":
                boardings *= 1.6 if month[5:] in ("06", "07", "08") else 0.8
            rows.append([month, code, int(boardings * rng.uniform(0.95, 1.05))])
    return rows


# slug, title, publisher, frequency, columns [(name, type, description)], generator, summary, known issues, JSON too
Dataset = tuple[str, str, str, str, list[tuple[str, str, str]], Callable[[], list[list[Any]]], str, str, bool]
DATASETS: list[Dataset] = [
    ("retail-sales-by-region", "Retail sales by region, monthly", "Economic Development", "monthly",
     [("month", "YYYY-MM", "calendar month"), ("region", "text", "North, South, East, West or Central"),
      ("sales_eur", "decimal", "card and cash sales reported by participating shops, euros"),
      ("transactions", "integer", "number of sales")], retail_sales,
     "Monthly sales reported by about 640 participating shops, January 2024 to October 2026.",
     "Figures are not adjusted for inflation or for shops joining and leaving the panel.", True),
    ("air-quality-hourly", "Air quality sensors, hourly readings (16–22 Nov 2026)", "Environmental Health", "weekly",
     [("timestamp", "ISO 8601 UTC", "start of the hour"), ("sensor_id", "text", "AQ-01 to AQ-04"),
      ("pm25", "µg/m³", "fine particulate matter, hourly mean"), ("pm10", "µg/m³", "coarse particulate matter"),
      ("no2", "µg/m³", "nitrogen dioxide"), ("temperature_c", "°C", "air temperature at the sensor")], air_quality,
     "Hourly readings from four roadside and park sensors: AQ-01 Market Hall, AQ-02 Harbourside Quay, "
     "AQ-03 Eastgate Junction, AQ-04 Hollins Park.",
     "AQ-03 was offline from 02:00 to 09:59 UTC on 19 November 2026 (eight hourly rows with empty values). A few "
     "other single readings are missing. Empty means missing, not zero.", False),
    ("municipal-budget-2026", "Council budget 2026 by line", "Finance", "yearly",
     [("line_id", "text", "department code and number"), ("department", "text", "spending department"),
      ("line_item", "text", "budget line"), ("budget_2025_eur", "integer", "approved 2025 budget, euros"),
      ("budget_2026_eur", "integer", "approved 2026 budget, euros")], budget,
     "The revenue budget approved by the council on 23 February 2026, with the 2025 figures for comparison.",
     "Capital spending is not included.", False),
    ("bike-share-monthly", "Bike share trips by station, monthly", "Transport", "monthly",
     [("month", "YYYY-MM", "calendar month"), ("station_id", "text", "BS-01 to BS-10"),
      ("station_name", "text", "station name"), ("district", "text", "district"),
      ("trips_started", "integer", "rentals starting at the station"),
      ("trips_ended", "integer", "returns to the station")], bike_share,
     "Trips started and ended at each of the ten docking stations, November 2025 to October 2026.",
     "Station BS-07 (Harbourside Quay) under-reported returns in June and July 2026 after a dock firmware update "
     "on 3 June; the fault was fixed on 28 July. Its trips_ended for those months are far too low.", False),
    ("population-by-district", "Population by district, 2021–2025", "Policy and Insight", "yearly",
     [("district", "text", "one of twelve districts"), ("year", "integer", "mid-year estimate"),
      ("population", "integer", "residents"), ("area_km2", "decimal", "land area"),
      ("households", "integer", "occupied dwellings")], population,
     "Mid-year population estimates for the twelve districts.", "2025 figures are provisional.", True),
    ("library-loans-monthly", "Library loans by branch, monthly", "Culture and Libraries", "monthly",
     [("month", "YYYY-MM", "calendar month"), ("branch", "text", "library branch"),
      ("loans", "integer", "items issued, renewals excluded"), ("returns", "integer", "items returned"),
      ("new_members", "integer", "new library cards")], library_loans,
     "Loans, returns and new members at the four branches of "
     "[Brackenford Public Library](http://library.brackenford.example.org/).",
     "E-book loans are not included.", False),
    ("street-trees", "Street tree inventory", "Parks", "quarterly",
     [("tree_id", "text", "T followed by five digits"), ("species", "text", "common name"),
      ("district", "text", "district"), ("planted_year", "integer", "year planted (estimated for old trees)"),
      ("height_m", "decimal", "height in metres"), ("trunk_diameter_cm", "integer", "diameter at 1.3 m"),
      ("condition", "text", "good, fair, poor or dead")], street_trees,
     "A survey of 148 council-maintained street trees.",
     "Species names were typed by hand and are not consistent (for example `Oak (English)` and `English oak`, "
     "`SILVER BIRCH`, trailing spaces). Two trees appear twice; the rows are identical.", False),
    ("waste-collection-weekly", "Household waste collected, weekly tonnes", "Environment and Waste", "weekly",
     [("week_start", "date", "Monday of the week"), ("residual_t", "decimal", "general waste, tonnes"),
      ("recycling_t", "decimal", "dry recycling, tonnes"), ("organic_t", "decimal", "food and garden waste, tonnes"),
      ("glass_t", "decimal", "glass, tonnes")], waste,
     "Kerbside collections, 52 weeks from 3 November 2025.", "Bank-holiday weeks include catch-up rounds.", False),
    ("parking-citations-monthly", "Parking citations by zone and violation", "Transport", "monthly",
     [("month", "YYYY-MM", "calendar month"), ("zone", "text", "A (centre) to D"),
      ("violation", "text", "type of violation"), ("citations", "integer", "penalty notices issued"),
      ("fines_eur", "integer", "value of the notices at the standard rate")], parking,
     "Penalty notices issued by civil enforcement officers.",
     "fines_eur is the value issued, not the amount collected.", False),
    ("building-energy", "Energy use of council buildings", "Estates", "yearly",
     [("building_id", "text", "B followed by three digits"), ("name", "text", "building"),
      ("type", "text", "school, library, office, sports centre or depot"),
      ("floor_area_m2", "integer", "gross internal area"), ("kwh_2023", "integer", "electricity and heat, kWh"),
      ("kwh_2024", "integer", "kWh"), ("kwh_2025", "integer", "kWh")], energy,
     "Annual metered energy use of 24 council buildings.",
     "Divide by floor area for kWh per m²; building names are descriptive, not official.", True),
    ("transit-ridership-monthly", "Public transport boardings by line, monthly", "Transport", "monthly",
     [("month", "YYYY-MM", "calendar month"), ("line", "text", "line code as in the timetables"),
      ("boardings", "integer", "passenger boardings counted by ticket validators")], ridership,
     "Boardings on every [BRT line](http://transit.brackenford.example.org/), January 2025 to October 2026.",
     "Boardings are counted per vehicle, so a journey with a transfer counts twice.", False),
]


def _files(data: Dataset) -> list[tuple[str, str, str, int]]:
    """(format, URL, body, rows) of each file of a dataset."""
    slug, _, _, _, columns, generate, _, _, with_json = data
    header = [name for name, _, _ in columns]
    rows = generate()
    out = [("CSV", f"{BASE}/files/{slug}.csv", to_csv(header, rows), len(rows))]
    if with_json:
        records = [dict(zip(header, row, strict=True)) for row in rows]
        out.append(("JSON", f"{BASE}/files/{slug}.json", to_json({"dataset": slug, "records": records}), len(rows)))
    return out


def pages() -> list[Page]:
    out: list[Page] = []
    catalogue = []
    for data in DATASETS:
        slug, title, publisher, frequency, columns, _, summary, issues, _ = data
        files = _files(data)
        url = f"{BASE}/datasets/{slug}.html"
        file_rows = [(f"[{fmt}]({file_url})", rows, f"{size(body):,}", f"`{sha256(body)}`")
                     for fmt, file_url, body, rows in files]
        for fmt, file_url, body, _ in files:
            out.append(raw(file_url, f"{title} ({fmt})", "file", body, fmt.lower()))
        out.append(page(url, title, "docs", f"""
{summary}

| Publisher | Updated | Frequency | Licence |
|---|---|---|---|
| {publisher} | 2026-11-23 | {frequency} | CC0 1.0 |

## Files

{table(("Format", "Rows", "Bytes", "SHA-256"), file_rows)}

## Columns

{table(("Column", "Type", "Description"), [(f"`{n}`", t, d) for n, t, d in columns])}

## Known issues

{issues}

## Download and check

```
curl -sO {files[0][1]}
sha256sum {slug}.csv
```
""", summary=summary))
        catalogue.append({"id": slug, "title": title, "publisher": publisher, "updated": "2026-11-23",
                          "frequency": frequency, "licence": "CC0-1.0", "page": url,
                          "columns": [name for name, _, _ in columns],
                          "files": [{"format": fmt, "url": file_url, "bytes": size(body), "rows": rows,
                                     "sha256": sha256(body)} for fmt, file_url, body, rows in files]})
    out.append(raw(f"{BASE}/api/datasets.json", "Dataset catalogue", "api",
                   to_json({"count": len(catalogue), "datasets": catalogue}), "json"))
    rows = [(f"[{d[1]}](/datasets/{d[0]}.html)", d[2], d[3]) for d in DATASETS]
    out.append(page(f"{BASE}/", "Brackenford Open Data", "listing", f"""
Data published by Brackenford City Council for anyone to reuse, without conditions (CC0 1.0).
{len(DATASETS)} datasets, last updated 23 November 2026.

{table(("Dataset", "Publisher", "Updated"), rows)}

The whole catalogue is available as [JSON](/api/datasets.json). See [about and licence](/about.html).
"""))
    out.append(page(f"{BASE}/about.html", "About and licence", "docs", """
All datasets on this portal are dedicated to the public domain under CC0 1.0: copy, modify and publish them,
commercially or not, without asking. Attribution is appreciated ("Brackenford City Council open data").

## Formats

CSV files are UTF-8 without a byte-order mark, comma-separated, with a header row and `\\n` line ends. Decimal
numbers use a point. An empty field means the value is missing. JSON files hold `{"dataset": ..., "records":
[...]}` with the same column names.

## Checking a download

Each dataset page lists the size in bytes and the SHA-256 of every file. `sha256sum FILE` must print the same
hash; if it does not, download again. The [catalogue API](/api/datasets.json) has the same figures.

## Outages

Download problems are posted on the [Harbourline Cloud status page](http://status.harbourline.example.net/), which hosts
this portal.
"""))
    out.append(raw(f"{BASE}/robots.txt", "robots.txt", "file",
                   "User-agent: *\nAllow: /\nDisallow: /admin/\nCrawl-delay: 1\n\n"
                   "User-agent: BulkFetcher\nDisallow: /\n",
                   "text"))
    return out
