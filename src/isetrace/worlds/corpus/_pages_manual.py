"""The manual of pebblesync, a fictional command-line tool that syncs a directory to a remote store with snapshots."""

from __future__ import annotations

from ._common import Page, page, raw

HOST = "man.pebblesync.test"
BASE = f"http://{HOST}"

SITES = {HOST: {"name": "pebblesync manual",
                "nav": [("Contents", "/"), ("pebblesync(1)", "/man/pebblesync.html"), ("Configuration", "/config.html"),
                        ("Exit codes", "/exit-codes.html"), ("Troubleshooting", "/troubleshooting.html")],
                "footer": "pebblesync 1.8.2 · manual text CC0 1.0 · [plain-text man page](/pebblesync.1.txt)"}}

COMMANDS = [("init", "prepare a directory and connect it to a remote"),
            ("sync", "copy changes to the remote and record a snapshot"),
            ("status", "show what changed since the last sync"),
            ("snapshots", "list recorded snapshots"),
            ("restore", "bring files back from a snapshot"),
            ("prune", "delete old snapshots by a retention policy"),
            ("verify", "check the remote's data against its checksums")]

DOCS: list[tuple[str, str, str, str]] = [
    ("/", "pebblesync manual", "listing", """
pebblesync keeps a local directory backed up to a remote store. Each `sync` copies what changed and records a
**snapshot**, so any earlier state can be restored. Version **1.8.2**, released 5 November 2026.

## Commands

""" + "\n".join(f"- [pebblesync {name}](/man/pebblesync-{name}.html): {what}" for name, what in COMMANDS) + """

## Reference

- [pebblesync(1)](/man/pebblesync.html): global options and a first session
- [Configuration file](/config.html) and [environment variables](/environment.html)
- [Exit codes](/exit-codes.html) and [troubleshooting](/troubleshooting.html)
- [The whole manual as plain text](/pebblesync.1.txt)
- [Release notes](http://releases.noteshub.example.net/packages/pebblesync/)
"""),
    ("/man/pebblesync.html", "pebblesync(1)", "docs", """
## Synopsis

```
pebblesync [-C DIR] [--config FILE] [-q | -v] COMMAND [ARGS]
pebblesync --version | --help
```

## Global options

`-C DIR` :: run as if started in DIR
`--config FILE` :: read this configuration file instead of the default (see [configuration](/config.html))
`-q`, `--quiet` :: print errors only
`-v`, `--verbose` :: print every file considered; give twice for debugging output
`--no-color` :: plain output, also set by `NO_COLOR`

## A first session

```
$ pebblesync init --remote sftp://backup@nas.example.net/srv/pebble/reports ~/reports
initialised /home/ana/reports -> sftp://backup@nas.example.net/srv/pebble/reports
$ cd ~/reports && pebblesync sync
scanned 1,204 files (2.3 GB), 1,204 new, 0 changed, 0 deleted
uploaded 2.3 GB in 3m41s; snapshot 5e1c09a7
$ pebblesync status
clean: nothing changed since snapshot 5e1c09a7 (2026-11-27 18:02)
```

State lives in `.pebblesync/` at the top of the synced directory: the remote URL, the index of the last
snapshot, and a lock file while a command runs. Deleting `.pebblesync/` disconnects the directory but does
not touch the remote.

Remotes are `file:///path` (a mounted disk or share) or `sftp://user@host/path`. sftp remotes authenticate
with the user's SSH keys; pebblesync never asks for a password.
"""),
    ("/man/pebblesync-init.html", "pebblesync init", "docs", """
```
pebblesync init --remote URL [--name NAME] [DIR]
```

Create `.pebblesync/` in DIR (default: the current directory) and record the remote. The remote directory
is created if it does not exist; if it already holds snapshots of another directory, `init` refuses with
exit code 1 unless `--name` picks a different name under the same remote.

`--remote URL` :: where snapshots are stored; may also come from `PEBBLESYNC_REMOTE`
`--name NAME` :: the name of this directory's snapshot series (default: the directory's basename)

```
$ pebblesync init --remote file:///mnt/backup/pebble ~/photos
$ pebblesync init --remote sftp://backup@nas.example.net/srv/pebble --name laptop-docs ~/Documents
```
"""),
    ("/man/pebblesync-sync.html", "pebblesync sync", "docs", """
```
pebblesync sync [-n] [--delete] [--exclude PATTERN]... [--checksum] [--bandwidth KBPS]
                [--conflict MODE] [--break-lock]
```

Copy new and changed files to the remote, then record a snapshot. A file counts as changed when its size or
modification time differs from the last snapshot, or, with `--checksum`, its SHA-256.

`-n`, `--dry-run` :: report what would be copied and exit 0 without copying
`--delete` :: files deleted locally are left out of the new snapshot (they stay in older ones)
`--exclude PATTERN` :: skip matching paths; repeatable; added to the `.pebbleignore` file's patterns
`--checksum` :: compare content hashes instead of size and time (slower, finds silent changes)
`--bandwidth KBPS` :: cap upload speed in kilobytes per second; 0 means no cap
`--conflict MODE` :: what to do when the remote changed since this directory's last sync:
`abort` (default, exit 3), `keep-local`, `keep-remote` or `keep-both` (the remote copy is saved as
`NAME.remote-YYYYMMDD`)
`--break-lock` :: remove a lock left by a crashed run; refused if the lock's process is still alive

## .pebbleignore

One pattern per line, as in `.gitignore`: `*.tmp`, `build/`, `!keep.tmp`, `# comment`. Patterns are matched
against paths relative to the synced directory. The defaults are `.pebblesync/`, `*.swp` and `.DS_Store`.

## Output

The last line names the snapshot, e.g. `snapshot 9b27d4e0`. With `-q` only that line is printed, which makes
it easy to capture in a script: `snap=$(pebblesync -q sync | awk '{print $2}')`.
"""),
    ("/man/pebblesync-status.html", "pebblesync status", "docs", """
```
pebblesync status [--json] [DIR]
```

List files added, changed and deleted since the last snapshot. Exit code 0 whether or not anything changed;
use `--json` to test in scripts.

```
$ pebblesync status
3 changed since snapshot 9b27d4e0 (2026-11-29 21:40):
  A  2026/november-summary.xlsx
  M  budget.csv
  D  old/notes.txt
```

With `--json` the output is one object:

```
{"snapshot":"9b27d4e0","since":"2026-11-29T21:40:12Z","added":["2026/november-summary.xlsx"],
 "modified":["budget.csv"],"deleted":["old/notes.txt"],"clean":false}
```
"""),
    ("/man/pebblesync-snapshots.html", "pebblesync snapshots", "docs", """
```
pebblesync snapshots [--json] [--limit N]
```

List snapshots, newest first: identifier (eight hexadecimal digits), time in UTC, number of files, total
size, and the size added compared with the previous snapshot.

```
$ pebblesync snapshots --limit 4
ID        TIME (UTC)         FILES  SIZE     ADDED
9b27d4e0  2026-11-29 21:40   1,231  2.41 GB  18.2 MB
71fa0c3d  2026-11-28 21:40   1,229  2.39 GB  4.1 MB
5e1c09a7  2026-11-27 18:02   1,204  2.30 GB  2.30 GB
```

Identifiers may be abbreviated to any unique prefix of four or more digits, as in `restore 71fa`.
"""),
    ("/man/pebblesync-restore.html", "pebblesync restore", "docs", """
```
pebblesync restore SNAPSHOT [PATH]... [--to DIR] [--overwrite]
```

Copy files from SNAPSHOT back. Without PATH the whole snapshot is restored. Without `--to`, files go to their
original place, and a file that exists and differs is skipped with a warning unless `--overwrite` is given.
Restoring never deletes local files.

```
$ pebblesync restore 71fa budget.csv --to /tmp/recovered
restored 1 file (48 KB) from snapshot 71fa0c3d to /tmp/recovered
```

An unknown or ambiguous SNAPSHOT exits with code 7.
"""),
    ("/man/pebblesync-prune.html", "pebblesync prune", "docs", """
```
pebblesync prune [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [-n]
```

Delete snapshots outside the retention policy and free the space only they used. The newest snapshot is
never deleted. Defaults come from the `[prune]` section of the [configuration](/config.html): 7 daily,
4 weekly and 12 monthly snapshots.

A snapshot is kept if it is the last one of one of the N most recent days (weeks, months) that have
snapshots. Weeks start on Monday. With the defaults, a directory synced every evening keeps at most
7 + 4 + 12 = 23 snapshots, usually fewer because the sets overlap.

`-n` prints the snapshots that would be deleted and how much space would be freed.
"""),
    ("/man/pebblesync-verify.html", "pebblesync verify", "docs", """
```
pebblesync verify [--sample PERCENT] [--snapshot ID]
```

Read blobs back from the remote and compare their SHA-256 with the index. `--sample 10` checks a random tenth
(a different tenth each run); the default checks everything. Exit code 6 if any blob is missing or differs;
the damaged paths are listed, and `pebblesync sync --checksum` uploads them again from the local copy if it
still has them.
"""),
    ("/config.html", "Configuration file", "docs", """
pebblesync reads `~/.config/pebblesync/config.toml`, then `.pebblesync/config.toml` in the synced directory,
whose values win. `--config FILE` replaces the first; environment variables override both (see
[environment](/environment.html)).

```
[remote]
url = "sftp://backup@nas.example.net/srv/pebble"
timeout_s = 30        # per network operation
retries = 3           # with exponential backoff: 2 s, 4 s, 8 s

[sync]
exclude = ["node_modules/", "*.tmp", ".cache/"]
delete = false
checksum = false
bandwidth_kbps = 0    # 0 = unlimited

[prune]
keep_daily = 7
keep_weekly = 4
keep_monthly = 12

[log]
level = "info"        # debug, info, warning, error
file = "~/.local/state/pebblesync/pebblesync.log"
```

| Key | Type | Default |
|---|---|---|
| `remote.url` | string | none; required |
| `remote.timeout_s` | integer | 30 |
| `remote.retries` | integer | 3 |
| `sync.exclude` | list of strings | `[]` |
| `sync.delete` | boolean | false |
| `sync.checksum` | boolean | false |
| `sync.bandwidth_kbps` | integer | 0 |
| `prune.keep_daily` / `keep_weekly` / `keep_monthly` | integer | 7 / 4 / 12 |
| `log.level` | string | `info` |

An unknown key is an error (exit 2) naming the file and line, so a misspelt `exlude` does not go unnoticed.
"""),
    ("/environment.html", "Environment variables", "docs", """
| Variable | Meaning |
|---|---|
| `PEBBLESYNC_CONFIG` | path of the user configuration file |
| `PEBBLESYNC_REMOTE` | overrides `remote.url` |
| `PEBBLESYNC_LOG_LEVEL` | overrides `log.level` |
| `PEBBLESYNC_CACHE_DIR` | where file hashes are cached (default `~/.cache/pebblesync`) |
| `NO_COLOR` | any value turns colour off |
| `SSH_AUTH_SOCK` | the SSH agent used for sftp remotes |

Variables win over both configuration files and lose to command-line options.
"""),
    ("/exit-codes.html", "Exit codes", "error_doc", """
| Code | Name | Meaning |
|---|---|---|
| 0 | ok | the command did what was asked (also for a dry run) |
| 1 | error | an unexpected error; the message says what |
| 2 | usage | bad arguments or configuration (unknown option, unknown config key) |
| 3 | conflict | the remote changed since this directory's last sync (another machine synced) |
| 4 | unreachable | the remote could not be reached or refused authentication |
| 5 | locked | another pebblesync holds `.pebblesync/lock` |
| 6 | verify-failed | `verify` found missing or damaged blobs |
| 7 | not-found | no such snapshot, or the prefix matches several |
| 130 | interrupted | stopped by Ctrl-C; the partial upload is discarded, no snapshot is recorded |

Scripts should treat 3 and 5 as "try again later" and everything else except 0 as a failure:

```
pebblesync -q sync
case $? in
  0) echo ok ;;
  3|5) echo "busy, will retry" ;;
  *) echo "backup failed" >&2; exit 1 ;;
esac
```

See [troubleshooting](/troubleshooting.html) for the messages behind each code.
"""),
    ("/troubleshooting.html", "Troubleshooting", "error_doc", """
## error: remote changed since last sync (exit 3)

Another directory with the same `--name` synced to the remote after you did. Run `pebblesync status` to see
local changes, then `pebblesync sync --conflict keep-both` to keep both versions of files changed on both
sides.

## error: another pebblesync is running (pid 4182) (exit 5)

A lock is held. If `ps -p 4182` shows nothing, the previous run crashed: `pebblesync sync --break-lock`. A lock
older than six hours is reported as stale in the message.

## sftp: Permission denied (publickey) (exit 4)

The SSH key is not accepted. Check `ssh backup@nas.example.net` works without a password prompt, that the key
is loaded (`ssh-add -l`), and that `SSH_AUTH_SOCK` is set in cron jobs, which do not inherit it.

## error: cannot write .pebblesync/lock: Permission denied (exit 1)

The directory was initialised by another user (often root via `sudo`). Fix the owner:
`sudo chown -R "$USER" .pebblesync`.

## verify: 3 blobs failed checksum (exit 6)

The remote's disk returned different bytes. Run `pebblesync sync --checksum` to upload the files again, then
`pebblesync verify` once more.

## Sync is slow on large files

Changed large files are uploaded whole. Use `--bandwidth` to keep the link usable during working hours, and
exclude build outputs in `.pebbleignore`.
"""),
]

MAN_TEXT = """PEBBLESYNC(1)                    User Commands                   PEBBLESYNC(1)

NAME
       pebblesync - sync a directory to a remote store with snapshots

SYNOPSIS
       pebblesync [-C DIR] [--config FILE] [-q | -v] COMMAND [ARGS]

DESCRIPTION
       pebblesync copies what changed in a directory to a remote store and
       records a snapshot after each sync, so that earlier states can be
       restored. Remotes are file:///path or sftp://user@host/path.

COMMANDS
       init --remote URL [--name NAME] [DIR]
       sync [-n] [--delete] [--exclude PATTERN]... [--checksum]
            [--bandwidth KBPS] [--conflict MODE] [--break-lock]
       status [--json] [DIR]
       snapshots [--json] [--limit N]
       restore SNAPSHOT [PATH]... [--to DIR] [--overwrite]
       prune [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [-n]
       verify [--sample PERCENT] [--snapshot ID]

EXIT STATUS
       0 ok, 1 error, 2 usage, 3 conflict, 4 remote unreachable, 5 locked,
       6 verification failed, 7 snapshot not found, 130 interrupted.

FILES
       ~/.config/pebblesync/config.toml   user configuration
       DIR/.pebblesync/config.toml        per-directory configuration
       DIR/.pebblesync/lock               present while a command runs
       DIR/.pebbleignore                  patterns of paths not to sync

ENVIRONMENT
       PEBBLESYNC_CONFIG, PEBBLESYNC_REMOTE, PEBBLESYNC_LOG_LEVEL,
       PEBBLESYNC_CACHE_DIR, NO_COLOR

SEE ALSO
       http://man.pebblesync.test/

pebblesync 1.8.2                  2026-11-05                     PEBBLESYNC(1)
"""


def pages() -> list[Page]:
    out = [page(BASE + path, title, kind, markup) for path, title, kind, markup in DOCS]
    out.append(raw(f"{BASE}/pebblesync.1.txt", "pebblesync(1) plain-text manual", "file", MAN_TEXT, "text"))
    return out
