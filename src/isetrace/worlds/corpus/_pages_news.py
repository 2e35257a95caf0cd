"""The Brackenford Courier: local news of 2026 for the fictional city, with sections and an RSS feed.

Figures quoted from the open data portal (budget, ridership, retail sales, air quality) are computed from the
same generators as the datasets, so an article and its source always agree.
"""

from __future__ import annotations

from collections import defaultdict

from . import _pages_data as data
from ._common import Page, page, raw, rss, table

HOST = "news.brackenford.example.com"
BASE = f"http://{HOST}"
DATA = "http://data.brackenford.example.org/datasets"
SECTIONS = [("city", "City"), ("business", "Business"), ("technology", "Technology"), ("science", "Science"),
            ("sport", "Sport"), ("culture", "Culture")]

SITES = {HOST: {"name": "The Brackenford Courier",
                "nav": [("Front page", "/"), *((name, f"/section/{slug}.html") for slug, name in SECTIONS),
                        ("RSS", "/feed.xml")],
                "footer": "The Brackenford Courier · independent local news since 1987 · [RSS](/feed.xml)"}}


def _eur(amount: float) -> str:
    return f"€{amount / 1e6:,.1f} million"


def _computed() -> list[tuple[str, str, str, str, str, str, str]]:
    """Articles whose figures come from the open data generators."""
    lines = data.budget()
    by_dept: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for _, department, _, before, after in lines:
        by_dept[department][0] += before
        by_dept[department][1] += after
    total_25 = sum(v[0] for v in by_dept.values())
    total_26 = sum(v[1] for v in by_dept.values())
    fastest = max(by_dept, key=lambda d: by_dept[d][1] / by_dept[d][0])
    slowest = min(by_dept, key=lambda d: by_dept[d][1] / by_dept[d][0])
    dept_rows = [(d, _eur(v[0]), _eur(v[1]), f"{100 * (v[1] / v[0] - 1):+.1f}%", f"{100 * v[1] / total_26:.1f}%")
                 for d, v in sorted(by_dept.items(), key=lambda kv: -kv[1][1])]
    gritting = next(after for _, _, name, _, after in lines if name == "Winter gritting")
    biggest = sorted(lines, key=lambda line: -line[4])[:5]
    top_lines = [(name, department, _eur(after)) for _, department, name, _, after in biggest]

    rides = {(month, line): n for month, line, n in data.ridership()}
    trams_26, trams_25 = rides[("2026-10", "T1")] + rides[("2026-10", "T2")], rides[("2025-10", "T1")] + rides[
        ("2025-10", "T2")]
    all_26 = sum(n for (m, _), n in rides.items() if m == "2026-10")

    sales: dict[str, float] = defaultdict(float)
    for month, _, amount, _ in data.retail_sales():
        sales[month] += float(amount)
    august = 100 * (sales["2026-08"] / sales["2025-08"] - 1)

    readings: dict[str, list[float]] = defaultdict(list)
    for _, sensor, pm25, *_ in data.air_quality():
        if pm25:
            readings[sensor].append(float(pm25))
    means = {s: sum(v) / len(v) for s, v in readings.items()}
    worst = max(means, key=lambda s: means[s])
    peak = max(max(v) for v in readings.values())

    return [
        ("2026-02-24", "city", "council-approves-2026-budget", f"Council approves {_eur(total_26)} budget for 2026",
         "Dominic Oyelaran", f"Spending rises {100 * (total_26 / total_25 - 1):.1f}%, most of all for "
         f"{fastest.lower()}.", f"""
Brackenford City Council last night approved a revenue budget of **{_eur(total_26)}** for 2026, up from
{_eur(total_25)} in 2025, an increase of {100 * (total_26 / total_25 - 1):.1f}%. The vote was 38 to 21.

Education remains the largest department at {_eur(by_dept['Education'][1])}. The fastest-growing is
{fastest.lower()}, up {100 * (by_dept[fastest][1] / by_dept[fastest][0] - 1):.1f}%; the slowest is
{slowest.lower()}, at {100 * (by_dept[slowest][1] / by_dept[slowest][0] - 1):+.1f}%.

The full budget, line by line, is published on the
[open data portal]({DATA}/municipal-budget-2026.html). Our [guide to the budget](/2026/10/budget-explained.html)
breaks it down department by department.
"""),
        ("2026-10-30", "city", "budget-explained", f"Where {_eur(total_26)} goes: the 2026 budget explained",
         "Dominic Oyelaran", "A department-by-department guide to the council's spending this year.", f"""
Every household in Brackenford pays for the council's services, but few of us ever read the budget. With
next year's plan due for its first reading in January, here is where this year's money is going, using the
figures the council publishes as [open data]({DATA}/municipal-budget-2026.html).

## The headline

The council approved **{_eur(total_26)}** of revenue spending for 2026, against {_eur(total_25)} the year
before. That is the day-to-day cost of running services: salaries, contracts, energy, grants. Building new
things, such as the Eastgate library refurbishment, comes from a separate capital budget that is not included.

{table(("Department", "2025", "2026", "Change", "Share of 2026"), dept_rows)}

## Education and care take more than half

Schools and social care together account for
{100 * (by_dept['Education'][1] + by_dept['Social care'][1]) / total_26:.1f}% of spending. Much of the
education budget passes straight to schools, and the council has little say over how it is used. Social care
is where the pressure is: the number of people receiving care at home has risen every year since 2021, and
care for older people is the largest single line outside the schools.

## Roads, trams and salt

Transport and roads gets {_eur(by_dept['Transport and roads'][1])}. That pays for pothole repairs, street
lighting and the subsidy that keeps tram and bus fares at their current level, which rose to €2.10 for a
single in January. Winter gritting has its own line of {_eur(gritting)}, which pays for the salt, the gritter
fleet and the crews who drive it on cold nights.

## The small departments

Culture and libraries, at {_eur(by_dept['Culture and libraries'][1])}, is the smallest department but grew
faster than most this year, partly to pay for longer opening hours at the refurbished Eastgate branch.
Public safety covers the council's contribution to the regional fire service, community wardens and emergency
planning.

## The biggest single lines

Departments are made of lines, and a handful of lines carry most of the money:

{table(("Line", "Department", "2026"), top_lines)}

Together these five lines account for {100 * sum(line[4] for line in biggest) / total_26:.1f}% of the budget.

## Where the money comes from

The budget is paid for by council tax, business rates, government grants, and fees and charges such as
parking, planning applications and leisure centre tickets. The council's own summary puts council tax at a
little under half of the total and grants at about a third. Parking fines and permit income go to the
transport department, which is why enforcement figures are followed closely by both drivers and
councillors.

## What happens next

The draft 2027 budget will be published on 12 January, with a public consultation until 9 February and a
final vote at the end of February. Residents can comment online or at any library branch. Councillors have
warned that energy and care costs will make 2027 harder: the finance department's medium-term plan assumes
growth of under 2% a year, well below this year's.

Readers who want to check our arithmetic can download the budget as CSV and add up the
`budget_2026_eur` column by department; the totals above match it to the euro.
"""),
        ("2026-11-17", "city", "tram-ridership-october", "Trams carried "
         f"{trams_26 / 1e6:.2f} million passengers in October", "Ilse Varga",
         "Boardings on the two tram lines rose year on year despite the Cathedral Square closure.", f"""
The city's two tram lines recorded **{trams_26:,} boardings** in October, compared with {trams_25:,} in
October 2025, a change of {100 * (trams_26 / trams_25 - 1):+.1f}%, according to figures published on the
[open data portal]({DATA}/transit-ridership-monthly.html). Across all eight lines, including buses, the
Lindholm ferry and the Carrow Bay railway, there were {all_26:,} boardings.

Regional Transit noted that a journey with a change counts twice, so the figures overstate the number of
trips. Line T1 is currently not stopping at Cathedral Square because of paving works, which run until
18 December ([service alerts](http://transit.brackenford.example.org/alerts.html)).
"""),
        ("2026-09-22", "business", "retail-sales-august", f"August shop sales {august:+.1f}% on a year ago",
         "Samir Haddou", "The panel of 640 shops reported higher sales in every region.", f"""
Shops in Brackenford took **{_eur(sales['2026-08'])}** in August, {august:+.1f}% more than in August 2025
({_eur(sales['2025-08'])}), according to the monthly retail panel run by the council's economic development
team. The figures are not adjusted for inflation, which was running at about 2% over the same period, so
the real increase is smaller.

The data, split by region and month back to January 2024, is on the
[open data portal]({DATA}/retail-sales-by-region.html).
"""),
        ("2026-11-24", "science", "air-quality-week", "One week of air-quality data, sensor by sensor",
         "Hanna Lindgren", "Eastgate Junction had the highest fine-particle levels; Hollins Park the lowest.", f"""
The council's four air-quality sensors published a full week of hourly readings for 16 to 22 November. Average
fine particulate matter (PM2.5) ranged from **{means['AQ-04']:.1f} µg/m³** at Hollins Park to
**{means[worst]:.1f} µg/m³** at Eastgate Junction, with the highest single hour at {peak:.1f} µg/m³ during
the morning rush.

{table(("Sensor", "Location", "Mean PM2.5 (µg/m³)", "Hours with data"),
       [(s, loc, f"{means[s]:.1f}", len(readings[s])) for s, loc in
        (("AQ-01", "Market Hall"), ("AQ-02", "Harbourside Quay"), ("AQ-03", "Eastgate Junction"),
         ("AQ-04", "Hollins Park"))])}

The Eastgate sensor was offline for eight hours on 19 November, which the council marks as missing values
rather than zeros. The readings are [published as CSV]({DATA}/air-quality-hourly.html). For a careful look at
what a single week can show, see
[this analysis](http://blog.fieldnotes.test/2026/11/one-week-of-sensor-data.html).
"""),
    ]


# date, section, slug, title, author, summary, markup
ARTICLES: list[tuple[str, str, str, str, str, str, str]] = [
    ("2026-01-05", "city", "transit-fares-rise", "Bus and tram fares rise to €2.10 for a single", "Ilse Varga",
     "The first fare rise since 2023 adds ten cents to a single ticket; passes are unchanged.", """
Single tickets on Brackenford's trams, buses and ferry rose from €2.00 to **€2.10** on 1 January, the first
increase since 2023. Two- and three-zone singles rose to €2.90 and €3.60. The day pass stays at €6.50 and
the monthly pass at €79.00.

Regional Transit said the rise covers higher energy prices for the trams. Half-price fares for under-18s,
students and over-65s continue. The full fare table is on the
[Regional Transit website](http://transit.brackenford.example.org/fares.html).
"""),
    ("2026-03-12", "science", "air-quality-sensors", "Four sensors to measure the city's air", "Hanna Lindgren",
     "Hourly readings of particles and nitrogen dioxide will be published as open data.", """
The council has installed four air-quality sensors: at Market Hall, on Harbourside Quay, at Eastgate
Junction and in Hollins Park. They measure fine and coarse particles (PM2.5 and PM10), nitrogen dioxide and
temperature every hour.

Eastgate Junction was chosen because it has the heaviest traffic in the city; Hollins Park serves as a
background site away from roads. Readings will be published weekly on the open data portal. The World Health
Organization's guideline for PM2.5 is a 24-hour mean of 15 µg/m³ and an annual mean of 5 µg/m³.
"""),
    ("2026-04-20", "business", "pinemoor-second-warehouse", "Pinemoor Outfitters opens second warehouse",
     "Samir Haddou", "The outdoor retailer adds 4,000 m² at Business Park and 22 jobs.", """
Online outdoor retailer Pinemoor Outfitters has opened a second warehouse at Business Park, next to the
Airport Express line. The 4,000 m² building, known internally as BRK-2, doubles the company's storage and
brings its Brackenford workforce to 86.

Founded in 2009 in a lock-up behind Market Hall, Pinemoor now ships tents, packs and stoves across Europe.
Its managing director said the new site would let it offer same-day dispatch for orders placed before 14:00.
The company also publishes its catalogue through a
[public API](http://api.pinemoor.example.com/), which hobbyist developers use to track prices.
"""),
    ("2026-06-15", "sport", "harbour-10k-record", "Harbour 10K draws a record 4,812 finishers", "Jonas Feldkamp",
     "Warm, still conditions and a flat course produced fast times on Sunday.", """
A record **4,812 runners** finished Sunday's Harbour 10K, up from 4,390 last year. The course runs from
Quayside along the harbour wall to Gull Point and back.

| Place | Runner | Club | Time |
|---|---|---|---|
| 1 | Tobias Renwick | Brackenford Harriers | 30:41 |
| 2 | Eilidh Moncrieff | Stourby AC | 31:05 |
| 3 | Kwame Asante-Dahl | unattached | 31:22 |
| 4 | Lotte Brenninkamp | Brackenford Harriers | 32:10 |
| 5 | Arjun Castellane | Carrow Bay Runners | 32:48 |

Moncrieff's time is a women's course record, beating the previous best by 19 seconds. The median finishing
time was 58:37. Organisers raised €41,300 for the harbour lifeboat station.
"""),
    ("2026-06-28", "city", "greener-harbour", "The long road to a greener harbour", "Aoife Brennan-Kaur",
     "Ten years after the container terminal closed, Harbourside is a district in the making.", """
When the container terminal at Harbourside closed in 2016, it left 38 hectares of concrete, six empty sheds
and a stretch of water that the city had turned its back on for a century. Ten years later, the district has
1,900 new homes, a ferry terminal, a tram line and a bike-share station that is one of the busiest in the city.
It also has problems that the plans did not foresee.

## From cranes to kitchens

The regeneration began with the tram. Line T1 was extended from Central Station to the new Harbourside Ferry
Terminal in 2019, three years before most of the housing was finished. Planners argued that transport had to
come first if residents were not to arrive with cars, and the bet paid off: a 2025 survey found that 41% of
Harbourside households do not own a car, against 23% for the city as a whole.

The old customs house became the Harbourside library branch in 2021. Two of the container sheds were kept
and now house a food market and a rowing club. The others were demolished to make way for a park along the
harbour wall, planted with 320 trees, mostly small-leaved lime and field maple, chosen for their tolerance of
salt spray.

## Water, wind and parking

What the district did not plan well for was the weather. The harbour wall is exposed to westerly gales, and
the F1 ferry to Lindholm Island is cancelled on roughly one day in twelve between November and February.
Residents on the upper floors of the first blocks complain of wind noise, and the council has spent
€1.1 million on glass screens along the promenade.

Flooding is a longer-term worry. The quay sits 2.4 metres above the average high tide. The council's flood
defence line in this year's budget pays for a survey of the wall, due in 2027, which will decide whether it
needs raising.

Parking, meanwhile, has become the district's most argued-about subject. With only one space for every three
homes, delivery vans double-park in the narrow streets, and parking enforcement in zone B, which covers
Harbourside, issues more double-parking notices than in any other zone outside the centre.

## By the numbers

| Measure | Harbourside | Whole city |
|---|---|---|
| New homes since 2016 | 1,900 | |
| Households without a car (2025 survey) | 41% | 23% |
| Trees planted in the harbour park | 320 | |
| Parking spaces per home | 0.33 | about 0.9 |
| Homes still to be built | 600 | |

The figures come from the council's regeneration reports and the 2025 household travel survey. The car
ownership gap is the one planners cite most often; the parking ratio is the one residents mention first.
Both numbers point the same way: the district works best for people who do not need a car, and the next
phase will test whether that can hold as families with children move in.

## What comes next

The last phase, 600 homes on the site of the former grain silo, is due to start in 2027. A school is
promised for 2028. The district's residents' association says its priorities are a GP surgery, a second
tram stop at the southern end of the quay, and a solution for the bike-share station, whose docks have been
unreliable since a software update in June.

For now, Harbourside on a still summer evening, with the rowing club on the water and queues at the food
market, looks like the place its planners imagined. On a wet Tuesday in January it still feels like a
building site with a view.
"""),
    ("2026-07-28", "technology", "bike-share-undercount", "Bike-share returns undercounted for eight weeks",
     "Mirela Stan", "A firmware update at Harbourside Quay stopped the station reporting most returns.", """
The council has admitted that the Harbourside Quay bike-share station (BS-07) under-reported returned bikes
from 3 June until today, after a firmware update to its docks. Bikes were locked and charged correctly, but
most returns were not recorded in the monthly statistics.

The published [bike-share dataset](http://data.brackenford.example.org/datasets/bike-share-monthly.html)
will keep the faulty June and July figures, marked with a note, rather than estimating replacements. Trips
started at the station were counted correctly throughout.
"""),
    ("2026-08-10", "culture", "lindholm-folk-festival", "Lindholm folk festival sells out in record time",
     "Aoife Brennan-Kaur", "All 3,500 weekend tickets went in 41 minutes; extra ferry sailings are planned.", """
Tickets for the Lindholm Island folk festival, on 4 to 6 September, sold out in 41 minutes on Saturday
morning. The festival is capped at 3,500 visitors because everyone must arrive by ferry.

Regional Transit will run extra F1 sailings every 45 minutes until midnight on the festival's three evenings.
Festival-goers are advised that bikes cannot be taken on board during the festival.
"""),
    ("2026-09-03", "technology", "open-data-outage", "Open data downloads back after 85-minute outage",
     "Mirela Stan", "An expired certificate on the hosting provider's side blocked all downloads.", """
Downloads from the Brackenford open data portal failed for 85 minutes on Wednesday morning, from 06:40 to
08:05 UTC, because a security certificate at the council's hosting provider, Harbourline Cloud, had expired.
The provider's [status page](http://status.harbourline.example.net/incidents/2026-09-02-opendata-downloads.html) lists
the incident. No data was lost.
"""),
    ("2026-10-05", "city", "eastgate-library-date", "Eastgate library to reopen on 2 November", "Ilse Varga",
     "The €3.2 million refurbishment adds a maker space and longer opening hours.", """
The Eastgate branch of Brackenford Public Library, closed since January for a €3.2 million refurbishment,
will reopen on **Monday 2 November**. It gains a maker space with 3D printers and sewing machines, a quiet study
room with 24 desks, and step-free access from the tram stop. Weekday hours will be 10:00 to 19:00.
"""),
    ("2026-10-21", "technology", "dns-fault", "Fault knocks city websites offline for 17 minutes", "Mirela Stan",
     "A configuration error at the hosting provider made council and business sites unreachable overnight.", """
Council websites, the open data portal and several businesses hosted by Harbourline Cloud were unreachable
for 17 minutes early on Wednesday, from 02:14 to 02:31 UTC. The provider said a DNS zone update had been
published with an expired signature, so resolvers rejected it. The previous version was restored. Its
[incident report](http://status.harbourline.example.net/incidents/2026-10-21-dns.html) gives the timeline.
"""),
    ("2026-11-02", "culture", "eastgate-library-reopens", "Eastgate library reopens with a maker space",
     "Aoife Brennan-Kaur", "Hundreds queued for the reopening; 212 new members joined on the first day.", """
The refurbished Eastgate library opened its doors at 10:00 on Monday to a queue of several hundred people.
By closing time 212 new library cards had been issued. The maker space is booked out for its first two weeks.
Opening hours and events are on the [library's website](http://library.brackenford.example.org/branches.html).
"""),
    ("2026-11-12", "city", "cathedral-square-works", "Trams to skip Cathedral Square until 18 December",
     "Ilse Varga", "Paving works close the stop for five weeks; Market Hall is the nearest alternative.", """
T1 trams will pass through Cathedral Square without stopping from Monday 16 November until Friday
18 December while the square is repaved. Passengers should use Market Hall, 250 metres away. The Central
Library entrance on the square stays open, with a signed walkway through the works.
"""),
    ("2026-11-19", "sport", "athletic-beat-stourby", "Athletic come from behind to beat Stourby 2–1",
     "Jonas Feldkamp", "Two goals in the last twenty minutes lift Brackenford Athletic to fourth.", """
Brackenford Athletic beat Stourby Town 2–1 at Quayside Park on Wednesday evening in front of 6,240
spectators. Stourby led from the 34th minute, but Nadia Ferreira-Holm equalised in the 71st and substitute
Ben Achterberg headed the winner in the 88th. Athletic move up to fourth with 27 points from 15 games, three
behind the leaders, Carrow Bay.
"""),
    ("2026-11-25", "city", "t2-weekend-closure", "No trams between Eastgate and University on 5–6 December",
     "Ilse Varga", "Track renewal means replacement buses for the weekend.", """
Line T2 will not run between Eastgate and University on Saturday 5 and Sunday 6 December while worn rails
are replaced. Replacement buses will leave every 10 minutes from stop E3 outside Eastgate station; Regional
Transit advises allowing 15 extra minutes. Trams run as normal between Westcombe and Eastgate.
See the [service alerts](http://transit.brackenford.example.org/alerts.html).
"""),
    ("2026-11-26", "culture", "fenella-marsh-talk", "Crime writer Fenella Marsh to speak at Central Library",
     "Aoife Brennan-Kaur", "The author of 'Night Trains to Carrow Bay' talks on 3 December.", """
Fenella Marsh, whose mystery *Night Trains to Carrow Bay* was the library's most borrowed new novel this
year, will talk about writing it at Central Library on Thursday 3 December at 18:30. Entry is free but must be
booked at a branch desk. The novel is set on the R2 line, and Marsh says she rode it "about forty times" while
writing.
"""),
    ("2026-11-29", "city", "storm-ferry-warning", "Storm to disrupt Lindholm ferry on Monday", "Ilse Varga",
     "Gusts of up to 90 km/h are expected on the coast on Monday morning.", """
Regional Transit has warned that Monday's early F1 sailings to Lindholm Island are likely to be cancelled as
westerly gales reach the coast, with gusts of up to 90 km/h on the harbour wall. A decision on later sailings
will be made at 10:00. Islanders with hospital appointments can book the council's emergency launch on
ext. 4400. Current alerts are on the [Regional Transit site](http://transit.brackenford.example.org/alerts.html).
"""),
    ("2026-11-27", "business", "christmas-retail-outlook", "Shops expect a steady Christmas", "Samir Haddou",
     "Retailers surveyed by the chamber of commerce forecast modest growth.", """
Two thirds of 180 Brackenford retailers surveyed by the chamber of commerce expect December sales to be
higher than last year, and 12% expect them to be lower. December is the strongest month of the year in the
council's retail panel, typically around 30% above an average month.

Online sellers are more cautious: several cited higher delivery costs. Pinemoor Outfitters, which runs a
20% winter sale until 6 December, said its last date for Christmas delivery within the EU is 17 December.
"""),
]


def pages() -> list[Page]:
    articles = sorted(ARTICLES + _computed(), key=lambda a: (a[0], a[2]), reverse=True)
    out: list[Page] = []
    names = dict(SECTIONS)
    for date, section, slug, title, author, summary, markup in articles:
        url = f"{BASE}/{date[:4]}/{date[5:7]}/{slug}.html"
        body = f"**{summary}**\n\n{markup.strip()}\n\n[More {names[section].lower()} news](/section/{section}.html)"
        out.append(page(url, title, "article", body, date=date, author=author, summary=summary))

    def listing(items: list[tuple[str, str, str, str, str, str, str]]) -> str:
        return "\n".join(f"- {a[0]} · [{a[3]}](/{a[0][:4]}/{a[0][5:7]}/{a[2]}.html): {a[5]}" for a in items)

    for slug, name in SECTIONS:
        items = [a for a in articles if a[1] == slug]
        out.append(page(f"{BASE}/section/{slug}.html", name, "listing", listing(items)))
    lead = articles[0]
    out.append(page(f"{BASE}/", "The Brackenford Courier", "listing", f"""
## [{lead[3]}](/{lead[0][:4]}/{lead[0][5:7]}/{lead[2]}.html)

{lead[5]}

## Latest

{listing(articles[1:])}
"""))
    feed = [(a[3], f"{BASE}/{a[0][:4]}/{a[0][5:7]}/{a[2]}.html", a[0], a[5]) for a in articles[:15]]
    out.append(raw(f"{BASE}/feed.xml", "The Brackenford Courier: latest news", "feed",
                   rss("The Brackenford Courier", f"{BASE}/", "Local news from Brackenford", feed), "xml"))
    out.append(raw(f"{BASE}/robots.txt", "robots.txt", "file",
                   "User-agent: *\nDisallow: /search\nDisallow: /account/\nCrawl-delay: 10\n\n"
                   "User-agent: ArchiveBot\nAllow: /\nCrawl-delay: 2\n", "text"))
    return out
