"""Which addresses an identity provider may be reached at: the SSRF guard (forecourt.netguard) with the
providers' policy. An IdP is, like a gateway's Dashboard, usually on an internal network, so it follows
the same operator setting (`Providers.AllowPrivateTargets`): loopback and private addresses allowed
unless it is false; link-local, cloud metadata, multicast, unspecified and reserved always refused.

The rule is restated here rather than imported: forecourt.providers sits above this package. Checked
when an OAuth provider is saved (`validate`) and on every connection (`transport`).
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
    return netguard.PinnedTransport(policy(), verify=verify)
