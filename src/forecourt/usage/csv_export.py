"""The usage CSV download: one row per credential per day of the period, from the cache.

A spreadsheet runs a cell that starts with =, +, -, @ (or a tab or carriage return, which some
read past) as a formula, and an app's name is the developer's own text: such a cell is written with
a leading apostrophe (OWASP's "CSV injection" advice), so it reads as text.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from forecourt.access.models import Credential

from . import reports

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["app", "credential", "day", "requests", "errors_4xx", "errors_5xx", "errors_other",
          "latency_avg_ms", "latency_max_ms", "latency_p50_ms", "latency_p99_ms"]


def cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def label(credential: Credential) -> str:
    """How pages and the CSV name a credential: its kind, number and the last characters of its secret."""
    return f"{credential.get_type_display()} #{credential.pk} …{credential.secret_hint}"


def rows(credentials: Sequence[Credential], period: reports.Period) -> Iterable[list[str]]:
    yield HEADER
    for credential in credentials:
        for day in reports.series([credential.pk], period):
            yield [cell(v) for v in (credential.app.name, label(credential), day.day.isoformat(), day.requests,
                                     day.errors_4xx, day.errors_5xx, day.errors_other, day.latency_avg_ms,
                                     day.latency_max_ms, day.latency_p50_ms, day.latency_p99_ms)]


def render(credentials: Sequence[Credential], period: reports.Period) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows(credentials, period))
    return out.getvalue()
