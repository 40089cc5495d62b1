"""HTTPS behind a reverse proxy: believe X-Forwarded-Proto only from a proxy in `TrustedProxies`.

Django's SECURE_PROXY_SSL_HEADER believes the header from any client, so anyone reaching the
portal directly could claim HTTPS (and, say, pass the CSRF Referer check of an HTTPS request).
This middleware runs first and, for a request whose REMOTE_ADDR is a trusted proxy, sets the WSGI
scheme from the header, so `request.is_secure()`, `request.scheme` and absolute URLs follow it.
"""

import ipaddress
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

HEADER = "HTTP_X_FORWARDED_PROTO"


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(net) for net in proxies)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the request's peer (REMOTE_ADDR) is one of `TrustedProxies`."""
    proxies = tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ())
    if not proxies:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in net for net in _networks(proxies))


def forwarded_scheme(request: HttpRequest) -> str | None:
    """"https" or "http" as the trusted proxy said; None when there is nothing to believe.

    A proxy chain may send a list ("https, http"); the right-most entry is the one the proxy next
    to the portal added, as for X-Forwarded-For (entries further left are other hops' words).
    """
    raw = request.META.get(HEADER, "")
    if not raw or not from_trusted_proxy(request):
        return None
    value = raw.split(",")[-1].strip().lower()
    return value if value in ("http", "https") else None


class ForwardedProtoMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        scheme = forwarded_scheme(request)
        if scheme is not None:
            request.META["wsgi.url_scheme"] = scheme
        return self.get_response(request)
