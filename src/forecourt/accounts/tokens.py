"""Portal API tokens: issued once in clear, stored as a digest, looked up by digest.

THE token rules, for every channel: a user has at most one token (`rotate` replaces it, `revoke`
removes it), any active user may hold one (admins for the Admin API, consumers for the catalogue's
MCP server), and a token opens nothing once its user is inactive (`owner`). What a token may reach
is the caller's question: the Admin API refuses any user who is not an admin (forecourt.api.auth).
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from forecourt.audit import services as audit
from forecourt.ops import storage_errors

from .models import ApiToken, User

# `last_used_at` is for people ("used 3 minutes ago"), not for security: writing it on every call
# would make every Admin API read a write, which on SQLite queues behind the one write lock.
LAST_USED_PRECISION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User) -> str:
    """Create a token for `user` and return it in clear; it cannot be shown again."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=_digest(token), prefix=token[:8])
    return token


def owner(token: str) -> User | None:
    """The active user the token belongs to, or None. Records when it was last used.

    Whether that user may use the Admin API is the caller's question (forecourt.api.auth).
    """
    if not token or len(token) > 200:
        return None
    found = ApiToken.objects.select_related("user").filter(digest=_digest(token)).first()
    if found is None or not found.user.is_active:
        return None
    record_use(found.pk, found.last_used_at)
    return found.user


def record_use(token_pk: int, last_used_at: datetime | None, now: datetime | None = None) -> bool:
    """Write the token's `last_used_at`, at most once per LAST_USED_PRECISION; True if this call wrote it.

    One conditional UPDATE: of many concurrent calls only the first finds the old value and
    writes; the others match no row. Calls that saw a fresh value do not even ask the database.
    A database that refuses writes (read-only, disk full) does not stop reads: the use goes
    unrecorded, and the next write of the request reports the problem.
    """
    now = now or timezone.now()
    stale = now - LAST_USED_PRECISION
    if last_used_at is not None and last_used_at >= stale:
        return False
    try:
        with transaction.atomic():
            return bool(ApiToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale), pk=token_pk)
                        .update(last_used_at=now))
    except DatabaseError as exc:
        if storage_errors.classify(exc) is None:
            raise
        storage_errors.remember(exc)
        return False


def rotate(user: User) -> str:
    """Replace every token of `user` with a new one, returned in clear once; recorded in the audit log
    (never the token) in the same transaction, whichever interface asked (the Admin Portal, the Admin
    API, the Live Portal's My account)."""
    with transaction.atomic():
        ApiToken.objects.filter(user=user).delete()
        token = issue(user)
        audit.record(user, "other", user, note="API token rotated")
    return token


def current(user: User) -> ApiToken | None:
    """The user's token as its owner may see it (prefix, created, last used), or None; never the token."""
    return ApiToken.objects.filter(user=user).order_by("-created_at").first()


def revoke(user: User) -> bool:
    """Remove the user's token: it stops working at once, and the audit log says so. True if there was one."""
    with transaction.atomic():
        deleted, _ = ApiToken.objects.filter(user=user).delete()
        if deleted:
            audit.record(user, "other", user, note="API token revoked")
    return bool(deleted)
