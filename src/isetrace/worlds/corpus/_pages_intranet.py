"""Tarnwell Instruments' intranet: a fictional company's handbook, policies, offices, teams and announcements."""

from __future__ import annotations

from ._common import Page, page, raw, table, to_json

HOST = "intranet.tarnwell.example.com"
BASE = f"http://{HOST}"
HOLIDAYS = "http://holidays.almanac.example.org/api/v1/holidays/2026"

SITES = {HOST: {"name": "Tarnwell Intranet",
                "nav": [("Home", "/"), ("Handbook", "/handbook.html"), ("Policies", "/policies/"),
                        ("Offices", "/offices.html"), ("Teams", "/teams.html"), ("IT help", "/it/helpdesk.html")],
                "footer": "Tarnwell Instruments · internal · questions to people@tarnwell.example.com"}}

# name, city, address, time zone, staff, holiday calendar (country code or "")
OFFICES = [("Brackenford (HQ)", "Brackenford", "Tarnwell House, 8 Foundry Lane, Millbrook", "Europe/Paris", 212, ""),
           ("Dublin", "Dublin", "Unit 4, Canalside Works, Grand Dock Road", "Europe/Dublin", 38, "IE"),
           ("Lyon", "Lyon", "17 rue des Tanneurs, 3e étage", "Europe/Paris", 27, "FR"),
           ("Rotterdam", "Rotterdam", "Veerhaven Kade 22", "Europe/Amsterdam", 19, "NL"),
           ("Oslo", "Oslo", "Brygge 5, Bjørvika", "Europe/Oslo", 11, "NO")]

# team, lead, office, people, extension
TEAMS = [("Sensor hardware", "Oskar Vennemann", "Brackenford (HQ)", 34, 4210),
         ("Firmware", "Leena Aaltonen-Ruiz", "Brackenford (HQ)", 22, 4220),
         ("Data platform", "Kofi Marchetti", "Dublin", 18, 4230),
         ("Manufacturing", "Brigid Tolland", "Brackenford (HQ)", 61, 4240),
         ("Quality and calibration", "Henrik Sørlie", "Oslo", 9, 4250),
         ("Sales, Europe", "Camille Duverger", "Lyon", 21, 4260),
         ("Customer support", "Ruairi Okonkwo", "Dublin", 16, 4270),
         ("Finance", "Marta Kuipers", "Rotterdam", 12, 4280),
         ("People", "Yasmin Holloway", "Brackenford (HQ)", 8, 4290),
         ("IT", "Dev Ranganathan", "Brackenford (HQ)", 11, 4100),
         ("Facilities", "Petra Lindahl", "Brackenford (HQ)", 7, 4300)]

PER_DIEM = [("Dublin", 62, 160), ("Lyon", 58, 130), ("Rotterdam", 60, 140), ("Oslo", 85, 190), ("London", 75, 210),
            ("Other EU cities", 55, 140), ("Outside the EU", 70, 180)]

POLICIES: list[tuple[str, str, str, str]] = [
    ("travel-and-expenses", "Travel and expenses", "2026-09-01", f"""
Owner: Finance. Applies to all employees and contractors travelling on company business.

## Approval

- Trips costing up to €1,500 in total are approved by your line manager; above €1,500, by your department
  head as well.
- Book flights and hotels through the travel desk (travel@tarnwell.example.com) at least **14 days** ahead.
  Later bookings need a reason in the request.
- Economy class for flights under six hours; premium economy is allowed above six hours.
- Rail is preferred to flying for journeys under four hours door to door.

## Daily allowance and hotel caps

The daily allowance covers meals and incidentals and is paid per night away, without receipts. Hotel costs are
reimbursed at cost up to the cap, per night, including breakfast and taxes.

{table(("Destination", "Daily allowance", "Hotel cap per night"),
       [(city, f"€{allowance}", f"€{cap}") for city, allowance, cap in PER_DIEM])}

On the first and last day of a trip the allowance is paid at 50%. Meals provided by a host or a conference
reduce the allowance by €15 (lunch) or €20 (dinner).

## Expenses

- Submit claims within **60 days** of the expense in the expense tool. Older claims need the CFO's approval.
- Keep a receipt for every item over €25.
- Private car use is paid at **€0.30 per km**; parking and tolls at cost.
- Taxis are allowed when no public transport runs, or when carrying equipment over 10 kg.
- Alcohol is not reimbursed, except at approved client dinners (maximum €30 per person).

## Foreign currency

Convert amounts paid in another currency at the euro reference rate of the **transaction date**, as published
by [Ledgerline](http://api.ledgerline.example.net/). For weekends and holidays use the previous business day.
Card statements that already show euros are used as they are.
"""),
    ("annual-leave", "Annual leave and absence", "2026-01-01", """
Owner: People. The leave year is the calendar year.

## Entitlement

- **27 days** of annual leave for full-time staff, plus the public holidays of the country of your office
  (see [offices](/offices.html)). Part-time staff receive a pro-rata share, rounded up to the half day.
- From five years' service, one extra day; from ten years, two.
- Two paid volunteering days per year, booked like leave.

## Booking

Request leave in the HR system. Leave of more than three consecutive working days must be requested at least
**two weeks** ahead. Managers answer within five working days; no answer is not approval.

## Carry-over

Up to **5 days** may be carried into the next year and must be used by **31 March**. Days above five lapse
on 31 December unless leave was refused for business reasons, in which case the People team records an
exception.

## Office closure

The company closes between Christmas and New Year. In 2026 the closure days are 28, 29, 30 and 31 December;
those four days are deducted from annual leave. 24 December is a working day until 13:00.

## Sickness

Tell your manager before 10:00 on the first day of absence. From the eighth calendar day a doctor's
certificate is required. Sick days during booked leave are returned as leave if you report them on the day.
Public holiday dates by country are published by the [Almanac API](http://holidays.almanac.example.org/).
"""),
    ("remote-work", "Remote and hybrid work", "2025-06-01", """
- Employees whose role allows it may work remotely up to **three days a week**. Teams agree on at least one
  common office day.
- Core hours are 10:00 to 15:00 in your office's time zone; meetings are scheduled inside them.
- Home-office allowance: a one-off €300 for furniture and €25 per month towards internet and energy.
- Working from another country is allowed for up to **20 working days per year**, with your manager's and the
  People team's approval at least two weeks ahead, because of tax and insurance rules.
- Company data stays on company devices, also at home. Printing confidential documents at home is not allowed.
"""),
    ("it-acceptable-use", "IT acceptable use", "2026-03-15", """
Owner: IT. Applies to company laptops, phones, accounts and networks.

- Use the company's file storage for company data; personal cloud storage and personal e-mail accounts are
  not allowed for it.
- Install software from the self-service portal. Anything else needs an IT ticket; IT answers within two
  working days.
- USB storage is blocked except company-issued encrypted drives.
- Report a lost or stolen device to IT within **one hour** (ext. 4100, or outside office hours the on-call
  number on the back of your badge).
  IT can wipe it remotely.
- Occasional personal use of a company laptop is fine; anything illegal, or that would embarrass a colleague if
  shown on a screen, is not.
- Laptops are replaced every **four years**; phones every three.
"""),
    ("passwords-and-mfa", "Passwords and multi-factor authentication", "2026-02-01", """
Owner: IT Security.

- Passwords are at least **14 characters**. A passphrase of four or more unrelated words is easiest to
  remember.
- Passwords are **not** changed on a schedule. Change one immediately if you think it may be known to anyone
  else, and report it as an incident.
- Use the company password manager for every work account, and a different password for each.
- Multi-factor authentication is required on all accounts, with the authenticator app or a hardware key.
  Codes by SMS are not accepted.
- Never share a password or an MFA code, including with IT: IT will never ask for them.
- Screens lock after five minutes of inactivity; lock yours when you leave your desk (Windows key + L or
  Ctrl + Cmd + Q).
"""),
    ("security-incidents", "Reporting security incidents", "2026-02-01", """
Report anything suspicious at once to security@tarnwell.example.com or ext. **4999**, or with the
"Report phishing" button in the mail client. Reporting something that turns out to be harmless is never a
problem; waiting is.

| Severity | Examples | First response |
|---|---|---|
| P1 | active attacker, ransomware, customer data exposed | 15 minutes, day and night |
| P2 | a compromised account, a lost unencrypted device | 1 hour |
| P3 | a phishing e-mail that someone clicked but entered nothing | 1 working day |
| P4 | a suspicious e-mail not acted on | 5 working days |

If your laptop may be compromised, disconnect it from the network (Wi-Fi off, cable out) but do **not** switch
it off: memory contents help the investigation.
"""),
]

HANDBOOK = """
Welcome to Tarnwell Instruments. We design and build environmental sensors, including the air-quality
stations used by several city councils, and the software that collects their data. This handbook explains how
we work. Policies linked from it are binding; the rest is advice from people who have been here a while.

## Who we are

Tarnwell was founded in 2004 in a workshop in Millbrook and now employs about 300 people in five offices.
Headquarters and manufacturing are in Brackenford; data platform and customer support are in Dublin; sales
in Lyon; finance in Rotterdam; and calibration in Oslo. See [offices](/offices.html) and [teams](/teams.html).

## Working hours

The standard working week is 37.5 hours, Monday to Friday. Core hours are 10:00 to 15:00 in your office's
time zone; outside them, arrange your day with your team. Overtime in manufacturing is paid at 1.5 times the
hourly rate on weekdays and twice on Sundays and public holidays; other staff take time off in lieu within
three months.

## Pay and benefits

Salaries are paid on the **25th of each month**, or the last working day before it. Pay slips are in the HR
system. Benefits include a pension contribution of 6% of salary (8% from five years' service), a learning
budget of **€1,200 per year**, and a €400 yearly health allowance. Bicycles for commuting can be leased
through salary sacrifice.

## Probation and reviews

New employees have a six-month probation period with check-ins after one, three and five months.
Performance conversations happen twice a year, in **May and November**, and are about goals and growth rather
than ratings. Pay is reviewed once a year, effective 1 April.

## Time off

Leave, sickness and office closures are covered by the [annual leave policy](/policies/annual-leave.html).
In short: 27 days plus your country's public holidays, up to five days carried into the next year, and the
office closure between Christmas and New Year.

## Travel

Travel is booked through the travel desk and reimbursed under the
[travel and expenses policy](/policies/travel-and-expenses.html). Take the train when the journey is under
four hours.

## Security

Everyone is part of security. Use the password manager, keep MFA on, and report anything odd at once: see
[passwords](/policies/passwords-and-mfa.html) and [incident reporting](/policies/security-incidents.html). Our
sensors run in public places, so our customers trust us with their networks too.

## How we communicate

Decisions are written down. Use the team channels for questions, e-mail for anything external or formal, and
the intranet for anything that should still be findable next year. Meetings have an agenda in the invitation
and notes within a day. Company-wide updates are on the [intranet home page](/) and in the monthly all-hands
on the first Thursday of the month at 14:00 Brackenford time.

## Conduct

We expect respect for colleagues, customers and the people who live near our sensors. Harassment,
discrimination and retaliation are not tolerated. Concerns can be raised with your manager, the People team
(people@tarnwell.example.com) or anonymously through the ethics line, ext. 4777. Gifts from suppliers above
€50 must be declared.

## Leaving

The notice period is one month during probation and three months afterwards, unless your contract says
otherwise. Return your laptop, phone and badge on your last day; IT closes accounts at 18:00 that day.
"""

ANNOUNCEMENTS: list[tuple[str, str, str, str]] = [
    ("2026-11-23", "office-closure-2026", "Office closure over Christmas", """
All offices close from **Thursday 24 December at 13:00** until **Monday 4 January 2027**. The closure days
28 to 31 December are taken from annual leave; 25 December and 1 January are public holidays in every
office country, and 26 December falls on a Saturday. Manufacturing runs a skeleton shift on 30 December for
calibration; the rota is with Brigid Tolland. IT support during the closure: ext. 4100 is forwarded to the
on-call engineer from 09:00 to 17:00.
"""),
    ("2026-11-09", "expense-tool", "New expense tool from 1 December", """
From 1 December expenses are claimed in the new expense tool; the old forms are accepted until 31 December
for expenses incurred before 1 December. The tool reads receipts from a photo and converts foreign currencies
at the reference rate of the transaction date, as the [policy](/policies/travel-and-expenses.html) requires.
Training sessions: 25 November and 2 December, 11:00 and 15:00, in Osprey and online.
"""),
    ("2026-10-28", "all-hands-november", "All-hands on 5 November", """
The November all-hands is on **Thursday 5 November at 14:00** Brackenford time in Harbour View and online.
Agenda: third-quarter results, the new calibration lab in Oslo, and questions to the leadership team.
"""),
]

ROOMS = [("Heron", "Ground floor", 4, "screen"), ("Kestrel", "First floor", 8, "screen, whiteboard"),
         ("Osprey", "First floor", 12, "video conferencing, whiteboard"),
         ("Harbour View", "Second floor", 40, "projector, video conferencing, microphones"),
         ("Quiet room", "Second floor", 1, "no booking, 2-hour limit")]


def pages() -> list[Page]:
    out: list[Page] = []
    for slug, title, updated, markup in POLICIES:
        out.append(page(f"{BASE}/policies/{slug}.html", title, "docs", f"Last updated {updated}.\n\n{markup}"))
    out.append(page(f"{BASE}/policies/", "Policies", "listing", "\n".join(
        f"- [{title}](/policies/{slug}.html), updated {updated}" for slug, title, updated, _ in POLICIES)))
    out.append(page(f"{BASE}/handbook.html", "Employee handbook", "docs", HANDBOOK))
    for date, slug, title, markup in ANNOUNCEMENTS:
        out.append(page(f"{BASE}/announcements/{slug}.html", title, "article", markup, date=date, author="People team"))
    rows = [(name, address, zone, staff, f"[{code}]({HOLIDAYS}/{code}.json)" if code else "company calendar")
            for name, _, address, zone, staff, code in OFFICES]
    out.append(page(f"{BASE}/offices.html", "Offices", "docs", f"""
{table(("Office", "Address", "Time zone", "Staff", "Public holidays 2026"), rows)}

Brackenford staff follow the company holiday calendar published each December by the People team. Staff in
the other offices take the public holidays of the office's country, listed by the Almanac API linked above.
All offices are open 08:00 to 18:30 local time on working days. Visitors sign in at reception and are
accompanied at all times in manufacturing areas. Also as [JSON](/api/offices.json).
"""))
    out.append(raw(f"{BASE}/api/offices.json", "Offices", "api", to_json({"offices": [
        {"name": n, "city": c, "address": a, "timezone": z, "staff": s, "holiday_country": h or None}
        for n, c, a, z, s, h in OFFICES]}), "json"))
    out.append(page(f"{BASE}/teams.html", "Teams", "docs", f"""
{table(("Team", "Lead", "Office", "People", "Extension"), TEAMS)}

Total: {sum(t[3] for t in TEAMS)} people. Extensions are dialled internally from any office.
"""))
    out.append(page(f"{BASE}/it/helpdesk.html", "IT helpdesk", "docs", """
The IT helpdesk is open **08:00 to 18:00** Brackenford time on working days: ext. **4100** or
it@tarnwell.example.com. Urgent problems outside those hours: the on-call number on the back of your badge.

## Frequently asked

**I forgot my password.** Use "Forgot password" on the sign-in page; you will need your MFA app. If you have
also lost the MFA device, call ext. 4100 and be ready to show your badge on video.

**The VPN will not connect.** Check the time on your laptop is correct (the VPN rejects clocks more than
five minutes off), then restart the VPN client. From hotel Wi-Fi, open a web page first to accept the terms.

**How do I print?** Send jobs to "Tarnwell-Follow-Me" and release them at any printer with your badge. Jobs
not released are deleted after 24 hours.

**When will I get a new laptop?** Every four years, or sooner if it fails; see
[acceptable use](/policies/it-acceptable-use.html). The replacement schedule is in your IT self-service page.

**A colleague starts next week.** Their manager files a "new starter" ticket at least five working days
ahead; see the [onboarding checklist](/onboarding.html).

## Ticket priorities

| Priority | Example | Target response |
|---|---|---|
| Urgent | nobody on a team can work | 30 minutes |
| High | one person cannot work | 2 hours |
| Normal | something is broken but there is a workaround | 1 working day |
| Low | a request or a question | 3 working days |
"""))
    out.append(page(f"{BASE}/onboarding.html", "Onboarding checklist", "docs", """
## Before the first day (manager)

1. File the "new starter" IT ticket five working days ahead: laptop, accounts, badge.
2. Choose a buddy from the team and tell them.
3. Book a desk and a first-week lunch.

## First day

1. Collect badge and laptop at reception at 09:30.
2. Set up the password manager and MFA with IT (30 minutes, in Heron).
3. Read the [handbook](/handbook.html) and the [policies](/policies/).
4. Meet your buddy and your manager.

## First week

1. Complete the security awareness course (about 45 minutes).
2. Agree goals for the first three months with your manager.
3. Visit manufacturing (Brackenford) or join the virtual tour, Thursday 11:00.
4. Add your photo and extension to the staff directory.
"""))
    out.append(page(f"{BASE}/facilities/meeting-rooms.html", "Meeting rooms at Brackenford HQ", "docs", f"""
{table(("Room", "Floor", "Seats", "Equipment"), ROOMS)}

Book rooms in the calendar; bookings not checked in within 10 minutes are released. Harbour View is reserved
for the all-hands on the first Thursday of each month from 13:00 to 16:00.
"""))
    news = "\n".join(f"- {d} · [{t}](/announcements/{s}.html)" for d, s, t, _ in ANNOUNCEMENTS)
    out.append(page(f"{BASE}/", "Tarnwell Intranet", "listing", f"""
## Announcements

{news}

## Quick links

- [Employee handbook](/handbook.html) and [policies](/policies/)
- [Offices](/offices.html), [teams](/teams.html) and [meeting rooms](/facilities/meeting-rooms.html)
- [IT helpdesk](/it/helpdesk.html) and the [onboarding checklist](/onboarding.html)
"""))
    return out
