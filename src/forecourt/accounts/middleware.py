"""End sessions that are too old or have been idle too long (PORTAL_SESSION_LIFETIME, PORTAL_SESSION_IDLE_TIMEOUT)."""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

_LAST_ACTIVITY = "_last_activity"
_SIGNED_IN_AT = "_signed_in_at"
_WRITE_EVERY = 60  # seconds between saves of the activity time


def start_lifetime(session: Any, now: int | None = None) -> None:
    """Fix the session's end at sign-in + Session.LifeTime, for good.

    Django's own expiry slides: every save of a session (this middleware saves the activity time
    once a minute) pushes its end to save time + SESSION_COOKIE_AGE, so a session in use would never
    end. An absolute expiry date (set_expiry with a datetime) does not move, and the database row
    and the cookie end with it.
    """
    now = int(time.time()) if now is None else now
    session[_SIGNED_IN_AT] = now
    session.set_expiry(datetime.fromtimestamp(now + settings.SESSION_COOKIE_AGE, tz=UTC))


class IdleTimeoutMiddleware:
    """Tyk's portal ends a session after an hour without activity and a week after sign-in; so does
    Forecourt. The activity time is written at most once a minute so that browsing does not save the
    session on every request; a session from before the absolute lifetime was kept gets it on its
    first request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    @staticmethod
    def _check(request: HttpRequest) -> None:
        now = int(time.time())
        session = request.session
        signed_in_at = session.get(_SIGNED_IN_AT)
        if signed_in_at is None:
            start_lifetime(session, now)
        elif now - int(signed_in_at) > settings.SESSION_COOKIE_AGE:
            logout(request)
            return
        timeout = settings.SESSION_IDLE_TIMEOUT
        if not timeout:
            return
        last = session.get(_LAST_ACTIVITY)
        if last is not None and now - int(last) > timeout:
            logout(request)
        elif last is None or now - int(last) >= _WRITE_EVERY:
            session[_LAST_ACTIVITY] = now
