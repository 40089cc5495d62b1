"""Which addresses a provider (a gateway's management API) may be reached at: the SSRF guard's providers policy.

A provider-admin chooses the provider's URL, and the portal calls it with the provider's API key
and shows the admin what went wrong, so an unguarded URL would let them probe the portal's network.
Link-local, cloud metadata, multicast, unspecified and reserved addresses are always refused;
loopback and private addresses are allowed (a Dashboard usually lives on an internal network)
unless the operator sets `Providers.AllowPrivateTargets` to false.

Checked when a provider is saved (`check`, from ProviderForm, which the Admin API shares) and on
every connection the provider's client makes (`transport`, forecourt.netguard.PinnedTransport),
which connects to the address it checked.
"""

from django.conf import settings
from django.core.exceptions import ValidationError

from forecourt import netguard

ALWAYS_REFUSED = frozenset({netguard.METADATA, netguard.LINK_LOCAL, netguard.MULTICAST, netguard.UNSPECIFIED,
                            netguard.RESERVED})
PRIVATE = frozenset(netguard.CLASSES) - ALWAYS_REFUSED  # loopback, private, other non-public ranges


def allow_private() -> bool:
    return bool(getattr(settings, "PROVIDERS_ALLOW_PRIVATE_TARGETS", True))


def _advice(kind: str) -> str:
    if kind in ALWAYS_REFUSED:
        return "a provider may never be reached at link-local, cloud metadata, multicast, unspecified or " \
               "reserved addresses"
    return "a provider may only be reached at public addresses while Providers.AllowPrivateTargets is false"


def policy() -> netguard.Policy:
    return netguard.Policy(allowed=PRIVATE if allow_private() else frozenset(), advice=_advice)


def check(url: str) -> netguard.Target | None:
    """Refuse `url` (netguard.Refused) when its host is, or resolves to, an address providers may not use.

    A name that does not resolve now is let through (None): the Dashboard may not be up yet, and
    every connection checks again.
    """
    try:
        return netguard.check(url, policy())
    except netguard.Unresolvable:
        return None


def validate(url: str) -> None:
    """`check` as a form validator. It runs beside URLValidator, so an address in a spelling that
    validator rejects (decimal, octal, hex IPv4) is also refused with the guard's reason."""
    try:
        netguard.split(url)
    except netguard.Refused:
        return  # not an http(s) URL with a host: URLValidator says so
    try:
        check(url)
    except netguard.Refused as exc:
        raise ValidationError(f"Refused by the SSRF guard: {exc}.", code="refused") from None


def transport(*, verify: bool = True) -> netguard.PinnedTransport:
    """A transport for one provider client: checks each host, connects to the checked address."""
    return netguard.PinnedTransport(policy(), verify=verify)
