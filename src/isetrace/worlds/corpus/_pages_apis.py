"""Two JSON APIs: Cirrus Weather (current conditions and forecasts) and Ledgerline FX (euro reference rates).

Every number comes from a fixed-seed generator, so the files are the same on every run.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from ._common import NOW, Page, page, raw, table, to_csv, to_json

WEATHER = "api.cirrus-weather.example.com"
FX = "api.ledgerline.example.net"
HTTP_GUIDE = "http://httpguide.example.org"
STATUS_LINK = "[Status](http://status.harbourline.example.net/)"

SITES = {
    WEATHER: {"name": "Cirrus Weather API",
              "nav": [("Overview", "/"), ("Cities", "/v1/cities.json"), ("Errors", "/docs/errors.html")],
              "footer": f"Cirrus Weather API · forecasts are model output, not advice · {STATUS_LINK}"},
    FX: {"name": "Ledgerline FX reference rates",
         "nav": [("Overview", "/"), ("Latest", "/v1/latest.json"), ("Cross rates", "/docs/cross-rates.html")],
         "footer": f"Ledgerline reference rates are for information only · {STATUS_LINK}"},
}

# --- weather -------------------------------------------------------------------------------------

# slug, name, country, latitude, longitude, time zone, late-November mean high and low (°C), chance of a wet day
CITIES = [
    ("amsterdam", "Amsterdam", "NL", 52.37, 4.90, "Europe/Amsterdam", 8, 3, 0.6),
    ("athens", "Athens", "GR", 37.98, 23.73, "Europe/Athens", 17, 10, 0.35),
    ("barcelona", "Barcelona", "ES", 41.39, 2.17, "Europe/Madrid", 15, 8, 0.3),
    ("berlin", "Berlin", "DE", 52.52, 13.40, "Europe/Berlin", 5, 0, 0.45),
    ("brussels", "Brussels", "BE", 50.85, 4.35, "Europe/Brussels", 8, 3, 0.6),
    ("copenhagen", "Copenhagen", "DK", 55.68, 12.57, "Europe/Copenhagen", 5, 2, 0.55),
    ("dublin", "Dublin", "IE", 53.35, -6.26, "Europe/Dublin", 9, 4, 0.6),
    ("edinburgh", "Edinburgh", "GB", 55.95, -3.19, "Europe/London", 7, 2, 0.55),
    ("helsinki", "Helsinki", "FI", 60.17, 24.94, "Europe/Helsinki", 1, -3, 0.5),
    ("lisbon", "Lisbon", "PT", 38.72, -9.14, "Europe/Lisbon", 16, 10, 0.4),
    ("london", "London", "GB", 51.51, -0.13, "Europe/London", 9, 4, 0.5),
    ("madrid", "Madrid", "ES", 40.42, -3.70, "Europe/Madrid", 11, 3, 0.3),
    ("oslo", "Oslo", "NO", 59.91, 10.75, "Europe/Oslo", 2, -3, 0.45),
    ("paris", "Paris", "FR", 48.86, 2.35, "Europe/Paris", 9, 4, 0.5),
    ("prague", "Prague", "CZ", 50.08, 14.44, "Europe/Prague", 4, -1, 0.4),
    ("reykjavik", "Reykjavík", "IS", 64.15, -21.94, "Atlantic/Reykjavik", 3, -2, 0.65),
    ("rome", "Rome", "IT", 41.90, 12.50, "Europe/Rome", 14, 6, 0.45),
    ("stockholm", "Stockholm", "SE", 59.33, 18.07, "Europe/Stockholm", 3, -1, 0.45),
    ("vienna", "Vienna", "AT", 48.21, 16.37, "Europe/Vienna", 5, 0, 0.4),
    ("warsaw", "Warsaw", "PL", 52.23, 21.01, "Europe/Warsaw", 3, -2, 0.45),
]
COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def _condition(rng: random.Random, wet: bool, precip: float, high: float) -> str:
    if wet:
        if high <= 1.0:
            return "snow"
        if high <= 3.0:
            return "sleet"
        return "rain" if precip >= 2.0 else "light_rain"
    return rng.choice(("clear", "partly_cloudy", "partly_cloudy", "cloudy", "cloudy", "fog"))


def _weather_pages() -> list[Page]:
    rng = random.Random(20261130)
    base = f"http://{WEATHER}"
    pages: list[Page] = []
    listing = []
    for slug, name, country, lat, lon, zone, high, low, wet_chance in CITIES:
        days: list[dict[str, Any]] = []
        drift = 0.0
        for offset in range(7):
            drift = 0.6 * drift + rng.gauss(0, 1.6)
            t_max = round(high + drift + rng.gauss(0, 0.8), 1)
            t_min = round(min(low + drift + rng.gauss(0, 0.8), t_max - 1.5), 1)
            probability = min(95, max(5, round(100 * wet_chance + rng.gauss(0, 22))))
            wet = rng.random() * 100 < probability
            precip = round(rng.uniform(0.3, 9.0) if wet else 0.0, 1)
            days.append({"date": (NOW.date() + dt.timedelta(days=offset)).isoformat(), "temp_min": t_min,
                         "temp_max": t_max, "precipitation_mm": precip, "precipitation_probability": probability,
                         "wind_speed_max": round(rng.uniform(2.0, 14.0), 1), "wind_direction": rng.choice(COMPASS),
                         "condition": _condition(rng, wet, precip, t_max)})
        today = days[0]
        temperature = round(today["temp_min"] + 0.35 * (today["temp_max"] - today["temp_min"]), 1)
        wind = round(today["wind_speed_max"] * rng.uniform(0.4, 0.8), 1)
        links = {"forecast": f"{base}/v1/forecast/{slug}.json", "current": f"{base}/v1/current/{slug}.json"}
        where = {"city": slug, "name": name, "country": country, "latitude": lat, "longitude": lon, "timezone": zone}
        current = {**where, "observed_at": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), "temperature": temperature,
                   "feels_like": round(temperature - 0.45 * wind, 1), "humidity": rng.randint(62, 97),
                   "pressure_hpa": rng.randint(992, 1031), "wind_speed": wind,
                   "wind_direction": today["wind_direction"], "condition": today["condition"],
                   "units": {"temperature": "°C", "wind_speed": "m/s", "pressure": "hPa"}, "links": links}
        forecast = {**where, "issued_at": "2026-11-30T06:00:00Z", "days": len(days),
                    "units": {"temperature": "°C", "precipitation": "mm", "wind_speed": "m/s"},
                    "daily": days, "links": links}
        pages.append(raw(links["current"], f"Current weather: {name}", "api", to_json(current), "json"))
        pages.append(raw(links["forecast"], f"7-day forecast: {name}", "api", to_json(forecast), "json"))
        listing.append({**where, **links})
    pages.append(raw(f"{base}/v1/cities.json", "Cities", "api",
                     to_json({"count": len(listing), "cities": listing}), "json"))
    rows = [(f"`{c[0]}`", c[1], c[2], c[5]) for c in CITIES]
    pages.append(page(f"{base}/", "Cirrus Weather API", "docs", f"""
Cirrus serves current conditions and 7-day daily forecasts for {len(CITIES)} European cities as static JSON.
No key is needed. Forecasts are issued four times a day (00, 06, 12 and 18 UTC); the current issue is
**2026-11-30T06:00:00Z**.

## Endpoints

| Method | Path | Returns |
|---|---|---|
| GET | [/v1/cities.json](/v1/cities.json) | every city with its coordinates, time zone and links |
| GET | `/v1/current/<city>.json` | the latest observation for one city |
| GET | `/v1/forecast/<city>.json` | seven days of daily minimum and maximum temperature, precipitation and wind |

`<city>` is the lower-case slug from the city list, for example `oslo` or `reykjavik` (no accents).

```
$ curl -s http://api.cirrus-weather.example.com/v1/forecast/oslo.json
$ curl -s http://api.cirrus-weather.example.com/v1/current/lisbon.json
```

## Forecast fields

date :: local calendar date, ISO 8601
temp_min, temp_max :: degrees Celsius, one decimal
precipitation_mm :: total for the day in millimetres
precipitation_probability :: chance of at least 0.2 mm, in percent
wind_speed_max :: strongest sustained wind in m/s (multiply by 3.6 for km/h)
condition :: one of `clear`, `partly_cloudy`, `cloudy`, `fog`, `light_rain`, `rain`, `sleet`, `snow`

## Cities

{table(("Slug", "City", "Country", "Time zone"), rows)}

## Limits

Clients may make 60 requests per minute per IP address. Every answer carries `X-RateLimit-Limit`,
`X-RateLimit-Remaining` and `X-RateLimit-Reset`; past the limit the API answers `429 Too Many Requests`
with a `Retry-After` header. See [errors](/docs/errors.html) and the general guide to
[rate limits]({HTTP_GUIDE}/rate-limits.html). Incidents are posted on the [status page](http://status.harbourline.example.net/).
""", summary="Free JSON weather API: current conditions and 7-day forecasts for 20 European cities."))
    pages.append(page(f"{base}/docs/errors.html", "Errors", "error_doc", """
Errors are JSON objects with an `error` member, and the HTTP status says what kind of error it is.

```
{"error":{"status":404,"code":"unknown_city","message":"No city 'osloo'. See /v1/cities.json for slugs."}}
```

| Status | Code | Meaning | What to do |
|---|---|---|---|
| 400 | `bad_path` | the path is not one of the documented endpoints | check for a missing `.json` suffix |
| 404 | `unknown_city` | the slug is not in the city list | fetch `/v1/cities.json`; slugs are ASCII and lower case |
| 429 | `rate_limited` | more than 60 requests in a minute | wait the number of seconds in `Retry-After`, then retry |
| 503 | `issue_pending` | a new forecast issue is being published (about 90 seconds) | retry after `Retry-After` |

A `503` during publication happens at most four times a day, just after 00, 06, 12 and 18 UTC. Clients that
poll should add jitter rather than call on the hour. Past incidents, such as the elevated 503 rate on
18 November 2026, are listed on the [status page](http://status.harbourline.example.net/history.html).
"""))
    return pages


# --- exchange rates ------------------------------------------------------------------------------

CURRENCIES = [("USD", "US dollar", 1.0842, 4), ("GBP", "Pound sterling", 0.8561, 4),
              ("JPY", "Japanese yen", 163.12, 2), ("CHF", "Swiss franc", 0.9387, 4),
              ("SEK", "Swedish krona", 11.284, 4), ("NOK", "Norwegian krone", 11.712, 4),
              ("DKK", "Danish krone", 7.4601, 4), ("PLN", "Polish zloty", 4.2815, 4),
              ("CZK", "Czech koruna", 25.143, 3), ("HUF", "Hungarian forint", 398.55, 2),
              ("CAD", "Canadian dollar", 1.5138, 4), ("AUD", "Australian dollar", 1.6694, 4),
              ("NZD", "New Zealand dollar", 1.8421, 4), ("INR", "Indian rupee", 91.367, 3)]
FX_DAYS = [d for d in (dt.date(2026, 11, 2) + dt.timedelta(days=n) for n in range(26)) if d.weekday() < 5]


def fx_rates() -> dict[str, dict[str, float]]:
    """Rates per euro for each business day of November 2026 up to the 27th."""
    rng = random.Random(4217)
    level = {code: start for code, _, start, _ in CURRENCIES}
    history: dict[str, dict[str, float]] = {}
    for day in FX_DAYS:
        for code, _, start, _ in CURRENCIES:
            spread = 0.0004 if code == "DKK" else 0.0035
            level[code] *= 1 + rng.gauss(0, spread) + 0.15 * (start - level[code]) / start
        history[day.isoformat()] = {code: round(level[code], places) for code, _, _, places in CURRENCIES}
    return history


def _fx_pages() -> list[Page]:
    base = f"http://{FX}"
    history = fx_rates()
    dates = list(history)
    pages: list[Page] = []
    for day, rates in history.items():
        body = {"base": "EUR", "date": day, "published_at": f"{day}T15:00:00Z", "rates": rates,
                "links": {"index": f"{base}/v1/rates/index.json"}}
        pages.append(raw(f"{base}/v1/rates/{day}.json", f"EUR reference rates {day}", "api", to_json(body), "json"))
    latest = dates[-1]
    pages.append(raw(f"{base}/v1/latest.json", "Latest EUR reference rates", "api", to_json(
        {"base": "EUR", "date": latest, "published_at": f"{latest}T15:00:00Z", "rates": history[latest],
         "next_publication": "2026-11-30T15:00:00Z", "links": {"index": f"{base}/v1/rates/index.json"}}), "json"))
    pages.append(raw(f"{base}/v1/rates/index.json", "Published dates", "api", to_json(
        {"base": "EUR", "count": len(dates), "dates": [{"date": d, "url": f"{base}/v1/rates/{d}.json"} for d in dates],
         "csv": f"{base}/files/eur-rates-2026-11.csv"}), "json"))
    pages.append(raw(f"{base}/v1/currencies.json", "Currencies", "api", to_json(
        {"base": "EUR", "currencies": [{"code": c, "name": n, "decimals": p} for c, n, _, p in CURRENCIES]}), "json"))
    codes = [c for c, _, _, _ in CURRENCIES]
    pages.append(raw(f"{base}/files/eur-rates-2026-11.csv", "EUR reference rates, November 2026 (CSV)", "file",
                     to_csv(["date", *codes], [[d, *(history[d][c] for c in codes)] for d in dates]), "csv"))
    usd, gbp, jpy = history[latest]["USD"], history[latest]["GBP"], history[latest]["JPY"]
    first_usd = history[dates[0]]["USD"]
    pages.append(page(f"{base}/", "Ledgerline FX reference rates", "docs", f"""
Ledgerline publishes euro reference rates for {len(CURRENCIES)} currencies once per business day at about
15:00 UTC. A rate is the number of units of the currency that one euro buys. There are no rates for weekends:
a request for Saturday 2026-11-07 answers `404`, and the right rate for a weekend is the Friday before.

## Endpoints

| Path | Returns |
|---|---|
| [/v1/latest.json](/v1/latest.json) | the most recent business day ({latest}) |
| `/v1/rates/<YYYY-MM-DD>.json` | one business day |
| [/v1/rates/index.json](/v1/rates/index.json) | every published date with its URL |
| [/v1/currencies.json](/v1/currencies.json) | codes, names and the decimals each rate is rounded to |
| [/files/eur-rates-2026-11.csv](/files/eur-rates-2026-11.csv) | November 2026 as one CSV file, a column per currency |

```
$ curl -s http://api.ledgerline.example.net/v1/latest.json
$ curl -s http://api.ledgerline.example.net/v1/rates/2026-11-16.json
$ curl -sO http://api.ledgerline.example.net/files/eur-rates-2026-11.csv
```

## Reading the numbers

On {latest} one euro bought {usd} US dollars, {gbp} pounds and {jpy} yen. Over November the dollar rate moved
from {first_usd} on {dates[0]} to {usd}. To convert between two currencies that are not the euro, divide:
see [cross rates](/docs/cross-rates.html).

## Fair use

Clients may make 30 requests per minute; beyond that the API answers `429` with `Retry-After`
(see [rate limits]({HTTP_GUIDE}/rate-limits.html)). Publication delays are announced on the
[status page](http://status.harbourline.example.net/).
""", summary="Daily euro reference exchange rates as JSON and CSV, November 2026."))
    usd_gbp = round(gbp / usd, 4)
    pages.append(page(f"{base}/docs/cross-rates.html", "Cross rates", "docs", f"""
Every rate is quoted against the euro, so a rate between two other currencies is a quotient of two rates.
With `EUR→A` and `EUR→B` from the same day, one unit of A buys `rate(B) / rate(A)` units of B.

## Worked example ({latest})

| Pair | From the file | Cross rate |
|---|---|---|
| 1 EUR in USD | {usd} | |
| 1 EUR in GBP | {gbp} | |
| 1 USD in GBP | | {gbp} / {usd} = {usd_gbp} |
| 1 GBP in USD | | {usd} / {gbp} = {round(usd / gbp, 4)} |
| 100 USD in JPY | | 100 × {jpy} / {usd} = {round(100 * jpy / usd, 2)} |

Round only at the end: rounding each rate first can move a large conversion by several cents. Use rates of
the same date for both currencies; mixing dates is the most common mistake in expense reports.

```
import json, urllib.request
day = json.load(urllib.request.urlopen("http://api.ledgerline.example.net/v1/latest.json"))
usd_to_gbp = day["rates"]["GBP"] / day["rates"]["USD"]
```
"""))
    return pages


def pages() -> list[Page]:
    return _weather_pages() + _fx_pages()
