"""Activates the request's language (negotiation.language_of) and the user's time zone, and says so:
`Content-Language`, and `Vary: Accept-Language, Cookie` (the same URL answers in other languages:
no locale prefix in URLs, so shared caches must key on what chose the language).

After authentication (a signed-in user's saved preference decides first). Not for the machine
interfaces, the Admin API and the MCP server (MACHINE_PATHS): they answer JSON with Tyk's English
names and messages in the portal's base language, and pay no read of the languages offered. Both are reset when the
response is made, so that what this thread does next (another request, a test) starts from the
default; a streaming response keeps them, since its body is made after this returns.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from . import negotiation, zones

VARY = ("Accept-Language", "Cookie")
MACHINE_PATHS = ("/portal-api/", "/mcp")


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path.startswith(MACHINE_PATHS):
            return self.get_response(request)
        language = negotiation.language_of(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        user = getattr(request, "user", None)
        zone = zones.zone_of(getattr(user, "time_zone", "") or "") if user is not None and user.is_authenticated \
            else None
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        response = self.get_response(request)
        if not response.streaming:
            translation.deactivate()
            timezone.deactivate()
        if "Content-Language" not in response:
            response["Content-Language"] = language
        patch_vary_headers(response, VARY)
        return response
