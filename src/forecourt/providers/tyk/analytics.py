"""A credential's usage from the Tyk Dashboard's analytics: the only code that knows their paths.

`GET /api/activity/keys/{keyHash}/{startDay}/{startMonth}/{startYear}/{EndDay}/{EndMonth}/{EndYear}`
for an API key (by its hash: the portal keeps it as `provider_reference` once the Dashboard has
told it; a Dashboard that hashes no keys records the key itself, so that key is the path's
parameter, named after the credential in messages and log lines), and
`GET /api/activity/oauthid/{OAuthClientID}/...` for an OAuth client. Both answer
`AggregateAnalyticsData`: `ResultUnit`s aggregated over the whole range asked, grouped by endpoint
and response code (`id.api_id`, `id.path`, `id.code`; the contract's example has `id.day`,
`id.month` and `id.year` at 0), with hits, errors and latencies in milliseconds: an average
(`latency`, total time through the gateway) and a maximum (`max_latency`). No percentile, so none is
made up here: the records' p50 and p99 stay None. Since the answer has no days, a day's figures come
from asking for that day alone: one request per day of the range (a refresh asks for the few days
since the last one; the first, for the pages' longest period). Each day's figures are also summed
per API (`id.api_id`, with the Dashboard's `id.api_name`) for the Admin Portal's slowest APIs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from forecourt import redaction
from forecourt.access.models import Credential
from forecourt.providers.usage import ApiUsage, UsageDay, check_range

from .client import DashboardError, TykDashboard


def _dates(start: datetime.date, end: datetime.date) -> str:
    return f"{start.day}/{start.month}/{start.year}/{end.day}/{end.month}/{end.year}"


def read(dashboard: TykDashboard, credential: Credential, start: datetime.date,
         end: datetime.date) -> list[UsageDay]:
    """The credential's traffic per day between `start` and `end` (inclusive), oldest first."""
    check_range(start, end)
    records: list[UsageDay] = []
    day = start
    while day <= end:
        answer = _ask(dashboard, credential, day)
        if answer is None:
            return []
        records.extend(days_of(answer, day, day))
        day += datetime.timedelta(days=1)
    return records


def _ask(dashboard: TykDashboard, credential: Credential, day: datetime.date) -> Any:
    """The Dashboard's answer for one credential on one day; None for a credential it has no analytics of."""
    if credential.type == Credential.Type.OAUTH2_CLIENT:
        return dashboard.request("GET", f"/api/activity/oauthid/{credential.provider_reference}/{_dates(day, day)}")
    if credential.type == Credential.Type.KEY:
        hashed = bool(credential.provider_data.get("hashed"))
        ident = credential.provider_reference if hashed else credential.gateway_key
        if not ident:
            return None  # a key the Dashboard never made: no traffic
        with redaction.secrets_in_use("" if hashed else ident):
            return dashboard.request("GET", f"/api/activity/keys/{ident}/{_dates(day, day)}",
                                     shown=f"/api/activity/keys/(credential #{credential.pk})/...")
    return None  # a client an identity provider registered (DCR): the Dashboard knows no ID of it


def _day_of(ident: dict[str, Any], start: datetime.date, end: datetime.date) -> datetime.date:
    """The day a unit counts for: its own when the Dashboard grouped by day, else the one day asked
    (a unit aggregated over several days cannot be put on any of them)."""
    year, month, day = int(ident.get("year") or 0), int(ident.get("month") or 0), int(ident.get("day") or 0)
    if year or month or day:
        return datetime.date(year, month, day)
    if start != end:
        raise ValueError("a unit aggregated over several days")
    return start


def days_of(answer: Any, start: datetime.date, end: datetime.date) -> list[UsageDay]:
    """`AggregateAnalyticsData` as one record per day, with its traffic per API (the units'
    `id.api_id`; units with none are in the day's figures but no API's). Units outside the range are
    left out (a Dashboard answering more than asked). Errors are classed by the unit's response code
    when it has one (Tyk counts a response of 400 or more as an error), else counted as unclassified."""
    if not isinstance(answer, dict) or not isinstance(answer.get("data") or [], list):
        raise DashboardError("the Dashboard's analytics answer is not AggregateAnalyticsData")
    sums: dict[datetime.date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    per_api: dict[datetime.date, dict[str, dict[str, float]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(float)))
    names: dict[str, str] = {}
    for unit in answer.get("data") or []:
        try:
            ident = unit["id"]
            day = _day_of(ident, start, end)
            hits, errors = int(unit.get("hits") or 0), int(unit.get("error") or 0)
            code = int(ident.get("code") or 0)
            latency = float(unit.get("latency") or 0)
            slowest = float(unit.get("max_latency") or 0)
            api_id, api_name = str(ident.get("api_id") or ""), str(ident.get("api_name") or "")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DashboardError(f"the Dashboard's analytics answer has a unit it cannot be read: {exc!r}") from None
        if not start <= day <= end:
            continue
        _add(sums[day], hits, errors, code, latency, slowest)
        if api_id:
            _add(per_api[day][api_id], hits, errors, code, latency, slowest)
            names[api_id] = names.get(api_id) or api_name
    records = []
    for day in sorted(sums):
        apis = tuple(ApiUsage(api_id, names[api_id], **_figures(figures))
                     for api_id, figures in sorted(per_api[day].items()))
        records.append(UsageDay(day=day, **_figures(sums[day]), apis=apis))
    return records


def _add(row: dict[str, float], hits: int, errors: int, code: int, latency: float, slowest: float) -> None:
    row["requests"] += hits
    if 400 <= code < 500:
        row["errors_4xx"] += errors
    elif 500 <= code < 600:
        row["errors_5xx"] += errors
    else:
        row["errors_other"] += errors
    row["latency_weighted"] += latency * hits
    row["latency_max"] = max(row["latency_max"], slowest)


def _figures(row: dict[str, float]) -> dict[str, Any]:
    """Summed units as a record's figures: the average latency weighted by hits, the maximum."""
    requests = int(row["requests"])
    return {"requests": requests, "errors_4xx": int(row["errors_4xx"]), "errors_5xx": int(row["errors_5xx"]),
            "errors_other": int(row["errors_other"]),
            "latency_avg_ms": round(row["latency_weighted"] / requests, 2) if requests else None,
            "latency_max_ms": row["latency_max"] if requests else None}
