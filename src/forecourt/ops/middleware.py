"""Health probes and the start-up gate, ahead of every other middleware."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

import forecourt

from . import readiness

_NO_STORE = "no-store"


def _expected_unavailable(response: HttpResponse) -> HttpResponse:
    """Keep Django from logging an expected 503 at ERROR.

    While the portal starts, every probe gets a 503 by design; logged as "Service
    Unavailable" errors they would bury the real problems an operator greps for after an
    upgrade. Django skips responses flagged this way (django.utils.log.log_response).
    """
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class HealthMiddleware:
    """Answer GET/HEAD /live and /ready before sessions, CSRF or URL resolution run.

    Probes arrive every few seconds from load balancers and Kubernetes; they should cost
    nothing but their own check, and must answer while the rest of the portal cannot.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path not in ("/live", "/ready"):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response: HttpResponse = JsonResponse({"status": "error", "errors": ["method not allowed"]}, status=405)
            response["Allow"] = "GET, HEAD"
            return response
        if path == "/live":
            response = JsonResponse({"status": "ok"})
        else:
            ok, checks = readiness.check()
            body = {"status": "ok" if ok else "error", "version": forecourt.__version__, "checks": checks}
            response = JsonResponse(body, status=200 if ok else 503)
            _expected_unavailable(response)
        response["Cache-Control"] = _NO_STORE
        return response


class StartupGateMiddleware:
    """Answer 503 "starting" rather than 500 while migrations are pending.

    Without it, a request that arrives during an upgrade would hit tables that do not exist
    yet. Once the process has started this is one boolean test per request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not readiness.started() and not request.path.startswith("/static/"):
            ready, checks = readiness.check()
            if not ready and not readiness.started():  # started with a read-only database: serve reads
                response = JsonResponse(
                    {"status": "error", "errors": ["Forecourt is starting; try again shortly."], "checks": checks},
                    status=503,
                )
                response["Retry-After"] = "5"
                return _expected_unavailable(response)
        return self.get_response(request)
