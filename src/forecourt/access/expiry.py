"""Telling consumers that a credential expires soon, and that it has expired.

The job worker of every replica calls `send_reminders` about every 30 s (jobs.registry.periodic).
Each reminder is claimed by a conditional UPDATE (`... WHERE expiry_warned_at IS NULL`) in the
same transaction as the e-mail's outbox row: only one replica's UPDATE changes the row, so each
credential gets each reminder once, however many workers run, and a rollback sends nothing.
"""

import logging
import math
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation

from forecourt.accounts.notices import public_link
from forecourt.jobs.registry import periodic
from forecourt.notify import email
from forecourt.notify import locale as mail_locale

from .models import Credential

log = logging.getLogger("forecourt.access")

# How long before expiry the owner is warned. Credentials that live less than this get only
# the "expired" notice: warning about a one-hour key as soon as it is issued helps no one.
WARN_BEFORE = timedelta(days=7)
BATCH = 200  # reminders per tick; the rest follow on the next ticks


def _type_words(credential: Credential) -> str:
    """The credential's kind (a choice's label) in the language the e-mail to its owner is rendered in
    (notify.locale.language_of), not in the language of whatever sends it (the job has none). Made here, as a string:
    an e-mail's context is plain JSON."""
    with translation.override(mail_locale.language_of([credential.app.owner.email])):
        return str(dict(Credential.Type.choices).get(credential.type, credential.type))


def _context(credential: Credential, now: datetime) -> dict[str, object]:
    request = credential.access_request
    owner = credential.app.owner
    assert credential.expires_at is not None
    return {
        "user_name": owner.get_full_name(), "app_name": credential.app.name,
        "plan_name": request.plan.translated("display_name", mail_locale.language_of([owner.email])),
        "credential_type": _type_words(credential), "credential_hint": credential.secret_hint,
        # A moment: notify/values.py shows it as the reader's day, in their language and time zone.
        "expires_on": credential.expires_at.isoformat(),
        "days_left": max(0, math.ceil((credential.expires_at - now) / timedelta(days=1))),
        "app_url": public_link("live:app", pk=credential.app_id),
    }


def _send(field: str, template: str, due: list[int], now: datetime) -> int:
    sent = 0
    for pk in due:
        with transaction.atomic():
            if not Credential.objects.filter(pk=pk, **{f"{field}__isnull": True}).update(**{field: now}):
                continue  # another replica claimed it first
            credential = Credential.objects.select_related("app__owner", "access_request__plan").get(pk=pk)
            email.send([credential.app.owner.email], template, _context(credential, now))
            sent += 1
    return sent


def send_reminders(now: datetime | None = None) -> tuple[int, int]:
    """Queue the due "expiring soon" and "expired" e-mails; (warned, expired) counts."""
    now = now or timezone.now()
    active = Credential.objects.filter(status=Credential.Status.ACTIVE, expires_at__isnull=False,
                                       app__owner__is_active=True)
    expired = list(active.filter(expires_at__lte=now, expired_notified_at__isnull=True)
                   .values_list("pk", flat=True)[:BATCH])
    # Expired ones need no warning any more: mark them warned with the same claim.
    expiring = list(active.filter(expires_at__gt=now, expires_at__lte=now + WARN_BEFORE, expiry_warned_at__isnull=True)
                    .values_list("pk", "created_at", "expires_at")[:BATCH])
    lifetimes = {pk: expires - created for pk, created, expires in expiring if expires is not None}
    long_lived = [pk for pk, lifetime in lifetimes.items() if lifetime > WARN_BEFORE]
    short_lived = [pk for pk, lifetime in lifetimes.items() if lifetime <= WARN_BEFORE]
    if short_lived:
        Credential.objects.filter(pk__in=short_lived).update(expiry_warned_at=now)
    warned = _send("expiry_warned_at", "credential_expiring", long_lived, now)
    done = _send("expired_notified_at", "credential_expired", expired, now)
    if warned or done:
        log.info("credential expiry reminders queued", extra={"warned": warned, "expired": done})
    return warned, done


@periodic
def schedule(first: bool) -> None:
    send_reminders()
