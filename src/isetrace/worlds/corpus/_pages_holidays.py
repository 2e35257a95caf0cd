"""Almanac Public Holidays API: the national public holidays of ten countries in 2026, computed from their rules.

Fixed dates, Easter-relative dates and "n-th weekday of a month" dates are resolved here rather than typed in,
so the weekdays and observed days are right by construction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ._common import NOW, Page, page, raw, table, to_json

HOLIDAYS = "holidays.almanac.example.org"
YEAR = 2026

SITES = {HOLIDAYS: {"name": "Almanac Public Holidays API",
                    "nav": [("Overview", "/"), ("Countries", "/api/v1/countries.json")],
                    "footer": "Almanac lists national public holidays only; regional days are not included."}}

# A rule is "MM-DD" (fixed), "E+N" (days after Easter Sunday), "N:WD:MM" (the N-th weekday of a month, Monday 0,
# N = -1 for the last) or "SAT+MM-DD" (the first Saturday on or after a date). "=MM-DD" after a rule is the day the
# holiday is observed when the law moves it.
RULES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "US": ("United States", [
        ("01-01", "New Year's Day", ""), ("3:0:01", "Martin Luther King Jr. Day", ""),
        ("3:0:02", "Washington's Birthday", ""), ("-1:0:05", "Memorial Day", ""),
        ("06-19", "Juneteenth National Independence Day", ""), ("07-04=07-03", "Independence Day", ""),
        ("1:0:09", "Labor Day", ""), ("2:0:10", "Columbus Day", ""), ("11-11", "Veterans Day", ""),
        ("4:3:11", "Thanksgiving Day", ""), ("12-25", "Christmas Day", "")]),
    "GB": ("United Kingdom (England and Wales)", [
        ("01-01", "New Year's Day", ""), ("E-2", "Good Friday", ""), ("E+1", "Easter Monday", ""),
        ("1:0:05", "Early May bank holiday", ""), ("-1:0:05", "Spring bank holiday", ""),
        ("-1:0:08", "Summer bank holiday", ""), ("12-25", "Christmas Day", ""), ("12-26=12-28", "Boxing Day", "")]),
    "IE": ("Ireland", [
        ("01-01", "New Year's Day", "Lá Caille"), ("1:0:02", "Saint Brigid's Day", "Lá Fhéile Bríde"),
        ("03-17", "Saint Patrick's Day", "Lá Fhéile Pádraig"), ("E+1", "Easter Monday", "Luan Cásca"),
        ("1:0:05", "May bank holiday", "Lá Saoire i mí Bealtaine"),
        ("1:0:06", "June bank holiday", "Lá Saoire i mí Mheitheamh"),
        ("1:0:08", "August bank holiday", "Lá Saoire i mí Lúnasa"),
        ("-1:0:10", "October bank holiday", "Lá Saoire i mí Dheireadh Fómhair"),
        ("12-25", "Christmas Day", "Lá Nollag"), ("12-26", "Saint Stephen's Day", "Lá Fhéile Stiofáin")]),
    "DE": ("Germany", [
        ("01-01", "New Year's Day", "Neujahr"), ("E-2", "Good Friday", "Karfreitag"),
        ("E+1", "Easter Monday", "Ostermontag"), ("05-01", "Labour Day", "Tag der Arbeit"),
        ("E+39", "Ascension Day", "Christi Himmelfahrt"), ("E+50", "Whit Monday", "Pfingstmontag"),
        ("10-03", "German Unity Day", "Tag der Deutschen Einheit"), ("12-25", "Christmas Day", "Erster Weihnachtstag"),
        ("12-26", "Second Day of Christmas", "Zweiter Weihnachtstag")]),
    "FR": ("France", [
        ("01-01", "New Year's Day", "Jour de l'an"), ("E+1", "Easter Monday", "Lundi de Pâques"),
        ("05-01", "Labour Day", "Fête du Travail"), ("05-08", "Victory in Europe Day", "Victoire 1945"),
        ("E+39", "Ascension Day", "Ascension"), ("E+50", "Whit Monday", "Lundi de Pentecôte"),
        ("07-14", "Bastille Day", "Fête nationale"), ("08-15", "Assumption Day", "Assomption"),
        ("11-01", "All Saints' Day", "Toussaint"), ("11-11", "Armistice Day", "Armistice"),
        ("12-25", "Christmas Day", "Noël")]),
    "NL": ("Netherlands", [
        ("01-01", "New Year's Day", "Nieuwjaarsdag"), ("E+0", "Easter Sunday", "Eerste Paasdag"),
        ("E+1", "Easter Monday", "Tweede Paasdag"), ("04-27", "King's Day", "Koningsdag"),
        ("05-05", "Liberation Day", "Bevrijdingsdag"), ("E+39", "Ascension Day", "Hemelvaartsdag"),
        ("E+49", "Whit Sunday", "Eerste Pinksterdag"), ("E+50", "Whit Monday", "Tweede Pinksterdag"),
        ("12-25", "Christmas Day", "Eerste Kerstdag"), ("12-26", "Second Day of Christmas", "Tweede Kerstdag")]),
    "IT": ("Italy", [
        ("01-01", "New Year's Day", "Capodanno"), ("01-06", "Epiphany", "Epifania"), ("E+0", "Easter Sunday", "Pasqua"),
        ("E+1", "Easter Monday", "Lunedì dell'Angelo"), ("04-25", "Liberation Day", "Festa della Liberazione"),
        ("05-01", "Labour Day", "Festa del Lavoro"), ("06-02", "Republic Day", "Festa della Repubblica"),
        ("08-15", "Assumption Day", "Ferragosto"), ("11-01", "All Saints' Day", "Ognissanti"),
        ("12-08", "Immaculate Conception", "Immacolata Concezione"), ("12-25", "Christmas Day", "Natale"),
        ("12-26", "St Stephen's Day", "Santo Stefano")]),
    "ES": ("Spain", [
        ("01-01", "New Year's Day", "Año Nuevo"), ("01-06", "Epiphany", "Epifanía del Señor"),
        ("E-2", "Good Friday", "Viernes Santo"), ("05-01", "Labour Day", "Fiesta del Trabajo"),
        ("08-15", "Assumption Day", "Asunción de la Virgen"), ("10-12", "National Day", "Fiesta Nacional de España"),
        ("11-01", "All Saints' Day", "Todos los Santos"), ("12-06", "Constitution Day", "Día de la Constitución"),
        ("12-08", "Immaculate Conception", "Inmaculada Concepción"),
        ("12-25", "Christmas Day", "Natividad del Señor")]),
    "NO": ("Norway", [
        ("01-01", "New Year's Day", "Nyttårsdag"), ("E-3", "Maundy Thursday", "Skjærtorsdag"),
        ("E-2", "Good Friday", "Langfredag"), ("E+0", "Easter Sunday", "Første påskedag"),
        ("E+1", "Easter Monday", "Andre påskedag"), ("05-01", "Labour Day", "Arbeidernes dag"),
        ("05-17", "Constitution Day", "Grunnlovsdag"), ("E+39", "Ascension Day", "Kristi himmelfartsdag"),
        ("E+49", "Whit Sunday", "Første pinsedag"), ("E+50", "Whit Monday", "Andre pinsedag"),
        ("12-25", "Christmas Day", "Første juledag"), ("12-26", "Second Day of Christmas", "Andre juledag")]),
    "SE": ("Sweden", [
        ("01-01", "New Year's Day", "Nyårsdagen"), ("01-06", "Epiphany", "Trettondedag jul"),
        ("E-2", "Good Friday", "Långfredagen"), ("E+0", "Easter Sunday", "Påskdagen"),
        ("E+1", "Easter Monday", "Annandag påsk"), ("05-01", "Labour Day", "Första maj"),
        ("E+39", "Ascension Day", "Kristi himmelsfärdsdag"), ("E+49", "Whit Sunday", "Pingstdagen"),
        ("06-06", "National Day", "Sveriges nationaldag"), ("SAT+06-20", "Midsummer Day", "Midsommardagen"),
        ("SAT+10-31", "All Saints' Day", "Alla helgons dag"), ("12-25", "Christmas Day", "Juldagen"),
        ("12-26", "Boxing Day", "Annandag jul")]),
}


def easter(year: int) -> dt.date:
    """Western Easter Sunday (the anonymous Gregorian algorithm)."""
    a, (b, c) = year % 19, divmod(year, 100)
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def resolve(rule: str) -> dt.date:
    """The date in :data:`YEAR` of one rule of :data:`RULES` (without its ``=`` observed part)."""
    if rule.startswith("E"):
        return easter(YEAR) + dt.timedelta(days=int(rule[1:]))
    if rule.startswith("SAT+"):
        start = dt.date.fromisoformat(f"{YEAR}-{rule[4:]}")
        return start + dt.timedelta(days=(5 - start.weekday()) % 7)
    if ":" in rule:
        n, weekday, month = map(int, rule.split(":"))
        if n > 0:
            first = dt.date(YEAR, month, 1)
            return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
        last = dt.date(YEAR + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        return last - dt.timedelta(days=(last.weekday() - weekday) % 7)
    return dt.date.fromisoformat(f"{YEAR}-{rule}")


def _holidays() -> dict[str, tuple[str, list[tuple[dt.date, str, str, dt.date | None]]]]:
    """country -> (name, [(date, local name, English name, observed date if the law moves it)])."""
    out = {}
    for code, (name, rules) in RULES.items():
        days = []
        for rule, english, local in rules:
            when, _, observed = rule.partition("=")
            days.append((resolve(when), local or english, english,
                         dt.date.fromisoformat(f"{YEAR}-{observed}") if observed else None))
        out[code] = (name, days)
    return out


def _holiday_pages() -> list[Page]:
    base = f"http://{HOLIDAYS}/api/v1"
    pages: list[Page] = []
    countries = []
    for code, (name, days) in _holidays().items():
        url = f"{base}/holidays/{YEAR}/{code}.json"
        items: list[dict[str, Any]] = [
            {"date": day.isoformat(), "weekday": day.strftime("%A"), "local_name": local, "name": english,
             "observed": (moved or day).isoformat(), "global": True} for day, local, english, moved in sorted(days)]
        upcoming = [item["date"] for item in items if item["date"] >= NOW.date().isoformat()]
        pages.append(raw(url, f"Public holidays {YEAR}: {name}", "api", to_json(
            {"country": code, "name": name, "year": YEAR, "count": len(items), "holidays": items,
             "next": upcoming[0] if upcoming else None}), "json"))
        weekend = sum(1 for item in items if item["weekday"] in ("Saturday", "Sunday"))
        countries.append({"code": code, "name": name, "holidays": len(items), "on_weekends": weekend, "url": url})
    pages.append(raw(f"{base}/countries.json", "Countries", "api", to_json(
        {"year": YEAR, "count": len(countries), "countries": countries}), "json"))
    rows = [(f"`{c['code']}`", c["name"], c["holidays"], f"[{c['code']}.json]({c['url']})") for c in countries]
    pages.append(page(f"http://{HOLIDAYS}/", "Almanac Public Holidays API", "docs", f"""
Almanac lists the national public holidays of {len(countries)} countries for {YEAR} as JSON. Regional and
local holidays (a German state's, a Spanish community's) are not included, and neither are days that are
customarily off but not statutory, such as Christmas Eve in the Nordic countries.

## Endpoints

| Path | Returns |
|---|---|
| [/api/v1/countries.json](/api/v1/countries.json) | the countries, with holiday counts (total, on weekends) |
| `/api/v1/holidays/{YEAR}/<CC>.json` | the holidays of one country, in date order |

`<CC>` is the ISO 3166-1 alpha-2 code in capitals (`GB`, not `UK`). Each holiday has `date`, `weekday`,
`local_name`, `name` (English) and `observed`: the day it is taken off when the law moves it, which differs
from `date` only for the United States' Independence Day (Saturday 4 July, observed Friday 3 July) and the
United Kingdom's Boxing Day (Saturday 26 December, substitute day Monday 28 December).
`next` is the first holiday on or after 30 November {YEAR}.

```
$ curl -s http://holidays.almanac.example.org/api/v1/holidays/{YEAR}/NO.json
```

## Countries

{table(("Code", "Country", "Holidays", "Data"), rows)}

Moveable feasts follow Western Easter, which in {YEAR} is Sunday {easter(YEAR).strftime("%d %B").lstrip("0")}.
""", summary="Public holidays 2026 for ten countries as JSON."))
    return pages




def pages() -> list[Page]:
    return _holiday_pages()
