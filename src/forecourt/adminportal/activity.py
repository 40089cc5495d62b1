"""The dashboard's activity over the last 30 days: per day, how many users were created, how many
access requests were submitted and how many were approved.

Why one aggregate query per series: the database groups the rows by day (TruncDate, in the
portal's time zone, so "today" is the admins' today on every engine) and answers at most 30 rows,
whatever the table's size; the days without a row are filled with zeros here, from the dates
alone. (The portal's time zone is UTC, settings.TIME_ZONE; MariaDB would need its time-zone tables
for TruncDate in another.) Approvals are dated by the request's `decided_at`, the moment the decision was recorded.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.db import connections
from django.db.models import Count, Func, QuerySet
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from forecourt.access.models import AccessRequest
from forecourt.accounts.models import User

DAYS = 30


@dataclass(frozen=True)
class Series:
    key: str
    title: str
    unit: str  # what one is called in the summary ("new user"), when `counted` is not given
    days: list[date]
    values: list[int]
    # A number of them in words, in the admin's language, plural forms and all ("3 new users"):
    # English's "+s" on `unit` is no rule of other languages.
    counted: Callable[[int], str] | None = None

    @property
    def total(self) -> int:
        return sum(self.values)

    @property
    def rows(self) -> list[tuple[date, int]]:
        return list(zip(self.days, self.values, strict=True))

    def summary(self) -> str:
        """The chart in one sentence, for screen readers (the canvas's aria-label)."""
        if not self.total:
            return gettext("%(title)s, last %(days)s days: none.") % {"title": self.title, "days": len(self.days)}
        busiest = max(self.rows, key=lambda row: row[1])
        total = self.counted(self.total) if self.counted else (
            f"{self.total} {self.unit if self.total == 1 else self.unit + 's'}")
        return gettext("%(title)s, last %(days)s days: %(total)s in total; the busiest day %(day)s with %(count)s.") % {
            "title": self.title, "days": len(self.days), "total": total,
            "day": date_format(busiest[0], "j M"), "count": busiest[1]}

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "labels": [day.isoformat() for day in self.days],
                "values": self.values}


def window(today: date | None = None, days: int = DAYS) -> list[date]:
    """The last `days` days, today (in the portal's time zone) the last."""
    today = today or timezone.localdate()
    return [today - timedelta(days=days - 1 - i) for i in range(days)]


def per_day(queryset: QuerySet[Any], field: str, days: list[date]) -> list[int]:
    """How many rows of `queryset` have `field` on each of `days` (consecutive), zeros included:
    one GROUP BY query."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(days[0], time.min), tz)
    end = timezone.make_aware(datetime.combine(days[-1] + timedelta(days=1), time.min), tz)
    counted = (queryset.order_by().filter(**{f"{field}__gte": start, f"{field}__lt": end})
               .annotate(day=_day(queryset, field, tz)).values("day").annotate(n=Count("pk")).values_list("day", "n"))
    found = {_as_date(day): n for day, n in counted}
    return [found.get(day, 0) for day in days]


def _day(queryset: QuerySet[Any], field: str, tz: tzinfo) -> Func:
    """The day of `field` in `tz`, as SQL. TruncDate everywhere, except on SQLite in UTC: there Django
    stores a moment as UTC text ("2026-12-07 09:30:00.123456") and computes TruncDate in a Python
    function called once per row (about ten times slower over 50,000 rows); the text's first ten
    characters are the same day, computed by SQLite itself."""
    if connections[queryset.db].vendor == "sqlite" and timezone.get_current_timezone_name() == "UTC":
        return Substr(field, 1, 10)
    return TruncDate(field, tzinfo=tz)


def _as_date(value: date | datetime | str) -> date:
    """The day as a date: TruncDate gives one, SQLite's text day (`_day`) a string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def build(today: date | None = None) -> list[Series]:
    days = window(today)
    return [
        Series("signups", gettext("New users"), "new user", days, per_day(User.objects.all(), "date_joined", days),
               lambda n: ngettext("%(count)s new user", "%(count)s new users", n) % {"count": n}),
        Series("requests", gettext("Access requests submitted"), "access request", days,
               per_day(AccessRequest.objects.all(), "created_at", days),
               lambda n: ngettext("%(count)s access request", "%(count)s access requests", n) % {"count": n}),
        Series("approvals", gettext("Access requests approved"), "approval", days,
               per_day(AccessRequest.objects.filter(status=AccessRequest.Status.APPROVED), "decided_at", days),
               lambda n: ngettext("%(count)s approval", "%(count)s approvals", n) % {"count": n}),
    ]
