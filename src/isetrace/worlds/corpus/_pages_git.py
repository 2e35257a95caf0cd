"""Plain Git Guides: short task-oriented git how-tos, one problem per page."""

from __future__ import annotations

from ._common import Page, page, raw

HOST = "gitguide.example.org"
BASE = f"http://{HOST}"

SITES = {HOST: {"name": "Plain Git Guides", "nav": [("All guides", "/"), ("Cheat sheet", "/cheatsheet.txt")],
                "footer": "Plain Git Guides · written for git 2.40 and later · text CC0 1.0"}}

GUIDES: list[tuple[str, str, str, str]] = [
    ("undo-last-commit", "Undo the last commit", "docs", """
Which command depends on whether the commit has been pushed and whether you want to keep its changes.

| Situation | Command | Effect |
|---|---|---|
| not pushed, keep changes staged | `git reset --soft HEAD~1` | the commit disappears, its changes stay in the index |
| not pushed, keep changes unstaged | `git reset HEAD~1` | same, changes left in the working tree |
| not pushed, throw changes away | `git reset --hard HEAD~1` | commit and changes gone (reflog can recover them) |
| already pushed | `git revert HEAD` | a new commit that undoes the last one; history is not rewritten |
| only fix the message or add a file | `git commit --amend` | replaces the last commit |

Never `reset` a commit others may have pulled: their history still contains it and the next push will be
rejected (see [push rejected](/push-rejected.html)).

## Getting a commit back

`git reflog` lists where HEAD has been. After an accidental `reset --hard`:

```
$ git reflog
4c1d2e9 HEAD@{0}: reset: moving to HEAD~1
a83f0b7 HEAD@{1}: commit: Add quarterly report script
$ git reset --hard a83f0b7
```

Reflog entries expire after 90 days by default (30 days for unreachable commits).
"""),
    ("branches", "Working with branches", "docs", """
```
git switch -c feature/export-csv     # create and switch
git switch main                       # switch back
git branch                            # list local branches, * marks the current one
git branch -d feature/export-csv      # delete a merged branch
git branch -D spike/old-idea          # delete an unmerged branch (its commits become unreachable)
git push -u origin feature/export-csv # publish and set upstream
```

`git switch` (git 2.23+) replaces the branch-switching half of `git checkout`. Names may contain slashes; a
common convention is `feature/`, `fix/` and `release/` prefixes.

To rename the current branch: `git branch -m new-name`. To see which branches are merged into main:
`git branch --merged main`.

Next: [merge or rebase?](/merge-vs-rebase.html)
"""),
    ("merge-vs-rebase", "Merge or rebase?", "docs", """
Both bring the commits of one branch into another. **Merge** keeps history as it happened and adds a merge
commit; **rebase** replays your commits on top of the other branch, giving a straight line but new commit
identifiers.

| | merge | rebase |
|---|---|---|
| rewrites commits | no | yes |
| safe on a shared branch | yes | no |
| conflicts resolved | once | once per replayed commit |
| history | true, with merge commits | linear |

A practical rule: rebase your own unpublished branch onto `main` to catch up (`git rebase main`), and merge
finished branches into `main`. If a rebase goes wrong, `git rebase --abort` returns to where you started.

```
git switch feature/export-csv
git fetch origin
git rebase origin/main
# fix conflicts, then for each: git add FILE && git rebase --continue
git push --force-with-lease
```

`--force-with-lease` refuses to overwrite the remote branch if someone else pushed to it since your last
fetch; plain `--force` does not check. See [resolving conflicts](/resolve-merge-conflicts.html).
"""),
    ("resolve-merge-conflicts", "Resolve merge conflicts", "docs", """
A conflict happens when both sides changed the same lines. git stops and marks the file:

```
<<<<<<< HEAD
timeout = 30
=======
timeout = 45
>>>>>>> feature/slow-network
```

The part above `=======` is yours (the branch you are on), below is theirs. Edit the file to the result you
want, remove all three marker lines, then:

```
git add config.ini
git commit            # for a merge; for a rebase: git rebase --continue
```

- `git status` lists files still in conflict under "Unmerged paths".
- `git diff --name-only --diff-filter=U` prints just their names.
- `git checkout --ours FILE` or `--theirs FILE` takes one side whole.
- `git merge --abort` gives up and restores the state before the merge.

Search for leftover markers before committing: `git grep -n '^<<<<<<< '`. A committed marker usually breaks
the build with an error such as `SyntaxError: invalid syntax` pointing at the `<<<<<<<` line.
"""),
    ("push-rejected", "git push rejected (non-fast-forward)", "error_doc", """
```
 ! [rejected]        main -> main (fetch first)
error: failed to push some refs to 'http://git.example.net/team/inventory-tools.git'
hint: Updates were rejected because the remote contains work that you do not
hint: have locally. This is usually caused by another repository pushing to
hint: the same ref.
```

The remote branch has commits you do not have. git will not overwrite them. Bring them in first:

```
git pull --rebase origin main    # replay your commits on top of theirs
# resolve any conflicts, then
git push origin main
```

`git pull` without `--rebase` works too and adds a merge commit. Set the default once with
`git config --global pull.rebase true`.

## Variants of the message

| Message | Cause | Fix |
|---|---|---|
| `(fetch first)` | the remote has new commits | pull, then push |
| `(non-fast-forward)` | your branch and the remote diverged (after a rebase or amend) | pull --rebase |
| `(protected branch hook declined)` | the server forbids direct pushes | push a branch and open a merge request |
| `! [remote rejected] ... (permission denied)` | your account may not write there | ask for access; check the URL |
| `Updates were rejected because the tag already exists` | a tag of that name exists remotely | use a new tag name |

Do not reach for `git push --force` on a shared branch: it deletes the commits others pushed. If you must
replace a branch you own, use `--force-with-lease` ([why](/merge-vs-rebase.html)).
"""),
    ("stash", "Put work aside with stash", "docs", """
`git stash` saves uncommitted changes and cleans the working tree, for example to switch branches quickly.

```
git stash push -m "half-done export"   # tracked files only
git stash push -u -m "with new files"  # include untracked files
git stash list                         # stash@{0}: On main: with new files
git stash pop                          # re-apply the newest and drop it
git stash apply stash@{1}              # re-apply, keep it in the list
git stash drop stash@{1}
```

If `pop` meets a conflict, the stash is **not** dropped; resolve, `git add`, then `git stash drop`.
Stashes are local: they are never pushed.
"""),
    ("tags-and-releases", "Tags and releases", "docs", """
Annotated tags carry a message, an author and a date; use them for releases.

```
git tag -a v1.4.0 -m "Release 1.4.0"
git push origin v1.4.0          # tags are not pushed by a plain git push
git tag --list 'v1.*'
git describe --tags             # v1.4.0-3-g9c1e2ab: three commits after v1.4.0
```

To move a tag that was already pushed you must delete it remotely (`git push origin :refs/tags/v1.4.0`) and
everyone who fetched it keeps the old one; prefer a new version number. Version numbers usually follow
MAJOR.MINOR.PATCH: breaking change, new feature, bug fix.
"""),
    ("bisect", "Find the commit that broke something", "docs", """
`git bisect` does a binary search over history. With 1,000 commits between a good and a bad state it needs
about 10 steps (log2 of 1,000).

```
git bisect start
git bisect bad                 # the current commit is broken
git bisect good v1.3.0         # this one worked
# git checks out a commit in the middle; test it, then:
git bisect good                # or: git bisect bad
# ... repeat until git prints "<sha> is the first bad commit"
git bisect reset               # back to where you started
```

Automate it with a script that exits 0 for good and 1 for bad (125 means "cannot test, skip"):

```
git bisect run python3 -m pytest -q tests/test_export.py
```
"""),
    ("gitignore", "Ignore files with .gitignore", "docs", """
```
# .gitignore
__pycache__/
*.pyc
.venv/
.env
build/
*.log
!keep.log
```

- A trailing `/` matches directories only; a leading `/` anchors to the directory of the `.gitignore`.
- `!` re-includes a path excluded by an earlier pattern, unless its parent directory is excluded.
- `.gitignore` does not affect files already tracked. Stop tracking one with `git rm --cached FILE`, then
  commit.
- `git check-ignore -v FILE` prints the rule that ignores a file.

Secrets committed by mistake stay in history even after you ignore and delete them; rotate the secret, then
see [rewriting history](/rewrite-history.html).
"""),
    ("remotes-and-auth", "Remotes and authentication", "docs", """
```
git remote -v                                   # list remotes with their URLs
git remote add upstream http://git.example.net/team/tools.git
git remote set-url origin git@git.example.net:ana/tools.git
git fetch --all --prune                         # update every remote, drop deleted branches
```

Over SSH, `Permission denied (publickey)` means the server did not accept any key you offered. Test with
`ssh -T git@git.example.net`; check `ssh-add -l` lists your key and that its public half is registered with
your account. Over HTTP(S), credentials are asked for by a credential helper; `git config --global
credential.helper cache` keeps them in memory for 15 minutes.

`fatal: refusing to merge unrelated histories` appears when pulling a remote that was created with its own
first commit (for example a README). If that is intended, `git pull origin main --allow-unrelated-histories`
once.
"""),
    ("detached-head", "You are in 'detached HEAD' state", "docs", """
Checking out a tag or a commit rather than a branch detaches HEAD. Commits made there belong to no branch and
are easy to lose.

```
$ git switch --detach v1.3.0
HEAD is now at 7d0e1a4 Release 1.3.0
```

- Just looking? `git switch -` goes back to the previous branch.
- Made commits you want to keep? Give them a branch before leaving: `git switch -c fix/from-1.3`.
- Already left? Find the commit in `git reflog` and create a branch at it: `git branch rescue 3b9f2c1`.
"""),
    ("cherry-pick", "Copy a commit with cherry-pick", "docs", """
`git cherry-pick SHA` applies the change of one commit onto the current branch as a new commit, for example to
bring a bug fix from `main` to a release branch.

```
git switch release/1.4
git cherry-pick -x 9c1e2ab      # -x appends "(cherry picked from commit 9c1e2ab...)"
git cherry-pick A..B            # every commit after A up to and including B
```

On conflict: resolve, `git add`, `git cherry-pick --continue`; or `git cherry-pick --abort`.
"""),
    ("rewrite-history", "Rewrite history safely", "docs", """
Rewriting changes commit identifiers; everyone who has the old commits must re-synchronise. Do it on
branches only you use, or coordinate.

## Squash and reorder the last commits

`git rebase -i HEAD~4` opens a list of the last four commits. Change `pick` to `squash` (merge into the
previous), `reword`, `edit` or `drop`; reorder lines to reorder commits.

## Remove a file from all history

Use a dedicated history filter tool rather than `git filter-branch`, which is slow and easy to get wrong.
Afterwards every collaborator must re-clone, and any secret in the file must be treated as leaked and
rotated regardless.

## After rewriting

Push with `git push --force-with-lease`. Collaborators run `git fetch` then
`git reset --hard origin/BRANCH` (discarding their local commits on it, so they should branch them first).
"""),
]

CHEATSHEET = """PLAIN GIT GUIDES - CHEAT SHEET                       http://gitguide.example.org/

SET UP
  git config --global user.name "Ana Example"
  git config --global user.email ana@example.org
  git config --global init.defaultBranch main
  git config --global pull.rebase true

EVERY DAY
  git status                     what changed
  git add -p                     stage hunks interactively
  git commit -m "message"        record
  git log --oneline --graph -20  recent history
  git diff / git diff --staged   unstaged / staged changes

BRANCHES
  git switch -c NAME             new branch
  git switch NAME                change branch
  git merge NAME                 merge into the current branch
  git rebase main                replay the current branch on main

SHARE
  git pull --rebase              fetch and replay local commits
  git push -u origin NAME        first push of a branch
  git push --force-with-lease    replace your own rewritten branch

UNDO
  git restore FILE               discard unstaged changes to FILE
  git restore --staged FILE      unstage
  git reset --soft HEAD~1        undo last commit, keep changes
  git revert SHA                 new commit undoing SHA
  git reflog                     where HEAD has been (recovery)
"""


def pages() -> list[Page]:
    out = [page(f"{BASE}/{slug}.html", title, kind, markup) for slug, title, kind, markup in GUIDES]
    listing = "\n".join(f"- [{title}](/{slug}.html)" for slug, title, _, _ in GUIDES)
    out.append(page(f"{BASE}/", "Plain Git Guides", "listing", f"""
One problem per page, with the commands to solve it. Every guide assumes git 2.40 or later
(`git --version`).

{listing}

Also: a one-page [cheat sheet](/cheatsheet.txt) and answers on the
[DevHelp forum](http://ask.devhelp.test/tags/git.html).
"""))
    out.append(raw(f"{BASE}/cheatsheet.txt", "Git cheat sheet", "file", CHEATSHEET, "text"))
    return out
