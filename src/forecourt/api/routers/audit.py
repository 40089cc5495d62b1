"""/portal-api/audit-log: every admin change, newest first. Read-only; not in Tyk's API.

Filters: `action`, `object_type` (e.g. `accounts.user`), `actor` (the admin's e-mail) and
`since` / `until` (ISO 8601 dates or date-times; without a time zone, UTC). A date as `until`
includes that whole day.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from forecourt.audit.models import AuditEntry

from ..common import ERRORS, PagingQuery, page_of, tyk_time
from ..schemas_base import Out

router = Router(tags=["audit log"])


class AuditEntryOut(Out):
    ID: int
    CreatedAt: str | None
    Actor: str = Field(description="The admin's e-mail; empty for the system.")
    Action: str
    ObjectType: str
    ObjectID: str
    Object: str = Field(description="The object as it was named then.")
    Changes: dict[str, Any] = Field(description="{field: [before, after]}; secrets masked.")
    Note: str


class AuditFilters(Schema):
    action: AuditEntry.Action | None = Field(None, description="create, update, delete, approve, reject, "
                                                               "activate, deactivate or other.")
    object_type: str | None = Field(None, max_length=100, description="e.g. accounts.user, catalog.product.")
    actor: str | None = Field(None, max_length=254, description="The admin's e-mail address (any case).")
    since: date | datetime | None = Field(None, description="From this date or time on (inclusive).")
    until: date | datetime | None = Field(None, description="Up to this time, or to the end of this date.")


def _instant(value: date | datetime, end_of_day: bool = False) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    start = datetime.combine(value, time.min, tzinfo=UTC)
    return start + timedelta(days=1) if end_of_day else start


def _filtered(filters: AuditFilters) -> QuerySet[AuditEntry]:
    queryset = AuditEntry.objects.order_by("-at", "-pk")
    if filters.action is not None:
        queryset = queryset.filter(action=filters.action)
    if filters.object_type:
        queryset = queryset.filter(object_type=filters.object_type)
    if filters.actor:
        queryset = queryset.filter(actor_email__iexact=filters.actor.strip())
    if filters.since is not None:
        queryset = queryset.filter(at__gte=_instant(filters.since))
    if filters.until is not None:
        if isinstance(filters.until, datetime):
            queryset = queryset.filter(at__lte=_instant(filters.until))
        else:
            queryset = queryset.filter(at__lt=_instant(filters.until, end_of_day=True))
    return queryset


@router.get("/audit-log", response={200: list[AuditEntryOut], **ERRORS})
def list_audit_log(request: HttpRequest, paging: PagingQuery, filters: Query[AuditFilters]) -> list[AuditEntryOut]:
    """The audit log, newest first, as a bare array like every list."""
    return [AuditEntryOut(ID=e.pk, CreatedAt=tyk_time(e.at), Actor=e.actor_email, Action=e.action,
                          ObjectType=e.object_type, ObjectID=e.object_id, Object=e.object_repr,
                          Changes=e.changes or {}, Note=e.note)
            for e in page_of(_filtered(filters), paging)]
