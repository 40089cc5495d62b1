"""End sessions that have been idle longer than PORTAL_SESSION_IDLE_TIMEOUT."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

_KEY = "_last_activity"


class IdleTimeoutMiddleware:
    """Tyk's portal ends a session after an hour without activity; so does Forecourt.

    The absolute lifetime is the session cookie's age (PORTAL_SESSION_LIFETIME). The
    timestamp is written at most once a minute so that browsing does not save the session
    on every request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = settings.SESSION_IDLE_TIMEOUT
        user = getattr(request, "user", None)
        if timeout and user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(_KEY)
            if last is not None and now - int(last) > timeout:
                logout(request)
            elif last is None or now - int(last) >= 60:
                request.session[_KEY] = now
        return self.get_response(request)
