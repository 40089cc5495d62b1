"""A small client for the parts of the Tyk Dashboard API the portal uses.

The Dashboard takes its user's API key raw in `Authorization`. Lists are paged (`p`, 1-based; the
answer says how many pages). Connection failures, timeouts and 5xx answers are retried with
backoff; anything else is reported at once. Every connection goes through the providers' SSRF
guard (forecourt.providers.targets): the address is checked first and the connection pinned to it;
redirects are not followed. Nothing here knows about Django models beyond the Provider row it is
built from.

A Tyk key's path holds the key (or its hash), so messages and log lines never show a path as
it is: they show the caller's `shown` name for it (the provisioning code names the credential)
or the path with the key's ID masked; what the Dashboard says back is redacted the same way.
"""

import json
import logging
import time
from typing import Any

import httpx

from forecourt import netguard, redaction
from forecourt.providers import targets
from forecourt.providers.registry import ProviderError

log = logging.getLogger("forecourt.providers.tyk")

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
RETRIES = 3
BACKOFF = 0.25  # seconds, doubled each retry
MAX_PAGES = 10_000


class DashboardError(ProviderError):
    """The Dashboard could not be used; the message is what an admin sees."""


class Unreachable(DashboardError):
    """Down, slow or answering 5xx after the retries."""


class Refused(DashboardError):
    """A 4xx: wrong key (401/403), unknown object (404), invalid request (400/422)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class TargetRefused(DashboardError):
    """The SSRF guard refused the Dashboard's address (forecourt.providers.targets): nothing was sent."""


class GuardedTransport(netguard.PinnedTransport):
    """The providers' SSRF guard as this client's transport: each host is checked before any
    connection and the connection goes to the checked address. A refusal is a TargetRefused,
    which the client does not retry."""

    def __init__(self, *, verify: bool = True) -> None:
        super().__init__(targets.policy(), verify=verify)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except netguard.Refused as exc:
            raise TargetRefused(f"refused by the SSRF guard, not contacted: {exc}") from None


def _refuse_redirects(response: httpx.Response) -> None:
    """Redirects are not followed (the key would go along, to wherever the answer points): say so,
    rather than reading a redirect's body as the Dashboard's answer. Only the origin of the new
    address is told: its path may repeat ours, which can hold a key."""
    if response.is_redirect:
        try:
            location = response.request.url.join(response.headers["Location"])
            where = f" to {location.scheme}://{location.netloc.decode('ascii', 'replace')}"
        except (httpx.InvalidURL, UnicodeError, ValueError):
            where = ""
        raise DashboardError(f"the Dashboard answered {response.status_code}, a redirect{where}; redirects are not "
                             "followed: set the provider's URL to the Dashboard's own address")


class TykDashboard:
    def __init__(self, url: str, secret: str, *, verify: bool = True, transport: httpx.BaseTransport | None = None,
                 retries: int = RETRIES, backoff: float = BACKOFF) -> None:
        self.retries = retries
        self.backoff = backoff
        # Every connection goes through the SSRF guard (unless a test hands in its own transport);
        # no proxies from the environment, which would resolve the name out of the guard's sight.
        self._http = httpx.Client(
            base_url=url.rstrip("/"), headers={"Authorization": secret, "Accept": "application/json"},
            timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
            transport=transport or GuardedTransport(verify=verify), follow_redirects=False, trust_env=False,
            event_hooks={"response": [_refuse_redirects]},
        )

    @classmethod
    def for_provider(cls, provider: Any) -> "TykDashboard":
        return cls(provider.url, provider.secret, verify=not provider.insecure_skip_verify)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "TykDashboard":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport -------------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                body: Any = None, shown: str | None = None) -> Any:
        """One call, retried on network errors and 5xx; the parsed JSON answer. `shown` names the
        path in messages and log lines (default: the path, a key's ID masked)."""
        last: Exception | None = None
        name = shown or redaction.redact(path)
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self._http.request(method, path, params=params, json=body)
            except httpx.TransportError as exc:  # refused, reset, timed out
                last = exc
                log.warning("Tyk Dashboard %s %s failed (attempt %d): %s", method, name, attempt + 1, exc)
                continue
            if response.status_code >= 500:
                last = DashboardError(f"HTTP {response.status_code}")
                log.warning("Tyk Dashboard %s %s answered %d (attempt %d)", method, name, response.status_code,
                            attempt + 1)
                continue
            if response.status_code >= 400:
                raise Refused(response.status_code, _refusal(method, name, response))
            try:
                return response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise DashboardError(f"{method} {name}: the Dashboard's answer is not valid JSON") from None
        reason = _describe(last)
        if isinstance(last, DashboardError):  # it answered, with a server error each time
            raise Unreachable(f"the Dashboard at {self._http.base_url} failed: {method} {name} answered {reason}"
                              f" {self.retries + 1} time(s)")
        raise Unreachable(f"the Dashboard at {self._http.base_url} cannot be reached: {reason}")

    def _paged(self, path: str, key: str, pages_key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page, pages = 1, 1
        while page <= pages and page <= MAX_PAGES:
            answer = self.request("GET", path, params={"p": page})
            # An empty page is null (Go's nil slice), not [].
            if not isinstance(answer, dict) or not isinstance(answer.get(key) or [], list):
                raise DashboardError(f"GET {path}: expected an object with a {key!r} list")
            items.extend(item for item in answer.get(key) or [] if isinstance(item, dict))
            pages = int(answer.get(pages_key) or 1) if str(answer.get(pages_key, 1)).lstrip("-").isdigit() else 1
            page += 1
        return items

    # -- the API ---------------------------------------------------------------------------
    def apis(self) -> list[dict[str, Any]]:
        """Every API definition wrapper (`{"api_definition": {...}, ...}`)."""
        return self._paged("/api/apis", "apis", "pages")

    def policies(self) -> list[dict[str, Any]]:
        return self._paged("/api/portal/policies", "Data", "Pages")

    def create_key(self, session: dict[str, Any]) -> dict[str, Any]:
        answer = self.request("POST", "/api/keys", body=session)
        if not isinstance(answer, dict) or not answer.get("key_id"):
            raise DashboardError("POST /api/keys: the answer has no key_id")
        return answer

    def delete_key(self, key_id: str) -> None:
        self.request("DELETE", f"/api/keys/{key_id}")


def _refusal(method: str, path: str, response: httpx.Response) -> str:
    detail = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            detail = redaction.redact(str(body.get("Message") or body.get("message") or body.get("error") or ""))
    except ValueError:
        pass
    if response.status_code in (401, 403):
        return f"the Dashboard refused the API key ({response.status_code}){': ' + detail if detail else ''}"
    return f"{method} {path} was refused ({response.status_code}){': ' + detail if detail else ''}"


def _describe(exc: Exception | None) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused"
    return str(exc) if exc else "unknown error"
