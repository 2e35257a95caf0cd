"""DevHelp Q&A: questions about errors and everyday tooling, with voted and accepted answers."""

from __future__ import annotations

from ._common import Page, page, raw, to_json

HOST = "ask.devhelp.test"
BASE = f"http://{HOST}"

SITES = {HOST: {"name": "DevHelp Q&A", "nav": [("Questions", "/"), ("Tags", "/tags/"), ("API", "/api/questions.json")],
                "footer": "DevHelp Q&A · posts are CC0 1.0 · be kind, include the error message"}}

# id, title, tags, asker, date, votes, question, [(author, votes, accepted, answer)]
QUESTIONS: list[tuple[int, str, list[str], str, str, int, str, list[tuple[str, int, bool, str]]]] = [
    (1001, "ModuleNotFoundError: No module named 'tabwright' right after pip install", ["python", "pip", "tabwright"],
     "lhartley", "2026-10-19", 14, """
I ran `pip install tabwright` and it said `Successfully installed tabwright-2.4.1`, but my script fails:

```
$ python3 report.py
Traceback (most recent call last):
  File "/home/lh/report.py", line 1, in <module>
    import tabwright as tw
ModuleNotFoundError: No module named 'tabwright'
```
""", [("quietbyte", 22, True, """
`pip` and `python3` are different interpreters on your machine. Check:

```
$ which pip python3
$ pip --version        # pip 24.2 from /usr/local/lib/python3.12/site-packages (python 3.12)
$ python3 --version    # Python 3.11.7
```

Always install with the interpreter you run: `python3 -m pip install tabwright`. Better, use a virtual
environment so there is only one: `python3 -m venv .venv && . .venv/bin/activate && python -m pip install
tabwright`. Inside the venv, `python` and `pip` are guaranteed to match.
"""), ("mkovac", 5, False, """
Also check you did not name your own file `tabwright.py`; then `import tabwright` imports your file and you
get a different error (`AttributeError: module 'tabwright' has no attribute 'read_csv'`).
""")]),
    (1002, "git push rejected: 'the remote contains work that you do not have locally'", ["git"], "tj_okafor",
     "2026-09-02", 9, """
```
 ! [rejected]        main -> main (fetch first)
error: failed to push some refs
hint: Updates were rejected because the remote contains work that you do not have locally.
```
I am the only developer... I think. Should I use `--force`?
""", [("sven.ar", 17, True, """
No. Someone (or you, from another machine or the web editor) pushed a commit. Integrate it first:

```
git pull --rebase origin main
git push origin main
```

If the rebase stops on a conflict, fix the file, `git add` it and `git rebase --continue`. `--force` would
delete the remote commit. The [Plain Git Guides page](http://gitguide.example.org/push-rejected.html) has a
table of the variants of this message.
""")]),
    (1003, "git@git.example.net: Permission denied (publickey)", ["git", "ssh"], "nadia_f", "2026-07-14", 6, """
Cloning over SSH fails with `Permission denied (publickey). fatal: Could not read from remote repository.`
HTTPS cloning works. I generated a key yesterday.
""", [("quietbyte", 11, True, """
Work through these in order:

1. `ssh -vT git@git.example.net` and look for `Offering public key:`. If your key is never offered, load it:
   `ssh-add ~/.ssh/id_ed25519`.
2. Make sure the **public** half (`id_ed25519.pub`) is registered in your account settings on the server.
3. Permissions: `chmod 700 ~/.ssh && chmod 600 ~/.ssh/id_ed25519`. OpenSSH ignores a private key that other
   users can read.
4. If you have several keys, pin one in `~/.ssh/config` with `IdentityFile` and `IdentitiesOnly yes`.
""")]),
    (1004, "bash: ./deploy.sh: Permission denied", ["bash", "linux"], "ppatel", "2026-08-21", 7, """
I wrote a script and `./deploy.sh` says `Permission denied`, even with `sudo`. `bash deploy.sh` works.
""", [("data_wren", 12, True, """
The file is not executable. `chmod +x deploy.sh` (or `chmod 755`). `ls -l deploy.sh` should then show
`-rwxr-xr-x`. `sudo` does not help because even root needs an execute bit to run a file directly.

If it still fails after `chmod`, the file system may be mounted `noexec` (common for `/tmp` and some USB
drives): `mount | grep noexec`. Run it with `bash deploy.sh` there, or move it.
""")]),
    (1005, "/bin/bash^M: bad interpreter: No such file or directory", ["bash"], "ekowalski", "2026-05-30", 19, """
A script that a colleague sent me fails immediately with `/bin/bash^M: bad interpreter`.
""", [("sven.ar", 31, True, """
The file has Windows line endings (CRLF). The `^M` is the carriage return at the end of the `#!` line, so
the kernel looks for an interpreter called `bash\\r`. Convert it:

```
sed -i 's/\\r$//' script.sh      # or: dos2unix script.sh
file script.sh                  # should no longer say "with CRLF line terminators"
```

Add `*.sh text eol=lf` to `.gitattributes` so git checks scripts out with LF everywhere.
""")]),
    (1006, "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9 in position 2231", ["python", "csv"],
     "mkovac", "2026-03-03", 8, """
Reading a CSV exported from an old accounting program:

```
with open("suppliers.csv") as f:
    rows = list(csv.reader(f))
UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9 in position 2231: invalid continuation byte
```
""", [("lhartley", 15, True, """
The file is not UTF-8. `0xe9` is `é` in Windows-1252 (cp1252) and Latin-1, which is what older Windows
software writes. Open it with that encoding and the `newline=""` the csv module wants:

```
with open("suppliers.csv", encoding="cp1252", newline="") as f:
    rows = list(csv.reader(f))
```

Do not use `errors="ignore"`: it silently drops letters from names. If you are unsure, `file suppliers.csv`
often guesses right. With tabwright the error names the byte offset and suggests the encoding
([docs](http://docs.tabwright.test/api/exceptions.html)).
""")]),
    (1007, "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)", ["python", "json", "http"],
     "tj_okafor", "2026-11-04", 11, """
```
data = json.loads(urllib.request.urlopen(url).read())
json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)
```
The same URL works in my browser.
""", [("data_wren", 20, True, """
"Expecting value at char 0" means the text is not JSON at all: usually empty, or an HTML page. Print what
you actually received before parsing:

```
resp = urllib.request.urlopen(url)
print(resp.status, resp.headers.get("Content-Type"))
body = resp.read().decode()
print(body[:200])
```

Common causes: a typo in the URL that lands on an HTML error page, a login page, an empty `204` answer, or a
file that starts with a UTF-8 BOM (use `.decode("utf-8-sig")`). `urlopen` raises `HTTPError` for 4xx/5xx, so
if you got here the status was probably 200 with the wrong content.
""")]),
    (1008, "429 Too Many Requests when fetching forecasts for 20 cities", ["http", "python"], "ppatel",
     "2026-11-20", 6, """
My loop fetches `/v1/forecast/<city>.json` from api.cirrus-weather.example.com for each city in the list (e.g.
`http://api.cirrus-weather.example.com/v1/forecast/oslo.json`) and after a few runs I get `HTTPError 429`. How do I
avoid it?
""", [("quietbyte", 13, True, """
Twenty cities is far below the limit (60 per minute), so you are probably running the loop repeatedly, or
in parallel. Three fixes:

- Cache: forecasts change every six hours, so save the JSON and reuse it.
- On 429, sleep for the `Retry-After` header's seconds and try again, at most a few times.
- Space requests: `time.sleep(1)` between calls keeps you at 60 per minute even in a tight loop.

The [HTTP by Example page on rate limits](http://httpguide.example.org/rate-limits.html) has a complete retry
function.
""")]),
    (1009, "pip: error: externally-managed-environment", ["python", "pip"], "ekowalski", "2026-06-11", 25, """
On a fresh Debian machine `pip install requests` refuses with `error: externally-managed-environment`.
""", [("sven.ar", 38, True, """
The system Python belongs to the distribution's package manager, which marks it as externally managed
(PEP 668) so pip cannot break system tools. Use a virtual environment:

```
python3 -m venv ~/.venvs/work
. ~/.venvs/work/bin/activate
python -m pip install requests
```

`pip install --break-system-packages` exists, but it means what it says.
""")]),
    (1010, "sqlite3.OperationalError: database is locked", ["python", "sqlite"], "nadia_f", "2026-04-08", 10, """
Two scripts write to the same SQLite file. One of them fails now and then with `database is locked`.
""", [("data_wren", 16, True, """
SQLite allows one writer at a time; the second waits up to `timeout` seconds (default 5) and then raises.

- Keep write transactions short, and commit: a forgotten `conn.commit()` holds the lock until the connection
  closes.
- Raise the wait: `sqlite3.connect("app.db", timeout=30)`.
- Switch to write-ahead logging so readers do not block the writer: `conn.execute("PRAGMA journal_mode=WAL")`.
- Do not put the database on a network file system; locking there is unreliable.
""")]),
    (1011, "Cron job runs by hand but not from cron", ["bash", "linux", "cron"], "lhartley", "2026-02-17", 12, """
`/home/lh/bin/backup.sh` works when I run it, but the crontab line `0 2 * * * /home/lh/bin/backup.sh` does
nothing. No error anywhere.
""", [("quietbyte", 21, True, """
Cron runs with a minimal environment: `PATH=/usr/bin:/bin`, no profile, no SSH agent, and the home
directory as working directory. Make the failure visible first:

```
0 2 * * * /home/lh/bin/backup.sh >> /home/lh/backup.log 2>&1
```

Then the usual fixes: use absolute paths for commands and files, set `PATH=` at the top of the crontab,
`cd` to the right directory in the script, and make sure the script is executable. A backup tool that talks
to a remote over SSH also needs `SSH_AUTH_SOCK` or a key without a passphrase; pebblesync, for example,
exits with code 4 in that case.
""")]),
    (1012, "tabwright says ColumnNotFoundError but the column is right there", ["tabwright", "csv"], "mkovac",
     "2026-04-02", 7, """
```
>>> t = tw.read_csv("export.csv")
>>> t["id"]
ColumnNotFoundError: no column 'id'; did you mean '\\ufeffid'?
```
I am on tabwright 2.2.
""", [("lhartley", 9, True, """
The file starts with a UTF-8 byte-order mark, which tabwright before 2.3 kept as part of the first header.
Either upgrade (2.3 removes it automatically) or read with `encoding="utf-8-sig"`. The same symptom with a
space (`' id'`) needs `strip=True`. See the [FAQ](http://docs.tabwright.test/faq.html).
""")]),
    (1013, "AttributeError: 'Table' object has no attribute 'where'", ["tabwright"], "ppatel", "2026-01-12", 5, """
Old code that worked last year now fails with `AttributeError: 'Table' object has no attribute 'where'`.
""", [("data_wren", 8, True, """
`where` was renamed `filter` in tabwright 2.0. `t.where(region="North")` becomes `t.filter(region="North")`.
2.0 also made tables immutable, so `t.fill_missing(0)` no longer changes `t`; assign the result. The
[release notes](http://releases.noteshub.example.net/packages/tabwright/) list the other breaking changes.
""")]),
    (1014, "pebblesync sync exits with code 5 every night", ["pebblesync"], "nadia_f", "2026-11-10", 4, """
My nightly `pebblesync -q sync` exits 5 and nothing is backed up. Running it by hand in the morning works.
""", [("sven.ar", 7, True, """
Exit 5 is "locked": another pebblesync holds `.pebblesync/lock`. At night that is usually the previous night's
run, still uploading, or a run that crashed. Check `cat .pebblesync/lock` for the pid and `ps -p PID`. If the
process is gone, `pebblesync sync --break-lock`. If the runs overlap, schedule less often or cap the upload
with `--bandwidth` during the day so less is left for the night. The
[exit codes page](http://man.pebblesync.test/exit-codes.html) suggests treating 3 and 5 as retry-later.
""")]),
    (1015, "csv.writer puts a blank line between rows on Windows", ["python", "csv"], "ekowalski", "2026-03-27", 13,
     """
My CSV opens in a spreadsheet with an empty row after every row.
""", [("quietbyte", 19, True, """
Open the file with `newline=""`: `open("out.csv", "w", newline="", encoding="utf-8")`. The csv module
writes `\\r\\n` itself, and on Windows text mode turns the `\\n` into another `\\r\\n`, giving `\\r\\r\\n`.
""")]),
    (1016, "TypeError: can't compare offset-naive and offset-aware datetimes", ["python", "datetime"], "tj_okafor",
     "2026-10-01", 9, """
Comparing `datetime.now()` with a timestamp parsed from an API (`2026-11-30T06:00:00Z`) raises this error.
""", [("lhartley", 14, True, """
One has a time zone and the other does not. Make both aware, in UTC:

```
from datetime import datetime, timezone
issued = datetime.fromisoformat("2026-11-30T06:00:00Z")   # aware, UTC (Python 3.11+ accepts the Z)
now = datetime.now(timezone.utc)
age_hours = (now - issued).total_seconds() / 3600
```

Avoid `datetime.utcnow()`: it returns a naive value and is deprecated since Python 3.12.
""")]),
    (1017, "OSError: [Errno 98] Address already in use", ["python", "http"], "ppatel", "2026-08-05", 8, """
`python3 -m http.server 8000` fails with `Address already in use`.
""", [("data_wren", 12, True, """
Something is listening on port 8000, often a previous server you left running in another terminal.
`ss -ltnp | grep :8000` shows the process; stop it, or use another port: `python3 -m http.server 8001`.
A server that just exited can leave the port in `TIME_WAIT` for up to a minute; in your own servers set
`allow_reuse_address = True`.
""")]),
    (1018, "ImportError: attempted relative import with no known parent package", ["python"], "mkovac",
     "2026-07-22", 16, """
`python3 app/main.py` fails on the line `from .utils import load` in `app/main.py`.
""", [("sven.ar", 24, True, """
Relative imports only work inside a package, and running a file by path makes it a top-level script. Run
it as a module from the directory above `app`: `python3 -m app.main`. `app/` may need an `__init__.py`.
""")]),
    (1019, "fatal: refusing to merge unrelated histories", ["git"], "nadia_f", "2026-05-05", 6, """
I created a repository on the server with a README, then tried to pull it into my existing local project.
""", [("quietbyte", 10, True, """
The two repositories have no common commit. If you really want to combine them (you do here):
`git pull origin main --allow-unrelated-histories`, resolve a README conflict if there is one, commit, push.
Next time, create the server repository empty. See
[remotes and authentication](http://gitguide.example.org/remotes-and-auth.html).
""")]),
    (1020, "Median of a CSV column with only the standard library?", ["python", "csv"], "ekowalski",
     "2026-11-23", 5, """
I need the median of the `pm25` column in a CSV that has empty cells. No pandas on the server.
""", [("data_wren", 9, True, """
```
import csv, statistics
with open("air-quality-hourly.csv", newline="", encoding="utf-8") as f:
    values = [float(row["pm25"]) for row in csv.DictReader(f) if row["pm25"]]
print(len(values), statistics.median(values))
```

Skipping the empty cells matters: treating them as 0 pulls the median down. Report how many were skipped
alongside the result.
""")]),
    (1021, "sed -i works on Linux but fails on macOS", ["bash"], "tj_okafor", "2026-06-30", 11, """
`sed -i 's/foo/bar/' file.txt` fails on a Mac with `sed: 1: "file.txt": invalid command code f`.
""", [("sven.ar", 18, True, """
BSD sed (macOS) requires a backup suffix argument after `-i`; GNU sed (Linux) makes it optional. Portable
forms: `sed -i.bak 's/foo/bar/' file.txt && rm file.txt.bak`, or avoid `-i` with
`sed 's/foo/bar/' file.txt > tmp && mv tmp file.txt`.
""")]),
    (1022, "No space left on device, but df shows 40% free", ["linux"], "lhartley", "2026-09-15", 7, """
Writing small files fails with `No space left on device`, yet `df -h` says the disk is 60% used.
""", [("quietbyte", 12, True, """
You are out of inodes, not bytes: `df -i` will show `IUse%` at 100%. Some directory holds millions of tiny
files (a cache, a mail queue, session files). Find it with
`sudo find / -xdev -type d -size +1M 2>/dev/null` (directories whose listings are huge), then clean it up.
""")]),
    (1023, "FX API returns 404 for 2026-11-07", ["http", "json"], "ppatel", "2026-11-09", 3, """
`http://api.ledgerline.example.net/v1/rates/2026-11-06.json` works, but `2026-11-07.json` is a 404. Is the API
broken?
""", [("data_wren", 6, True, """
7 November 2026 is a Saturday. Reference rates are only published on business days, and the
[documentation](http://api.ledgerline.example.net/) says to use the previous business day for a weekend, so
use Friday's file. `/v1/rates/index.json` lists every date that exists.
""")]),
    (1024, "KeyError / TypeError on some products from the shop API", ["python", "json"], "nadia_f", "2026-11-26",
     4, """
I compute discounts with `p["price"] / p["compare_at_price"]` and it crashes on most products with
`TypeError: unsupported operand type(s) for /: 'float' and 'NoneType'`.
""", [("lhartley", 7, True, """
`compare_at_price` is `null` unless the product is on sale ([field list](http://api.pinemoor.example.com/)).
Filter first: `[p for p in products if p["compare_at_price"] is not None]`. For fields that may be absent
altogether, use `p.get("field")` instead of `p["field"]`.
""")]),
    (1025, "What does 'You are in detached HEAD state' mean after checking out a tag?", ["git"], "ekowalski",
     "2026-02-02", 8, """
I ran `git checkout v1.3.0` to test an old release and git printed a long warning about a detached HEAD.
""", [("sven.ar", 12, True, """
HEAD points at a commit, not a branch. Looking around is fine; `git switch -` takes you back. If you commit
there, create a branch before leaving (`git switch -c fix-from-1.3`) or the commits become hard to find.
[Plain Git Guides](http://gitguide.example.org/detached-head.html) has the recovery steps.
""")]),
    (1026, "Delete files older than 30 days, names contain spaces", ["bash", "linux"], "tj_okafor", "2026-10-12", 9,
     """
`rm $(find logs -mtime +30)` breaks on file names with spaces.
""", [("quietbyte", 15, True, """
Let find do it, without word splitting:

```
find logs -type f -mtime +30 -print            # look first
find logs -type f -mtime +30 -delete
# or, with another command:
find logs -type f -mtime +30 -print0 | xargs -0 gzip
```

`-mtime +30` means modified more than 30 full days ago.
""")]),
]


def _answers(count: int) -> str:
    return f"{count} answer" + ("" if count == 1 else "s")


def pages() -> list[Page]:
    out: list[Page] = []
    summary: list[dict[str, object]] = []
    by_tag: dict[str, list[tuple[int, str, int, str]]] = {}
    for qid, title, tags, _, date, votes, _, _ in QUESTIONS:
        for tag in tags:
            by_tag.setdefault(tag, []).append((qid, title, votes, date))
    # Tags of two questions or more have a page; the others are shown as plain text.
    by_tag = {tag: items for tag, items in by_tag.items() if len(items) > 1}
    for qid, title, tags, asker, date, votes, question, answers in QUESTIONS:
        url = f"{BASE}/questions/{qid}.html"
        tag_links = " ".join(f"[{tag}](/tags/{tag}.html)" if tag in by_tag else tag for tag in tags)
        blocks = [f"Asked {date} by **{asker}** · {votes} votes · tags: {tag_links}", question.strip(),
                  f"## {_answers(len(answers))}"]
        for author, score, accepted, answer in sorted(answers, key=lambda a: (not a[2], -a[1])):
            mark = " · ✔ accepted answer" if accepted else ""
            blocks += [f"### Answer by {author} · {score} votes{mark}", answer.strip()]
        out.append(page(url, title, "forum", "\n\n".join(blocks)))
        summary.append({"id": qid, "title": title, "tags": tags, "asked_by": asker, "date": date, "votes": votes,
                        "answers": len(answers), "accepted": any(a[2] for a in answers), "url": url})
    for tag, items in sorted(by_tag.items()):
        lines = "\n".join(f"- [{title}](/questions/{qid}.html) · {votes} votes · {date}"
                          for qid, title, votes, date in items)
        out.append(page(f"{BASE}/tags/{tag}.html", f"Questions tagged {tag}", "listing", lines))
    out.append(page(f"{BASE}/tags/", "Tags", "listing", "\n".join(
        f"- [{tag}](/tags/{tag}.html) ({len(items)})" for tag, items in sorted(by_tag.items()))))
    recent = sorted(summary, key=lambda i: str(i["date"]), reverse=True)
    newest = sorted(QUESTIONS, key=lambda q: q[4], reverse=True)
    lines = "\n".join(f"- [{title}](/questions/{qid}.html) · {_answers(len(answers))} · {votes} votes"
                      f" · {', '.join(tags)} · {date}" for qid, title, tags, _, date, votes, _, answers in newest)
    out.append(page(f"{BASE}/", "DevHelp Q&A", "listing",
                    f"Questions and answers about the errors developers meet every day. Newest first.\n\n{lines}"))
    out.append(raw(f"{BASE}/api/questions.json", "Questions", "api", to_json({"count": len(summary),
                                                                              "questions": recent}), "json"))
    out.append(raw(f"{BASE}/robots.txt", "robots.txt", "file",
                   "User-agent: *\nDisallow: /users/\nDisallow: /search\nAllow: /questions/\nCrawl-delay: 3\n", "text"))
    return out
