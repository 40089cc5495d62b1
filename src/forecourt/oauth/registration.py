"""The RFC 7591 / RFC 7592 client: Dynamic Client Registration at an identity provider.

`IdP.for_provider(provider).register(...)` finds the registration endpoint (the provider's own setting,
or the `registration_endpoint` its discovery document names: OpenID Connect Discovery or RFC 8414),
registers a client with the provider's initial access token, and answers what the IdP issued:
`client_id`, `client_secret`, and RFC 7592's `registration_client_uri` and `registration_access_token`,
with which `read`, `update` and `delete` manage that one client later. Plain values in and out: this
package sits below `access`, whose DCR gateway (forecourt.access.dcr) records what it answers.

Why each rule:
- Every connection goes through the SSRF guard (`targets.transport`, pinned to the checked address),
  no proxies from the environment, redirects never followed (the token would go along).
- Each call has the provider's timeout; nothing is retried here: the credential jobs retry a failed
  step with backoff, and each step is idempotent at their level.
- Tokens and secrets never reach a log line or a message: they are registered with
  forecourt.redaction while a call runs (httpx's own logger included: the root handlers redact), and
  messages name the endpoint's origin and the IdP's `error` code only, never a body.
- `Refused` (the IdP answered 4xx) is told apart from `Unavailable` (down, timed out, 5xx, garbage):
  the first will not change on a retry, and says why (the IdP's `error` / `error_description`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from forecourt import netguard, redaction
from forecourt.sso import targets

from .models import ClientType, OAuthProvider

log = logging.getLogger("forecourt.oauth")

MAX_ANSWER = 256 * 1024  # a registration answer is small; more is not one


class RegistrationError(Exception):
    """A DCR call failed; the message says why, without any secret."""


class Unavailable(RegistrationError):
    """The IdP is unreachable, timed out, answered 5xx or something that is not a JSON object."""


class Refused(RegistrationError):
    """The IdP answered 4xx: wrong initial access token, metadata it will not accept, unknown client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Registered:
    client_id: str
    client_secret: str
    registration_access_token: str
    registration_client_uri: str
    metadata: dict[str, Any]


# Tyk's client types list "pkce" among grant types; RFC 7591 has no such grant: a PKCE client uses
# authorization_code (and proves possession at the token endpoint). device_code has a URN.
_GRANT_NAMES = {"pkce": "authorization_code", "device_code": "urn:ietf:params:oauth:grant-type:device_code"}


def client_metadata(client_type: ClientType, *, client_name: str, redirect_uris: list[str]) -> dict[str, Any]:
    """THE metadata a client type registers (RFC 7591 section 2), for an app called `client_name`."""
    grants = list(dict.fromkeys(_GRANT_NAMES.get(g, g) for g in client_type.grant_types))
    metadata: dict[str, Any] = {"client_name": client_name, "grant_types": grants,
                                "token_endpoint_auth_method": client_type.token_endpoint_auth_method}
    if client_type.response_types:
        metadata["response_types"] = list(client_type.response_types)
    elif "authorization_code" not in grants and "implicit" not in grants:
        metadata["response_types"] = []  # no redirect-based flow: none
    if redirect_uris:
        metadata["redirect_uris"] = redirect_uris
    if client_type.scopes:
        metadata["scope"] = client_type.scopes
    return metadata


def _origin(url: str) -> str:
    try:
        parsed = httpx.URL(url)
        return f"{parsed.scheme}://{parsed.netloc.decode('ascii', 'replace')}"
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return "the identity provider"


def _error_of(response: httpx.Response) -> str:
    """The IdP's RFC 6749 `error` and `error_description`, short and printable; never the body."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ""
    if not isinstance(body, dict):
        return ""
    parts = [str(body.get(k, ""))[:200] for k in ("error", "error_description") if body.get(k)]
    return redaction.redact(": ".join(p for p in parts if p.isprintable()))


class IdP:
    """One identity provider's DCR endpoints, with its SSRF guard, timeout and TLS setting."""

    def __init__(self, *, well_known_url: str, registration_endpoint: str = "", initial_access_token: str = "",
                 verify: bool = True, timeout: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        self.well_known_url = well_known_url
        self.registration_endpoint = registration_endpoint
        self.initial_access_token = initial_access_token
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False,
                                  transport=transport or targets.transport(verify=verify),
                                  headers={"Accept": "application/json"})

    @classmethod
    def for_provider(cls, provider: OAuthProvider) -> IdP:
        return cls(well_known_url=provider.well_known_url, registration_endpoint=provider.registration_endpoint,
                   initial_access_token=provider.initial_access_token, verify=not provider.insecure_skip_verify,
                   timeout=float(provider.timeout_seconds or 10))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> IdP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, url: str, what: str, *, token: str = "", body: dict[str, Any] | None = None,
              expect_body: bool = True) -> dict[str, Any]:
        where = _origin(url)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = self._http.request(method, url, json=body, headers=headers)
        except netguard.Refused as exc:
            raise Unavailable(f"{what}: refused by the SSRF guard, not contacted: {exc}") from None
        except httpx.TimeoutException:
            raise Unavailable(f"{what}: {where} did not answer in time") from None
        except httpx.TransportError as exc:
            raise Unavailable(f"{what}: {where} could not be reached ({type(exc).__name__})") from None
        status = response.status_code
        if response.is_redirect:
            raise Unavailable(f"{what}: {where} answered {status}, a redirect; redirects are not followed")
        if status >= 500:
            raise Unavailable(f"{what}: {where} answered {status}")
        if status >= 400:
            error = _error_of(response)
            raise Refused(status, f"{what}: {where} refused it ({status}{': ' + error if error else ''})")
        if not expect_body:
            return {}
        if len(response.content) > MAX_ANSWER:
            raise Unavailable(f"{what}: {where}'s answer is too large to be one")
        try:
            answer = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            answer = None
        if not isinstance(answer, dict):
            raise Unavailable(f"{what}: {where}'s answer is not a JSON object")
        return answer

    def registration_url(self) -> str:
        if self.registration_endpoint:
            return self.registration_endpoint
        metadata = self._call("GET", self.well_known_url, "reading the discovery document")
        endpoint = metadata.get("registration_endpoint")
        if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
            raise Refused(0, f"the discovery document at {_origin(self.well_known_url)} names no "
                             "registration_endpoint: the provider does not offer Dynamic Client Registration "
                             "(or set its registration endpoint)")
        return endpoint

    def register(self, metadata: dict[str, Any]) -> Registered:
        """RFC 7591: register a client; what the IdP issued, checked to be usable."""
        with redaction.secrets_in_use(self.initial_access_token):
            url = self.registration_url()
            answer = self._call("POST", url, "registering the client", token=self.initial_access_token,
                                body=metadata)
        fields = {k: answer.get(k) for k in ("client_id", "client_secret", "registration_access_token",
                                             "registration_client_uri")}
        with redaction.secrets_in_use(*(str(v) for v in fields.values() if isinstance(v, str))):
            if not isinstance(fields["client_id"], str) or not fields["client_id"]:
                raise Unavailable(f"registering the client: {_origin(url)} answered no client_id")
            if not isinstance(fields["client_secret"], str) or not fields["client_secret"]:
                # A client without a secret (a public client) cannot be a credential to show.
                raise Refused(0, f"registering the client: {_origin(url)} issued no client_secret (the client "
                                 "type must use client_secret_basic or client_secret_post)")
            missing = [k for k in ("registration_access_token", "registration_client_uri")
                       if not isinstance(fields[k], str) or not fields[k]]
            if missing:
                log.warning("the IdP at %s answered no %s: the client cannot be deleted there when revoked",
                            _origin(url), " or ".join(missing))
        known = ("client_secret", "registration_access_token")
        return Registered(client_id=str(fields["client_id"]), client_secret=str(fields["client_secret"]),
                          registration_access_token=str(fields["registration_access_token"] or ""),
                          registration_client_uri=str(fields["registration_client_uri"] or ""),
                          metadata={k: v for k, v in answer.items() if k not in known})

    def read(self, client_uri: str, registration_access_token: str) -> dict[str, Any]:
        """RFC 7592: the client's current metadata (its secret left out)."""
        with redaction.secrets_in_use(registration_access_token):
            answer = self._call("GET", client_uri, "reading the client", token=registration_access_token)
        return {k: v for k, v in answer.items() if k not in ("client_secret", "registration_access_token")}

    def update(self, client_uri: str, registration_access_token: str, metadata: dict[str, Any]) -> dict[str, Any]:
        """RFC 7592: replace the client's metadata (`metadata` must carry its client_id)."""
        with redaction.secrets_in_use(registration_access_token):
            answer = self._call("PUT", client_uri, "updating the client", token=registration_access_token,
                                body=metadata)
        return {k: v for k, v in answer.items() if k not in ("client_secret", "registration_access_token")}

    def delete(self, client_uri: str, registration_access_token: str) -> None:
        """RFC 7592: delete the client. Gone already counts as done: RFC 7592 has the IdP answer 401 for a
        client it does not have (and 404 is what some answer), so those are taken as "already deleted"."""
        with redaction.secrets_in_use(registration_access_token):
            try:
                self._call("DELETE", client_uri, "deleting the client", token=registration_access_token,
                           expect_body=False)
            except Refused as exc:
                if exc.status not in (401, 404, 410):
                    raise
