"""A webhook's extra request headers, each a row with an ID of its own (Tyk's /webhooks/{id}/headers).

Webhook.headers (name: value) is what deliveries send and what every release reads and writes; the
rows give each header an ID that stays. This release writes both in one transaction: the whole set
(the webhook form, `Headers` in a webhook's PUT) keeps the ID of every header whose name stays, and
the single-header operations add, change or remove one. A webhook saved by an earlier release
during a rolling upgrade has rows that differ from its JSON: `rows()` brings them in line when it
reads them. Values may be secrets: they are never logged, and the audit log shows a fingerprint of
them (Webhook.audit_extra).
"""

from typing import Any

from django.db import transaction

from forecourt.audit import services as audit

from .forms import MAX_HEADERS, check_header
from .models import Webhook, WebhookHeader


class HeaderRefused(Exception):
    """The header cannot be written; `errors` say why, as "Field: message"."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


def rows(hook: Webhook, loaded: list[WebhookHeader] | None = None) -> list[WebhookHeader]:
    """The webhook's header rows by ID (`loaded`: already fetched), first made equal to its JSON
    headers if an earlier release changed those."""
    found = list(hook.header_rows.order_by("id")) if loaded is None else sorted(loaded, key=lambda h: h.pk)
    if as_dict(found) == (hook.headers or {}):
        return found
    with transaction.atomic():
        wanted = {str(k): str(v) for k, v in (hook.headers or {}).items() if isinstance(k, str) and k}
        return sync(hook, wanted)


def as_dict(headers: list[WebhookHeader]) -> dict[str, str]:
    return {h.name: h.value for h in headers}


def sync(hook: Webhook, wanted: dict[str, str]) -> list[WebhookHeader]:
    """Make the rows equal `wanted` (already checked): a header whose name stays (in any case) keeps
    its ID; the others are removed or added. Updates the copy in Webhook.headers. Call it in a
    transaction."""
    current = {h.name.lower(): h for h in hook.header_rows.order_by("id")}
    keep: list[WebhookHeader] = []
    for name, value in wanted.items():
        row = current.pop(name.lower(), None)
        if row is None:
            row = WebhookHeader.objects.create(webhook=hook, name=name, value=value)
        elif row.name != name or row.value != value:
            row.name, row.value = name, value
            row.save(update_fields=["name", "value", "updated_at"])
        keep.append(row)
    if current:
        WebhookHeader.objects.filter(pk__in=[h.pk for h in current.values()]).delete()
    _copy(hook)
    return sorted(keep, key=lambda h: h.pk)


def save_form(form: Any, actor: Any) -> Webhook:
    """The webhook form's saver (forecourt.resources.definitions): the webhook, then its header rows."""
    hook: Webhook = form.save()
    sync(hook, hook.headers or {})
    return hook


def _copy(hook: Webhook) -> None:
    hook.headers = as_dict(list(hook.header_rows.order_by("id")))
    Webhook.objects.filter(pk=hook.pk).update(headers=hook.headers)


def _check(hook: Webhook, name: Any, value: Any, row: WebhookHeader | None) -> None:
    problem = check_header(name, "")
    if problem:
        raise HeaderRefused([f"Name: {problem}"])
    problem = check_header(name, value)
    if problem:
        raise HeaderRefused([f"Value: {problem}"])
    others = hook.header_rows.exclude(pk=row.pk) if row is not None else hook.header_rows.all()
    if any(other.name.lower() == name.lower() for other in others):
        raise HeaderRefused([f"Name: the webhook already has a {name} header."])
    if row is None and len(others) >= MAX_HEADERS:
        raise HeaderRefused([f"Name: a webhook has at most {MAX_HEADERS} headers."])


def _record(hook: Webhook, before: dict[str, Any], actor: Any) -> None:
    """Audit the webhook's change of headers (names and fingerprints, never values)."""
    changes = audit.diff(before, audit.snapshot(hook))
    if changes:
        audit.record(actor, "update", hook, changes)


def add(hook: Webhook, name: Any, value: Any, actor: Any) -> WebhookHeader:
    with transaction.atomic():
        hook = Webhook.objects.select_for_update().get(pk=hook.pk)
        rows(hook)
        _check(hook, name, value, None)
        before = audit.snapshot(hook)
        row = WebhookHeader.objects.create(webhook=hook, name=name, value=value)
        _copy(hook)
        _record(hook, before, actor)
    return row


def change(row: WebhookHeader, name: Any, value: Any, actor: Any) -> WebhookHeader:
    """Rename and/or set the value of a header (None keeps it); the ID stays."""
    with transaction.atomic():
        hook = Webhook.objects.select_for_update().get(pk=row.webhook_id)
        row = WebhookHeader.objects.get(pk=row.pk)
        name = row.name if name is None else name
        value = row.value if value is None else value
        _check(hook, name, value, row)
        before = audit.snapshot(hook)
        row.name, row.value = name, value
        row.save(update_fields=["name", "value", "updated_at"])
        _copy(hook)
        _record(hook, before, actor)
    return row


def remove(row: WebhookHeader, actor: Any) -> None:
    with transaction.atomic():
        hook = Webhook.objects.select_for_update().get(pk=row.webhook_id)
        before = audit.snapshot(hook)
        WebhookHeader.objects.filter(pk=row.pk).delete()
        _copy(hook)
        _record(hook, before, actor)
