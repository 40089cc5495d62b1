"""Importing an OpenAPI document from a URL an admin gives, through the SSRF guard (forecourt.netguard).

The portal fetches the URL itself, so without a guard an admin could make it read its own network
(a cloud metadata service, an internal page) and see the answer as a "document" or in an error. So:

* The documents' policy: link-local, cloud metadata, multicast, unspecified and reserved addresses
  are always refused; loopback and private ones too unless the operator sets
  `DocumentImport.AllowPrivateTargets` (documents on an internal server).
* Every request goes through netguard.PinnedTransport, which checks the host and connects to the
  checked address (DNS rebinding cannot move it). Redirects are followed here, not by httpx, at most
  MAX_REDIRECTS of them, each hop's host checked by the transport before anything is sent to it.
* Timeouts for each step, and a DEADLINE for the whole fetch (a server trickling bytes cannot hold a
  web worker); the body is read in chunks and abandoned past documents.MAX_BYTES, whatever the
  Content-Length said. No proxy from the environment (it would resolve names out of the guard's sight).
* Each failure is an `ImportFailed` with a message that says which (refused, unreachable, timed out,
  too large, an HTTP error), never the body of an error page.

The text fetched is then checked by forecourt.catalog.documents like any other document.
"""

import time

import httpx
from django.conf import settings

from forecourt import __version__, netguard

from . import documents

ALWAYS_REFUSED = frozenset({netguard.METADATA, netguard.LINK_LOCAL, netguard.MULTICAST, netguard.UNSPECIFIED,
                            netguard.RESERVED})
PRIVATE = frozenset(netguard.CLASSES) - ALWAYS_REFUSED  # loopback, private, other non-public ranges
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEADLINE = 30.0  # seconds for the whole fetch, redirects included
MAX_REDIRECTS = 5
ACCEPT = "application/json, application/yaml, application/x-yaml, text/yaml, text/plain;q=0.5, */*;q=0.1"


class ImportFailed(Exception):
    """The URL could not be imported; the message says why, for the admin."""


def allow_private() -> bool:
    return bool(getattr(settings, "DOCUMENT_IMPORT_ALLOW_PRIVATE_TARGETS", False))


def _advice(kind: str) -> str:
    if kind in ALWAYS_REFUSED:
        return "documents are never imported from link-local, cloud metadata, multicast, unspecified or " \
               "reserved addresses"
    return "documents are imported from public addresses only, unless the operator sets " \
           "DocumentImport.AllowPrivateTargets"


def policy() -> netguard.Policy:
    return netguard.Policy(allowed=PRIVATE if allow_private() else frozenset(), advice=_advice)


def _host(url: str | httpx.URL) -> str:
    try:
        return httpx.URL(str(url)).host or str(url)
    except httpx.InvalidURL:
        return str(url)


def fetch(url: str) -> str:
    """The document at `url`, as text; ImportFailed, or documents.InvalidDocument (not text), otherwise."""
    try:
        netguard.check(url, policy())
    except netguard.Unresolvable as exc:
        raise ImportFailed(f"Could not reach {_host(url)}: {exc}.") from None
    except netguard.Refused as exc:
        raise ImportFailed(f"Refused by the SSRF guard: {exc}.") from None
    deadline = time.monotonic() + DEADLINE
    headers = {"Accept": ACCEPT, "Accept-Encoding": "identity",  # no decompression bomb, if it listens
               "User-Agent": f"Forecourt/{__version__} (OpenAPI document import)"}
    with httpx.Client(transport=netguard.PinnedTransport(policy()), timeout=TIMEOUT, follow_redirects=False,
                      trust_env=False, headers=headers) as client:
        current = httpx.URL(url)
        for _ in range(MAX_REDIRECTS + 1):
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        if not location:
                            raise ImportFailed(f"{_host(current)} answered a redirect without a Location.")
                        current = current.join(location)
                        continue
                    if response.status_code != 200:
                        raise ImportFailed(f"{_host(current)} answered HTTP {response.status_code} "
                                           f"{response.reason_phrase}.".replace(" .", "."))
                    return documents.decode(_read(response, deadline))
            except netguard.Refused as exc:  # a redirect to a refused address (the first was checked above)
                raise ImportFailed(f"Refused by the SSRF guard: {exc}.") from None
            except httpx.TimeoutException:
                raise ImportFailed(f"{_host(current)} did not answer in time.") from None
            except httpx.HTTPError as exc:
                raise ImportFailed(f"Could not reach {_host(current)}: {exc or type(exc).__name__}.") from None
    raise ImportFailed(f"More than {MAX_REDIRECTS} redirects: giving up.")


def _read(response: httpx.Response, deadline: float) -> bytes:
    """The body, refused as soon as it is known to be too large or takes too long."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > documents.MAX_BYTES:
        raise ImportFailed(f"Too large: {documents.too_large(int(declared))}.")
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > documents.MAX_BYTES:
            raise ImportFailed(f"Too large: the document is over {documents.MAX_BYTES // 1024 // 1024} MB.")
        if time.monotonic() > deadline:
            raise ImportFailed(f"{_host(response.url)} took more than {DEADLINE:.0f} seconds to send the document.")
    return bytes(body)
