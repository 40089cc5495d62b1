"""A credential's usage from the Tyk Dashboard's analytics: the only code that knows their paths.

`GET /api/activity/keys/{keyHash}/{startDay}/{startMonth}/{startYear}/{EndDay}/{EndMonth}/{EndYear}`
for an API key (by its hash: the portal keeps it as `provider_reference` once the Dashboard has
told it; a Dashboard that hashes no keys records the key itself, so that key is the path's
parameter, named after the credential in messages and log lines), and
`GET /api/activity/oauthid/{OAuthClientID}/...` for an OAuth client. Both answer
`AggregateAnalyticsData`: `ResultUnit`s whose `id` carries the day (and, when the Dashboard groups
by it, the response code) with hits, errors and latencies in milliseconds: an average (`latency`,
total time through the gateway) and a maximum (`max_latency`). No percentile, so none is made up
here: the records' p50 and p99 stay None.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from forecourt import redaction
from forecourt.access.models import Credential
from forecourt.providers.usage import UsageDay, check_range

from .client import DashboardError, TykDashboard


def _dates(start: datetime.date, end: datetime.date) -> str:
    return f"{start.day}/{start.month}/{start.year}/{end.day}/{end.month}/{end.year}"


def read(dashboard: TykDashboard, credential: Credential, start: datetime.date,
         end: datetime.date) -> list[UsageDay]:
    """The credential's traffic per day between `start` and `end` (inclusive), oldest first."""
    check_range(start, end)
    if credential.type == Credential.Type.OAUTH2_CLIENT:
        answer = dashboard.request("GET", f"/api/activity/oauthid/{credential.provider_reference}/"
                                   f"{_dates(start, end)}")
    elif credential.type == Credential.Type.KEY:
        hashed = bool(credential.provider_data.get("hashed"))
        ident = credential.provider_reference if hashed else credential.gateway_key
        if not ident:
            return []  # a key the Dashboard never made: no traffic
        with redaction.secrets_in_use("" if hashed else ident):
            answer = dashboard.request("GET", f"/api/activity/keys/{ident}/{_dates(start, end)}",
                                       shown=f"/api/activity/keys/(credential #{credential.pk})/...")
    else:
        return []  # a client an identity provider registered (DCR): the Dashboard knows no ID of it
    return days_of(answer, start, end)


def days_of(answer: Any, start: datetime.date, end: datetime.date) -> list[UsageDay]:
    """`AggregateAnalyticsData` as one record per day. Units outside the range are left out (a
    Dashboard answering more than asked). Errors are classed by the unit's response code when it has
    one (Tyk counts a response of 400 or more as an error), else counted as unclassified."""
    if not isinstance(answer, dict) or not isinstance(answer.get("data") or [], list):
        raise DashboardError("the Dashboard's analytics answer is not AggregateAnalyticsData")
    sums: dict[datetime.date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for unit in answer.get("data") or []:
        try:
            ident = unit["id"]
            day = datetime.date(int(ident["year"]), int(ident["month"]), int(ident["day"]))
            hits, errors = int(unit.get("hits") or 0), int(unit.get("error") or 0)
            code = int(ident.get("code") or 0)
            latency = float(unit.get("latency") or 0)
            slowest = float(unit.get("max_latency") or 0)
        except (KeyError, TypeError, ValueError) as exc:
            raise DashboardError(f"the Dashboard's analytics answer has a unit it cannot be read: {exc!r}") from None
        if not start <= day <= end:
            continue
        row = sums[day]
        row["requests"] += hits
        if 400 <= code < 500:
            row["errors_4xx"] += errors
        elif 500 <= code < 600:
            row["errors_5xx"] += errors
        else:
            row["errors_other"] += errors
        row["latency_weighted"] += latency * hits
        row["latency_max"] = max(row["latency_max"], slowest)
    records = []
    for day in sorted(sums):
        row = sums[day]
        requests = int(row["requests"])
        records.append(UsageDay(
            day=day, requests=requests, errors_4xx=int(row["errors_4xx"]), errors_5xx=int(row["errors_5xx"]),
            errors_other=int(row["errors_other"]),
            latency_avg_ms=round(row["latency_weighted"] / requests, 2) if requests else None,
            latency_max_ms=row["latency_max"] if requests else None))
    return records
