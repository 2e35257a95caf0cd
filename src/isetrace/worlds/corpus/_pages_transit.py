"""Brackenford Regional Transit: timetables (HTML and CSV), fares, stops and service alerts of a fictional city."""

from __future__ import annotations

from typing import Any

from ._common import Page, page, raw, table, to_csv, to_json

HOST = "transit.brackenford.example.org"
BASE = f"http://{HOST}"

SITES = {HOST: {"name": "Brackenford Regional Transit",
                "nav": [("Lines", "/"), ("Fares", "/fares.html"), ("Service alerts", "/alerts.html"),
                        ("Accessibility", "/accessibility.html")],
                "footer": "Brackenford Regional Transit (BRT) · weekday timetables valid 30 Aug to 12 Dec 2026"}}

# code, mode, name, [(stop, minutes from the first stop)], first departure, last departure, headway in minutes
LINES: list[tuple[str, str, str, list[tuple[str, int]], str, str, int]] = [
    ("T1", "tram", "Northfield – Old Town – Harbourside",
     [("Northfield Terminus", 0), ("Northfield Market", 3), ("Hollins Park", 6), ("Kingsmead", 9),
      ("Cathedral Square", 12), ("Market Hall", 14), ("Central Station", 17), ("Quayside", 20),
      ("Harbourside Ferry Terminal", 23)], "05:30", "23:30", 10),
    ("T2", "tram", "Westcombe – Central Station – University",
     [("Westcombe", 0), ("Fenwick Road", 4), ("Riverside Bridge", 7), ("Central Station", 11), ("Eastgate", 15),
      ("Eastgate Library", 17), ("Science Park", 21), ("University", 24)], "05:45", "23:33", 12),
    ("4", "bus", "Southmoor – Millbrook – Central Station",
     [("Southmoor Green", 0), ("Southmoor Schools", 4), ("Millbrook Road", 9), ("Millbrook Centre", 13),
      ("Riverside Bridge", 19), ("Central Station", 24)], "06:05", "22:50", 15),
    ("11", "bus", "Ashby Green – General Hospital – Old Town",
     [("Ashby Green", 0), ("Ashby Lane", 5), ("General Hospital", 11), ("Kingsmead", 16), ("Market Hall", 22)],
     "06:00", "22:40", 20),
    ("27", "bus", "Airport Express",
     [("Central Station", 0), ("Eastgate", 6), ("Business Park", 15), ("Brackenford Airport", 28)],
     "04:50", "23:50", 30),
    ("N40", "bus", "Night bus: Central Station – Southmoor – Ashby Green",
     [("Central Station", 0), ("Market Hall", 5), ("Millbrook Centre", 14), ("Southmoor Green", 22),
      ("Ashby Green", 31)], "00:15", "04:15", 60),
    ("F1", "ferry", "Harbourside – Gull Point – Lindholm Island",
     [("Harbourside Ferry Terminal", 0), ("Gull Point", 18), ("Lindholm Island", 41)], "06:40", "21:25", 45),
    ("R2", "rail", "Brackenford Central – Carrow Bay",
     [("Central Station", 0), ("Millbrook Junction", 7), ("Ashby Parkway", 14), ("Welling", 26),
      ("Stourby", 38), ("Carrow Bay", 52)], "05:58", "22:58", 60),
]

ZONES = {"Central Station": 1, "Market Hall": 1, "Cathedral Square": 1, "Quayside": 1, "Riverside Bridge": 1,
         "Eastgate": 1, "Eastgate Library": 1, "Kingsmead": 1, "Harbourside Ferry Terminal": 1,
         "Fenwick Road": 2, "Hollins Park": 2, "Millbrook Road": 2, "Millbrook Centre": 2, "Science Park": 2,
         "University": 2, "General Hospital": 2, "Ashby Lane": 2, "Northfield Market": 2, "Westcombe": 2,
         "Northfield Terminus": 2, "Business Park": 2, "Millbrook Junction": 2, "Gull Point": 2,
         "Southmoor Schools": 3, "Southmoor Green": 3, "Ashby Green": 3, "Ashby Parkway": 3,
         "Brackenford Airport": 3, "Lindholm Island": 3, "Welling": 3, "Stourby": 3, "Carrow Bay": 3}


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def trips(line: tuple[str, str, str, list[tuple[str, int]], str, str, int]) -> list[list[str]]:
    """Every weekday trip of a line: the departure time at each stop."""
    _, _, _, stops, first, last, headway = line
    return [[_clock(start + offset) for _, offset in stops]
            for start in range(_minutes(first), _minutes(last) + 1, headway)]


def _line_pages(line: tuple[str, str, str, list[tuple[str, int]], str, str, int]) -> list[Page]:
    code, mode, name, stops, first, last, headway = line
    runs = trips(line)
    shown = runs[:6] + runs[-2:]
    header = ["Stop", "Zone", *(f"Trip {i + 1}" for i in range(6)), "…", f"Trip {len(runs) - 1}", f"Trip {len(runs)}"]
    rows = [[stop, ZONES[stop], *(run[i] for run in shown[:6]), "…", *(run[i] for run in shown[6:])]
            for i, (stop, _) in enumerate(stops)]
    slug = code.lower()
    csv_url = f"{BASE}/timetables/{slug}-weekday.csv"
    note = ""
    if "Cathedral Square" in dict(stops):
        note = ("\n> Until 18 December 2026 trams do not stop at Cathedral Square because of paving works. "
                "Use Market Hall, 250 m away. See [service alerts](/alerts.html).\n")
    duration = stops[-1][1]
    markup = f"""
{mode.title()} line **{code}**, {name}. Weekdays from {first} to {last} from {stops[0][0]}, every {headway} minutes;
{len(runs)} trips a day. The whole journey takes {duration} minutes.
{note}
{table(header, rows)}

Download the full weekday timetable as CSV: [{slug}-weekday.csv]({csv_url}) (one row per trip, one column per stop).
Saturday service runs at about two thirds of weekday frequency; Sunday service starts two hours later.
"""
    return [page(f"{BASE}/lines/{slug}.html", f"Line {code}: {name}", "docs", markup),
            raw(csv_url, f"Line {code} weekday timetable (CSV)", "file",
                to_csv(["trip", *(stop for stop, _ in stops)], [[i + 1, *run] for i, run in enumerate(runs)]), "csv")]


ALERTS: list[dict[str, Any]] = [
    {"id": "BRT-2026-1187", "lines": ["T1"], "severity": "warning", "from": "2026-11-16", "until": "2026-12-18",
     "title": "T1 does not stop at Cathedral Square",
     "text": "Paving works on Cathedral Square. Trams pass without stopping; use Market Hall (250 m)."},
    {"id": "BRT-2026-1203", "lines": ["T2"], "severity": "major", "from": "2026-12-05", "until": "2026-12-06",
     "title": "No trams between Eastgate and University this weekend",
     "text": "Track renewal. Replacement buses every 10 minutes from Eastgate stop E3; allow 15 extra minutes."},
    {"id": "BRT-2026-1210", "lines": ["F1"], "severity": "major", "from": "2026-11-30", "until": "2026-11-30",
     "title": "F1 reduced service: high winds",
     "text": "Sailings at 06:40, 08:10 and 09:40 are cancelled. Later sailings depend on conditions at 10:00."},
    {"id": "BRT-2026-1179", "lines": ["R2"], "severity": "info", "from": "2026-12-13", "until": None,
     "title": "New R2 winter timetable from 13 December",
     "text": "R2 trains leave Central Station at :28 instead of :58 and an extra peak train runs at 07:43."},
]


def _fares() -> str:
    return """
Fares depend on the number of zones you travel in. Zone 1 is the city centre; zone 3 includes the airport,
Lindholm Island and the R2 stations beyond Ashby Parkway. Tickets are valid on trams, buses, the F1 ferry and
R2 trains within their zones.

| Ticket | 1 zone | 2 zones | 3 zones |
|---|---|---|---|
| Single (valid 90 minutes, transfers included) | €2.10 | €2.90 | €3.60 |
| Day pass (until 04:30 next morning) | €6.50 | €6.50 | €6.50 |
| 7-day pass | €24.00 | €24.00 | €24.00 |
| Monthly pass | €79.00 | €79.00 | €79.00 |

- Under-18s, students with a BRT card and people over 65 pay half the single fare; their monthly pass is
  €39.50.
- Children under 6 travel free with an adult.
- Airport Express (line 27) singles cost €5.00 regardless of zones; passes are valid on it.
- Night bus N40 singles cost €3.00; day passes bought the previous day are valid until 04:30.
- Paying on board a bus costs €0.50 extra; contactless payment caps at the day-pass price.

Fares valid from 1 January 2026. The price of a single rose from €2.00 to €2.10 on that date
([news report](http://news.brackenford.example.com/2026/01/transit-fares-rise.html)).
"""


def pages() -> list[Page]:
    out: list[Page] = []
    for line in LINES:
        out += _line_pages(line)
    served: dict[str, list[str]] = {}
    for code, _, _, stops, _, _, _ in LINES:
        for stop, _ in stops:
            served.setdefault(stop, []).append(code)
    stops_json = [{"id": f"S{i + 100}", "name": stop, "zone": ZONES[stop], "lines": codes,
                   "step_free": stop not in ("Quayside", "Gull Point", "Kingsmead")}
                  for i, (stop, codes) in enumerate(sorted(served.items()))]
    out.append(raw(f"{BASE}/api/stops.json", "Stops", "api", to_json({"count": len(stops_json), "stops": stops_json}),
                   "json"))
    lines_json = [{"line": code, "mode": mode, "name": name, "first": first, "last": last, "headway_min": headway,
                   "stops": len(stops),
                   "trips_per_weekday": len(trips((code, mode, name, stops, first, last, headway))),
                   "timetable": f"{BASE}/lines/{code.lower()}.html",
                   "csv": f"{BASE}/timetables/{code.lower()}-weekday.csv"}
                  for code, mode, name, stops, first, last, headway in LINES]
    out.append(raw(f"{BASE}/api/lines.json", "Lines", "api", to_json({"lines": lines_json}), "json"))
    out.append(raw(f"{BASE}/api/alerts.json", "Service alerts", "api",
                   to_json({"updated_at": "2026-11-30T08:30:00Z", "alerts": ALERTS}), "json"))
    alert_rows = [(a["id"], ", ".join(a["lines"]), a["severity"], a["from"], a["until"] or "until further notice",
                   f"**{a['title']}.** {a['text']}") for a in ALERTS]
    out.append(page(f"{BASE}/alerts.html", "Service alerts", "listing", f"""
Updated Monday 30 November 2026, 08:30. Also as [JSON](/api/alerts.json).

{table(("Alert", "Lines", "Severity", "From", "Until", "Details"), alert_rows)}
"""))
    out.append(page(f"{BASE}/fares.html", "Fares and tickets", "docs", _fares()))
    out.append(page(f"{BASE}/accessibility.html", "Accessibility", "docs", """
All trams and buses are low-floor with a ramp and two wheelchair spaces. Every tram stop is step-free except
**Quayside** and **Kingsmead**, where the lift is being replaced until March 2027; use Central Station or
Market Hall instead. On the F1 ferry, Gull Point pier has steps at low tide. R2 stations are step-free.
The [stop list](/api/stops.json) marks each stop with `step_free`.

Assistance can be booked two hours ahead at ext. 4400 or at the Central Station travel centre, open
06:30 to 21:00 every day.
"""))
    rows = [(f"[{code}](/lines/{code.lower()}.html)", mode, name, f"every {headway} min", f"{first}–{last}")
            for code, mode, name, _, first, last, headway in LINES]
    out.append(page(f"{BASE}/", "Brackenford Regional Transit", "listing", f"""
Trams, buses, the Lindholm ferry and the Carrow Bay railway in and around Brackenford.
**{len(ALERTS)} service alerts** are active: see [service alerts](/alerts.html).

{table(("Line", "Mode", "Route", "Weekday frequency", "Weekday hours"), rows)}

Data for developers: [lines](/api/lines.json), [stops](/api/stops.json), [alerts](/api/alerts.json), and
monthly ridership on the [open data portal](http://data.brackenford.example.org/datasets/transit-ridership-monthly.html).
"""))
    return out
