"""Which addresses an identity provider may be reached at: an SSO profile's (the OpenID Connect discovery
document and keys, the SAML IdP's metadata) and an OAuth provider's (forecourt.oauth: discovery and
Dynamic Client Registration). The SSRF guard (forecourt.netguard) with the providers' policy.

A company's identity provider (Keycloak, ADFS) is often on its internal network, so it follows the same
operator setting as gateways (`Providers.AllowPrivateTargets`): loopback and private addresses allowed
unless it is false; link-local, cloud metadata, multicast, unspecified and reserved always refused. The
rule is restated here rather than imported from forecourt.providers, which sits above this package; the
OAuth providers (above it too) import this one. Checked when a profile or an OAuth provider is saved
(`validate`) and on every connection (`transport`).
"""
from django.conf import settings
from django.core.exceptions import ValidationError

from forecourt import netguard

ALWAYS_REFUSED = frozenset({netguard.METADATA, netguard.LINK_LOCAL, netguard.MULTICAST, netguard.UNSPECIFIED,
                            netguard.RESERVED})
PRIVATE = frozenset(netguard.CLASSES) - ALWAYS_REFUSED


def _advice(kind: str) -> str:
    if kind in ALWAYS_REFUSED:
        return "an identity provider may never be reached at link-local, cloud metadata, multicast, " \
               "unspecified or reserved addresses"
    return "an identity provider may only be reached at public addresses while Providers.AllowPrivateTargets " \
           "is false"


def policy() -> netguard.Policy:
    private = bool(getattr(settings, "PROVIDERS_ALLOW_PRIVATE_TARGETS", True))
    return netguard.Policy(allowed=PRIVATE if private else frozenset(), advice=_advice)


def validate(url: str) -> None:
    """A form validator: refuse a URL whose host is, or resolves to, a refused address. A name that does
    not resolve now passes (the IdP may not be up yet; every connection checks again)."""
    if not url:
        return
    try:
        netguard.split(url)
    except netguard.Refused:
        return  # not an http(s) URL with a host: URLValidator says so
    try:
        netguard.check(url, policy())
    except netguard.Unresolvable:
        return
    except netguard.Refused as exc:
        raise ValidationError(f"Refused by the SSRF guard: {exc}.", code="refused") from None


def transport(*, verify: bool = True) -> netguard.PinnedTransport:
    """For the protocol helpers' HTTP clients (httpx): each request's host checked, then pinned."""
    return netguard.PinnedTransport(policy(), verify=verify)
