"""Field Notes: a research blog of long-form essays on data, systems and measuring everyday things.

Essays are kept in three places: the two below, the hand-written ones of :mod:`._pages_essays`, and those of
:mod:`._pages_analyses`, whose figures are computed from the data they discuss.
"""

from __future__ import annotations

from . import _pages_analyses, _pages_essays
from ._common import Page, page, raw, rss

HOST = "blog.fieldnotes.test"
BASE = f"http://{HOST}"

SITES = {HOST: {"name": "Field Notes", "nav": [("Essays", "/"), ("About", "/about.html"), ("RSS", "/feed.xml")],
                "footer": "Field Notes · essays CC0 1.0 · corrections welcome"}}


# slug (with year/month), title, author, date, summary, markup
ESSAYS: list[tuple[str, str, str, str, str, str]] = [
    ("2026/05/sourdough-hydration-measured", "Sourdough hydration, measured", "Rosalind Adeyemi-Hart", "2026-05-12",
     "Five loaves from 65% to 85% hydration, with the same flour, starter and oven, and what changed.", """
Bread recipes argue endlessly about hydration, the weight of water as a percentage of the weight of flour.
Higher hydration is supposed to give a more open crumb and a better rise, at the cost of a stickier dough. I
wanted numbers rather than adjectives, so I baked five loaves that differed only in water.

## Method

Every loaf used 500 g of strong white flour (12.5% protein), 100 g of starter at 100% hydration (so 50 g of
flour and 50 g of water), and 10 g of salt. Counting the starter, each dough had **550 g of flour**, and the
salt was 1.8% of it. Only the added water changed. Hydration counts all the water against all the flour:

| Target hydration | Total water | Water added | Dough weight |
|---|---|---|---|
| 65% | 357.5 g | 308 g | 918 g |
| 70% | 385 g | 335 g | 945 g |
| 75% | 412.5 g | 363 g | 973 g |
| 80% | 440 g | 390 g | 1,000 g |
| 85% | 467.5 g | 418 g | 1,028 g |

Each dough was mixed to 25 °C, given four sets of stretch and folds, and left to ferment until it had risen by
half in a straight-sided container, then shaped, proofed overnight in the fridge at 4 °C, and baked in a
lidded pot at 250 °C for 20 minutes and uncovered at 230 °C for 22 minutes.

## Results

| Hydration | Bulk fermentation | Loaf height | Weight lost in baking | Shaping (1 easy, 5 hard) |
|---|---|---|---|---|
| 65% | 5 h 40 min | 9.8 cm | 11.8% | 1 |
| 70% | 5 h 10 min | 10.6 cm | 12.4% | 2 |
| 75% | 4 h 50 min | 10.9 cm | 13.1% | 3 |
| 80% | 4 h 35 min | 10.1 cm | 13.9% | 4 |
| 85% | 4 h 30 min | 8.7 cm | 14.6% | 5 |

Three things stand out. Wetter doughs fermented faster, by over an hour between the extremes: water helps
the yeast and bacteria move and feed. Height peaked at 75% and then fell; by 85% the dough could not hold its
shape and spread sideways in the pot. And wetter loaves lost more weight in the oven, so the 85% loaf, which
started 110 g heavier than the 65% one, ended only about 60 g heavier.

The crumb did open up with more water, up to 80%. The 85% loaf had large, irregular holes and a gummy layer
under the crust, the classic sign of a dough too wet for its flour.

## Temperature matters as much as water

The fermentation times above are for doughs mixed to 25 °C in a kitchen at about 22 °C. A rule of thumb that
held up well is that fermentation time roughly halves for every 8 to 10 °C rise in dough temperature. On a
cold winter morning the same 75% dough could take seven hours instead of five. That is why recipes give a
target dough temperature and adjust the water temperature to reach it, and why "bulk for 4 hours" is a poor
instruction without one.

## What this does and does not show

One loaf per hydration is an anecdote, not an experiment. Flour is the biggest confounder: a wholemeal or
high-protein flour absorbs more water, and the best hydration for it would be higher. My kitchen was about
22 °C; a warmer one would shorten every fermentation time above. What I am fairly confident of is the shape of
the result: a sweet spot in the middle, with easier handling below it and diminishing, then negative, returns
above it.

## Practical advice

1. Weigh everything in grams, including the water. Cups and spoons are too coarse for a 5% difference.
2. Count the starter's flour and water when you compute hydration.
3. Start at 70% with a new flour, and raise it by 2.5% at a time.
4. Judge fermentation by rise, not by the clock; the clock depends on temperature and hydration.

For a tested everyday loaf at 72%, see the
[Saltbox Kitchen sourdough recipe](http://recipes.saltbox.test/recipes/everyday-sourdough.html).
"""),
    ("2026/11/backup-from-41-to-6-minutes", "How we cut a nightly backup from 41 minutes to 6", "Joel Kettering",
     "2026-11-11", "Measuring before tuning: checksums, ignore files and moving slow jobs to the weekend.", """
Our team's shared project directory is backed up every night with pebblesync. For a year the job took about
41 minutes. That was fine until it wasn't: in October the runs began to overlap with a second job that
synced the same directory from a build server, and about one night in five the backup failed with exit
code 5, "another pebblesync is running". This is how we got it down to six minutes, mostly by deleting
configuration.

## Measure first

The directory held 38 GB in about 61,000 files. On a typical night, around 300 MB changed. Uploading
300 MB over our link takes under four minutes, so something else was taking the other 37. Running the job
with `-v` and timestamps on each phase gave this breakdown:

| Phase | Minutes |
|---|---|
| Scanning and hashing every file (`checksum = true`) | 27 |
| Uploading changed files, including build outputs | 9 |
| `prune` with the default retention | 3 |
| `verify` of every blob | 2 |
| **Total** | **41** |

## Hashing everything, every night

Someone had set `checksum = true` in the configuration after a scare two years ago, when a file changed
without its modification time changing. With checksums on, pebblesync reads all 38 GB every night to compute
SHA-256 hashes, at about 24 MB/s from the network share. That is 27 minutes spent confirming that
60,800 files had not changed.

We turned it off for the nightly run, so files are compared by size and modification time, and added a
weekly run on Sunday mornings with `--checksum`. The rare silent change is still caught, within a week
rather than a day. Scanning dropped to about one minute.

## Not backing up what we can rebuild

Nearly 11 GB and 40,000 of the files were build outputs, dependency caches and virtual environments. They
changed every time anyone built anything, so they made up most of each night's upload, and all of them can be
recreated from the source. A `.pebbleignore` file fixed that:

```
build/
dist/
node_modules/
.venv/
.cache/
*.tmp
```

The nightly upload fell from 9 minutes to 4, and the snapshots stopped growing by a gigabyte a night.

## Moving housekeeping to the weekend

`prune` and a full `verify` do not need to run every night. We moved both to the Sunday job and replaced the
nightly full verify with `verify --sample 5`, which checks a random 5% of blobs; over four weeks that covers
most of the store, and the full weekly run covers the rest.

## The result

| Phase | Before | After (nightly) |
|---|---|---|
| Scan | 27 min | 1 min |
| Upload | 9 min | 4 min |
| Prune | 3 min | Sundays only |
| Verify | 2 min | 1 min (5% sample) |
| **Total** | **41 min** | **6 min** |

The Sunday job takes about 35 minutes and runs when nothing else does. In the four weeks since the change,
the nightly job has not once failed with exit code 5.

## What we did not change

It is worth listing what turned out not to matter. We did not change the remote or the link: the NAS and the
network were fine. We did not add compression, because most of what changed each night was already-compressed
spreadsheets and images. We did not parallelise uploads; pebblesync's single stream filled the link once it
stopped hashing. And we did not reduce how long snapshots are kept, which was the first suggestion in the
meeting and would have saved nothing at all, since retention only affects storage, not time.

## Lessons

1. Time each phase before changing anything. Our guess had been "the network is slow"; the network accounted
   for less than a quarter of the time.
2. Question settings added after an incident. The checksum option solved a real problem, at a cost nobody
   revisited.
3. Back up sources, not products. What a build can recreate does not need a nightly copy.
4. Separate the fast daily path from slow, thorough checks, and schedule the slow ones deliberately.
5. Make the job's failures visible. We only noticed the overlap because the wrapper script treats exit codes 3
   and 5 as "retry later" and logs them, as the
   [pebblesync manual](http://man.pebblesync.test/exit-codes.html) suggests.
"""),
]


def pages() -> list[Page]:
    essays = sorted(ESSAYS + _pages_essays.ESSAYS + _pages_analyses.essays(), key=lambda e: (e[3], e[0]),
                    reverse=True)
    out: list[Page] = []
    for slug, title, author, date, summary, markup in essays:
        out.append(page(f"{BASE}/{slug}.html", title, "article", markup, date=date, author=author, summary=summary))
    listing = "\n\n".join(f"### [{title}](/{slug}.html)\n\n{date} · {author}. {summary}"
                          for slug, title, author, date, summary, _ in essays)
    out.append(page(f"{BASE}/", "Field Notes", "listing", f"""
Long-form notes on data, software and measuring everyday things, written by three people who like checking
numbers. New essays roughly once a month; subscribe with [RSS](/feed.xml).

{listing}
"""))
    authors = sorted({e[2] for e in essays})
    out.append(page(f"{BASE}/about.html", "About Field Notes", "docs", f"""
Field Notes is written by {", ".join(authors[:-1])} and {authors[-1]}. We work with data and software for a
living and bake, cycle and run in the rest of the time. Every essay links to the data it uses, and figures
taken from open datasets are computed from the published files, so you can check them.

Everything here is dedicated to the public domain (CC0 1.0). Corrections are credited in the essay they fix.
"""))
    feed = [(title, f"{BASE}/{slug}.html", date, summary) for slug, title, _, date, summary, _ in essays]
    out.append(raw(f"{BASE}/feed.xml", "Field Notes feed", "feed",
                   rss("Field Notes", f"{BASE}/", "Long-form notes on data and software", feed), "xml"))
    return out
