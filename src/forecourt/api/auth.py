"""Admin API authentication: the admin's token raw in `Authorization` (as Tyk), or `Bearer <token>`."""

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyHeader

from forecourt.accounts import tokens


class AdminToken(APIKeyHeader):
    param_name = "Authorization"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        scheme, _, rest = key.partition(" ")
        token = rest.strip() if scheme.lower() == "bearer" else key.strip()
        user = tokens.authenticate(token)
        if user is not None:
            request.user = user
        return user
