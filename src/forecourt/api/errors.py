"""Every Admin API error has Tyk's envelope: {"status": "error", "errors": ["..."]}."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError


def envelope(api: NinjaAPI, request: HttpRequest, status: int, errors: list[str]) -> HttpResponse:
    return api.create_response(request, {"status": "error", "errors": errors}, status=status)


def _describe(error: dict[str, Any]) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "payload"))
    message = error.get("msg", "is invalid")
    return f"{location}: {message}" if location else message


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return envelope(api, request, 422, [_describe(e) for e in exc.errors])

    @api.exception_handler(DjangoValidationError)
    def invalid_model(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return envelope(api, request, 422, list(exc.messages))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return envelope(api, request, 401, ["a valid API token is required in the Authorization header"])

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return envelope(api, request, exc.status_code, [str(exc)])
