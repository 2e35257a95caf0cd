"""web_search's filters (country, language, freshness, date range, Brave's language codes), per provider.

openclaw's web_search takes Brave's filters. Each provider we speak to honours some of them under its
own names: Brave takes them all (a date range becomes its ``freshness=YYYY-MM-DDtoYYYY-MM-DD``); Serper
(Google) takes country (``gl``), language (``hl``), freshness and a date range (``tbs``); SearXNG takes
language and freshness (``time_range``). A filter the configured provider cannot apply is refused with a
ToolError naming the ones it can: results that silently ignore a filter would teach the model that it
worked. Every value is checked for shape first, since it comes from the model and goes into a request.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields

from isetrace.errors import ToolError

__all__ = ["SearchFilters", "provider_params"]

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_SEARCH_LANG = re.compile(r"^[a-z]{2}(?:-[a-z]{2,4})?$")
_UI_LANG = re.compile(r"^[a-z]{2}-[A-Z]{2}$")
_FRESHNESS = ("day", "week", "month", "year")
_SUPPORTED = {
    "brave": ("country", "language", "freshness", "date_after", "date_before", "search_lang", "ui_lang"),
    "serper": ("country", "language", "freshness", "date_after", "date_before"),
    "searxng": ("language", "freshness"),
}


@dataclass(frozen=True)
class SearchFilters:
    """The filters of one web_search call, as the model gave them (``None``: not given)."""

    country: str | None = None
    language: str | None = None
    freshness: str | None = None
    date_after: str | None = None
    date_before: str | None = None
    search_lang: str | None = None
    ui_lang: str | None = None

    def given(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) not in (None, "")]


def _check(value: str | None, pattern: re.Pattern[str], name: str, example: str) -> str | None:
    if value in (None, ""):
        return None
    if not pattern.match(value):
        raise ToolError(f"{name} {value[:40]!r} is not valid; give it like {example}")
    return value


def _date(value: str | None, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise ToolError(f"{name} {value[:40]!r} is not a date in the form YYYY-MM-DD")


def provider_params(provider: str, filters: SearchFilters) -> dict[str, str]:
    """The request parameters that apply ``filters`` with ``provider``; a ToolError for a filter it cannot apply
    or a value of the wrong shape."""
    unsupported = [name for name in filters.given() if name not in _SUPPORTED.get(provider, ())]
    if unsupported:
        can = ", ".join(_SUPPORTED.get(provider, ())) or "none"
        raise ToolError(f"the {provider} search provider cannot apply {', '.join(unsupported)} (it can apply: {can})")
    country = _check(filters.country, _COUNTRY, "country", "'US' or 'DE'")
    language = _check(filters.language, _LANGUAGE, "language", "'en' or 'de'")
    search_lang = _check(filters.search_lang, _SEARCH_LANG, "search_lang", "'en' or 'zh-hans'")
    ui_lang = _check(filters.ui_lang, _UI_LANG, "ui_lang", "'en-US' or 'de-DE'")
    freshness = filters.freshness or None
    if freshness is not None and freshness not in _FRESHNESS:
        raise ToolError(f"freshness {freshness[:40]!r} is not one of {', '.join(_FRESHNESS)}")
    after, before = _date(filters.date_after, "date_after"), _date(filters.date_before, "date_before")
    if after and before and after > before:
        raise ToolError(f"date_after {after} is later than date_before {before}")
    if freshness and (after or before):
        raise ToolError("give either freshness or a date range (date_after/date_before), not both")
    if language and search_lang and language != search_lang:
        raise ToolError("language and search_lang disagree; give one of them")
    params: dict[str, str] = {}
    if provider == "brave":
        params.update({k: v for k, v in (("country", country and country.upper()),
                                         ("search_lang", search_lang or language), ("ui_lang", ui_lang)) if v})
        if freshness:
            params["freshness"] = "p" + freshness[0]
        elif after or before:
            params["freshness"] = f"{after or dt.date(1970, 1, 1)}to{before or dt.date.today()}"
    elif provider == "serper":
        params.update({k: v for k, v in (("gl", country and country.lower()), ("hl", language)) if v})
        if freshness:
            params["tbs"] = "qdr:" + freshness[0]
        elif after or before:
            bounds = [f"cd_min:{after.month}/{after.day}/{after.year}"] if after else []
            bounds += [f"cd_max:{before.month}/{before.day}/{before.year}"] if before else []
            params["tbs"] = ",".join(["cdr:1", *bounds])
    else:
        params.update({k: v for k, v in (("language", language), ("time_range", freshness)) if v})
    return params
