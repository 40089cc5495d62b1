"""Sending e-mail: `send` queues a message with the caller's change; `send_test` sends one now.

`send` writes the EmailLog row and its job row in the caller's transaction (a transactional
outbox): if the change rolls back, both vanish and nothing is sent; if it commits, the job
worker delivers it, retrying with backoff while the SMTP server is unreachable.
"""

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from forecourt.jobs import handler, queue
from forecourt.ops.crypto import DecryptionError
from forecourt.portalconfig.models import PortalSettings

from . import locale, transport
from .models import EmailLog
from .rendering import check_recipients, render

log = logging.getLogger("forecourt.notify")

JOB = "notify.email"
MAX_ATTEMPTS = 4  # the job's max_attempts too: the handler marks the log failed on the queue's last try


def send(to: list[str], template: str, context: dict[str, Any]) -> EmailLog:
    """Queue `template` rendered with `context` for `to`; delivered once the caller's transaction commits.

    Rendering happens now, so a broken template or context fails in the caller, not the worker.
    """
    addresses = check_recipients(to)
    with locale.rendering_for(addresses):
        rendered = render(template, context)
    with transaction.atomic():  # both rows or neither, also when the caller runs in autocommit
        entry = EmailLog.objects.create(to=", ".join(addresses), subject=rendered.subject, template=template,
                                        body_text=rendered.text, body_html=rendered.html)
        queue.enqueue(JOB, {"log_id": entry.pk}, max_attempts=MAX_ATTEMPTS)
    return entry


def resend(entry: EmailLog) -> EmailLog:
    """Queue the same message (as rendered then) again, as a new log entry, e.g. after fixing SMTP."""
    with transaction.atomic():
        new = EmailLog.objects.create(to=entry.to, subject=entry.subject, template=entry.template,
                                      body_text=entry.body_text, body_html=entry.body_html)
        queue.enqueue(JOB, {"log_id": new.pk}, max_attempts=MAX_ATTEMPTS)
    return new


@handler(JOB)
def deliver(log_id: int) -> None:
    """The "notify.email" job: send one queued EmailLog with the settings as they are now.

    A missing From address or host is not retried (an admin has to act); an SMTP failure is
    recorded and re-raised so the queue retries, and the MAX_ATTEMPTS-th failure is final.
    """
    entry = EmailLog.objects.filter(pk=log_id).first()
    if entry is None or entry.status != EmailLog.Status.QUEUED:
        return  # deleted, or settled by an earlier run whose worker died before recording the job done
    try:
        settings = PortalSettings.load()
    except DecryptionError as exc:  # the key changed: an operator can fix it before the last retry
        _attempt_failed(entry, str(exc))
        raise
    reason = transport.missing_setting(settings)
    if reason:
        _settle(entry, EmailLog.Status.SKIPPED, reason)
        return
    try:
        transport.deliver(entry, settings)
    except transport.DeliveryError as exc:
        _attempt_failed(entry, str(exc))
        raise
    entry.attempts += 1
    _settle(entry, EmailLog.Status.SENT)


def _attempt_failed(entry: EmailLog, error: str) -> None:
    entry.attempts += 1
    _settle(entry, EmailLog.Status.FAILED if entry.attempts >= MAX_ATTEMPTS else EmailLog.Status.QUEUED, error)


def send_test(to: str) -> tuple[bool, str]:
    """Send the "test" message to `to` now, bypassing the queue: (True, "sent to …") or (False, reason).

    For the Settings page's button, so an admin sees at once whether the SMTP settings work.
    The attempt is recorded in the e-mail log either way.
    """
    try:
        (address,) = check_recipients([to])
    except ValueError:
        return False, f"not an e-mail address: {to!r}"
    with locale.rendering_for([address]):
        rendered = render("test", {"to": address})
    entry = EmailLog(to=address, subject=rendered.subject, template="test", body_text=rendered.text,
                     body_html=rendered.html)
    try:
        settings = PortalSettings.load()
    except DecryptionError as exc:
        entry.attempts = 1
        _settle(entry, EmailLog.Status.FAILED, str(exc))
        return False, str(exc)
    reason = transport.missing_setting(settings)
    if reason:
        _settle(entry, EmailLog.Status.SKIPPED, reason)
        return False, reason
    entry.attempts = 1
    try:
        transport.deliver(entry, settings)
    except transport.DeliveryError as exc:
        _settle(entry, EmailLog.Status.FAILED, str(exc))
        return False, str(exc)
    _settle(entry, EmailLog.Status.SENT)
    return True, f"sent to {address}"


def _settle(entry: EmailLog, status: str, error: str = "") -> None:
    """Record an outcome and log it (ids and reasons only: no addresses' content, no secrets)."""
    entry.status = status
    entry.error = error
    if status == EmailLog.Status.SENT:
        entry.sent_at = timezone.now()
    entry.save()
    fields = {"email_log": entry.pk, "email_template": entry.template, "attempts": entry.attempts}
    if status == EmailLog.Status.SENT:
        log.info("e-mail sent", extra=fields)
    elif status == EmailLog.Status.QUEUED:
        log.warning("e-mail attempt failed, will retry: %s", error, extra=fields)
    else:
        log.warning("e-mail %s: %s", status, error, extra=fields)
