"""HTTP by Example: a guide to HTTP and REST APIs, with a page per common error status."""

from __future__ import annotations

from ._common import Page, page

HOST = "httpguide.example.org"
BASE = f"http://{HOST}"

SITES = {HOST: {"name": "HTTP by Example",
                "nav": [("Contents", "/"), ("Status codes", "/status-codes.html"), ("Errors", "/errors/"),
                        ("Rate limits", "/rate-limits.html"), ("curl", "/curl.html")],
                "footer": "HTTP by Example · text CC0 1.0 · examples use reserved example.com names"}}

GUIDE: list[tuple[str, str, str, str]] = [
    ("methods", "Methods", "docs", """
| Method | Purpose | Safe | Idempotent | Request body |
|---|---|---|---|---|
| GET | read a resource | yes | yes | no |
| HEAD | GET without the body, for headers only | yes | yes | no |
| POST | create, or run an action | no | no | yes |
| PUT | replace a resource entirely | no | yes | yes |
| PATCH | change part of a resource | no | not necessarily | yes |
| DELETE | remove a resource | no | yes | rarely |
| OPTIONS | ask what is allowed (used by CORS preflight) | yes | yes | no |

**Safe** means the request does not change anything on the server; crawlers and caches rely on it.
**Idempotent** means sending it twice has the same effect as once, which is what makes a retry after a
timeout harmless. `DELETE /orders/17` twice leaves the order deleted (the second answer may be `404`), while
`POST /orders` twice creates two orders unless the API supports [idempotency keys](/idempotency.html).
"""),
    ("status-codes", "Status codes", "docs", """
The first digit is the class: 1xx informational, 2xx success, 3xx redirection, 4xx client error (fix the
request), 5xx server error (the request may be fine; retrying later may help).

| Code | Name | Typical meaning |
|---|---|---|
| 200 | OK | success with a body |
| 201 | Created | a resource was created; `Location` says where |
| 202 | Accepted | queued for processing; poll the URL you are given |
| 204 | No Content | success without a body (common for DELETE) |
| 301 | Moved Permanently | update your bookmark; clients may change POST to GET |
| 302 | Found | temporary redirect |
| 304 | Not Modified | your cached copy is still valid (after `If-None-Match`) |
| 307 | Temporary Redirect | like 302 but method and body are kept |
| 308 | Permanent Redirect | like 301 but method and body are kept |
| 400 | Bad Request | malformed syntax or invalid parameters ([details](/errors/400.html)) |
| 401 | Unauthorized | no or invalid credentials ([details](/errors/401.html)) |
| 403 | Forbidden | authenticated but not allowed ([details](/errors/403.html)) |
| 404 | Not Found | no resource at this URL ([details](/errors/404.html)) |
| 405 | Method Not Allowed | see the `Allow` header |
| 409 | Conflict | the resource's state prevents the change (version mismatch, duplicate) |
| 410 | Gone | it existed and was removed deliberately |
| 412 | Precondition Failed | `If-Match` did not match: someone else changed it |
| 415 | Unsupported Media Type | wrong `Content-Type` for the body |
| 422 | Unprocessable Content | well-formed but semantically invalid |
| 429 | Too Many Requests | rate limited ([details](/rate-limits.html)) |
| 500 | Internal Server Error | a bug or unexpected state on the server ([details](/errors/500.html)) |
| 502 | Bad Gateway | a proxy got a bad answer from upstream ([details](/errors/502.html)) |
| 503 | Service Unavailable | overloaded or in maintenance ([details](/errors/503.html)) |
| 504 | Gateway Timeout | a proxy gave up waiting for upstream |

`curl -i` shows the status line; `curl -s -o /dev/null -w '%{http_code}\\n' URL` prints only the code.
"""),
    ("headers", "Headers you will meet", "docs", """
| Header | Direction | Example | Meaning |
|---|---|---|---|
| `Content-Type` | both | `application/json; charset=utf-8` | the format of the body |
| `Accept` | request | `application/json` | formats the client wants |
| `Authorization` | request | `Bearer eyJhbGciOi…` | credentials ([authentication](/authentication.html)) |
| `User-Agent` | request | `report-bot/1.2 (ops@example.org)` | who is calling; polite crawlers say how to reach them |
| `ETag` | response | `"v42-9f1c"` | a version identifier for caching and concurrency |
| `If-None-Match` | request | `"v42-9f1c"` | send the body only if it changed (else `304`) |
| `Cache-Control` | response | `max-age=300` | how long the answer may be reused ([caching](/caching.html)) |
| `Location` | response | `/v1/orders/8812` | where a created or moved resource is |
| `Retry-After` | response | `30` or an HTTP date | when to try again after `429` or `503` |
| `Link` | response | `<…?page=3>; rel="next"` | pagination links ([pagination](/pagination.html)) |
| `Idempotency-Key` | request | `7c0f…` | makes a POST safe to retry ([idempotency](/idempotency.html)) |

Header names are case-insensitive: `content-type` and `Content-Type` are the same header.
"""),
    ("caching", "Caching", "docs", """
`Cache-Control: max-age=300` lets a client reuse an answer for 300 seconds without asking. After that it can
revalidate cheaply: send the `ETag` it got in `If-None-Match`, and the server answers `304 Not Modified` with
no body if nothing changed.

| Directive | Effect |
|---|---|
| `max-age=N` | fresh for N seconds |
| `no-cache` | may be stored, but must be revalidated before each use |
| `no-store` | must not be stored at all (personal or secret data) |
| `private` | only the end client may cache, not shared proxies |
| `immutable` | will never change during its lifetime (versioned file names) |

Static JSON that is republished on a schedule, such as a forecast issued every six hours, is a good fit for
`max-age` up to the next issue time.
"""),
    ("authentication", "Authentication", "docs", """
| Scheme | Header | Notes |
|---|---|---|
| API key | `X-API-Key: k_live_4f…` or a query parameter | simple; a key in a URL ends up in logs |
| Basic | `Authorization: Basic base64(user:password)` | only over an encrypted connection |
| Bearer token | `Authorization: Bearer TOKEN` | tokens usually expire; refresh before they do |

`401 Unauthorized` means the credentials are missing or not valid, and should come with a
`WWW-Authenticate` header naming the scheme. `403 Forbidden` means they are valid but do not allow this
action. Do not retry either automatically: the same request will fail the same way.

Keep secrets out of source code and shell history: read them from an environment variable or a file with
mode `600`, e.g. `curl -H "Authorization: Bearer $(cat ~/.config/api/token)" …`.
"""),
    ("pagination", "Pagination", "docs", """
Large collections are returned a page at a time. Three styles are common:

| Style | Request | Next page | Weakness |
|---|---|---|---|
| page number | `?page=2&per_page=50` | `page=3` | rows shift if items are added meanwhile |
| offset | `?offset=100&limit=50` | `offset=150` | slow for deep offsets |
| cursor | `?cursor=eyJpZCI6…` | the `next` cursor from the answer | cannot jump to page 40 |

Follow the API's own `next` link (in the body or a `Link` header) instead of computing URLs, and stop when
it is absent or `null`. A static API may spell pages as paths: the Pinemoor shop API serves
[page 1](http://api.pinemoor.example.com/v1/products.json) with a `next` member pointing at
`/v1/products/page/2.json`.

```
url = "http://api.pinemoor.example.com/v1/products.json"
while url:
    page = json.load(urllib.request.urlopen(url))
    items.extend(page["items"])
    url = page.get("next")
```
"""),
    ("rate-limits", "Rate limits, 429 and Retry-After", "error_doc", """
Most public APIs limit how many requests a client may make in a period, to share capacity fairly and to
protect themselves from runaway scripts. When you exceed the limit the server answers
**429 Too Many Requests** instead of doing the work. Handling 429 well is the difference between a job that
finishes a little late and one that fails or gets its key blocked.

## What the server tells you

A well-behaved API describes the limit on every answer, not only on the 429:

```
HTTP/1.1 200 OK
X-RateLimit-Limit: 60
X-RateLimit-Remaining: 3
X-RateLimit-Reset: 1764493260
```

`Limit` is the number of requests allowed per window, `Remaining` how many are left in the current window,
and `Reset` when the window restarts, here as Unix seconds (some APIs send seconds-from-now instead; the
documentation says which). The exact names vary: `RateLimit-Limit` and `RateLimit-Remaining` without the
`X-` prefix are increasingly common.

When the limit is hit:

```
HTTP/1.1 429 Too Many Requests
Retry-After: 17
Content-Type: application/json

{"error":{"status":429,"code":"rate_limited","message":"60 requests per minute; retry in 17 s"}}
```

`Retry-After` is either a number of seconds or an HTTP date such as `Mon, 30 Nov 2026 09:01:00 GMT`. It is
the single most useful header here: wait at least that long before the next request. A client that retries
immediately burns its next window too and may be blocked for longer; some APIs escalate to `403` for clients
that ignore 429s.

## How to respond

1. On 429, read `Retry-After`. If it is a number, sleep that many seconds; if it is a date, sleep until then.
2. If there is no `Retry-After`, back off exponentially: 1 s, 2 s, 4 s, 8 s, capped at a minute or so, with
   random jitter so that many clients do not retry in lockstep ([retries](/retries-and-timeouts.html)).
3. Give up after a bounded number of attempts (five is common) and report the failure with the last status.
4. Better still, stay under the limit: watch `Remaining` and slow down as it approaches zero, or space
   requests evenly (60 per minute is one per second).

```
import time, urllib.request, urllib.error

def get(url, attempts=5):
    for attempt in range(attempts):
        try:
            return urllib.request.urlopen(url, timeout=30).read()
        except urllib.error.HTTPError as err:
            if err.code not in (429, 503) or attempt == attempts - 1:
                raise
            wait = err.headers.get("Retry-After")
            time.sleep(int(wait) if wait and wait.isdigit() else 2 ** attempt)
```

From a shell, `curl --retry 5 --retry-delay 2 URL` retries transient errors, and recent curl versions honour
`Retry-After` when they retry a 429 or 503.

## Limits in the APIs documented on this web

| API | Limit | Answer when exceeded |
|---|---|---|
| [Cirrus Weather](http://api.cirrus-weather.example.com/) | 60 requests per minute per IP | 429 with `Retry-After` |
| [Ledgerline FX](http://api.ledgerline.example.net/) | 30 requests per minute | 429 with `Retry-After` |
| [Pinemoor Shop API](http://api.pinemoor.example.com/) | 120 requests per minute per client | 429 with `Retry-After` |

## Common mistakes

- Treating 429 as a permanent error and skipping the item: the data is there, you asked too fast.
- Retrying in parallel threads that each obey `Retry-After` but together still exceed the limit. Share one
  limiter across threads.
- Confusing 429 with 503. `503 Service Unavailable` means the server is overloaded or in maintenance;
  it may also carry `Retry-After` and the same waiting logic applies, but it is not about you.
- Caching nothing. If a value changes every six hours, fetching it every second is 21,600 wasted requests.
"""),
    ("problem-details", "Error bodies: problem details", "error_doc", """
An error status says what kind of failure happened; the body should say what exactly. Many APIs use the
"problem details" format, served as `application/problem+json`:

```
{"type":"http://api.example.com/problems/insufficient-stock",
 "title":"Not enough stock",
 "status":409,
 "detail":"Requested 12 units of PM-1007; 4 are available.",
 "instance":"/v1/orders/8812"}
```

type :: a URL identifying the kind of problem (it need not resolve)
title :: a short human-readable summary that is the same for every occurrence
status :: the HTTP status code, repeated for convenience
detail :: what went wrong this time
instance :: the request or resource concerned

Others use their own shape, typically `{"error": {"code": "...", "message": "..."}}`. Whatever the shape,
log the status code and the full body together: the body usually names the offending field.
"""),
    ("retries-and-timeouts", "Retries and timeouts", "docs", """
Always set a timeout; a request without one can hang forever. Separate the connect timeout (a few seconds)
from the read timeout (long enough for the slowest legitimate answer).

## What to retry

| Failure | Retry? |
|---|---|
| connection refused, DNS failure, timeout | yes, with backoff |
| 429, 503 | yes, after `Retry-After` |
| 500, 502, 504 | yes, a few times; the request may have been executed |
| 400, 401, 403, 404, 422 | no; the same request will fail again |

Retrying a non-idempotent request (a POST that creates something) after a timeout can do the work twice; use
an [idempotency key](/idempotency.html).

## Backoff with jitter

Wait `min(cap, base * 2 ** attempt)` seconds, then take a random fraction of it ("full jitter"): with base 1 s
and cap 30 s, attempt 0 waits up to 1 s, attempt 3 up to 8 s, attempt 6 up to 30 s. Jitter spreads the retries
of many clients over time so they do not return all at once.
"""),
    ("idempotency", "Idempotency keys", "docs", """
A client sends `POST /v1/payments` and the connection drops before the answer arrives. Did the payment
happen? Retrying blindly may pay twice. An idempotency key fixes this: the client generates a unique key per
logical operation and sends it with every attempt.

```
POST /v1/payments
Idempotency-Key: 5f3d1c9e-8b7a-4d2e-9c1f-0a6b2e4d8f10
```

The server stores the key with the result of the first attempt. A retry with the same key gets the stored
result instead of a second payment. Keys are typically kept for 24 hours; reusing a key with a different
body is an error (`422` or `409`). Generate keys with `uuid.uuid4()`, never from a timestamp.
"""),
    ("cors", "CORS in one page", "docs", """
Browsers block a page from reading responses from another origin unless that origin allows it. The server
opts in with `Access-Control-Allow-Origin: http://app.example.com` (or `*` for public data). For requests
that are not "simple" (a `PUT`, or a JSON `Content-Type`) the browser first sends an `OPTIONS` preflight and
expects `Access-Control-Allow-Methods` and `Access-Control-Allow-Headers` in the answer.

CORS is enforced by browsers only: `curl`, scripts and servers are not affected, which is why a request that
works in a terminal can fail in a web page with "blocked by CORS policy".
"""),
    ("curl", "curl for API work", "docs", """
```
curl -s URL                                  # quiet body
curl -i URL                                  # status line and headers, then body
curl -sS -f URL                              # fail with exit code 22 on HTTP errors, still show errors
curl -s -o data.csv URL                      # save to a file
curl -s -w '%{http_code} %{size_download}\\n' -o /dev/null URL
curl -s -H 'Accept: application/json' URL
curl -s -X POST -H 'Content-Type: application/json' -d '{"qty":2}' URL
curl -sL URL                                 # follow redirects
curl --retry 3 --max-time 20 URL             # retries and an overall time limit
```

A few exit codes worth knowing: `6` could not resolve host, `7` failed to connect, `22` HTTP error with
`-f`, `28` timeout. Pipe JSON to `python3 -m json.tool` to pretty-print it:

```
curl -s http://api.cirrus-weather.example.com/v1/current/oslo.json | python3 -m json.tool
```
"""),
]

# code, name, meaning, causes, what to do
ERRORS = [
    ("400", "Bad Request", "The server could not understand the request or its parameters are invalid.",
     ["malformed JSON in the body (a trailing comma, single quotes)", "a required parameter is missing",
      "a value of the wrong type, such as `\"qty\": \"two\"`"],
     "Read the error body, which usually names the field; fix the request. Retrying unchanged will not help."),
    ("401", "Unauthorized", "Credentials are missing, expired or not valid.",
     ["no `Authorization` header", "an expired bearer token", "a key for the test environment used against production"],
     "Check the header is sent (`curl -v` shows it), refresh the token, and check `WWW-Authenticate` in the answer."),
    ("403", "Forbidden", "The server knows who you are and refuses the action.",
     ["the account lacks a role or scope", "an IP allow-list", "a client blocked after ignoring rate limits"],
     "Ask for the permission; do not retry. A 403 on a public file can also mean the URL is not public at all."),
    ("404", "Not Found", "There is nothing at this URL.",
     ["a typo in the path or a wrong case (`/V1/` instead of `/v1/`)", "a missing file suffix such as `.json`",
      "an identifier that does not exist, or a date with no data (weekends in daily series)"],
     "Check the path against the documentation or the API's index. Some APIs answer 404 instead of 403 to hide "
     "what exists."),
    ("429", "Too Many Requests", "You sent more requests than the rate limit allows.",
     ["a loop without a delay", "parallel workers sharing one key"],
     "Wait for `Retry-After` and slow down. The full story is in [rate limits](/rate-limits.html)."),
    ("500", "Internal Server Error", "The server failed while handling a request that may be perfectly valid.",
     ["a bug triggered by unusual input", "a dependency failing in an unexpected way"],
     "Retry a few times with backoff. If it persists for the same input, report it with the time, the URL and "
     "any request identifier from the headers."),
    ("502", "Bad Gateway", "A proxy or gateway received an invalid answer from the server behind it.",
     ["the application process crashed or is restarting",
      "a certificate or protocol mismatch between proxy and origin"],
     "Retry after a short wait; check the provider's status page for an incident."),
    ("503", "Service Unavailable", "The server cannot handle the request right now.",
     ["maintenance", "overload", "a new version of static data being published"],
     "Honour `Retry-After` if present, otherwise back off. Status pages announce maintenance windows."),
]


def pages() -> list[Page]:
    out = [page(f"{BASE}/{slug}.html", title, kind, markup) for slug, title, kind, markup in GUIDE]
    for code, name, meaning, causes, fix in ERRORS:
        bullets = "\n".join(f"- {cause}" for cause in causes)
        out.append(page(f"{BASE}/errors/{code}.html", f"{code} {name}", "error_doc", f"""
{meaning}

## Common causes

{bullets}

## What to do

{fix}

See the [table of status codes](/status-codes.html) and [retries and timeouts](/retries-and-timeouts.html).
"""))
    rows = "\n".join(f"| [{code}](/errors/{code}.html) | {name} | {meaning} |" for code, name, meaning, _, _ in ERRORS)
    out.append(page(f"{BASE}/errors/", "Error statuses", "listing", f"""
| Code | Name | Meaning |
|---|---|---|
{rows}
"""))
    listing = "\n".join(f"- [{title}](/{slug}.html)" for slug, title, _, _ in GUIDE)
    out.append(page(f"{BASE}/", "HTTP by Example", "listing", f"""
A practical guide to HTTP for people who write scripts and services that call APIs. Every page is short and
ends in something you can type.

{listing}
- [Error statuses, one page each](/errors/)
"""))
    return out
