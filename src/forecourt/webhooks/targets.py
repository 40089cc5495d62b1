"""Which addresses a webhook may reach: the portal's SSRF guard (forecourt.netguard) with the webhooks' policy.

A URL must be http(s) with a host and no credentials; every address its host resolves to must be
public unless the operator allows private targets (`Webhooks.AllowPrivateTargets`, which then
allows every address). Checked when an endpoint is saved and again before each delivery, which
connects to the address it checked (`transport()`).
"""

from django.conf import settings

from forecourt import netguard
from forecourt.netguard import Refused, Target, forbidden

__all__ = ["Refused", "Target", "allow_private", "check", "forbidden", "policy", "transport"]

ADVICE = "webhooks may only call public addresses (Webhooks.AllowPrivateTargets)"


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False))


def policy() -> netguard.Policy:
    allowed = frozenset(netguard.CLASSES) if allow_private() else frozenset()
    return netguard.Policy(allowed=allowed, advice=lambda kind: ADVICE)


def check(url: str) -> Target:
    """The address to call for `url`; raise Refused (a name that does not resolve included) otherwise."""
    return netguard.check(url, policy())


def transport() -> netguard.PinnedTransport:
    """A transport that delivers only to checked addresses, connecting to the one it checked."""
    return netguard.PinnedTransport(policy())
