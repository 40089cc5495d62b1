"""The portal's opt-in "Try it" proxy (`TryIt.Proxy`, off by default): one request of a docs
page's panel relayed to the product's own gateway, for gateways that answer no CORS preflight.

Why it is shaped like this: a relay that sends what a browser asks from the portal's network is
an SSRF tool and a credential sink unless it is narrow. So a request is checked whole before
anything is sent (bad input is a `Refused` with the reason, and nothing goes out):

- it goes only under the API's own address at the gateway (the provider's Gateway URL and the
  listen path, which the caller gives): a path is relative, with no `..`, no scheme, no `//`;
- through the SSRF guard (forecourt.netguard): link-local, cloud metadata, multicast, unspecified
  and reserved addresses always refused, loopback and private ones as for providers
  (`Providers.AllowPrivateTargets`, who set the gateway URL), the checked address pinned;
- a known method; at most `MAX_HEADERS` headers, none of the ones a browser or the relay owns
  (Host, Cookie, Content-Length...); a body of at most `MAX_BODY` bytes; an answer read up to
  `MAX_ANSWER` bytes; `TIMEOUT` seconds in all; redirects answered, never followed;
- every header and query value is registered with `redaction.secrets_in_use` while it runs, so no
  log line (httpx's "HTTP Request: GET <url>" included) carries the credential it relays.

Who may use it is `try_it.may_try` (a credential for the product), checked by the view.
"""

import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from django.conf import settings

from forecourt import netguard, redaction

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
MAX_PATH = 2048
MAX_HEADERS = 30
MAX_HEADER_VALUE = 8192
MAX_BODY = 1024 * 1024
MAX_ANSWER = 1024 * 1024
TIMEOUT = 15.0
# Headers the relay or the portal owns: never taken from the page.
OWN_HEADERS = frozenset({"host", "cookie", "content-length", "transfer-encoding", "connection", "keep-alive",
                         "upgrade", "te", "trailer", "proxy-authorization", "proxy-connection", "expect",
                         "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip"})
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
ALWAYS_REFUSED = frozenset({netguard.METADATA, netguard.LINK_LOCAL, netguard.MULTICAST, netguard.UNSPECIFIED,
                            netguard.RESERVED})


class Refused(Exception):
    """A request the relay will not send, with the reason in words (the panel shows it)."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: str
    truncated: bool


def _policy() -> netguard.Policy:
    private = frozenset(netguard.CLASSES) - ALWAYS_REFUSED
    allowed = private if getattr(settings, "PROVIDERS_ALLOW_PRIVATE_TARGETS", True) else frozenset()
    return netguard.Policy(allowed=allowed, advice=lambda kind: "the gateway may not be reached at this address")


def target_url(address: str, path: Any) -> str:
    """The URL `path` (relative to the API's `address` at the gateway) names, or Refused."""
    if not isinstance(path, str) or len(path) > MAX_PATH:
        raise Refused(f"The path must be text of at most {MAX_PATH} characters.")
    if any(c in path for c in "\\\r\n\t #") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        raise Refused("The path may not hold spaces, backslashes, fragments or control characters.")
    relative = path.lstrip("/")
    if "://" in relative or relative.startswith("/") or "//" in relative.split("?")[0]:
        raise Refused("The path must be relative to the API's address at the gateway.")
    segments = relative.split("?")[0].split("/")
    if any(s in ("..", ".") or s.lower() in ("%2e%2e", "%2e", ".%2e", "%2e.") for s in segments):
        raise Refused("The path may not step out of the API's address (no . or .. segments).")
    base = address if address.endswith("/") else address + "/"
    url = base + relative
    if urlsplit(url).netloc != urlsplit(base).netloc or not urlsplit(url).path.startswith(urlsplit(base).path):
        raise Refused("The path must stay under the API's address at the gateway.")
    return url


def _headers(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > MAX_HEADERS:
        raise Refused(f"Headers must be an object of at most {MAX_HEADERS} names and values.")
    headers: dict[str, str] = {}
    for name, value in raw.items():
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise Refused("A header's name must be a plain token (letters, digits, - and a few symbols).")
        if name.lower() in OWN_HEADERS:
            raise Refused(f"The {name} header cannot be set from the page.")
        if not isinstance(value, str) or len(value) > MAX_HEADER_VALUE or any(c in value for c in "\r\n\0"):
            raise Refused(f"The {name} header's value must be one line of at most {MAX_HEADER_VALUE} characters.")
        headers[name] = value
    return headers


def _body(raw: Any) -> bytes | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise Refused("The body must be text.")
    data = raw.encode()
    if len(data) > MAX_BODY:
        raise Refused(f"The body may be at most {MAX_BODY} bytes.")
    return data


def relay(address: str, request: dict[str, Any]) -> Answer:
    """Send the panel's `request` ({method, path, headers, body}) under `address`; Refused when it
    may not be sent (nothing sent), httpx's errors when the gateway cannot be reached or is slow."""
    method = request.get("method")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise Refused(f"The method must be one of {', '.join(sorted(METHODS))}.")
    url = target_url(address, request.get("path", ""))
    headers = _headers(request.get("headers"))
    body = _body(request.get("body"))
    try:
        netguard.check(url, _policy())
    except netguard.Unresolvable:
        pass  # the pinned transport checks again and answers a connection error
    except netguard.Refused as exc:
        raise Refused(f"The gateway's address is refused: {exc}") from None
    values = [*headers.values(), *(v for _, v in parse_qsl(urlsplit(url).query, keep_blank_values=True))]
    client = httpx.Client(transport=netguard.PinnedTransport(_policy()), timeout=httpx.Timeout(TIMEOUT),
                          follow_redirects=False, trust_env=False)
    with redaction.secrets_in_use(*values), client, client.stream(method.upper(), url, headers=headers,
                                                                  content=body) as answer:
        received = bytearray()
        truncated = False
        deadline = time.monotonic() + TIMEOUT  # httpx's timeouts are per read; this one is in all
        for chunk in answer.iter_bytes():
            received += chunk
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the gateway's answer took too long", request=answer.request)
            if len(received) > MAX_ANSWER:
                truncated = True
                del received[MAX_ANSWER:]
                break
        return Answer(answer.status_code, dict(answer.headers.items()),
                      received.decode(answer.encoding or "utf-8", errors="replace"), truncated)
