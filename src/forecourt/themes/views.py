"""Live Portal views owned by the themes engine: the home page, theme assets and error pages.

The home page and the 404 handler serve admins' published pages (content/pages.py) through
`use_published_pages`, which content registers in its AppConfig.ready(): content renders its pages
with the themes engine, so it is above themes (ARCHITECTURE.md, "Layers") and themes does not
import it.
"""

import hashlib
import logging
import sys
from collections.abc import Callable
from pathlib import PurePosixPath

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.http import require_safe

from forecourt.ops import storage_errors

from . import paths, storage
from .rendering import render, select

log = logging.getLogger("forecourt.themes")

# Asset types served inline. Anything else (HTML, XML, unknown types) is served as a download, so
# an uploaded file can never become a page of the portal's origin. SVG is inline but, like every
# asset, carries a CSP that forbids scripts when it is opened on its own.
CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/vnd.microsoft.icon",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
}
ASSET_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
MAX_AGE = 300
IMMUTABLE = "public, max-age=31536000, immutable"


def _no_published_page(request: HttpRequest, path: str) -> HttpResponse | None:
    return None


_published_page: Callable[[HttpRequest, str], HttpResponse | None] = _no_published_page


def use_published_pages(page: Callable[[HttpRequest, str], HttpResponse | None]) -> None:
    """`page(request, path)`: the published page at `path` rendered, or None (content.pages.response)."""
    global _published_page
    _published_page = page


def home(request: HttpRequest) -> HttpResponse:
    # The published page at "/", if admins keep one (its blocks).
    home_page = {"page": {"title": "Home"}, "blocks": {}}
    return _published_page(request, "/") or render(request, "views/home.html", home_page)


@require_safe
def asset(request: HttpRequest, path: str) -> HttpResponse:
    """A file of the active (or previewed) theme's assets/ folder, else of the default theme's."""
    try:
        stored_path = paths.asset_name(path)
    except paths.BadPath:
        raise Http404("No such asset.") from None
    selected = select(request)
    content = selected.source.file(stored_path)
    if content is None and selected.source is not storage.bundled():
        content = storage.bundled().file(stored_path)
    if content is None:
        raise Http404("No such asset.")
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    if selected.preview:
        cache = "private, no-store"
    elif request.GET.get("v") == selected.source.revision[:12]:
        cache = IMMUTABLE
    else:
        cache = f"public, max-age={MAX_AGE}"
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        suffix = PurePosixPath(stored_path).suffix.lower()
        content_type = CONTENT_TYPES.get(suffix)
        response = HttpResponse(content, content_type=content_type or "application/octet-stream")
        if content_type is None:
            response["Content-Disposition"] = f'attachment; filename="{PurePosixPath(stored_path).name}"'
    response["ETag"] = etag
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ASSET_CSP
    return response


_ERRORS: dict[int, tuple[str | Promise, str | Promise]] = {
    403: (_("Access denied"), _("You do not have access to this page.")),
    404: (_("Page not found"), _("There is no page at this address.")),
    500: (_("Something went wrong"), _("The portal could not show this page. Please try again later.")),
    503: (storage_errors.TITLE, _("The portal cannot save anything right now. Please try again later.")),
}


def _is_live(request: HttpRequest) -> bool:
    return not request.path.startswith(("/portal-admin/", "/portal-api/", "/static/"))


def error_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    title, default_message = (str(text) for text in _ERRORS[status])  # in the request's language
    message = message or default_message
    return render(request, "views/error.html",
                  {"page": {"title": title}, "error": {"status": status, "title": title, "message": message}},
                  status=status)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_live(request):
        return defaults.page_not_found(request, exception)
    # Admins' pages are served here, after every route has had its chance (so routes always win,
    # and APPEND_SLASH redirects still work): a published page at this path, else the 404 page.
    return _published_page(request, request.path) or error_page(request, 404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_live(request):
        return defaults.permission_denied(request, exception)
    return error_page(request, 403)


def unavailable_page(request: HttpRequest, message: str) -> HttpResponse:
    """The 503 page for a database that cannot store anything: themed in the Live Portal, plain
    elsewhere. Registered with ops/storage_errors.py by themes/apps.py (ops is the lower layer)."""
    if _is_live(request):
        try:
            return error_page(request, 503, message)
        except Exception:
            log.exception("the themed error page failed")
    return storage_errors.plain_page(request, message)


def server_error(request: HttpRequest) -> HttpResponse:
    # Errors raised outside a view (a middleware's write) reach here rather than StorageErrorMiddleware.
    exc = sys.exc_info()[1]
    if exc is not None and storage_errors.remember(exc) is not None:
        response: HttpResponse = storage_errors.response_for(request, exc)
        return response
    if _is_live(request):
        try:
            return error_page(request, 500)
        except Exception:
            log.exception("the themed error page failed")
    return defaults.server_error(request)
