"""A credential's traffic as the provider's analytics tell it: the plain records an integration's
`read_usage` answers (forecourt.providers.interfaces), knowing no gateway's fields.

One record per day that had traffic. Latency percentiles are there only when the gateway keeps
them: Tyk's aggregate analytics keep an average and a maximum per group, and a percentile cannot
be worked out from those, so a Tyk record has `latency_p50_ms` and `latency_p99_ms` at None and the
portal shows the average and the maximum instead (docs/usage.md).

A day also says which APIs the traffic went to (`apis`, one `ApiUsage` each) when the gateway's
analytics say it (Tyk's units carry `api_id` and `api_name`): the Admin Portal's slowest APIs.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

MAX_DAYS = 366  # the longest range a read covers: a page's "from-to" is capped to it


@dataclass(frozen=True)
class ApiUsage:
    """One credential's traffic to one API on one day: the API as the gateway knows it (`api_id`,
    and the gateway's `api_name`, which the portal shows only for an API it has no ProductAPI of)."""

    api_id: str
    api_name: str
    requests: int
    errors_4xx: int = 0
    errors_5xx: int = 0
    errors_other: int = 0
    latency_avg_ms: float | None = None
    latency_max_ms: float | None = None


@dataclass(frozen=True)
class UsageDay:
    """One day of one credential's traffic (UTC days). `errors_other` are errors whose status
    class the gateway did not say (counted in `requests`, in neither 4xx nor 5xx)."""

    day: datetime.date
    requests: int
    errors_4xx: int = 0
    errors_5xx: int = 0
    errors_other: int = 0
    latency_avg_ms: float | None = None
    latency_max_ms: float | None = None
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    apis: tuple[ApiUsage, ...] = ()  # per API, when the gateway says which API each call hit

    @property
    def errors(self) -> int:
        return self.errors_4xx + self.errors_5xx + self.errors_other


class BadRange(ValueError):
    """A date range a read refuses: its end before its start, or longer than MAX_DAYS."""


def check_range(start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise BadRange("the end of the period is before its start")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadRange(f"a period is at most {MAX_DAYS} days")
