"""OpenID Connect sign-in (the authorization code flow with PKCE), the protocol done by Authlib and joserfc.

`begin(session, profile, redirect_uri)` answers the IdP's authorization URL and keeps what the callback
needs (state, nonce, the PKCE verifier) in the session; `complete(session, profile, params)` checks the
callback's state, exchanges the code, has the ID token verified and answers an `Identity`, or raises
`SignInRefused` with plain words. The Live Portal's views (live/sso/oidc_views.py) only call these two.

Why each rule:
- The discovery document, the JWKS, the token endpoint and the userinfo endpoint are URLs an admin chose
  (through the discovery URL), so every call goes through the SSRF guard (`targets.transport()`:
  `netguard.PinnedTransport`, connecting to the address it checked), with the providers' policy: private
  addresses allowed unless `Providers.AllowPrivateTargets` is false (an IdP is often internal), link-local
  and cloud metadata never. No proxies from the environment; redirects never followed (the client's secret
  would go along); each call with a timeout and a size cap.
- The ID token is verified by joserfc against the IdP's JWKS (signature) and by Authlib's `CodeIDToken`
  claims rules (iss, aud, exp, iat, nonce, azp), never by hand. Only asymmetric algorithms the IdP
  announces are accepted: `alg: none` and an HS256 token keyed with the IdP's public key (the classic
  confusion) are refused before any key is tried.
- The state is one-time (popped from the session whatever the outcome) and compared in constant time;
  the nonce is recorded with `signin.refuse_replay`, so an ID token is turned into a session once, on
  whichever replica.
- The client secret, the code, the tokens and the PKCE verifier are registered with forecourt.redaction
  while a flow runs, and no message or log line carries a token or an IdP's body: refusals say what
  failed in words, log lines name the profile and the rule.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from django.contrib.sessions.backends.base import SessionBase
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from forecourt import netguard, redaction

from . import signin, targets
from .identity import Identity, SignInRefused
from .models import SsoProfile

log = logging.getLogger("forecourt.sso")

SESSION_KEY = "forecourt.sso.oidc"
PENDING_FOR = 600.0  # seconds between the button and the callback
MAX_PENDING = 5  # flows one session may have started at once (tabs)
TIMEOUT = 10.0
MAX_ANSWER = 512 * 1024
CACHE_FOR = 300.0  # a discovery document and its keys, per process
LEEWAY = 60  # seconds of clock difference allowed on exp and iat
# Signatures made with the IdP's private key only: HMAC (HS*) would make the client secret, or worse
# the public key, a signing key, and `none` is no signature at all.
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")

UNREACHABLE = "The identity provider could not be reached, so you are not signed in. Try again in a while."
UNVERIFIED = "The identity provider's answer could not be verified, so you are not signed in."
START_AGAIN = "This sign-in has expired or was started in another browser. Start again from the sign-in page."


class _Unreachable(Exception):
    """A call to the IdP failed (down, timed out, refused by the guard, 5xx, a redirect, not JSON)."""


class _Refused(Exception):
    """The IdP answered 4xx; `error` is its RFC 6749 error code (short, printable) or ""."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class Provider:
    """What the discovery document says, checked."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str
    algorithms: tuple[str, ...]


def _http() -> httpx.Client:
    return httpx.Client(timeout=httpx.Timeout(TIMEOUT), follow_redirects=False, trust_env=False,
                        transport=targets.transport(), headers={"Accept": "application/json"})


def _origin(url: str) -> str:
    try:
        parsed = httpx.URL(url)
        return f"{parsed.scheme}://{parsed.netloc.decode('ascii', 'replace')}"
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return "the identity provider"


def _json_of(response: httpx.Response, what: str) -> dict[str, Any]:
    """`response`'s JSON object, or _Unreachable / _Refused saying why not (never its body)."""
    where = _origin(str(response.request.url))
    if response.is_redirect:
        raise _Unreachable(f"{what}: {where} answered {response.status_code}, a redirect (not followed)")
    if response.status_code >= 500:
        raise _Unreachable(f"{what}: {where} answered {response.status_code}")
    if len(response.content) > MAX_ANSWER:
        raise _Unreachable(f"{what}: {where}'s answer is too large")
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if response.status_code >= 400:
        error = str(body.get("error", ""))[:64] if isinstance(body, dict) else ""
        raise _Refused(error if error.isprintable() else "")
    if not isinstance(body, dict):
        raise _Unreachable(f"{what}: {where}'s answer is not a JSON object")
    return body


def _get(http: httpx.Client, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
    try:
        return _json_of(http.get(url, **kwargs), what)
    except netguard.Refused as exc:
        raise _Unreachable(f"{what}: refused by the SSRF guard, not contacted: {exc}") from None
    except httpx.TimeoutException:
        raise _Unreachable(f"{what}: {_origin(url)} did not answer in time") from None
    except httpx.HTTPError as exc:
        raise _Unreachable(f"{what}: {_origin(url)} could not be reached ({type(exc).__name__})") from None


# --- discovery and keys, kept a while per process ----------------------------------------------------

_cache: dict[str, tuple[float, Provider, dict[str, Any]]] = {}
_cache_lock = threading.Lock()


def _url(metadata: Mapping[str, Any], name: str, *, required: bool = True) -> str:
    value = metadata.get(name)
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value
    if required:
        raise _Unreachable(f"the discovery document names no usable {name}")
    return ""


def _discover(http: httpx.Client, discovery_url: str) -> Provider:
    metadata = _get(http, discovery_url, "reading the discovery document")
    issuer = metadata.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise _Unreachable("the discovery document names no issuer")
    announced = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = tuple(a for a in ASYMMETRIC if isinstance(announced, list) and a in announced)
    if not algorithms:
        raise _Unreachable("the identity provider signs ID tokens with no algorithm this portal accepts "
                           "(asymmetric ones only: RS256, PS256, ES256...)")
    return Provider(issuer=issuer, authorization_endpoint=_url(metadata, "authorization_endpoint"),
                    token_endpoint=_url(metadata, "token_endpoint"), jwks_uri=_url(metadata, "jwks_uri"),
                    userinfo_endpoint=_url(metadata, "userinfo_endpoint", required=False), algorithms=algorithms)


def _provider(http: httpx.Client, profile: SsoProfile, *, fresh_keys: bool = False) -> tuple[Provider, KeySet]:
    """The profile's IdP and its signing keys: from this process's cache while young, else fetched."""
    url = profile.oidc_discovery_url
    with _cache_lock:
        cached = _cache.get(url)
    if cached is None or time.monotonic() - cached[0] > CACHE_FOR or fresh_keys:
        provider = cached[1] if cached is not None and fresh_keys else _discover(http, url)
        jwks = _get(http, provider.jwks_uri, "reading the identity provider's keys")
        cached = (time.monotonic(), provider, jwks)
        with _cache_lock:
            _cache[url] = cached
    try:
        keys = KeySet.import_key_set(cached[2])  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError):
        raise _Unreachable("the identity provider's keys (JWKS) cannot be read") from None
    return cached[1], keys


def forget_cached(discovery_url: str = "") -> None:
    """Drop the cached discovery documents and keys (one, or all): a profile's IdP changed."""
    with _cache_lock:
        if discovery_url:
            _cache.pop(discovery_url, None)
        else:
            _cache.clear()


# --- the flow ---------------------------------------------------------------------------------------

class _HttpxClientAuth(httpx.Auth, ClientAuth):  # type: ignore[misc]
    """Authlib's client authentication (client_secret_basic here) as an httpx auth."""

    requires_request_body = True

    def auth_flow(self, request: httpx.Request) -> Any:
        url, headers, body = self.prepare(request.method, str(request.url), dict(request.headers),
                                          request.content.decode("utf-8"))
        yield httpx.Request(request.method, url, headers={**headers, "Content-Length": str(len(body))},
                            content=body)


class _Client(OAuth2Client):  # type: ignore[misc]
    """Authlib's OAuth 2.0 client over the guarded httpx client (Authlib's own httpx integration would
    bring httpx without the SSRF guard, and a deprecation of httpx itself)."""

    client_auth_class = _HttpxClientAuth


def _client(profile: SsoProfile, http: httpx.Client | None, redirect_uri: str) -> _Client:
    scopes = profile.oidc_scopes.split()
    if "openid" not in scopes:
        scopes.insert(0, "openid")
    return _Client(http, client_id=profile.oidc_client_id, client_secret=profile.oidc_client_secret,
                   token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method, not a secret
                   scope=" ".join(scopes),
                   redirect_uri=redirect_uri, code_challenge_method="S256")


def begin(session: SessionBase, profile: SsoProfile, redirect_uri: str) -> str:
    """The IdP's authorization URL for a new sign-in; what the callback checks is kept in `session`."""
    try:
        with _http() as http:
            provider, _keys = _provider(http, profile)
    except _Unreachable as exc:
        log.warning("OpenID Connect sign-in through profile %s: %s", profile.key, exc)
        raise SignInRefused(UNREACHABLE, "idp_unreachable") from None
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    url, _ = _client(profile, None, redirect_uri).create_authorization_url(
        provider.authorization_endpoint, state=state, code_verifier=verifier, nonce=nonce)
    now = time.time()
    pending = {k: v for k, v in (session.get(SESSION_KEY) or {}).items()
               if isinstance(v, dict) and now - float(v.get("at", 0)) < PENDING_FOR}
    pending[state] = {"profile": profile.key, "nonce": nonce, "verifier": verifier, "redirect_uri": redirect_uri,
                      "at": now}
    session[SESSION_KEY] = dict(sorted(pending.items(), key=lambda kv: kv[1]["at"])[-MAX_PENDING:])
    return str(url)


def _take_pending(session: SessionBase, profile: SsoProfile, state: str) -> dict[str, Any]:
    """The pending flow `state` names, removed from the session (one use, whatever follows)."""
    pending = dict(session.get(SESSION_KEY) or {})
    match = next((key for key in pending if secrets.compare_digest(key.encode(), state.encode())), None)
    flow = pending.pop(match, None) if match is not None else None
    session[SESSION_KEY] = pending
    if not isinstance(flow, dict) or flow.get("profile") != profile.key \
            or time.time() - float(flow.get("at", 0)) > PENDING_FOR:
        raise SignInRefused(START_AGAIN, "state")
    return flow


def complete(session: SessionBase, profile: SsoProfile, params: Mapping[str, str]) -> Identity:
    """The callback: state, code, ID token (and userinfo when needed) turned into a verified Identity."""
    state, code = params.get("state", ""), params.get("code", "")
    flow = _take_pending(session, profile, state) if state else None
    if flow is None:
        raise SignInRefused(START_AGAIN, "state")
    if params.get("error"):
        error = params["error"][:64]
        log.info("OpenID Connect sign-in through profile %s: the IdP answered error %r", profile.key,
                 error if error.isprintable() else "?")
        raise SignInRefused("The identity provider did not sign you in"
                            + (" (you or it cancelled)." if error == "access_denied" else "."), "idp_error")
    if not code:
        raise SignInRefused(START_AGAIN, "state")
    with redaction.secrets_in_use(profile.oidc_client_secret, code, flow["verifier"]), _http() as http:
        try:
            provider, keys = _provider(http, profile)
            token = _exchange(http, profile, provider, flow, code)
            with redaction.secrets_in_use(str(token.get("access_token", "")), str(token.get("id_token", ""))):
                claims = _verify(http, profile, provider, keys, token, flow["nonce"])
                expires = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
                signin.refuse_replay(profile, f"nonce:{flow['nonce']}", expires)
                claims = _with_userinfo(http, profile, provider, token, claims)
        except _Unreachable as exc:
            log.warning("OpenID Connect sign-in through profile %s: %s", profile.key, exc)
            raise SignInRefused(UNREACHABLE, "idp_unreachable") from None
        except _Refused as exc:
            log.warning("OpenID Connect sign-in through profile %s: the IdP refused the code exchange (%s)",
                        profile.key, exc.error or "no error code")
            raise SignInRefused("The identity provider refused to complete the sign-in. Start again from the "
                                "sign-in page.", "token_refused") from None
    return identity_from(profile, claims)


def _exchange(http: httpx.Client, profile: SsoProfile, provider: Provider, flow: Mapping[str, Any],
              code: str) -> dict[str, Any]:
    """The code for tokens at the token endpoint (Authlib's client: client_secret_basic, the PKCE verifier)."""
    client = _client(profile, http, str(flow["redirect_uri"]))
    # Every answer is judged here before Authlib reads it: status, redirect, size, a JSON object.
    client.register_compliance_hook("access_token_response", lambda response: (
        _json_of(response, "exchanging the code"), response)[1])
    where = _origin(provider.token_endpoint)
    try:
        token = dict(client.fetch_token(provider.token_endpoint, grant_type="authorization_code", code=code,
                                        code_verifier=flow["verifier"]))
    except netguard.Refused as exc:
        raise _Unreachable(f"exchanging the code: refused by the SSRF guard, not contacted: {exc}") from None
    except httpx.TimeoutException:
        raise _Unreachable(f"exchanging the code: {where} did not answer in time") from None
    except httpx.HTTPError as exc:
        raise _Unreachable(f"exchanging the code: {where} could not be reached ({type(exc).__name__})") from None
    except OAuth2Error as exc:  # a 200 answer carrying an error
        raise _Refused(str(exc.error or "")[:64]) from None
    if not isinstance(token.get("id_token"), str) or not isinstance(token.get("access_token"), str):
        raise _Unreachable("exchanging the code: the answer has no ID token (is openid among the scopes?)")
    return token


def _decode(token: str, keys: KeySet, algorithms: tuple[str, ...]) -> jwt.Token:
    return jwt.decode(token, keys, algorithms=list(algorithms), registry=JWSRegistry(algorithms=list(algorithms)))


def _verify(http: httpx.Client, profile: SsoProfile, provider: Provider, keys: KeySet, token: Mapping[str, Any],
            nonce: str) -> dict[str, Any]:
    """The ID token's claims once joserfc has checked its signature and Authlib its claims."""
    raw = str(token["id_token"])
    try:
        try:
            decoded = _decode(raw, keys, provider.algorithms)
        except InvalidKeyIdError:  # the IdP may have rotated its keys since they were cached
            provider, keys = _provider(http, profile, fresh_keys=True)
            decoded = _decode(raw, keys, provider.algorithms)
        options = {"iss": {"essential": True, "value": provider.issuer},
                   "aud": {"essential": True, "value": profile.oidc_client_id},
                   "sub": {"essential": True}, "exp": {"essential": True}, "iat": {"essential": True}}
        claims = CodeIDToken(decoded.claims, decoded.header, options,
                             {"nonce": nonce, "client_id": profile.oidc_client_id,
                              "access_token": token.get("access_token")})
        claims.validate(leeway=LEEWAY)
    except (JoseError, ValueError, TypeError) as exc:
        # joserfc's and Authlib's errors name the rule (a claim's name, "bad signature"), never the token.
        reason = getattr(exc, "description", "") or type(exc).__name__
        log.warning("OpenID Connect sign-in through profile %s: ID token refused: %s", profile.key,
                    redaction.redact(str(reason))[:200])
        raise SignInRefused(UNVERIFIED, "token_invalid") from None
    return dict(claims)


def _needs_userinfo(profile: SsoProfile, claims: Mapping[str, Any]) -> bool:
    wanted = [profile.user_id_field or "sub", profile.email_field or "email", profile.group_field]
    return any(name and name not in claims for name in wanted)


def _with_userinfo(http: httpx.Client, profile: SsoProfile, provider: Provider, token: Mapping[str, Any],
                   claims: dict[str, Any]) -> dict[str, Any]:
    """The ID token's claims, completed from the userinfo endpoint when the profile's claims are not all in
    it. Userinfo adds claims, never replaces the verified token's; its `sub` must be the token's."""
    if not provider.userinfo_endpoint or not _needs_userinfo(profile, claims):
        return claims
    try:
        info = _get(http, provider.userinfo_endpoint, "reading userinfo",
                    headers={"Authorization": f"Bearer {token['access_token']}"})
    except _Refused as exc:
        raise _Unreachable(f"reading userinfo: refused ({exc.error or 'no error code'})") from None
    if info.get("sub") != claims.get("sub"):
        log.warning("OpenID Connect sign-in through profile %s: userinfo names another subject than the "
                    "ID token", profile.key)
        raise SignInRefused(UNVERIFIED, "token_invalid")
    return {**info, **claims}


# --- claims to an identity ----------------------------------------------------------------------------

def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None and not isinstance(v, dict | list)]
    if isinstance(value, dict):
        return []
    return [str(value)]


def groups_of(profile: SsoProfile, claims: Mapping[str, Any]) -> tuple[str, ...]:
    """The user's groups from the profile's group claim: a list, or one string split by its separator."""
    if not profile.group_field:
        return ()
    value = claims.get(profile.group_field)
    if isinstance(value, str) and profile.group_separator:
        items = value.split(profile.group_separator)
    else:
        items = _strings(value)
    return tuple(dict.fromkeys(item.strip() for item in items if item.strip()))


def identity_from(profile: SsoProfile, claims: Mapping[str, Any]) -> Identity:
    """The verified claims as an Identity: subject from the profile's user-ID claim (or `sub`), e-mail from
    its e-mail claim (or `email`), groups from its group claim."""
    id_field, email_field = profile.user_id_field or "sub", profile.email_field or "email"
    subject = next(iter(_strings(claims.get(id_field))), "").strip()
    if not subject or len(subject) > 255:
        raise SignInRefused(f"The identity provider did not say who you are (no usable '{id_field[:64]}' claim).",
                            "no_subject")
    email = next(iter(_strings(claims.get(email_field))), "").strip()
    if not email or "@" not in email or len(email) > 254:
        raise SignInRefused(f"The identity provider gave no e-mail address (the '{email_field[:64]}' claim).",
                            "no_email")
    if email_field == "email" and claims.get("email_verified") is False:
        raise SignInRefused("The identity provider says your e-mail address is not verified. Verify it there, "
                            "then sign in again.", "email_unverified")
    first, last = str(claims.get("given_name") or ""), str(claims.get("family_name") or "")
    if not first and not last and isinstance(claims.get("name"), str):
        first, _, last = str(claims["name"]).strip().partition(" ")
    return Identity(subject=subject, email=email, first_name=first[:150], last_name=last[:150],
                    groups=groups_of(profile, claims),
                    claims={k: _strings(v) for k, v in claims.items() if isinstance(k, str)})
