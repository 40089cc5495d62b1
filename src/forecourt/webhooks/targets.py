"""Which addresses a webhook may reach: the guard against server-side request forgery.

A URL must be http(s) with a host; every address its host resolves to must be public unless
the operator allows private targets (`Webhooks.AllowPrivateTargets`). Checked when an endpoint
is saved and again before each delivery, which then connects to the address it checked.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class Refused(Exception):
    """The URL may not be called; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the checked IP address to connect to


def _split(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise Refused("the URL must start with http:// or https://")
    if not parts.hostname:
        raise Refused("the URL has no host")
    if parts.username or parts.password:
        raise Refused("the URL may not contain a user name or password")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64, Teredo client), if any:
    through a gateway those reach the IPv4 host, so it is the IPv4 address that must be public."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def forbidden(address: str) -> str:
    """Why `address` may not be called ("" when it may)."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        ip = _embedded_ipv4(ip) or ip
    if ip in METADATA:
        return "a cloud metadata address"
    for attribute, words in (("is_loopback", "a loopback address"), ("is_link_local", "a link-local address"),
                             ("is_multicast", "a multicast address"), ("is_unspecified", "an unspecified address"),
                             ("is_reserved", "a reserved address"), ("is_private", "a private address")):
        if getattr(ip, attribute):
            return words
    if not ip.is_global:
        return "not a public address"
    return ""


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False))


def check(url: str) -> Target:
    """Resolve `url`'s host and return the first allowed address; raise Refused otherwise.

    Every address the name resolves to must be allowed, so a name cannot mix a public and a
    private address and hope the private one is picked.
    """
    scheme, host, port = _split(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"cannot resolve {host}: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise Refused(f"cannot resolve {host}")
    if not allow_private():
        for address in addresses:
            reason = forbidden(address)
            if reason:
                raise Refused(f"{host} resolves to {address}, {reason}; webhooks may only call public "
                              "addresses (Webhooks.AllowPrivateTargets)")
    return Target(scheme=scheme, host=host, port=port, address=addresses[0])
