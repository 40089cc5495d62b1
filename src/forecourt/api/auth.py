"""Admin API authentication: the admin's token raw in `Authorization` (as Tyk), or `Bearer <token>`.

A missing or unknown token is 401; a valid token of a consumer (or of a role without the
right) is 403, so a client can tell "who are you?" from "not you".
"""

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyHeader

from forecourt.accounts import tokens
from forecourt.accounts.models import Role


class AdminToken(APIKeyHeader):
    param_name = "Authorization"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        scheme, _, rest = key.partition(" ")
        token = rest.strip() if scheme.lower() == "bearer" else key.strip()
        user = tokens.owner(token)
        if user is None:
            return None
        if not user.is_admin:
            raise HttpError(403, "this token does not belong to an admin")
        request.user = user
        return user


def require_super_admin(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) != Role.SUPER_ADMIN:
        raise HttpError(403, "only super-admins may do this")


class SuperAdminToken(AdminToken):
    """An admin's token, and the admin a super-admin (others: 403, before the body is looked at)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None:
            require_super_admin(request)
        return user
