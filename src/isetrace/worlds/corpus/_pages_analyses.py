"""The Field Notes essays whose figures are computed from the corpus's own data (datasets, status, rates, holidays).

An essay and the data it discusses come from the same generator, so every number an essay quotes can be checked
against the file or API it links to.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

from . import _pages_apis as apis
from . import _pages_data as data
from . import _pages_holidays as holidays
from . import _pages_status as status
from ._common import table

PORTAL = "http://data.brackenford.example.org/datasets"


def _sensor_essay() -> str:
    rows = data.air_quality()
    names = {"AQ-01": "Market Hall", "AQ-02": "Harbourside Quay", "AQ-03": "Eastgate Junction", "AQ-04": "Hollins Park"}
    values: dict[str, list[float]] = defaultdict(list)
    daily: dict[str, list[float]] = defaultdict(list)
    for stamp, sensor, pm25, *_ in rows:
        if pm25:
            values[sensor].append(float(pm25))
            if sensor == "AQ-03":
                daily[stamp[:10]].append(float(pm25))
    stats = [(s, names[s], len(v), f"{statistics.mean(v):.1f}", f"{statistics.median(v):.1f}", f"{max(v):.1f}",
              sum(1 for x in v if x > 15)) for s, v in sorted(values.items())]
    day_means = {day: statistics.mean(v) for day, v in daily.items()}
    others = [m for day, m in day_means.items() if day not in ("2026-11-19", "2026-11-21", "2026-11-22")]
    return f"""
Every week the city publishes an hourly file from its four air-quality sensors, and every week someone turns
it into a ranking: the cleanest street, the dirtiest junction. One week of data can support some of those
claims and not others. Using the file for [16–22 November 2026]({PORTAL}/air-quality-hourly.html), here is
what I think it can and cannot tell you.

## What the file contains

There are {len(rows)} rows: 168 hours times four sensors. Each row has PM2.5, PM10, nitrogen dioxide and
temperature. Not every row is complete. Sensor AQ-03 at Eastgate Junction was offline for eight hours on
19 November, and a handful of other readings are empty. Empty means missing. The first mistake people make
with this file is reading an empty cell as zero, which makes a broken sensor look like the cleanest place in
the city.

With the gaps left out, the week looks like this for fine particles (PM2.5, in µg/m³):

{table(("Sensor", "Location", "Hours with data", "Mean", "Median", "Highest hour", "Hours above 15"), stats)}

## What it can tell you

**The ordering of the sites is solid.** Eastgate Junction is higher than Market Hall, which is higher than
Harbourside Quay, which is higher than Hollins Park. The gaps between them are large compared with the
hour-to-hour noise, and the order holds for the mean and for the median. A park away from traffic should have
cleaner air than a busy junction, and this one does.

**The daily rhythm is visible.** At the roadside sites the highest hours fall in the morning and evening rush
on weekdays. At Hollins Park the pattern is much flatter, which is what you would expect if traffic is the
main local source.

**Mean and median agree closely.** That tells us the week had no single extreme episode dragging the average
up. In a week with a bonfire night or a dust event they would come apart, and the median would be the better
summary of a typical hour.

## What it cannot tell you

**Whether the air is "safe".** Health guidelines are written for specific averaging periods. The World Health
Organization's 2021 guideline for PM2.5 is 15 µg/m³ as a 24-hour mean and 5 µg/m³ as an annual mean. Counting
hours above 15, as the last column of the table does, is tempting but compares hourly values with a daily
threshold. Of the seven daily means at Eastgate, the highest was {max(day_means.values()):.1f} µg/m³. One week
says nothing about the annual mean, which is the figure that matters most for long-term health.

**Whether Thursday was a clean day at Eastgate.** The daily mean for 19 November at AQ-03 is
{day_means['2026-11-19']:.1f} µg/m³, against {min(others):.1f} to {max(others):.1f} µg/m³ on the other
weekdays. But the eight missing hours were 02:00 to 09:59, which include the morning rush. A day missing its
dirtiest hours will look clean. The honest answer is to report that day as incomplete, or to compare only the
hours that every day has.

**Trends.** Seven days cannot show whether air quality is improving. Weather dominates week-to-week changes:
a windy week disperses pollution, a still, cold week traps it near the ground. To see a trend you need months
of data, and ideally a comparison against a background site that experiences the same weather.

**Causes.** The roadside sites are dirtier, and traffic is the obvious suspect, but the file has no traffic
counts. Heating, construction and air blown in from elsewhere all contribute. Correlating the readings with
the [tram and bus ridership]({PORTAL}/transit-ridership-monthly.html) is not meaningful either: that data is
monthly and city-wide.

## A checklist for the next ranking

1. Count the missing values per sensor before anything else, and say how you treated them.
2. Use an averaging period that matches the threshold you compare with.
3. Report the median next to the mean; if they differ a lot, find out why.
4. Do not rank days, only sites, from a single week.
5. Link the exact file you used. The portal publishes a SHA-256 for each file, so readers can check they are
   looking at the same data.

None of this makes the weekly file less useful. It is exactly the kind of small, honest dataset that lets
anyone ask good questions. It just answers fewer of them than a league table suggests.
"""


def _bike_essay() -> str:
    rows = [r for r in data.bike_share() if r[1] == "BS-07"]
    by_month = {r[0]: (r[4], r[5]) for r in rows}
    city: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for month, _, _, _, started, ended in data.bike_share():
        city[month][0] += started
        city[month][1] += ended
    june, may = by_month["2026-06"], by_month["2026-05"]
    table_rows = [(m, f"{s:,}", f"{e:,}", f"{100 * e / s:.0f}%") for m, (s, e) in sorted(by_month.items())
                  if "2026-04" <= m <= "2026-09"]
    return f"""
In August a colleague sent me a chart with the caption "Harbourside bike-share collapses". It showed returns
at the Harbourside Quay station (BS-07) falling from {may[1]:,} in May to {june[1]:,} in June. Meanwhile
everybody who lives there could see the racks were fuller than ever. This is a short story about how a
measurement can fail quietly, and how to notice.

## Two numbers that should move together

The city's [bike-share dataset]({PORTAL}/bike-share-monthly.html) records, for each station and month, trips
started and trips ended. At a busy station these two numbers track each other closely: bikes leave, bikes
come back. Over a month they rarely differ by more than a few per cent, and the difference is redistributed
by the vans that move bikes between stations.

{table(("Month", "Trips started", "Trips ended", "Ended as % of started"), table_rows)}

Trips started went **up** from May to July, as they do every summer. Trips ended fell to about a tenth of
trips started in June and about a fifth in July, then snapped back in August. No real behaviour produces
that: the bikes did not vanish, and the vans did not suddenly move thousands of them.

## What happened

A firmware update was pushed to the docks at BS-07 on 3 June. It changed the message a dock sends when a bike
is locked, and the counting system did not recognise the new message. Bikes were locked and rentals ended
correctly, so riders noticed nothing. Only the statistics lost the returns. The fault was fixed on 28 July,
which is why July is partly affected and August is normal.

## Why nobody noticed for eight weeks

Three reasons, and none of them is unusual.

First, the number that broke was the less-watched one. The dashboards showed trips started, because that is
what "usage" means to most people. Trips ended is a secondary column.

Second, the error was plausible in isolation. Stations do have bad months, when a nearby road is closed or a
dock is out of service. A drop at one station among ten did not stand out on a city-wide total: across all
stations, trips ended in June were still {100 * city['2026-06'][1] / city['2026-06'][0]:.0f}% of trips
started.

Third, the check that would have caught it was not written down. Everyone knew that starts and ends should
roughly balance. Nobody had turned that knowledge into an automatic test.

## The test we should have had

The fix is a ratio check on every new month of data: for each station, compute ended divided by started,
and flag anything outside 0.85 to 1.15. On this dataset the check flags exactly two rows, BS-07 in June and
July, and nothing else in the year.

```
import csv
with open("bike-share-monthly.csv", newline="") as f:
    for row in csv.DictReader(f):
        ratio = int(row["trips_ended"]) / int(row["trips_started"])
        if not 0.85 <= ratio <= 1.15:
            print(row["month"], row["station_id"], round(ratio, 2))
```

Invariants like this are cheap and they catch a whole class of failures: two quantities that are supposed
to agree, measured by different parts of a system. Totals that should match a sum of parts, counts that
should not decrease, timestamps that should be in order, a budget whose lines should add up to the approved
total.

## What the city did well

The council did not quietly overwrite the bad months with estimates. The dataset keeps the original June and
July figures and says, in its known-issues note, exactly what is wrong with them and when. Anyone analysing
the data can decide how to handle the gap. That is the right call. An estimate presented as a measurement
would have made the next analyst's job harder, not easier.

The chart my colleague sent was wrong, but the data was honest about being wrong. We just had to read the
notes.
"""


def _uptime_essay() -> str:
    minutes = status.WINDOW_DAYS * 1440
    down = {code: sum(inc[6].get(code, 0) for inc in status.INCIDENTS) for code, _, _ in status.COMPONENTS}
    names = {code: name for code, name, _ in status.COMPONENTS}
    rows = [(names[c], f"{down[c]} min", f"{100 * (1 - down[c] / minutes):.3f}%")
            for c in ("weather", "opendata", "fx")]
    targets = [(f"{p}%", f"{minutes * (100 - p) / 100:,.1f} min", f"{525_600 * (100 - p) / 100 / 60:,.1f} h")
               for p in (99.0, 99.9, 99.95, 99.99)]
    return f"""
Status pages love a percentage. "99.951% uptime over 90 days" looks precise and reassuring. What does it
actually count, and what does it leave out? I read the
[Harbourline Cloud status page](http://status.harbourline.example.net/), which hosts several of the APIs I use, and
worked the numbers back to minutes.

## From percentages to minutes

Ninety days have {minutes:,} minutes. An uptime figure is one minus the minutes of outage divided by that
total. Turned around, every target allows a budget of downtime:

{table(("Uptime", "Allowed downtime in 90 days", "Allowed downtime in a year"), targets)}

The difference between "three nines" and "four nines" is the difference between an outage you notice once a
quarter and one you might never see.

## The numbers on the page

Over 1 September to 29 November 2026 the page reports these figures, which match the incident history exactly:

{table(("Component", "Outage counted", "Uptime, 90 days"), rows)}

Cirrus Weather's {down['weather']} minutes come from two incidents: a {down['weather'] - 17}-minute spell of
elevated 503 errors on 18 November, and the 17-minute DNS failure on 21 October that took every hosted service
down at once. The open data portal lost {down['opendata']} minutes, most of them to an expired certificate on
2 September.

## What the figure leaves out

**Partial outages count as full ones, or not at all.** During the weather incident about 30% of requests
failed. The page counts all 46 minutes as outage, which overstates the damage for most clients but understates
it for a client whose every request happened to fail. Other providers weight partial outages by the share of
failed requests. Neither method is wrong, but they are not comparable.

**Slowness is not downtime.** On 3 November the shop API took four to six seconds to answer listing requests
for 45 minutes. The status page lists the incident but counts zero minutes, because requests succeeded. For a
checkout page with a three-second timeout, those 45 minutes were an outage.

**Maintenance is excluded.** The object-storage move on 9 October ran for 90 minutes, with writes refused for
up to a minute at a time. It was announced a week ahead and does not count. That is a reasonable convention,
provided the announcement really reaches the people affected.

**Today's incident is not in the number yet.** The FX API has been slow since 07:55 this morning. The page shows
it as "degraded performance" with an open incident, but the 90-day figure runs to 29 November.

## Dependencies multiply

A service that depends on several others can only be as available as all of them together. If an application
needs the DNS, the API gateway and one hosted API, each at 99.95%, and their failures are independent, the
chance that all three are up at a given moment is 0.9995 × 0.9995 × 0.9995, about
{100 * 0.9995 ** 3:.2f}%. Over 90 days that is roughly {minutes * (1 - 0.9995 ** 3):.0f} minutes of expected
trouble, three times the budget of any single part. Failures are rarely fully independent, which cuts both
ways: the DNS incident on 21 October took everything down at once, so for those 17 minutes the three
dependencies failed as one.

## What to do with a status page

1. Convert the percentage to minutes for a period you care about; minutes are easier to reason about.
2. Read the incident history, not just the headline figure. The causes tell you more than the total: a DNS
   failure that takes out everything at once is a different risk from a flaky cache on one service.
3. Check what counts: partial outages, latency, maintenance.
4. Subscribe to the feed (the page offers [RSS](http://status.harbourline.example.net/feed.xml)) so you hear about
   incidents before your users do.
5. Measure from your side too. A provider's status page reports what the provider sees; your own error
   rate is what your users see.

An uptime percentage is a summary, and like every summary it was chosen by someone. It is worth knowing what
they chose.
"""


def _fx_essay() -> str:
    rates = apis.fx_rates()
    usd = {day: values["USD"] for day, values in rates.items()}
    low_day, high_day = min(usd, key=lambda d: usd[d]), max(usd, key=lambda d: usd[d])
    amount = 10_000
    low_eur, high_eur = amount / usd[high_day], amount / usd[low_day]
    hotel = 1_850
    paid, claimed = "2026-11-06", "2026-11-27"
    return f"""
Every month someone in finance receives an expense report where a US-dollar hotel bill has been converted at
whatever rate the traveller found when they filled in the form. Every month the totals disagree with the card
statement by a few euros, and every month somebody spends an afternoon finding out why. The fix is a rule with
two parts: one source for rates, and one date per amount.

## How much the date matters

Exchange rates move every day. Using the
[Ledgerline reference rates](http://api.ledgerline.example.net/) for November 2026, one euro bought between
**{usd[low_day]}** US dollars (on {low_day}) and **{usd[high_day]}** (on {high_day}). That looks like a small
range, but on a ${amount:,} invoice it is the difference between €{low_eur:,.2f} and €{high_eur:,.2f}, a gap of
€{high_eur - low_eur:,.2f}.

A traveller who paid a ${hotel:,} hotel bill on {paid} and filled in the claim on {claimed} could convert it at
either date:

| Rate date | USD per EUR | Claim in euros |
|---|---|---|
| {paid} (transaction) | {usd[paid]} | €{hotel / usd[paid]:,.2f} |
| {claimed} (claim) | {usd[claimed]} | €{hotel / usd[claimed]:,.2f} |

Neither is dishonest. They are just different, and a company needs everyone to make the same choice. The
usual rule, and the one in most travel policies, is the rate of the **transaction date**: it matches what the
card issuer did, give or take their fee.

## Weekends and holidays

Reference rates are published on business days only. A taxi paid on Saturday has no rate of its own; the
convention is the previous business day's rate. An API that answers `404` for a Saturday is not broken, it is
telling you there is no such rate. Code that converts amounts should step back day by day until it finds one,
and should say in its output which date it used.

## Direction and cross rates

Reference rates are quoted as units of foreign currency per euro. To convert dollars to euros, divide by the
rate; to convert euros to dollars, multiply. Getting this backwards is the second most common error. The
result is off by a factor of the rate squared, about {usd[claimed] ** 2:.2f} for the dollar: wrong by
{100 * (usd[claimed] ** 2 - 1):.0f}%, which is small enough to survive a quick glance at a total.

For two currencies that are not the euro, divide one rate by the other, using the same date for both. The
[cross-rate page](http://api.ledgerline.example.net/docs/cross-rates.html) works an example.

## The card statement is not the reference rate

A reference rate is a mid-market rate: halfway between what banks buy and sell at. Card issuers convert at
their own rate and usually add a margin of one to three per cent, so the euro amount on a statement is a
little higher than the same amount converted at the reference rate. Most expense policies therefore say that
when the statement already shows the amount in euros, that amount is reimbursed as it is; the reference rate is
for cash payments and for statements in the foreign currency. Mixing the two methods within one report is how
small, unexplainable differences appear.

## Rounding

Convert with full precision and round once, at the end, to the cent. Rounding the rate to two decimals first
changes a ${amount:,} conversion by several euros. Summing rounded line items and comparing the total with a
converted total will produce differences of a cent or two; decide in advance which one is authoritative,
usually the line items.

## A small checklist for expense code

1. Store the original amount and currency, never only the converted one.
2. Store the rate and the rate date next to the converted amount.
3. Use one published source for every conversion.
4. For days without a rate, use the previous business day, and record that you did.
5. Round once, at the end.

With those five rules the monthly afternoon of detective work becomes a two-minute check.
"""


def _holidays_essay() -> str:
    resolved = holidays._holidays()
    rows = []
    for name, days in resolved.values():
        weekend = sum(1 for day, *_ in days if day.weekday() >= 5)
        rows.append((name, len(days), weekend, len(days) - weekend))
    easter = holidays.easter(holidays.YEAR)
    most = max(rows, key=lambda r: r[2])
    return f"""
A list of public holidays looks like the simplest dataset in the world: a country, a date, a name. Building the
[Almanac API](http://holidays.almanac.example.org/) taught me that almost every part of that sentence hides a rule. Here
are the ones that catch people out, with 2026 as the example year.

## Most holidays are computed, not fixed

Only about half of the holidays in a typical European country fall on the same date every year. The rest move:

- **Relative to Easter.** Good Friday, Easter Monday, Ascension Day (39 days after Easter Sunday), Whit Monday
  (50 days after) and Corpus Christi all follow Easter. Western Easter is the first Sunday after the first
  ecclesiastical full moon on or after 21 March, which a well-known arithmetic algorithm computes without any
  astronomy. In {holidays.YEAR} it falls on {easter.strftime("%A %d %B").replace(" 0", " ")}.
- **The n-th weekday of a month.** The United States puts most federal holidays on Mondays: the third Monday of
  January, the last Monday of May, the first Monday of September. Thanksgiving is the fourth Thursday of
  November. The UK's bank holidays are the first and last Mondays of May and the last Monday of August.
- **The first given weekday after a date.** Sweden celebrates Midsummer Day on the Saturday between 20 and
  26 June and All Saints' Day on the Saturday between 31 October and 6 November. Ireland's St Brigid's Day is
  the first Monday in February, unless 1 February is a Friday, in which case it is that Friday.

Typing such dates into a table by hand is how errors creep in. Compute them from the rule, then check a few
against an official calendar.

## Observed days

When a holiday falls on a weekend, some countries move the day off. In {holidays.YEAR}, the United States'
Independence Day is a Saturday, so federal employees have Friday 3 July off. In England and Wales, Boxing Day
is a Saturday and the substitute bank holiday is Monday 28 December. Other countries do nothing: a holiday on a
Sunday is simply lost. A good dataset keeps both the date of the holiday and the date it is observed; mixing
them up puts people in the office on the wrong day.

## Weekends eat holidays

How many of a country's holidays actually give people a day off depends on the calendar. In {holidays.YEAR}:

{table(("Country", "Public holidays", "On a weekend", "On a weekday"), rows)}

{most[0]} has the most on weekends this year, {most[2]} of its {most[1]} holidays. Some holidays fall on a weekend
by definition: Easter Sunday and Whit Sunday are always Sundays, and Sweden's Midsummer Day and All Saints'
Day are always Saturdays. Countries differ in whether they list such days at all, so comparing the number of
public holidays between countries says little about the number of days off.

## National is not the whole story

Germany has nine nationwide holidays, but states add their own: Epiphany in Bavaria, Reformation Day in
several northern and eastern states. Spain's national list is short and every autonomous community adds to it.
Switzerland
leaves almost everything to the cantons. An API that returns "Germany" without a region is answering a
slightly different question from the one an employee in Munich is asking. Almanac lists national holidays only
and says so on its front page; any dataset should say which level it covers.

## Holidays change

Governments add and remove holidays: new national days, a holiday moved to a Monday, a religious day dropped
from the statutory list. A holiday table is a snapshot of the law for one year, and needs a source and a date.

## Checklist for holiday data

1. Record the rule, not just the date, and compute each year from it.
2. Keep the date and the observed date separately.
3. Say which level the list covers: national, regional, or local.
4. Treat "day off by custom", such as Christmas Eve in much of Europe, as different from "public holiday".
5. Check every year; laws change.
"""


def essays() -> list[tuple[str, str, str, str, str, str]]:
    """The computed essays: (slug with year and month, title, author, date, summary, markup)."""
    return [
        ("2026/11/one-week-of-sensor-data", "What one week of sensor data can and cannot tell you", "Maya Ostrander",
         "2026-11-25", "Rankings from a single week of air-quality readings, and the claims they do not support.",
         _sensor_essay()),
        ("2026/08/when-the-counts-went-down", "When ridership went up and the counts went down", "Joel Kettering",
         "2026-08-19", "How a dock firmware update hid most bike returns at one station for eight weeks.",
         _bike_essay()),
        ("2026/11/what-uptime-means", "What 99.95% uptime actually means", "Joel Kettering", "2026-11-30",
         "Turning a status page's percentages back into minutes, and what they leave out.", _uptime_essay()),
        ("2026/11/one-rate-one-date", "One rate, one date: exchange rates in expense reports",
         "Rosalind Adeyemi-Hart", "2026-11-28",
         "Why the rate date matters more than the source, with November 2026's euro-dollar rates.",
         _fx_essay()),
        ("2026/09/public-holidays-are-hard", "Public holidays are harder than they look", "Maya Ostrander",
         "2026-09-29", "Easter arithmetic, observed days and weekends: the rules behind a simple-looking list.",
         _holidays_essay()),
    ]
