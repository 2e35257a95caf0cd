"""Brackenford Public Library: a small catalogue (HTML and JSON), branches, opening hours and borrowing rules."""

from __future__ import annotations

import random
from typing import Any

from ._common import Page, page, raw, table, to_json
from ._pages_data import BRANCHES

HOST = "library.brackenford.example.org"
BASE = f"http://{HOST}"

SITES = {HOST: {"name": "Brackenford Public Library",
                "nav": [("Home", "/"), ("Catalogue", "/catalogue.html"), ("Branches and hours", "/branches.html"),
                        ("Borrowing", "/borrowing.html"), ("Events", "/events.html")],
                "footer": "Brackenford Public Library · a service of Brackenford City Council"}}

# title, author, year, pages, subjects, format
BOOKS: list[tuple[str, str, int, int, list[str], str]] = [
    ("The Tidewater Ledger", "Maren Oakhurst", 2019, 412, ["fiction", "historical"], "book"),
    ("Counting the River", "Idris Pennant", 2022, 288, ["nature", "essays"], "book"),
    ("A Short Course in Long Division", "Halcyon Reyes-Barrow", 2024, 196, ["mathematics", "education"], "book"),
    ("Salt Roads of the North Sea", "Ingrid Valcourt", 2017, 356, ["history", "trade"], "book"),
    ("The Quiet Compiler", "Teodor Blaskowitz", 2023, 264, ["computing", "programming"], "book"),
    ("Kitchen Chemistry for the Curious", "Amara Lindqvist-Osei", 2021, 230, ["cooking", "science"], "book"),
    ("Night Trains to Carrow Bay", "Fenella Marsh", 2025, 318, ["fiction", "mystery"], "book"),
    ("Practical Data Cleaning", "Rohan Achterberg", 2024, 342, ["computing", "statistics"], "book"),
    ("The Gardener's Year in Twelve Beds", "Philippa Crane", 2020, 208, ["gardening"], "book"),
    ("Brackenford: A City and Its Harbour", "Cormac Delahunt", 2016, 480, ["history", "local"], "book"),
    ("Weather Without Worry", "Sunniva Hartwell", 2022, 176, ["science", "weather"], "book"),
    ("The Lantern Keepers", "Oyelaran Whitcombe", 2018, 390, ["fiction", "fantasy"], "book"),
    ("Small Machines, Big Ideas", "Lise Thorsby", 2023, 224, ["engineering", "children"], "book"),
    ("Letters from Lindholm", "Agathe Moreau-Fitch", 2021, 270, ["fiction", "local"], "book"),
    ("Budgeting for Households", "Dario Quennell", 2025, 160, ["finance", "self-help"], "book"),
    ("An Atlas of Imaginary Coasts", "Beatrix Ollerenshaw", 2019, 144, ["art", "maps"], "book"),
    ("The Sourdough Notebook", "Kasimir Vale", 2022, 198, ["cooking", "baking"], "book"),
    ("Running the Ridgeway Twice", "Nkechi Farrow", 2020, 252, ["sport", "travel"], "book"),
    ("Patterns in the Noise", "Yusuf Kaltenbrunn", 2024, 310, ["statistics", "science"], "book"),
    ("The Ferryman's Daughter", "Greta Solvang", 2017, 344, ["fiction", "historical"], "audiobook"),
    ("Learn Shell Scripting in a Weekend", "Moritz Halvorsen", 2025, 212, ["computing", "programming"], "book"),
    ("Birds of the Estuary", "Constance Pibworth", 2018, 256, ["nature", "birds"], "book"),
    ("The Accidental Cartographer", "Laszlo Ferreira-Byrne", 2023, 298, ["fiction", "adventure"], "ebook"),
    ("Tram Lines: A History of Urban Rail", "Helka Rautio", 2021, 368, ["history", "transport"], "book"),
]


def books() -> list[dict[str, Any]]:
    rng = random.Random(2468)
    out = []
    for number, (title, author, year, pages_, subjects, fmt) in enumerate(BOOKS, 10231):
        copies = {branch: rng.choice((0, 1, 1, 2, 3)) for branch in BRANCHES} if fmt == "book" else {}
        if fmt == "book" and not any(copies.values()):
            copies["Central Library"] = 1
        available = {branch: rng.randint(0, n) for branch, n in copies.items()}
        out.append({"id": f"BPL{number}", "title": title, "author": author, "year": year, "pages": pages_,
                    "format": fmt, "subjects": subjects, "language": "en",
                    "call_number": f"{'F' if 'fiction' in subjects else rng.randint(100, 999)} "
                                   f"{author.split()[-1][:3].upper()}",
                    "copies": copies, "available": available, "holds": rng.randint(0, 9) if fmt == "book" else 0,
                    "url": f"{BASE}/api/books/BPL{number}.json"})
    return out


HOURS = [("Central Library", "1 Cathedral Square", "09:00–20:00", "09:00–17:00", "12:00–16:00", "T1 Market Hall"),
         ("Eastgate", "14 Eastgate Parade", "10:00–19:00", "10:00–16:00", "closed", "T2 Eastgate Library"),
         ("Millbrook", "3 Millbrook Road", "10:00–18:00 (closed Wednesday)", "10:00–14:00", "closed",
          "bus 4 Millbrook Centre"),
         ("Harbourside", "The Old Customs House, Quayside", "11:00–19:00", "10:00–16:00", "closed",
          "T1 Harbourside Ferry Terminal")]


def pages() -> list[Page]:
    items = books()
    out = [raw(b["url"], b["title"], "api", to_json(b), "json") for b in items]
    out.append(raw(f"{BASE}/api/books.json", "Catalogue", "api", to_json(
        {"count": len(items), "books": [{k: b[k] for k in ("id", "title", "author", "year", "format", "url")}
                                        for b in items]}), "json"))
    out.append(raw(f"{BASE}/api/branches.json", "Branches", "api", to_json(
        {"branches": [{"name": n, "address": a, "weekdays": w, "saturday": s, "sunday": u, "nearest_stop": t}
                      for n, a, w, s, u, t in HOURS]}), "json"))
    rows = [(b["id"], f"[{b['title']}]({b['url']})", b["author"], b["year"], b["format"], ", ".join(b["subjects"]),
             sum(b["available"].values()) if b["format"] == "book" else "online") for b in items]
    out.append(page(f"{BASE}/catalogue.html", "Catalogue", "listing", f"""
A selection of the collection. Each title links to its record as JSON, with copies and availability per
branch. The full list is also available as [JSON](/api/books.json).

{table(("ID", "Title", "Author", "Year", "Format", "Subjects", "Available now"), rows)}
"""))
    hours = [(n, a, w, s, u, t) for n, a, w, s, u, t in HOURS]
    out.append(page(f"{BASE}/branches.html", "Branches and opening hours", "docs", f"""
{table(("Branch", "Address", "Monday–Friday", "Saturday", "Sunday", "Nearest stop"), hours)}

## Holiday closures 2026–27

All branches close on 24, 25 and 26 December and on 1 January. On 31 December they close at 14:00.
Central Library opens 12:00–16:00 on Sunday 27 December as usual.

Also as [JSON](/api/branches.json). Monthly loans per branch are published on the
[open data portal](http://data.brackenford.example.org/datasets/library-loans-monthly.html).
"""))
    out.append(page(f"{BASE}/borrowing.html", "Borrowing", "docs", """
| Item | Loan period | Renewals | Limit per card |
|---|---|---|---|
| Books and audiobooks on CD | 21 days | 3, unless another member has placed a hold | 15 |
| New fiction (published in the last 6 months) | 14 days | 1 | 3 |
| DVDs | 7 days | 1 | 5 |
| E-books and e-audiobooks | 14 or 21 days, your choice | automatic return | 6 |

- Membership is free for anyone who lives, works or studies in Brackenford. Bring proof of address.
- There are no overdue fines for children's items. Adult items cost €0.20 per day overdue, capped at €5.00 per
  item.
- A lost or damaged item is charged at its replacement cost plus €2.50 processing.
- Holds cost nothing. You are notified when an item is ready and have 7 days to collect it.
- Return items to any branch, whichever branch they came from; the Central Library book drop is open 24 hours.
"""))
    out.append(page(f"{BASE}/events.html", "Events in December 2026", "listing", """
| Date | Time | Branch | Event |
|---|---|---|---|
| Tue 1 Dec | 10:30 | Eastgate | Baby rhyme time (0–2 years) |
| Thu 3 Dec | 18:30 | Central Library | Author talk: Fenella Marsh on *Night Trains to Carrow Bay* |
| Sat 5 Dec | 11:00 | Millbrook | Repair café: bring a broken lamp or toaster |
| Tue 8 Dec | 14:00 | Central Library | Digital help drop-in: online forms and e-mail |
| Thu 10 Dec | 18:00 | Harbourside | Local history evening: the old customs house |
| Sat 12 Dec | 10:00 | Central Library | Code club for 9–13 year olds: make a game in an afternoon |
| Wed 16 Dec | 16:00 | Eastgate | Winter storytelling with hot chocolate |

Events are free; the author talk and code club need booking at any branch desk.
"""))
    out.append(page(f"{BASE}/", "Brackenford Public Library", "listing", f"""
Four branches, {len(items)} titles in this online selection, and free membership for everyone who lives,
works or studies in Brackenford.

- [Search the catalogue](/catalogue.html) (also as [JSON](/api/books.json))
- [Branches and opening hours](/branches.html): note the holiday closures on 24–26 December and 1 January
- [Borrowing rules](/borrowing.html): 21-day loans, up to 15 items
- [Events in December](/events.html)

**News:** the Eastgate branch re-opened on 2 November 2026 after its refurbishment, with a maker space and
longer opening hours (10:00–19:00 on weekdays).
"""))
    return out
