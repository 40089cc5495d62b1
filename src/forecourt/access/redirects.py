"""The rule for an app's OAuth 2.0 redirect URLs, used by the Admin Portal, the Admin API and the Live Portal.

A redirect URL is where an identity provider sends a user's browser with an authorisation code, so a bad
one is a phishing or script-injection vector. Accepted: an absolute `http` or `https` URL with a host
name (a single label such as Tyk's own example `https://app-host/auth` too: intranet and container host
names have no dot), an IPv4 or bracketed IPv6 address, an optional port, path and query. Refused: any
other scheme (`javascript:`, `data:`, `file:`...), no scheme, credentials (`user:pass@`), a fragment
(RFC 6749 3.1.2), white space or control characters, and over-long URLs.
"""

import ipaddress
import re
from urllib.parse import urlsplit

MAX_LENGTH = 2000
SCHEMES = ("http", "https")
_LABEL = re.compile(r"^(?!-)[^\W_](?:[^\W_]|-){0,62}(?<!-)$")  # letters (any script), digits, inner hyphens


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def completed(entry: str) -> str:
    """An entry typed without a scheme (`shop.example.com/cb`) as the https URL it means; others as
    they are. For forms people type in (the Live Portal's); the Admin API takes URLs as they are."""
    if entry and not _SCHEME.match(entry) and not entry.startswith("/"):
        return "https://" + entry
    return entry


def problem(url: str) -> str | None:
    """Why `url` cannot be a redirect URL (the message names it), or None when it can."""
    shown = url[:100]
    invalid = f"Not a valid URL: {shown}"
    if not url or len(url) > MAX_LENGTH or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return invalid
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is not a number from 0 to 65535 raises
    except ValueError:
        return invalid
    if not parts.scheme or not url.lower().startswith(parts.scheme.lower() + "://"):
        return invalid  # no scheme, or an opaque one (javascript:..., data:..., mailto:...)
    if parts.scheme.lower() not in SCHEMES:
        return f"Only http and https URLs: {shown}"
    if "@" in parts.netloc:
        return f"No user name or password in a redirect URL: {shown}"
    if parts.fragment or "#" in url:
        return f"No fragment (#...) in a redirect URL: {shown}"
    if port == 0 or not _host_ok(parts.netloc, parts.hostname):
        return invalid
    return None


def _host_ok(netloc: str, host: str | None) -> bool:
    if not host:
        return False
    if netloc.startswith("["):  # an IPv6 literal
        try:
            return isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
        except ValueError:
            return False
    host = host.removesuffix(".")
    labels = host.split(".")
    return len(host) <= 253 and all(_LABEL.match(label) for label in labels)
