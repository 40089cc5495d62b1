"""Where the links in e-mails point: the configured public URL, else the request's own address.

Every view that e-mails a link (password resets, activations, invitations, decisions) builds it
from `base_url(request)`. With `PublicURL` set, a forged Host header cannot put another host
into a link; without it the link follows the request (and the Host header), and `forecourt serve`
warns about that at start (`host_header_warning`).
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_noop


def base_url(request: HttpRequest) -> str:
    """The portal's root URL for links in e-mails, ending in "/": `PublicURL` if set, else the
    scheme and host the request came with."""
    configured = getattr(settings, "PUBLIC_URL", "")
    if configured:
        return configured.rstrip("/") + "/"
    return request.build_absolute_uri("/")


# Marked, not translated here: the start-up log says it in English; the About page translates it.
HOST_HEADER_WARNING = gettext_noop(
    "PublicURL (PORTAL_PUBLIC_URL) is not set: links in e-mails (password resets, activations, invitations) use "
    "the Host header of the request that sent them, which a client can forge. Set it to the portal's address, "
    "e.g. https://portal.example.com")


def host_header_warning(public_url: str) -> str:
    """The start-up warning when links follow the Host header; empty when PublicURL is set."""
    return "" if public_url else HOST_HEADER_WARNING
