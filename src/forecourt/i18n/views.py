"""The language switcher's one view, for both portals (POST /i18n/language): saves the choice and
sends the browser back to the page it came from.

The choice goes into negotiation.COOKIE, and onto the account too when signed in (it then follows the
user to other browsers and to their e-mails). A code the portal does not offer: 400, nothing changes.
Back only to a path of this site (`next`, else the Referer's path, else /): never an open redirect.

CSRF: a signed-in user's form carries a token and is checked as any other. An anonymous visitor's
cannot: the Live Portal's anonymous pages are served from the page cache, and a page holding a token
is never kept (it would hand one visitor's token to all). What a forged POST could do there is set
the visitor's own language cookie; a request whose Origin header names another site is refused all
the same (403).
"""

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from . import negotiation


def safe_path(target: str, request: HttpRequest) -> str | None:
    """`target` when it is a path on this site (with its query), else None."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return None
    return target


def _back(request: HttpRequest) -> str:
    posted = safe_path(request.POST.get("next", ""), request)
    if posted:
        return posted
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referer.netloc == request.get_host():
        from_referer = safe_path(referer.path + (f"?{referer.query}" if referer.query else ""), request)
        if from_referer:
            return from_referer
    return "/"


def _same_origin(request: HttpRequest) -> bool:
    origin = request.META.get("HTTP_ORIGIN")
    return origin is None or origin == f"{request.scheme}://{request.get_host()}"


def _choose(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("language", "")
    offered = negotiation.offer().offered
    if code not in offered:
        return HttpResponseBadRequest(gettext("Not a language this portal offers. Choose one of: %(codes)s.")
                                      % {"codes": ", ".join(offered)},
                                      content_type="text/plain; charset=utf-8")
    user = request.user
    if user.is_authenticated:
        user.language = code
        user.save(update_fields=["language"])
    response = redirect(_back(request))
    response.set_cookie(negotiation.COOKIE, code, max_age=negotiation.COOKIE_MAX_AGE, samesite="Lax",
                        secure=request.is_secure(), httponly=True)
    return response


_checked = csrf_protect(_choose)


@csrf_exempt
@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        response: HttpResponse = _checked(request)
        return response
    if not _same_origin(request):
        return HttpResponseForbidden(gettext("This form must be sent from this portal's own pages."),
                                     content_type="text/plain; charset=utf-8")
    return _choose(request)
