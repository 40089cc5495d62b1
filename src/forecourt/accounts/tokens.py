"""Admin API tokens: issued once in clear, stored as a digest, looked up by digest."""

import hashlib
import secrets

from django.utils import timezone

from .models import ApiToken, User


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
    ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found.user


def rotate(user: User) -> str:
    """Replace every token of `user` with a new one, returned in clear once."""
    ApiToken.objects.filter(user=user).delete()
    return issue(user)
