"""/portal-api/webhooks: outgoing webhooks (docs/webhooks.md), as Tyk's portal API (v1.13+) defines
them, with their headers (/webhooks/{id}/headers); /portal-api/webhook-deliveries and
/webhooks/{id}/test are Forecourt's own, in Tyk's style.

Writes go through the form the Admin Portal uses too (URL checks, headers, events), and a header's
through forecourt.webhooks.headers; the secret is generated and answered once, on creation.
"""

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from forecourt.webhooks import events
from forecourt.webhooks import headers as webhook_headers
from forecourt.webhooks.models import Delivery, Webhook, WebhookHeader

from .. import forms
from ..common import ERRORS, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["webhooks"])

FIELDS = {"Name": "name", "URL": "url", "Method": "method", "Headers": "headers", "Timeout": "timeout",
          "Events": "events", "Enabled": "enabled"}
NAMES = {form: api for api, form in FIELDS.items()}


class HeaderOut(Out):
    ID: str
    Name: str
    Value: str


class HeaderShowOut(HeaderOut):
    """Tyk's WebhookHeader-show: a header as its own operations answer it, with its webhook's ID
    (in a webhook's `Headers` and the headers list, Tyk's WebhookHeader has no `WebhookID`)."""

    WebhookID: str


class HeaderIn(TykIn):
    """A header to add, or its new name and value (fields left out keep theirs)."""

    READ_ONLY = frozenset({"ID", "WebhookID"})
    Name: str | None = Field(None, max_length=100, description="An HTTP header name the portal does not set "
                                                                "itself (not Host, Content-Type, X-Forecourt-...).")
    Value: str | None = Field(None, max_length=1000, description="One line of text.")


class WebhookOut(Out):
    ID: str
    Name: str
    URL: str
    Method: str
    Headers: list[HeaderOut]
    Timeout: int = Field(description="Seconds, 1 to 30.")
    Events: list[str]
    Enabled: bool
    CreatedAt: str | None
    UpdatedAt: str | None


class WebhookCreatedOut(WebhookOut):
    Secret: str = Field(description="Signs every request (X-Forecourt-Signature). Shown only in this answer.")


class WebhookIn(TykIn):
    """A webhook to create, or the changes to one: fields left out keep their value."""

    READ_ONLY = frozenset({"ID", "CreatedAt", "UpdatedAt"})
    Name: str | None = Field(None, max_length=100)
    URL: str | None = Field(None, max_length=500, description="http(s); private addresses are refused unless "
                                                              "Webhooks.AllowPrivateTargets is set.")
    Method: Literal["POST", "PUT"] | None = Field(None, description="New webhooks: POST.")
    Headers: list[HeaderIn] | dict[str, str] | None = Field(
        None, description="Extra request headers, all of them: a list of {Name, Value} as Tyk's, or an object of "
                          "names to values. A header whose name stays keeps its ID.")
    Timeout: Annotated[int, Field(ge=1, le=30)] | None = Field(None, description="Seconds. New webhooks: 10.")
    Events: list[Annotated[str, Field(max_length=100)]] | None = Field(None, description="Event names "
                                                                       "(docs/webhooks.md).")
    Enabled: bool | None = Field(None, description="New webhooks: true.")


class DeliveryOut(Out):
    ID: int
    DeliveryID: str
    WebhookID: int
    Event: str
    EventID: str
    Message: dict[str, Any]
    Status: str = Field(description="pending, succeeded or failed.")
    Attempts: int
    ResponseCode: int | None
    Error: str
    DurationMs: int | None
    NextAttemptAt: str | None
    CreatedAt: str | None
    UpdatedAt: str | None


class DeliveryFilters(Schema):
    status: Literal["pending", "succeeded", "failed"] | None = None
    event: str | None = Field(None, max_length=100, description="An event name.")
    webhook_id: int | None = Field(None, ge=1, le=2**31 - 1)


def _header(row: WebhookHeader) -> HeaderOut:
    return HeaderOut(ID=str(row.pk), Name=row.name, Value=row.value)


def _header_show(row: WebhookHeader) -> HeaderShowOut:
    return HeaderShowOut(ID=str(row.pk), Name=row.name, Value=row.value, WebhookID=str(row.webhook_id))


def _out(hook: Webhook, rows: list[WebhookHeader] | None = None) -> WebhookOut:
    rows = webhook_headers.rows(hook) if rows is None else rows
    return WebhookOut(ID=str(hook.pk), Name=hook.name, URL=hook.url, Method=hook.method,
                      Headers=[_header(row) for row in rows], Timeout=hook.timeout,
                      Events=list(hook.events or []), Enabled=hook.enabled, CreatedAt=tyk_time(hook.created_at),
                      UpdatedAt=tyk_time(hook.updated_at))


def _delivery(d: Delivery) -> DeliveryOut:
    return DeliveryOut(ID=d.pk, DeliveryID=str(d.delivery_id), WebhookID=d.endpoint_id, Event=d.event.name,
                       EventID=str(d.event_id), Message=d.event.message or {}, Status=d.status,
                       Attempts=d.attempts, ResponseCode=d.response_code, Error=d.error, DurationMs=d.duration_ms,
                       NextAttemptAt=tyk_time(d.next_attempt_at), CreatedAt=tyk_time(d.created_at),
                       UpdatedAt=tyk_time(d.updated_at))


def _changes(payload: WebhookIn) -> dict[str, Any]:
    changes = {field: getattr(payload, name) for name, field in FIELDS.items() if getattr(payload, name) is not None}
    if isinstance(payload.Headers, list):  # the form takes Tyk's list too; the IDs are read-only
        changes["headers"] = [{"Name": h.Name, "Value": h.Value if h.Value is not None else ""}
                              for h in payload.Headers]
    return changes


def _row(webhook_id: int, header_id: int) -> WebhookHeader:
    """The header of this webhook: another webhook's header is a 404."""
    webhook_headers.rows(get_object_or_404(Webhook, pk=webhook_id))  # in line with what an earlier release wrote
    return get_object_or_404(WebhookHeader, pk=header_id, webhook_id=webhook_id)


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS})
def list_webhooks(request: HttpRequest, paging: PagingQuery) -> list[WebhookOut]:
    """By name. Secrets are never listed."""
    hooks = page_of(Webhook.objects.order_by("name", "pk").prefetch_related("header_rows"), paging)
    return [_out(h, webhook_headers.rows(h, loaded=list(h.header_rows.all()))) for h in hooks]


@router.post("/webhooks", response={201: WebhookCreatedOut, **ERRORS})
def create_webhook(request: HttpRequest, payload: WebhookIn) -> Status[WebhookCreatedOut]:
    changes = {"method": "POST", "timeout": 10, "enabled": True, **_changes(payload)}
    hook = forms.save("webhooks", changes, actor(request), names=NAMES)
    return Status(201, WebhookCreatedOut(**_out(hook).model_dump(), Secret=hook.secret))


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def get_webhook(request: HttpRequest, webhook_id: PathId) -> WebhookOut:
    return _out(get_object_or_404(Webhook, pk=webhook_id))


@router.put("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def update_webhook(request: HttpRequest, webhook_id: PathId, payload: WebhookIn) -> WebhookOut:
    hook = get_object_or_404(Webhook, pk=webhook_id)
    return _out(forms.save("webhooks", _changes(payload), actor(request), instance=hook, names=NAMES))


@router.delete("/webhooks/{webhook_id}", response={200: StatusOut, **ERRORS})
def delete_webhook(request: HttpRequest, webhook_id: PathId) -> StatusOut:
    """Deletes its deliveries too."""
    forms.delete("webhooks", get_object_or_404(Webhook, pk=webhook_id), actor(request))
    return StatusOut()


@router.get("/webhooks/{webhook_id}/headers", response={200: list[HeaderOut], **ERRORS})
def list_headers(request: HttpRequest, webhook_id: PathId) -> list[HeaderOut]:
    """In the order they were added (at most 20)."""
    return [_header(row) for row in webhook_headers.rows(get_object_or_404(Webhook, pk=webhook_id))]


@router.post("/webhooks/{webhook_id}/headers", response={201: HeaderShowOut, **ERRORS})
def create_header(request: HttpRequest, webhook_id: PathId, payload: HeaderIn) -> Status[HeaderShowOut]:
    hook = get_object_or_404(Webhook, pk=webhook_id)
    try:
        row = webhook_headers.add(hook, payload.Name or "", payload.Value or "", actor(request))
    except webhook_headers.HeaderRefused as exc:
        raise forms.Invalid(exc.errors) from None
    return Status(201, _header_show(row))


@router.get("/webhooks/{webhook_id}/headers/{header_id}", response={200: HeaderShowOut, **ERRORS})
def get_header(request: HttpRequest, webhook_id: PathId, header_id: PathId) -> HeaderShowOut:
    return _header_show(_row(webhook_id, header_id))


@router.put("/webhooks/{webhook_id}/headers/{header_id}", response={200: HeaderShowOut, **ERRORS})
def update_header(request: HttpRequest, webhook_id: PathId, header_id: PathId, payload: HeaderIn) -> HeaderShowOut:
    """Rename it or change its value; its ID stays. Answers the header as GET does (Tyk's v1.14
    answers `Name` and `Value` only: the rest is more, not different)."""
    try:
        row = webhook_headers.change(_row(webhook_id, header_id), payload.Name, payload.Value, actor(request))
    except webhook_headers.HeaderRefused as exc:
        raise forms.Invalid(exc.errors) from None
    return _header_show(row)


@router.delete("/webhooks/{webhook_id}/headers/{header_id}", response={200: StatusOut, **ERRORS})
def delete_header(request: HttpRequest, webhook_id: PathId, header_id: PathId) -> StatusOut:
    webhook_headers.remove(_row(webhook_id, header_id), actor(request))
    return StatusOut()


@router.post("/webhooks/{webhook_id}/test", response={200: DeliveryOut, **ERRORS})
def test_webhook(request: HttpRequest, webhook_id: PathId) -> DeliveryOut:
    """Queue a WebhookTest event to this webhook alone; answers the queued delivery."""
    return _delivery(events.send_test(get_object_or_404(Webhook, pk=webhook_id)))


@router.get("/webhook-deliveries", response={200: list[DeliveryOut], **ERRORS})
def list_deliveries(request: HttpRequest, paging: PagingQuery,
                    filters: Query[DeliveryFilters]) -> list[DeliveryOut]:
    """Newest first; filter by `status`, `event` and `webhook_id`."""
    queryset = Delivery.objects.select_related("event").order_by("-created_at", "-pk")
    if filters.status is not None:
        queryset = queryset.filter(status=filters.status)
    if filters.event is not None:
        queryset = queryset.filter(event__name=filters.event)
    if filters.webhook_id is not None:
        queryset = queryset.filter(endpoint_id=filters.webhook_id)
    return [_delivery(d) for d in page_of(queryset, paging)]


@router.put("/webhook-deliveries/{delivery_id}/replay", response={200: DeliveryOut, **ERRORS})
def replay_delivery(request: HttpRequest, delivery_id: PathId) -> DeliveryOut:
    """Queue the delivery's event again to the same webhook, as a new delivery (answered)."""
    delivery = get_object_or_404(Delivery.objects.select_related("event", "endpoint"), pk=delivery_id)
    return _delivery(events.replay(delivery))

