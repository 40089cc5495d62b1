"""The guard against server-side request forgery (SSRF), shared by everything that calls a URL an admin chose.

Admins choose the URLs of webhooks and of providers (gateway management APIs), so without a guard
the portal could be made to reach its own network: a cloud metadata service, an internal admin
page, a database port. This module decides which addresses may be called and makes sure the
connection goes to the address it checked:

* `classify()` names the class of an IP address (loopback, private, link-local, cloud metadata...);
  an IPv6 address that stands for an IPv4 one (mapped, 6to4, NAT64, Teredo) is judged by that one.
* A `Policy` says which of those classes a kind of caller may reach, and what to tell the admin
  when it may not: each caller (webhooks.targets, providers.targets) builds its own.
* `check()` resolves a URL's host and refuses it if any of its addresses is refused, so a name
  cannot mix an allowed and a refused address and hope the allowed one is picked. Host names of
  cloud metadata services and IP literals in any spelling (decimal, octal, hex: what inet_aton
  accepts) are judged without asking DNS.
* `PinnedTransport` checks every request's host before connecting and then connects to the
  checked address (the name stays in the Host header and is the TLS server name, so certificates
  are verified against it). DNS rebinding between the check and the connection cannot move it.

Nothing here knows about Django, webhooks or providers; they import it, never the other way round.
"""

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Address classes, from the most to the least dangerous; "" is a public address.
METADATA = "metadata"
LINK_LOCAL = "link-local"
MULTICAST = "multicast"
UNSPECIFIED = "unspecified"
RESERVED = "reserved"
LOOPBACK = "loopback"
PRIVATE = "private"
NON_PUBLIC = "non-public"  # neither private nor global, e.g. the carrier-grade NAT range 100.64.0.0/10
CLASSES = (METADATA, LINK_LOCAL, MULTICAST, UNSPECIFIED, RESERVED, LOOPBACK, PRIVATE, NON_PUBLIC)

WORDS = {METADATA: "a cloud metadata address", LINK_LOCAL: "a link-local address",
         MULTICAST: "a multicast address", UNSPECIFIED: "an unspecified address", RESERVED: "a reserved address",
         LOOPBACK: "a loopback address", PRIVATE: "a private address", NON_PUBLIC: "not a public address"}

# Cloud instance metadata and platform services: they hand out credentials to whoever asks from the host.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, Google Cloud, Azure, Oracle, DigitalOcean, OpenStack...
    "169.254.170.2",  # AWS ECS task metadata and credentials
    "fd00:ec2::254",  # AWS over IPv6
    "100.100.100.200",  # Alibaba Cloud
    "168.63.129.16",  # Azure's platform (WireServer)
    "192.0.0.192",  # Oracle Cloud Classic
))
METADATA_NAMES = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
    "metadata.tencentyun.com",
})

NAT64 = ipaddress.ip_network("64:ff9b::/96")
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")  # "this host on this network": Linux connects 0.0.0.0 to itself


class Refused(Exception):
    """The URL may not be called; the message says why (and never comes from contacting it)."""


class Unresolvable(Refused):
    """The host name does not resolve, so its addresses cannot be checked."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (lower case): the Host header and the TLS server name
    port: int
    address: str  # the checked IP address to connect to


@dataclass(frozen=True)
class Policy:
    """Which non-public address classes a kind of caller may reach (public addresses always may),
    and `advice(class)`: what a refusal adds for the admin (which setting, if any, changes it)."""

    allowed: frozenset[str]
    advice: Callable[[str], str]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64, Teredo client), if any:
    through a gateway those reach the IPv4 host, so it is the IPv4 address that must be allowed."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def classify(address: str | IPAddress) -> str:  # noqa: PLR0911 - one answer per address class, most specific first
    """The class of an IP address (one of CLASSES), or "" when it is public."""
    ip: IPAddress = address if not isinstance(address, str) else ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        ip = _embedded_ipv4(ip) or ip
    if ip in METADATA_ADDRESSES:
        return METADATA
    if ip.is_loopback:
        return LOOPBACK
    if ip.is_link_local:
        return LINK_LOCAL
    if ip.is_multicast:
        return MULTICAST
    if ip.is_unspecified or (isinstance(ip, ipaddress.IPv4Address) and ip in THIS_NETWORK):
        return UNSPECIFIED
    if ip.is_reserved:
        return RESERVED
    if ip.is_private:
        return PRIVATE
    if not ip.is_global:
        return NON_PUBLIC
    return ""


def forbidden(address: str) -> str:
    """Why `address` is not public, in words ("" when it is)."""
    kind = classify(address)
    return WORDS[kind] if kind else ""


_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")


def ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address `host` spells the way inet_aton reads it ("2852039166", "0251.0376.0251.0376",
    "0xa9.0xfe.0xa9.0xfe", "169.254.43518"), or None when it is not one: resolvers and HTTP clients
    accept these spellings, so the guard must read them the same way."""
    parts = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_PART.fullmatch(part) for part in parts):
        return None
    values = [int(p[2:] or "0", 16) if p[:2].lower() == "0x" else int(p, 8) if p.startswith("0") else int(p)
              for p in parts]
    *head, last = values
    if any(value > 0xFF for value in head) or last >= 1 << (8 * (5 - len(values))):
        return None
    number = last
    for index, value in enumerate(head):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def literal(host: str) -> IPAddress | None:
    """The IP address `host` is written as (any IPv4 spelling, IPv6 with or without a zone), or None."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return ipv4_literal(host)


def split(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL without credentials; raise Refused for anything else."""
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


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order (tests replace this function)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(f"cannot resolve {host}: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise Unresolvable(f"cannot resolve {host}")
    return addresses


def check_host(scheme: str, host: str, port: int, policy: Policy) -> Target:
    """The address to connect to for `host`, or Refused (Unresolvable when DNS has no answer)."""
    host = host.lower()
    name = host.rstrip(".")
    if name in METADATA_NAMES and METADATA not in policy.allowed:
        raise Refused(f"{name} is the host name of {WORDS[METADATA]}; {policy.advice(METADATA)}")
    ip = literal(host)
    addresses = [str(ip)] if ip is not None else resolve(host, port)
    for address in addresses:
        kind = classify(address)
        if kind and kind not in policy.allowed:
            if ip is None:
                subject = f"{host} resolves to {address},"
            elif ipv4_literal(host) is not None and host != address:  # an odd spelling: say what it reads as
                subject = f"{host} is {address},"
            else:
                subject = f"{host} is"
            raise Refused(f"{subject} {WORDS[kind]}; {policy.advice(kind)}")
    return Target(scheme=scheme, host=host, port=port, address=addresses[0])


def check(url: str, policy: Policy) -> Target:
    """Check `url` (syntax, then every address of its host) against `policy`; the address to connect to."""
    scheme, host, port = split(url)
    return check_host(scheme, host, port, policy)


class PinnedTransport(httpx.BaseTransport):
    """An httpx transport that checks each request's host against `policy` and connects to the
    checked address. Refused addresses raise Refused before any connection; a name that does not
    resolve is a connection error (httpx.ConnectError), as it would be without the guard.

    A host's check is kept for the transport's life, so every request of one client (pages of a
    list, retries) goes to one checked address. `transport_options` go to httpx.HTTPTransport
    (`verify`, ...). The transport is meant for one client; it never uses proxies (a proxy would
    resolve the name itself, out of the guard's sight).
    """

    def __init__(self, policy: Policy, **transport_options: Any) -> None:
        self.policy = policy
        self._inner = httpx.HTTPTransport(**transport_options)
        self._checked: dict[tuple[str, str, int], Target] = {}

    def target(self, url: httpx.URL) -> Target:
        """The checked address for `url`'s host (checked once per transport)."""
        port = url.port or (443 if url.scheme == "https" else 80)
        key = (url.scheme, url.host, port)
        if key not in self._checked:
            if url.scheme not in ("http", "https"):
                raise Refused("the URL must start with http:// or https://")
            self._checked[key] = check_host(url.scheme, url.host, port, self.policy)
        return self._checked[key]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            target = self.target(request.url)
        except Unresolvable as exc:
            raise httpx.ConnectError(str(exc), request=request) from None
        extensions = dict(request.extensions)
        if target.scheme == "https":
            extensions["sni_hostname"] = target.host
        # A new request, so the caller's (used for redirects and errors) keeps the name. The Host
        # header was set from the original URL and goes as it is.
        pinned = httpx.Request(request.method, request.url.copy_with(host=target.address), headers=request.headers,
                               stream=request.stream, extensions=extensions)
        return self._inner.handle_request(pinned)

    def close(self) -> None:
        self._inner.close()
