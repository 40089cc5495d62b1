"""Showing a credential's secret to its owner once, then forgetting it.

Why this way: the secret is kept (encrypted) only because the gateway step that creates the
credential may have to be retried after a crash, and that needs it. Once the credential is
active nothing needs it any more, so the portal should not hold it: a database dump or a leaked
encryption key must not yield working keys. So the owner gets it exactly once, through an
explicit step (a POST with its CSRF token, never a GET that a link preview or a prefetch could
spend), and that step wipes `Credential.secret` and records `secret_shown_at` in the SAME
transaction as the page that shows it is rendered:

- if rendering fails, the transaction rolls back and the secret is still there to be shown;
- two requests at once cannot both get it (the row is locked; the second finds it wiped);
- from then on only the hint (the last four characters) exists; a lost secret is replaced by
  rotating the credential, whose new secret is shown once in the same way.

The page carrying the secret is sent with `Cache-Control: no-store`, and its reveal is in the
audit log (without the secret).

For Tyk API keys the key's ID at the gateway *is* the key. The portal addresses a key by its
hash once the Dashboard has told it, so after the reveal nothing in the database works as the
key; until then, or for good with a Dashboard that hashes no keys, the key is also kept
encrypted in `Credential.gateway_key` (forecourt.providers.tyk.provisioning says why), never in
a plain column.

While the page is rendered the secret is registered with forecourt.redaction, so no log line
written meanwhile (a template error, say) can carry it.
"""

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from forecourt import redaction
from forecourt.accounts.models import User
from forecourt.audit import services as audit

from .models import Credential

T = TypeVar("T")


def secret_waiting(credential: Credential) -> bool:
    """Has this credential a secret its owner has not been shown yet (and may now be)?"""
    return credential.status == Credential.Status.ACTIVE and bool(credential.secret)


def reveal_once(credential_id: int, owner: User, show: Callable[[Credential, str], T]) -> T | None:
    """Call `show(credential, secret)` and wipe the secret, in one transaction; None (and no
    change) if the credential is not active, is not `owner`'s, or its secret was shown already."""
    with transaction.atomic():
        # No select_related: FOR UPDATE cannot lock the nullable side of an outer join (PostgreSQL).
        locked = Credential.objects.select_for_update().filter(
            pk=credential_id, status=Credential.Status.ACTIVE, app__owner_id=owner.pk).first()
        if locked is None or not locked.secret:
            return None
        secret = locked.secret
        locked.secret = ""
        locked.secret_shown_at = timezone.now()
        locked.save(update_fields=["secret", "secret_shown_at"])
        audit.record(owner, "other", locked, note="secret shown to the app's owner, then removed from the portal")
        with redaction.secrets_in_use(secret):
            return show(locked, secret)
