"""Harbourline Cloud's status page: the components the corpus's APIs run on, their incidents and 90-day uptime.

Uptime is computed from the incidents' outage minutes, so the page, its JSON and its RSS feed agree.
"""

from __future__ import annotations

from typing import Any

from ._common import Page, page, raw, rss, table, to_json

STATUS = "status.harbourline.example.net"

SITES = {STATUS: {"name": "Harbourline Cloud Status",
                  "nav": [("Current status", "/"), ("History", "/history.html"), ("RSS", "/feed.xml")],
                  "footer": "Harbourline Cloud · times are UTC"}}

COMPONENTS = [("dns", "DNS", "Platform"), ("edge", "Edge network", "Platform"),
              ("storage", "Object storage", "Platform"), ("gateway", "API gateway", "Platform"),
              ("weather", "Cirrus Weather API", "Hosted services"),
              ("fx", "Ledgerline FX API", "Hosted services"), ("shop", "Pinemoor Shop API", "Hosted services"),
              ("holidays", "Almanac Holidays API", "Hosted services"),
              ("opendata", "Brackenford Open Data downloads", "Hosted services")]
# id, title, impact, status, start, end (or ""), {component: minutes of outage}, updates [(time, status, text)]
INCIDENTS = [
    ("2026-11-30-fx-publication-delay", "Delayed publication of FX reference rates", "minor", "monitoring",
     "2026-11-30T07:55", "", {"fx": 0}, [
         ("2026-11-30T07:55", "investigating", "Rates for Friday 27 November were published on time, but the overnight "
          "consistency job has not finished. Requests succeed; some answers take up to 8 seconds."),
         ("2026-11-30T08:30", "identified", "The job is waiting on a storage volume that was moved during maintenance. "
          "We are re-attaching it. No rate values are affected."),
         ("2026-11-30T08:45", "monitoring", "Latency is back under 300 ms at the 95th percentile. We are watching "
          "today's 15:00 UTC publication before closing this incident.")]),
    ("2026-11-18-weather-503", "Cirrus Weather API: elevated 503 errors", "major", "resolved",
     "2026-11-18T13:12", "2026-11-18T13:58", {"weather": 46}, [
         ("2026-11-18T13:12", "investigating", "About 30% of requests to api.cirrus-weather.example.com answer 503."),
         ("2026-11-18T13:31", "identified", "A cache node failed over and the standby started without the 12:00 "
          "forecast issue. We are warming it from object storage."),
         ("2026-11-18T13:58", "resolved", "All nodes serve the 12:00 issue. Error rate is back to normal. "
          "Total impact: 46 minutes.")]),
    ("2026-11-03-shop-latency", "Pinemoor Shop API: slow product listings", "minor", "resolved",
     "2026-11-03T09:20", "2026-11-03T10:05", {"shop": 0}, [
         ("2026-11-03T09:20", "investigating", "Listing endpoints take 4 to 6 seconds."),
         ("2026-11-03T09:41", "identified", "An index rebuild started outside its maintenance window."),
         ("2026-11-03T10:05", "resolved", "The rebuild finished and response times are normal.")]),
    ("2026-10-21-dns", "DNS resolution failures", "critical", "resolved", "2026-10-21T02:14", "2026-10-21T02:31",
     {c[0]: 17 for c in COMPONENTS}, [
         ("2026-10-21T02:14", "investigating", "Lookups for all hosted names fail from several networks."),
         ("2026-10-21T02:22", "identified", "A zone update was published with an expired signature."),
         ("2026-10-21T02:31", "resolved", "The previous zone was restored and resolution works everywhere. "
          "Total impact: 17 minutes for every service.")]),
    ("2026-10-09-storage-maintenance", "Scheduled maintenance: object storage", "maintenance", "completed",
     "2026-10-09T22:00", "2026-10-09T23:30", {"storage": 0, "opendata": 0}, [
         ("2026-10-02T10:00", "scheduled", "Object storage moves to new hardware on 9 October, 22:00 to 23:30 UTC. "
          "Reads continue; writes may be refused with 503 for up to a minute at a time."),
         ("2026-10-09T23:30", "completed", "The move is complete. No data was lost.")]),
    ("2026-09-14-holidays-stale", "Almanac Holidays API served stale data", "minor", "resolved",
     "2026-09-14T10:00", "2026-09-14T16:30", {"holidays": 0}, [
         ("2026-09-14T10:00", "investigating", "Some 2026 files were served from a cache that predates a correction."),
         ("2026-09-14T16:30", "resolved", "Caches were purged; the corrected files are served everywhere.")]),
    ("2026-09-02-opendata-downloads", "Open data downloads unavailable", "major", "resolved", "2026-09-02T06:40",
     "2026-09-02T08:05", {"opendata": 85}, [
         ("2026-09-02T06:40", "investigating", "CSV downloads from data.brackenford.example.org answer 502."),
         ("2026-09-02T08:05", "resolved", "A certificate on the origin had expired; it was renewed. 85 minutes.")]),
]
WINDOW_DAYS = 90


def _status_pages() -> list[Page]:
    base = f"http://{STATUS}"
    downtime = {code: sum(inc[6].get(code, 0) for inc in INCIDENTS) for code, _, _ in COMPONENTS}
    ongoing = {code for inc in INCIDENTS if not inc[5] for code in inc[6]}
    components: list[dict[str, Any]] = [{"id": code, "name": name, "group": group,
                   "status": "degraded_performance" if code in ongoing else "operational",
                   "uptime_90d": round(100 * (1 - downtime[code] / (WINDOW_DAYS * 1440)), 3)}
                  for code, name, group in COMPONENTS]
    names = {code: name for code, name, _ in COMPONENTS}
    incidents: list[dict[str, Any]] = [
        {"id": i, "name": title, "impact": impact, "status": status, "started_at": f"{start}:00Z",
         "resolved_at": f"{end}:00Z" if end else None, "components": sorted(parts), "url": f"{base}/incidents/{i}.html",
         "updates": [{"at": f"{t}:00Z", "status": s, "body": text} for t, s, text in updates]}
        for i, title, impact, status, start, end, parts, updates in INCIDENTS]
    overall = "Minor service disruption" if ongoing else "All systems operational"
    pages = [
        raw(f"{base}/api/v2/summary.json", "Status summary", "api", to_json(
            {"page": {"name": "Harbourline Cloud", "url": f"{base}/", "updated_at": "2026-11-30T08:45:00Z"},
             "status": {"indicator": "minor" if ongoing else "none", "description": overall},
             "components": components, "incidents": [x for x in incidents if not x["resolved_at"]]}), "json"),
        raw(f"{base}/api/v2/components.json", "Components", "api", to_json(
            {"window_days": WINDOW_DAYS, "window": "2026-09-01/2026-11-29", "components": components}), "json"),
        raw(f"{base}/api/v2/incidents.json", "Incidents", "api", to_json({"incidents": incidents}), "json"),
        raw(f"{base}/feed.xml", "Harbourline Cloud status feed", "feed", rss(
            "Harbourline Cloud status", f"{base}/", "Incidents and maintenance",
            [(x["name"], x["url"], x["updates"][-1]["at"][:16], x["updates"][-1]["body"]) for x in incidents]), "xml"),
    ]
    for x in incidents:
        updates = "\n\n".join(f"**{u['status'].title()}** · {u['at'].replace('T', ' ')[:16]} UTC: {u['body']}"
                              for u in reversed(x["updates"]))
        affected = ", ".join(names[c] for c in x["components"])
        started = x["started_at"][:16].replace("T", " ")
        resolved = x["resolved_at"]
        ended = f", resolved {resolved[:16].replace('T', ' ')} UTC" if resolved else ", not yet resolved"
        pages.append(page(x["url"], x["name"], "article", f"""
Impact: **{x['impact']}** · Status: **{x['status']}** · Affected: {affected}

Started {started} UTC{ended}.

## Updates

{updates}

[All incidents](/history.html)
""", date=x["started_at"][:10]))
    rows = [(c["name"], c["group"], c["status"].replace("_", " "), f"{c['uptime_90d']}%") for c in components]
    pages.append(page(f"{base}/", "Harbourline Cloud Status", "listing", f"""
**{overall}.** Updated 30 November 2026, 08:45 UTC.

{table(("Component", "Group", "Status", "Uptime, 90 days"), rows)}

## Active incidents

{chr(10).join(f"- [{x['name']}]({x['url']}) since {x['started_at'][:16].replace('T', ' ')} UTC"
              for x in incidents if not x['resolved_at'])}

Uptime counts minutes of partial or full outage over 1 September to 29 November 2026 (129,600 minutes);
slow answers and scheduled maintenance do not count. Machine-readable: [summary](/api/v2/summary.json),
[components](/api/v2/components.json), [incidents](/api/v2/incidents.json), [RSS](/feed.xml).
"""))
    history = "\n".join(f"| {x['started_at'][:10]} | [{x['name']}]({x['url']}) | {x['impact']} | {x['status']} |"
                        for x in incidents)
    pages.append(page(f"{base}/history.html", "Incident history", "listing", f"""
| Date | Incident | Impact | Status |
|---|---|---|---|
{history}
"""))
    return pages


def pages() -> list[Page]:
    return _status_pages()
