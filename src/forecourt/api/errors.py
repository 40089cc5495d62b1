"""Every Admin API error has Tyk's envelope: {"status": "error", "errors": ["..."]}."""

from collections.abc import Callable
from typing import Any, ClassVar

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from forecourt.ops import storage_errors
from forecourt.ops.unstorable import UnstorableText
from forecourt.promotion.errors import ConfigRefused
from forecourt.resources.writes import DeleteRefused


def envelope(api: NinjaAPI, request: HttpRequest, status: int, errors: list[str]) -> HttpResponse:
    return api.create_response(request, {"status": "error", "errors": errors}, status=status)


def _describe(error: dict[str, Any]) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "payload"))
    message = error.get("msg", "is invalid")
    return f"{location}: {message}" if location else message


def install(api: NinjaAPI) -> None:
    """The envelope for every error of `api` (api.views calls this), and for the routes it lacks."""
    RouteErrorsMiddleware.api = api

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
        if isinstance(exc.__cause__, UnstorableText):  # the body parsed, but holds text that cannot be stored
            return unstorable(request, exc.__cause__)
        return envelope(api, request, exc.status_code, getattr(exc, "errors", None) or [str(exc)])

    @api.exception_handler(UnstorableText)
    def unstorable(request: HttpRequest, exc: UnstorableText) -> HttpResponse:
        return envelope(api, request, 422, exc.errors)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return envelope(api, request, 404, [str(exc) or "not found"])

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return envelope(api, request, 413, ["the request body is too large"])

    @api.exception_handler(ConfigRefused)
    def config_refused(request: HttpRequest, exc: ConfigRefused) -> HttpResponse:
        """A configuration that cannot be planned or applied (/config/*): the envelope, each problem a
        line of `errors` ("file:line: reason") and, for programs, one of `Problems`."""
        return api.create_response(request, {
            "status": "error", "errors": [str(p) for p in exc.problems],
            "Problems": [{"File": p.file, "Line": p.line, "Reason": p.reason} for p in exc.problems]}, status=422)

    @api.exception_handler(DeleteRefused)
    def refused(request: HttpRequest, exc: DeleteRefused) -> HttpResponse:
        return envelope(api, request, 409, exc.reasons)

    @api.exception_handler(ProtectedError)
    def protected(request: HttpRequest, exc: ProtectedError) -> HttpResponse:
        return envelope(api, request, 409, ["it is still in use: " + str(exc.args[0]).split(":", 1)[0]])

    @api.exception_handler(DatabaseError)
    def database_error(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
        """A full disk or a read-only database is 503 with the reason; any other database error stays a 500."""
        kind = storage_errors.remember(exc)
        if kind is None:
            raise exc
        response: HttpResponse = storage_errors.finish(envelope(api, request, 503, [storage_errors.describe(kind)]))
        return response


class RouteErrorsMiddleware:
    """The envelope for what no API view answers: a /portal-api path without a route (Django's
    404 page) or a route without the request's method (Ninja's bare 405). Clients such as
    portal-go read every error answer as the envelope; an HTML page is one they cannot read.

    Only /portal-api/ paths: the Live Portal and Admin Portal keep their own 404 pages. A JSON
    answer is an API view's own (a missing object's 404) and is left alone. Placed inside
    CommonMiddleware, so APPEND_SLASH still sees the 404 and redirects as before.
    """

    # The Admin API, set by install() (api.views imports this module, so this module cannot import
    # it): answering a request loads the URLconf, which imports api.views, before this reads it.
    api: ClassVar[NinjaAPI]

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code not in (404, 405) or not request.path.startswith("/portal-api/")
                or response.get("Content-Type", "").startswith("application/json")):
            return response
        api = self.api
        if response.status_code == 404:
            return envelope(api, request, 404, [f"{request.path} is not an Admin API route"])
        allowed = response.get("Allow", "")
        answer = envelope(api, request, 405, [f"{request.path} does not take {request.method}; it takes {allowed}"])
        answer["Allow"] = allowed
        return answer
