"""What the pages show from the usage cache: a period's series per day, its totals, a credential's
quota used, and the Admin Portal's top lists (apps by requests and by errors, the slowest APIs and
apps). Read from the cache only (forecourt.usage.models).

Latency: Tyk keeps an average and a maximum per day, no percentile (docs/usage.md), so the series
carries the average (weighted by requests) and the maximum; p50 and p99 are shown only where the
provider gave them, and only for one credential: percentiles of several credentials cannot be
combined from each one's percentiles.
"""

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import ExpressionWrapper, F, FloatField, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, ngettext

from forecourt.access.models import Credential
from forecourt.catalog.models import ProductAPI
from forecourt.providers.usage import MAX_DAYS

from .models import DailyApiUsage, DailyUsage, UsageRefresh
from .refresh import today

PRESETS = (7, 30, 90)


class BadPeriod(ValueError):
    """A period the pages refuse; the message says why, in words."""


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    preset: int | None = None  # 7, 30 or 90 for "the last N days"

    @property
    def days(self) -> list[datetime.date]:
        return [self.start + datetime.timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def __str__(self) -> str:
        """In words, in the active language: "the last 7 days", "2026-01-01 to 2026-01-31"."""
        if self.preset:
            return ngettext("the last %(count)d day", "the last %(count)d days", self.preset) % {"count": self.preset}
        return gettext("%(start)s to %(end)s") % {"start": self.start, "end": self.end}


def last_days(n: int) -> Period:
    end = today()
    return Period(end - datetime.timedelta(days=n - 1), end, n)


def parse_period(days: str | None, start: str | None, end: str | None) -> Period:
    """The period a page's query asks for: `days` (7, 30 or 90), or `from` and `to` (ISO dates,
    at most MAX_DAYS days); the last 7 days when it asks for none."""
    if start or end:
        try:
            first = datetime.date.fromisoformat(start or "")
            last = datetime.date.fromisoformat(end or "")
        except ValueError:
            raise BadPeriod("Give both dates of the period as YYYY-MM-DD.") from None
        if last < first:
            raise BadPeriod("The period ends before it starts.")
        if (last - first).days + 1 > MAX_DAYS:
            raise BadPeriod(f"A period is at most {MAX_DAYS} days.")
        return Period(first, last)
    if not days:
        return last_days(PRESETS[0])
    if days not in {str(n) for n in PRESETS}:
        raise BadPeriod("Choose the last 7, 30 or 90 days, or dates.")
    return last_days(int(days))


@dataclass(frozen=True)
class DayUsage:
    day: datetime.date
    requests: int = 0
    errors_4xx: int = 0
    errors_5xx: int = 0
    errors_other: int = 0
    latency_avg_ms: float | None = None
    latency_max_ms: float | None = None
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None

    @property
    def errors(self) -> int:
        return self.errors_4xx + self.errors_5xx + self.errors_other


def _rows(credential_ids: Sequence[int], period: Period) -> QuerySet[DailyUsage]:
    return DailyUsage.objects.filter(credential_id__in=credential_ids, day__gte=period.start, day__lte=period.end)


def series(credential_ids: Sequence[int], period: Period) -> list[DayUsage]:
    """Every day of the period (days without traffic at zero), these credentials' traffic summed:
    one aggregate query."""
    single = len(credential_ids) == 1
    found = {
        row["day"]: row for row in _rows(credential_ids, period).values("day").annotate(
            requests_=Sum("requests"), e4=Sum("errors_4xx"), e5=Sum("errors_5xx"), eo=Sum("errors_other"),
            weighted=Sum(F("latency_avg_ms") * F("requests"), output_field=FloatField()),
            timed=Sum("requests", filter=Q(latency_avg_ms__isnull=False)),
            slowest=Max("latency_max_ms"), p50=Max("latency_p50_ms"), p99=Max("latency_p99_ms"))}
    out = []
    for day in period.days:
        row = found.get(day)
        if row is None:
            out.append(DayUsage(day))
            continue
        out.append(DayUsage(
            day, int(row["requests_"] or 0), int(row["e4"] or 0), int(row["e5"] or 0), int(row["eo"] or 0),
            round(row["weighted"] / row["timed"], 2) if row["timed"] else None, row["slowest"],
            row["p50"] if single else None, row["p99"] if single else None))
    return out


@dataclass(frozen=True)
class Totals:
    requests: int
    errors_4xx: int
    errors_5xx: int
    errors_other: int
    latency_avg_ms: float | None
    latency_max_ms: float | None

    @property
    def error_rate(self) -> float | None:
        errors = self.errors_4xx + self.errors_5xx + self.errors_other
        return errors / self.requests if self.requests else None


def totals(days: Sequence[DayUsage]) -> Totals:
    timed = [d for d in days if d.latency_avg_ms is not None and d.requests]
    weight = sum(d.requests for d in timed)
    maxima = [d.latency_max_ms for d in days if d.latency_max_ms is not None]
    return Totals(sum(d.requests for d in days), sum(d.errors_4xx for d in days), sum(d.errors_5xx for d in days),
                  sum(d.errors_other for d in days),
                  round(sum(d.latency_avg_ms * d.requests for d in timed if d.latency_avg_ms is not None) / weight, 2)
                  if weight else None,
                  max(maxima) if maxima else None)


@dataclass(frozen=True)
class Refreshed:
    """When the cache of a set of credentials was refreshed: the oldest of their refreshes (None
    while one has never been), and the reasons of failed ones."""

    at: datetime.datetime | None
    never: bool
    errors: list[str]


def refreshed(credential_ids: Sequence[int]) -> Refreshed:
    rows = list(UsageRefresh.objects.filter(credential_id__in=credential_ids).values("refreshed_at", "error"))
    times = [r["refreshed_at"] for r in rows if r["refreshed_at"] is not None]
    never = len(times) < len(credential_ids)
    return Refreshed(min(times) if times else None, never, sorted({r["error"] for r in rows if r["error"]}))


@dataclass(frozen=True)
class Quota:
    """A credential's quota and how much of it the cache says was used: `used` requests in the
    last `window_days` days (the quota's renewal period rounded up to whole days, as the cache
    holds days; the gateway's own counter renews at its own moment, so this is an estimate).
    `used` is None for an unlimited quota or one renewing more often than daily."""

    limit: int | None
    window_days: int | None
    used: int | None

    @property
    def share(self) -> float | None:
        return self.used / self.limit if self.used is not None and self.limit else None


def quota(credential: Credential) -> Quota:
    plan = credential.access_request.plan
    if plan.quota_unlimited:
        return Quota(None, None, None)
    if plan.quota_renewal_seconds < 86400:
        return Quota(plan.quota_max, None, None)
    window = math.ceil(plan.quota_renewal_seconds / 86400)
    end = today()
    used = DailyUsage.objects.filter(credential_id=credential.pk, day__gt=end - datetime.timedelta(days=window),
                                     day__lte=end).aggregate(n=Coalesce(Sum("requests"), 0))["n"]
    return Quota(plan.quota_max, window, int(used))


@dataclass(frozen=True)
class Ranked:
    """One row of an Admin Portal top list: an app and its period's figures."""

    app_id: int
    app_name: str
    organisation: str
    requests: int
    errors_4xx: int
    errors_5xx: int
    latency_avg_ms: float | None
    latency_max_ms: float | None


_PER_APP = ("credential__app_id", "credential__app__name", "credential__app__organisation__name")


def _per_app(period: Period, app_ids: Sequence[int] | None = None) -> Any:
    """The period's rows summed per app (a values() queryset: each row a dict), of these apps or all."""
    sums: dict[str, Any] = {
        "requests_": Sum("requests"), "e4": Sum("errors_4xx"), "e5": Sum("errors_5xx"),
        "errs": Sum("errors_4xx") + Sum("errors_5xx"),
        "weighted": Sum(F("latency_avg_ms") * F("requests"), output_field=FloatField()),
        "timed": Sum("requests", filter=Q(latency_avg_ms__isnull=False)), "slowest": Max("latency_max_ms")}
    rows = DailyUsage.objects.filter(day__gte=period.start, day__lte=period.end)
    if app_ids is not None:
        rows = rows.filter(credential__app_id__in=app_ids)
    return rows.values(*_PER_APP).annotate(**sums)


def _ranked(row: dict[str, Any]) -> Ranked:
    return Ranked(row["credential__app_id"], row["credential__app__name"],
                  row["credential__app__organisation__name"], int(row["requests_"] or 0), int(row["e4"] or 0),
                  int(row["e5"] or 0), round(row["weighted"] / row["timed"], 2) if row["timed"] else None,
                  row["slowest"])


def per_app(period: Period, app_ids: Sequence[int]) -> dict[int, Ranked]:
    """Each of these apps' figures in the period (apps without traffic left out): one query."""
    return {r.app_id: r for r in map(_ranked, _per_app(period, app_ids))}


def top_apps(period: Period, limit: int = 10) -> list[Ranked]:
    """The apps with the most requests in the period."""
    return [_ranked(r) for r in _per_app(period).order_by("-requests_", "credential__app_id")[:limit]]


def top_errors(period: Period, limit: int = 10) -> list[Ranked]:
    """The apps with the most errors (4xx and 5xx) in the period, those with none left out."""
    rows = _per_app(period).filter(errs__gt=0).order_by("-errs", "credential__app_id")[:limit]
    return [_ranked(r) for r in rows]


def slowest_apps(period: Period, limit: int = 10) -> list[Ranked]:
    """The apps with the highest average latency in the period (Tyk's per-key analytics are not
    per API, so this is per app: the APIs an app calls are its products')."""
    rows = (_per_app(period).filter(timed__gt=0)
            .annotate(average=ExpressionWrapper(F("weighted") / F("timed"), output_field=FloatField()))
            .order_by("-average", "credential__app_id")[:limit])
    return [_ranked(r) for r in rows]


@dataclass(frozen=True)
class SlowApi:
    """One row of the Admin Portal's slowest APIs: an API at a provider, named as the portal knows
    it (its ProductAPI's name, else the gateway's), and its period's figures over every credential."""

    api_id: str
    name: str
    requests: int
    errors_4xx: int
    errors_5xx: int
    latency_avg_ms: float
    latency_max_ms: float | None


def slowest_apis(period: Period, limit: int = 10) -> list[SlowApi]:
    """The APIs with the highest average latency in the period (weighted by requests, over all
    credentials), with their slowest request: two queries whatever the traffic (the per-API cache
    summed per provider and API, then the portal's names of the few on the list)."""
    rows = list(
        DailyApiUsage.objects.filter(day__gte=period.start, day__lte=period.end)
        .values("credential__provider_id", "api_id")
        .annotate(requests_=Sum("requests"), e4=Sum("errors_4xx"), e5=Sum("errors_5xx"),
                  weighted=Sum(F("latency_avg_ms") * F("requests"), output_field=FloatField()),
                  timed=Sum("requests", filter=Q(latency_avg_ms__isnull=False)), slowest=Max("latency_max_ms"),
                  gateway_name=Max("api_name"))
        .filter(timed__gt=0)
        .annotate(average=ExpressionWrapper(F("weighted") / F("timed"), output_field=FloatField()))
        .order_by("-average", "api_id", "credential__provider_id")[:limit])
    names: dict[tuple[int | None, str], str] = {}
    known = (ProductAPI.objects.filter(api_id__in={r["api_id"] for r in rows},
                                       product__provider_id__in={r["credential__provider_id"] for r in rows})
             .order_by("pk").values_list("product__provider_id", "api_id", "name"))
    for provider_id, api_id, name in known:
        names.setdefault((provider_id, api_id), name)
    return [SlowApi(r["api_id"], names.get((r["credential__provider_id"], r["api_id"])) or r["gateway_name"]
                    or r["api_id"], int(r["requests_"] or 0), int(r["e4"] or 0), int(r["e5"] or 0),
                    round(r["weighted"] / r["timed"], 2), r["slowest"]) for r in rows]
