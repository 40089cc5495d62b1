"""Tyk compatibility for request bodies: fields Tyk defines but Forecourt does not implement.

Tyk clients send fields Forecourt has no use for (`CID`, `DCREnabled`, `JWTScope`...). They are
accepted and dropped, and the response says which in a `Warning` header, so scripts keep working
and their authors can see what had no effect. A field neither API defines is a 422 naming it.

Read-only fields (`READ_ONLY`: what a GET answers and no write sets, such as `PushState`, `LastError`
or `SyncProblems`) are accepted and ignored silently, whatever their value, so that an object read
with GET can be PUT back as it is (as Tyk's portal does: it ignores them too). They are not named in
`Warning`: a round trip is the normal case, not a mistake.
"""

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse
from ninja import Schema
from pydantic import ConfigDict, model_validator

_ignored: ContextVar[list[str] | None] = ContextVar("forecourt_ignored_fields", default=None)


def note_ignored(names: list[str]) -> None:
    current = _ignored.get()
    if current is not None:
        current.extend(n for n in names if n not in current)


def _document_ignored(schema: dict[str, Any], model: type) -> None:
    """Say in the OpenAPI document which Tyk fields and read-only fields a body accepts and ignores."""
    ignored = sorted(getattr(model, "TYK_IGNORED", ()))
    if ignored:
        note = "Accepted for Tyk compatibility and ignored (named in the response's Warning header): " + \
            ", ".join(f"`{name}`" for name in ignored) + "."
        schema["description"] = (schema.get("description", "") + "\n\n" + note).strip()
    read_only = sorted(getattr(model, "READ_ONLY", ()))
    if read_only:
        note = "Read-only, accepted and ignored (so that what a GET answers can be sent back): " + \
            ", ".join(f"`{name}`" for name in read_only) + "."
        schema["description"] = (schema.get("description", "") + "\n\n" + note).strip()


class TykIn(Schema):
    """Base of every request body: unknown fields are errors, Tyk-only fields are ignored and reported,
    read-only fields are ignored."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_ignored)
    TYK_IGNORED: ClassVar[frozenset[str]] = frozenset()
    READ_ONLY: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _drop_tyk_only_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and cls.TYK_IGNORED:
            dropped = [key for key in data if key in cls.TYK_IGNORED]
            if dropped:
                note_ignored(dropped)
                data = {k: v for k, v in data.items() if k not in cls.TYK_IGNORED}
        if isinstance(data, dict) and cls.READ_ONLY:
            data = {k: v for k, v in data.items() if k not in cls.READ_ONLY}
        return data


class IgnoredFieldsMiddleware:
    """Collects the ignored fields of one /portal-api request and reports them in `Warning`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/portal-api/"):
            return self.get_response(request)
        token = _ignored.set([])
        try:
            response = self.get_response(request)
            ignored = _ignored.get() or []
            if ignored:
                response["Warning"] = f'299 forecourt "Ignored fields (Tyk only): {", ".join(ignored)}"'
            return response
        finally:
            _ignored.reset(token)
