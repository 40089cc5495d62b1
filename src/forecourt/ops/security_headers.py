"""Response headers that keep pages on HTTPS and scripts to the portal's own: HSTS and the CSP.

The Content-Security-Policy comes from django-csp (BSD; Django 6.0's built-in CSP follows its
design, so moving to it later is small): its middleware adds settings.CONTENT_SECURITY_POLICY to
every response that has no policy of its own (theme assets and served files keep their stricter
ones), with a fresh nonce per request, included in the policy only when a page used it (themes get
it as `csp_nonce`). Pages that need more than the base policy say so with the helpers below.

Strict-Transport-Security is sent whenever the operator has said the portal is reached over HTTPS
(PublicURL is https, or TLS is served: settings.HSTS_HEADER), on every response, whether or not
this request can be seen to be HTTPS: behind a proxy that is not in TrustedProxies the portal
cannot tell, and browsers ignore the header on plain HTTP anyway (RFC 6797, 8.1).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from csp.constants import NONCE, SELF, UNSAFE_INLINE
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

# The base policy (settings.CONTENT_SECURITY_POLICY): scripts and style elements from the portal
# or carrying this response's nonce; no plugins, no frames (default-src 'self' alone would let a page
# frame the portal's own pages), no <base>, no framing by others, forms post to the portal.
BASE_POLICY: dict[str, list[Any]] = {  # Any: csp.constants.NONCE is a marker object
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF, NONCE],
    "img-src": [SELF, "data:"],
    "object-src": ["'none'"],
    "frame-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": [SELF],
}

# Inline styles (style="" attributes and <style> without a nonce). Browsers ignore 'unsafe-inline'
# when a nonce is listed, so the nonce is left out where it is allowed. Scripts stay strict.
INLINE_STYLES: dict[str, list[str]] = {"style-src": [SELF, UNSAFE_INLINE]}
# The e-mail preview shows the message in a sandboxed iframe of its own (srcdoc).
OWN_FRAMES: dict[str, list[str]] = {"frame-src": [SELF]}


def extend(response: HttpResponseBase, directives: dict[str, list[str]]) -> None:
    """Add sources to this response's policy (as django-csp's @csp_update does for a whole view)."""
    update: dict[str, list[str]] = getattr(response, "_csp_update", None) or {}
    for name, sources in directives.items():
        update[name] = [*update.get(name, []), *sources]
    response._csp_update = update  # type: ignore[attr-defined]


def replace(response: HttpResponseBase, directives: dict[str, list[str]]) -> None:
    """Replace whole directives of this response's policy (as django-csp's @csp_replace does)."""
    response._csp_replace = {**(getattr(response, "_csp_replace", None) or {}), **directives}  # type: ignore[attr-defined]


def allow_inline_styles(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """For a view whose page shows foreign HTML that is styled inline, in a sandboxed iframe (an e-mail)."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(*args, **kwargs)
        replace(response, {**INLINE_STYLES, **OWN_FRAMES})
        return response

    return wrapped


def hsts_value(max_age: int, preload: bool) -> str:
    """The Strict-Transport-Security value; "" when none is to be sent."""
    if max_age <= 0:
        return ""
    return f"max-age={max_age}" + ("; includeSubDomains; preload" if preload else "")


class StrictTransportSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        value = getattr(settings, "HSTS_HEADER", "")
        if value and "Strict-Transport-Security" not in response:
            response["Strict-Transport-Security"] = value
        return response
