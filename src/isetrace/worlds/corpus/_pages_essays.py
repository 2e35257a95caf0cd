"""The hand-written essays of the Field Notes blog (:mod:`_pages_blog` adds the two computed from open data)."""

from __future__ import annotations

# slug (with year/month), title, author, date, summary, markup
ESSAYS: list[tuple[str, str, str, str, str, str]] = [
    ("2026/10/retries-without-stampedes", "Retries without stampedes", "Joel Kettering", "2026-10-08",
     "Backoff, jitter and retry budgets, and why the naive retry loop makes outages worse.", """
Every network call fails eventually. The first reaction is to wrap it in a loop that tries again, and for a
single script calling a single server that is often enough. At scale, the same loop turns a short outage into
a long one. This essay walks through why, and what a well-behaved client does instead.

## The naive loop

```
for attempt in range(5):
    try:
        return fetch(url)
    except Exception:
        continue
```

Three things are wrong here. It retries errors that will never succeed, such as a 404 or a 401. It retries
immediately, so all five attempts land within milliseconds of each other. And every client running this code
does the same, at the same moment.

## What happens during an outage

Imagine a service handling 1,000 requests a second that stalls for ten seconds. With the naive loop, every
failed request is retried four more times at once. The moment the service recovers it meets up to five times
its normal load, fails again under that load, and the clients retry again. Engineers call this a retry storm
or thundering herd. The outage lasts as long as the clients keep stampeding, not as long as the original
fault.

## Backoff

The first fix is to wait between attempts, and to wait longer each time: 1 second, then 2, 4, 8, capped at
some maximum such as 30 seconds. This is exponential backoff. After a few attempts, each client is sending a
trickle rather than a flood, and the service gets room to recover.

## Jitter

Backoff alone is not enough when many clients failed at the same moment: they all wait exactly 1 second,
then exactly 2, and arrive together every time. The fix is randomness. With "full jitter", each client waits
a random time between zero and the backoff value. The retries spread out evenly over the window instead of
arriving in spikes. In simulations published by several large operators, full jitter completes the same work
with far fewer total calls than backoff without jitter.

```
import random, time

def wait(attempt, base=1.0, cap=30.0):
    time.sleep(random.uniform(0, min(cap, base * 2 ** attempt)))
```

## Listen to the server

When a server answers `429 Too Many Requests` or `503 Service Unavailable`, it often says how long to wait in
a `Retry-After` header. That number beats any formula: the server knows when its rate window resets or when
its maintenance ends. A good client sleeps at least that long. The
[HTTP by Example page on rate limits](http://httpguide.example.org/rate-limits.html) shows the details.

## Only retry what can succeed

A request that failed with `400 Bad Request` will fail the same way every time. So will `401` and `403`, and
a `404` is only worth retrying when the resource is expected to appear, such as a report being generated.
Retry connection errors, timeouts, `429`, `502`, `503` and `504`. Treat `500` with suspicion: retry once or
twice, but a bug that fails on this input will keep failing.

There is a subtler rule for requests that change things. If a `POST` timed out, you do not know whether the
server did the work. Retrying may do it twice: two orders, two payments. Either make the operation idempotent,
for example by sending an idempotency key the server uses to recognise a repeat, or do not retry it
automatically.

## Budgets

The last defence is a retry budget: a limit on retries as a share of all requests, for example 10%. When more
than that share of recent calls are retries, the client stops retrying and fails fast. This caps the extra load
a client can generate during an outage at a known amount, however long the outage lasts. Libraries that
implement circuit breakers do something similar: after enough consecutive failures they stop calling the
service for a while and fail immediately.

## A checklist

1. Set timeouts on every call. A call without a timeout can hang forever and never get to retry.
2. Retry only errors that can succeed on a second attempt.
3. Back off exponentially, with full jitter, up to a cap.
4. Honour `Retry-After`.
5. Bound the attempts, and bound retries as a share of traffic.
6. Make writes idempotent before you retry them.
7. Log every retry with the status code. A rising retry rate is often the first sign of trouble.

None of these is complicated. Together they make the difference between a client that helps a struggling
service recover and one that keeps it down.
"""),
    ("2026/09/reading-csv-correctly", "Reading a CSV file correctly is harder than it looks", "Maya Ostrander",
     "2026-09-16", "Encodings, delimiters, quoting, byte-order marks and missing values: the traps in a simple format.",
     """
CSV looks like the simplest data format there is: values separated by commas, one record per line. It is
also one of the most common sources of silent data corruption I know. Here are the traps, roughly in the
order you will fall into them.

## 1. There is no single CSV

There is a specification, RFC 4180, but most software predates it or ignores parts of it. Files arrive with
semicolons instead of commas (spreadsheets in locales where the comma is the decimal separator), with tabs,
with pipes. A file with the wrong delimiter often still "parses": every row has one long column. Always check
the number of columns after reading, and compare it with what the header promised.

## 2. Quoting

A value containing the delimiter, a quote or a newline must be quoted: `"Smith, Jane"`. A quote inside a
quoted value is doubled: `"She said ""hi""\"`. Splitting lines on commas by hand breaks on the first address
or free-text comment. Use a real parser, such as Python's `csv` module, and open the file with `newline=""`
so that newlines inside quoted values survive.

## 3. Newlines inside values

Because quoted values may contain newlines, "one record per line" is false. `wc -l` does not count records,
and reading a file line by line and then parsing each line separately will cut records in half. This is also
why a parser error usually names the line where a quoted field **started**.

## 4. Encodings

A CSV file does not say what encoding it uses. Modern files are mostly UTF-8; files from older Windows
programs are often Windows-1252. Reading Windows-1252 as UTF-8 fails loudly on the first accented letter,
which is the good case. Reading UTF-8 as Windows-1252 succeeds silently and turns `é` into `Ã©`. If names in
your output look like that, the file was decoded with the wrong encoding somewhere upstream.

## 5. The byte-order mark

Some programs start UTF-8 files with three invisible bytes, the byte-order mark. A parser that does not
expect it makes it part of the first column name, so the column `id` becomes `\\ufeffid` and lookups by name
fail with a confusing "no such column" error. Python's `utf-8-sig` codec removes it.

## 6. Missing values

An empty field might mean missing, zero, or an empty string. Some files write `NA`, `N/A`, `null`, `-` or
`.`. None of this is standard. Decide explicitly which strings mean missing, and never let missing silently
become zero: an average over a column where gaps became zeros is simply wrong. The city's
[air-quality file](http://data.brackenford.example.org/datasets/air-quality-hourly.html) says in its notes that
empty means missing, and it is worth looking for that note in every dataset.

## 7. Numbers and dates

`1.234,50` is one thousand two hundred and thirty-four and a half in much of Europe, and an error or a small
number elsewhere. `03/04/2026` is the third of April or the fourth of March. Leading zeros in postcodes and
product codes vanish when a spreadsheet decides a column is numeric. Read everything as text first, then
convert each column deliberately, and fail on values that do not convert rather than guessing.

## 8. Ragged rows

A row with more fields than the header usually means an unquoted delimiter in a value, or a wrong delimiter
for the whole file. A row with fewer usually means a truncated write. Padding or truncating silently hides
both. Either fail, or record each ragged row in a log that someone will read.

## 9. Duplicates and whitespace

Hand-maintained files accumulate duplicate rows and labels that differ only in case or trailing spaces:
`London plane` and `london plane `. Counting by label then splits one category into several. Normalise
labels (strip, fold case, map known variants) before grouping, and count exact duplicate rows before
deciding whether they are errors.

## A reading routine

1. Look at the first bytes (`head -c 300 file | od -c`) for a byte-order mark and the delimiter.
2. Parse with a real CSV parser, with an explicit encoding and delimiter.
3. Check that every row has as many fields as the header.
4. Declare the missing-value markers.
5. Convert types column by column, failing loudly.
6. Count rows, missing values per column and duplicate rows, and write those counts down next to your result.

Libraries can do most of this for you: the
[tabwright reading guide](http://docs.tabwright.test/guide/reading-files.html) maps each step to an option.
But the decisions, such as what missing means and which encoding is right, are yours.
"""),
    ("2026/07/medians-over-means", "Medians over means", "Rosalind Adeyemi-Hart", "2026-07-21",
     "Why the average misleads for skewed data, with a worked example of household delivery times.", """
Ask how long parcel deliveries take, and you will usually be given an average. For many quantities people
care about, the average is the wrong summary, and the median is a better one. This essay shows why with a
small worked example.

## Ten deliveries

Here are the delivery times, in days, of ten parcels sent by one shop:

| Parcel | Days |
|---|---|
| 1 | 2 |
| 2 | 2 |
| 3 | 3 |
| 4 | 3 |
| 5 | 3 |
| 6 | 3 |
| 7 | 4 |
| 8 | 4 |
| 9 | 5 |
| 10 | 31 |

Parcel 10 was lost, found in a depot and delivered a month late. The mean is the total, 60 days, divided by
ten: **6.0 days**. The median is the middle value. With ten values it is the average of the fifth and sixth,
3 and 3: **3.0 days**.

Which describes "how long delivery takes"? Nine out of ten parcels arrived in five days or fewer. A customer
told to expect six days would be misled about almost every order. The mean has been dragged up by a single
extreme value.

## Skew is normal

Many real quantities are skewed like this: they have a floor (a delivery cannot take less than a day, a
salary cannot be negative) and a long tail upwards. Incomes, house prices, web page load times, hospital
waiting times, file sizes and rainfall all behave this way. For these, the mean sits above the typical value,
sometimes far above it.

## When the mean is the right answer

The mean is not wrong; it answers a different question. If you are budgeting, the mean is what you need:
the shop's total delivery days, or a council's total spending, is the mean times the count. Ten parcels at a
median of 3 days do not add up to 30 days of waiting; they add up to 60. Use the mean when you care about
totals and the median when you care about the typical case.

## Percentiles

The median is the 50th percentile. The others tell you about the spread. For our parcels, the 90th percentile
is 5 days by the nearest-rank definition: nine in ten parcels arrived within it. Service targets are often written as
percentiles for this reason: "95% of requests answered within 300 ms" is a promise about almost every
customer, whereas "mean response time 120 ms" is compatible with one customer in twenty waiting ten seconds.

Percentiles have a catch: there are several ways to compute them for small samples, and different tools
give different answers. Python's `statistics.quantiles` interpolates between neighbouring values, and with
its default method the 90th percentile of our ten parcels comes out as 28.4 days, because it falls between
the 5-day parcel and the 31-day one; with `method="inclusive"` it is 7.6. For large samples the differences
shrink; for ten values, say which method you used.

## Missing values and the median

Missing values hurt both measures, but differently. Replace missing values with zero and the mean falls in
proportion to how many there are; the median can jump by a whole rank position for each one. Never fill gaps
with zero before summarising. Leave them out and report how many you left out.

## In code

```
import statistics
days = [2, 2, 3, 3, 3, 3, 4, 4, 5, 31]
statistics.mean(days)            # 6
statistics.median(days)          # 3.0
statistics.quantiles(days, n=10) # [2.0, 2.2, 3.0, 3.0, 3.0, 3.6, 4.0, 4.8, 28.4]
sorted(days)[9 - 1]              # 5, the 90th percentile by nearest rank
```

## A rule of thumb

If the mean and the median are close, the data is roughly symmetric and either will do. If they differ by
more than about 10%, report both, say which one answers the question you were asked, and look at the largest
values: they are often the most interesting part of the data, like a parcel that went missing for a month.
"""),
    ("2026/06/a-field-guide-to-timestamps", "A field guide to timestamps", "Joel Kettering", "2026-06-09",
     "UTC, offsets, time zones and daylight saving: how to store, compare and display times without surprises.",
     """
Most bugs involving time come from treating a timestamp as a simple number of hours and minutes. A time is
only meaningful together with where it was measured. This guide covers the handful of rules that prevent
nearly all of those bugs.

## Three kinds of time

**An instant** is a single point on the global timeline: the moment a sensor reading was taken, or a forecast
issued. It is best written in UTC, such as `2026-11-30T06:00:00Z`, where `Z` means UTC.

**A local time with an offset** names the same instant as seen somewhere: `2026-11-30T07:00:00+01:00` is the
same moment as the UTC example, written as it appeared on clocks in central Europe.

**A wall-clock time in a time zone** is what people plan with: "09:30 every weekday in Oslo". It is not an
instant until you attach a date, and its offset from UTC changes twice a year.

## Store instants in UTC

Log lines, database rows and API responses should carry UTC, with the `Z` or `+00:00` written out. A timestamp
without an offset, such as `2026-11-30 07:00`, is ambiguous: it could be UTC, server time or the user's time.
Somebody will read it the wrong way.

## Time zones are rules, not offsets

A time zone like `Europe/Oslo` is a set of rules: UTC+1 in winter, UTC+2 in summer, with the switch dates
defined by law. Storing `+01:00` instead of `Europe/Oslo` for a recurring meeting breaks in March, when the
meeting should stay at 09:30 local time but its UTC offset changes. Store the zone name for future local
events; store UTC for things that have happened.

## Daylight saving traps

In the European Union clocks go forward at 01:00 UTC on the last Sunday of March and back at 01:00 UTC on the
last Sunday of October. In 2026 those are 29 March and 25 October. On the spring date, one local hour does not
exist; on the autumn date, one local hour happens twice. A job scheduled for 02:30 local time on those nights
runs zero or two times. If that matters, schedule in UTC.

Days are not always 24 hours long either: the spring day has 23, the autumn day 25. Adding 24 hours to
"midnight local time" does not always land on the next midnight. Do date arithmetic on dates, and time
arithmetic on UTC instants.

## Comparing times

Compare instants, never local strings. In Python, a "naive" datetime has no time zone and an "aware" one
does; comparing the two raises `TypeError: can't compare offset-naive and offset-aware datetimes`. That error
is a gift: it stops you from comparing things that mean different things. Make everything aware:

```
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

issued = datetime.fromisoformat("2026-11-30T06:00:00Z")
now = datetime.now(timezone.utc)
oslo = issued.astimezone(ZoneInfo("Europe/Oslo"))   # 2026-11-30 07:00:00+01:00
```

## Dates are not instants

A holiday, a birthday or a due date is a calendar date, not a moment. "Christmas Day" starts at different
instants in Reykjavík and Athens. Store dates as `YYYY-MM-DD` without a time, and convert to a range of
instants only when you need one, in the relevant zone.

## Formats

Use ISO 8601: `2026-11-30` for dates, `2026-11-30T06:00:00Z` for instants. It sorts correctly as text, which
is why file names like `report-2026-11-30.csv` list in order. Avoid `11/30/2026` and `30/11/2026`; half your
readers will parse it the other way. Unix timestamps (seconds since 1970-01-01T00:00:00Z) are fine for
machines but should be converted for humans, and checked for milliseconds masquerading as seconds.

## The short version

1. Record instants in UTC with an explicit offset.
2. Keep time-zone names, not offsets, for future local events.
3. Convert to local time only for display.
4. Do calendar arithmetic on dates, and duration arithmetic on instants.
5. Write everything in ISO 8601.
"""),
    ("2026/10/checksums-for-everyone", "Checksums for people who just want the file", "Maya Ostrander", "2026-10-20",
     "What a SHA-256 on a download page proves, what it does not, and how to check one in ten seconds.", """
Many download pages print a long string of hexadecimal digits next to each file, labelled SHA-256. Most people
scroll past it. This essay is for them: what the string is, why it is there, and how to use it without
thinking about cryptography at all.

## What a checksum is

A hash function turns any amount of data into a short fixed-size fingerprint. SHA-256 produces 256 bits,
written as 64 hexadecimal characters. The same bytes always give the same fingerprint, and changing a single
bit anywhere in the file changes the fingerprint completely. Nobody knows how to construct two different files
with the same SHA-256, so for practical purposes a matching fingerprint means identical bytes.

## Checking one

On Linux:

```
$ curl -sO http://data.brackenford.example.org/files/street-trees.csv
$ sha256sum street-trees.csv
```

Compare the output with the value on the
[dataset page](http://data.brackenford.example.org/datasets/street-trees.html). You do not need to compare all
64 characters by eye: `sha256sum -c` does it for you when given a file of expected values, and in Python it is
a few lines:

```
import hashlib
digest = hashlib.sha256(open("street-trees.csv", "rb").read()).hexdigest()
print(digest == expected)
```

For large files, feed the hash in chunks instead of reading everything at once: `hashlib.file_digest` does that
in Python 3.11 and later.

## What a match proves

It proves that the bytes you have are the bytes the publisher hashed. That catches the common problems:

- **Truncated downloads.** A connection that drops near the end often leaves a file that looks complete,
  especially a CSV, whose last rows are simply missing.
- **Silent conversions.** Some tools rewrite line endings from `\\n` to `\\r\\n`, add a byte-order mark, or
  re-encode text. The data looks the same in an editor but the hash changes, and sometimes so do the values.
- **The wrong version.** A mirror or cache serving last month's file.

The file size is a quicker, weaker check. The portal lists sizes in bytes too; a size that differs means the
file differs, but a size that matches does not prove the content does.

## What a match does not prove

It does not prove the file is good, only that it is the one that was published. A dataset with known errors
has a perfectly valid checksum. It also does not prove who published it. If an attacker can change the file on
the server, they can usually change the checksum on the page beside it. Checksums protect against accidents,
not adversaries; for that, software projects sign their releases with keys published elsewhere.

## Other algorithms

You will also meet MD5 and SHA-1 checksums, especially on older sites. Both are broken for security purposes:
people can construct different files with the same MD5 or SHA-1 on purpose. They still detect accidental
corruption perfectly well, so an MD5 on an old mirror is better than nothing. When you publish checksums
yourself, use SHA-256; every operating system has a tool for it.

## When the hash does not match

Download again before anything else: most mismatches are interrupted transfers. If it still does not match,
look at the first and last bytes (`head -c 100`, `tail -c 100`) and the line endings (`file`), and compare the
size. An extra three bytes at the start is a byte-order mark; a size larger by exactly the number of lines is
`\\r\\n` line endings. If nothing explains it, tell the publisher: a mismatch on their side is worth knowing
about.

## A habit worth having

Record the checksum of every input file next to any analysis you publish. It costs one line in a README and it
answers, months later, the question "which version of the data was this?" without guesswork. Several of the
essays on this blog do exactly that for the city's open data, and the
[portal's catalogue API](http://data.brackenford.example.org/api/datasets.json) lists every file's hash so a
script can verify them all at once.
"""),
]
