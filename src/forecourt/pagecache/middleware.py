"""Anonymous Live Portal pages served from the cache, before sessions, CSRF, the CSP middleware, URL
resolution or views: a hit costs the revision's read and little else.

Which requests: GET and HEAD, with no session cookie and no messages cookie (a visitor who has one
may see something of their own), at a path that is not the Admin Portal's, the API's, an asset's or
a page that needs signing in. Which responses are kept: 200s of the cacheable views (home, the
catalogue, a product, an API's docs page and its document, and admins' content pages, which mark
themselves with `cacheable()`), for an anonymous user, that set no cookie and used no CSRF token
(such a page would hand one visitor's token to all), that vary on nothing but Cookie and
Accept-Language, are not `no-store` and are under store.MAX_BODY.

The key holds the content revision (read from the database on every request, so a change
committed by any replica is seen at once), the release, the scheme, the Host, the path with its
query, and the language the page is in: the one forecourt.i18n.negotiation chooses for the request
(the visitor's switcher cookie, Accept-Language, the portal's default), so a German visitor never gets
the English page kept for another. Pages vary on Accept-Language and Cookie (i18n's middleware says
so), which the key covers: it holds the language chosen, not the header, so the many ways browsers
write Accept-Language make no more entries than there are languages. A hit carries an ETag (a hash
of the page, the same on every replica) and answers 304 to If-None-Match.

Headers: a page is stored with the headers the middleware inside this one gave it (the
Content-Security-Policy, X-Frame-Options, nosniff, Referrer-Policy...), so a hit has them all without
running them; HSTS is added outside, on hits as on every response.

The CSP nonce: a page is stored with the nonce it was rendered with, and every hit replaces it, in
the body and in the policy, with a fresh random one. A nonce is so never served twice, and text that
a visitor got into a cached page (a reflected search term) cannot carry a valid nonce: it was written
before the nonce existed. A 304 carries no Content-Security-Policy, so the browser keeps the one that
matches the body it holds.
"""

import base64
import hashlib
import os
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified

import forecourt
from forecourt.i18n import negotiation

from . import revision, store
from .store import Entry

CACHEABLE_VIEWS = frozenset({"live:home", "live:catalogue", "live:product", "live:api_docs", "live:api_document"})
# Paths that are never cached pages: looked at before anything else, so they cost one test.
NEVER = ("/portal-admin/", "/portal-api/", "/static/", "/assets/", "/media/", "/auth/", "/my-account",
         "/my-organisation", "/dashboard", "/apps", "/live", "/ready")
MAX_QUERY = 1024
MESSAGES_COOKIE = "messages"
# Headers that are the response's own, not the page's.
_NOT_STORED = frozenset({"set-cookie", "content-length", "etag", "date", "strict-transport-security", "x-page-cache"})
_NONCE_MARK = b"\0nonce\0"
HIT_HEADER = "X-Page-Cache"
_CSP_HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")
_COMMAS = re.compile(r"\s*,\s*")
# What a page may vary on and still be kept: the key holds the language these choose, and a request
# with a session cookie is never served from the cache.
_KEYED_VARY = frozenset({"cookie", "accept-language"})


def cacheable(response: HttpResponse) -> HttpResponse:
    """Mark a response of a view outside CACHEABLE_VIEWS (a content page) as a cacheable page."""
    response._page_cacheable = True  # type: ignore[attr-defined]
    return response


def _eligible(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or request.path.startswith(NEVER):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or MESSAGES_COOKIE in cookies:
        return False
    return len(request.META.get("QUERY_STRING", "")) <= MAX_QUERY


# Settings that change what pages show without a database change (a restart with another value must not
# find the pages of the old one in a shared cache).
SHOWN_SETTINGS = ("ProductDocRenderer", "PublicURL", "Theming.Theme", "Theming.Path", "TLSConfig.Enable",
                  "DataDir")


def key(request: HttpRequest, token: str) -> str:
    config = settings.CONFIG
    parts = "\n".join((forecourt.__version__, token, *(str(config[name]) for name in SHOWN_SETTINGS),
                       request.scheme or "", request.META.get("HTTP_HOST", "").lower(), request.path,
                       request.META.get("QUERY_STRING", ""), negotiation.language_of(request)))
    return "page:" + hashlib.sha256(parts.encode("utf-8", "surrogateescape")).hexdigest()


def _entry(request: HttpRequest, response: HttpResponseBase) -> Entry | None:
    """The entry to keep for this response, or None if it must not be kept (see the module's docstring)."""
    if response.status_code != 200 or response.streaming or not isinstance(response, HttpResponse):
        return None
    match = request.resolver_match
    if not ((match is not None and match.view_name in CACHEABLE_VIEWS) or getattr(response, "_page_cacheable", False)):
        return None
    if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return None
    vary = {v.strip().lower() for v in _COMMAS.split(response.get("Vary", "")) if v.strip()}
    if vary - _KEYED_VARY:
        return None
    if "no-store" in response.get("Cache-Control", "").lower():
        return None
    body = response.content
    if len(body) > store.MAX_BODY:
        return None
    nonce = getattr(request, "_csp_nonce", None)
    nonce = nonce if isinstance(nonce, str) else ""
    stable = body.replace(nonce.encode(), _NONCE_MARK) if nonce else body
    etag = 'W/"' + hashlib.sha256(stable).hexdigest()[:32] + '"'
    headers = [(k, v) for k, v in response.items() if k.lower() not in _NOT_STORED]
    return Entry(200, headers, body, etag, nonce)


def _matches(request: HttpRequest, etag: str) -> bool:
    wanted = request.META.get("HTTP_IF_NONE_MATCH")
    if not wanted:
        return False
    tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


def _not_modified(entry: Entry) -> HttpResponse:
    response = HttpResponseNotModified()
    response["ETag"] = entry.etag
    for name, value in entry.headers:
        if name.lower() in ("cache-control", "vary", "expires", "content-location"):
            response[name] = value
    # No Content-Security-Policy: a browser would store it over the one matching the body it keeps.
    return response


def _serve(request: HttpRequest, entry: Entry) -> HttpResponse:
    if _matches(request, entry.etag):
        response = _not_modified(entry)
        response[HIT_HEADER] = "hit"
        return response
    body = entry.body
    headers = dict(entry.headers)
    if entry.nonce:
        fresh = base64.b64encode(os.urandom(16)).decode("ascii")
        body = body.replace(entry.nonce.encode(), fresh.encode())
        for name in _CSP_HEADERS:
            if name in headers:
                headers[name] = headers[name].replace(entry.nonce, fresh)
    headers["Content-Length"] = str(len(body))
    headers["ETag"] = entry.etag
    headers[HIT_HEADER] = "hit"
    return HttpResponse(b"" if request.method == "HEAD" else body, status=entry.status, headers=headers)


class PageCacheMiddleware:
    """Right after the health probes; before the start-up gate, since a hit needs only the revision's
    table (without it, before the first migration, every request goes on to the gate)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        with revision.once_per_request():
            return self._cached(request)

    def _cached(self, request: HttpRequest) -> HttpResponseBase:
        if not _eligible(request):
            return self.get_response(request)
        try:
            token = revision.current()
        except Exception:  # the driver's own errors too (revision.current): render, the view will say what
            token = None
        if token is None:
            return self.get_response(request)
        page_key = key(request, token)
        entry = store.get_entry(page_key)
        if entry is not None:
            return _serve(request, entry)
        response = self.get_response(request)
        entry = _entry(request, response)
        if entry is None:
            return response
        store.put_entry(page_key, entry)
        response["ETag"] = entry.etag
        response[HIT_HEADER] = "miss"
        if _matches(request, entry.etag):
            return _not_modified(entry)
        return response
