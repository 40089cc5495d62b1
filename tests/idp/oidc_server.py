"""A real OpenID Connect provider for the SSO tests, run as its own process (tests/idp/oidc_fixture.py):
Authlib's authorization server does the protocol work (authorization code grant, PKCE, client
authentication, ID tokens), Flask serves it, its state is in memory.

- GET  /.well-known/openid-configuration: the discovery document;
- GET  /jwks: the public half of an RSA key made when the process starts;
- GET  /authorize: a tiny login form (a username, no password: the test types one of its users);
  POST /authorize signs that user in and redirects back with a code. PKCE (S256) and a nonce are required;
- POST /token: the code exchanged for an access token and an ID token (RS256), the client authenticated
  with HTTP Basic (client_secret_basic);
- GET  /userinfo: the signed-in user's claims, for the bearer access token.

Test hooks (POST, JSON):
- /_test/clients {"client_id", "client_secret", "redirect_uris": [...]}: registers a client;
- /_test/users {"<username>": {"sub", "email", "name", "groups": [...], ...}}: the users and their claims;
  a user's "userinfo_only": [claim names] leaves those claims out of the ID token (only /userinfo has them);
- /_test/misbehave {"token": "<how>"}: the next token answer misbehaves once: "wrong-key" (signed by
  another RSA key under the same key ID), "expired", "wrong-aud", "wrong-iss", "wrong-nonce", "alg-none"
  (unsigned), "hs256-public-key" (HS256 with the public key as the HMAC secret), "replay" (the previous
  token answer sent again, whatever the code); {"discovery": "500" | "garbage" | "redirect"} makes every
  discovery answer fail that way until cleared ({}).
- GET /_test/last-token: the last token answer (for a test that replays it).

Test-only: Authlib and Flask are test dependencies here; Forecourt's own client is forecourt.sso.oidc.
"""

import argparse
import base64
import hashlib
import hmac
import json
import secrets
import time
from html import escape
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, Response, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

KID = "test-idp-key-1"
KEY = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})  # same kid: a forgery

CLIENTS: dict[str, "Client"] = {}
USERS: dict[str, dict[str, Any]] = {}
CODES: dict[str, "Code"] = {}
TOKENS: dict[str, "Token"] = {}
MISBEHAVE: dict[str, str] = {}
LAST: dict[str, Any] = {}


class Client(ClientMixin):
    def __init__(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        self.client_id, self.client_secret, self.redirect_uris = client_id, client_secret, redirect_uris

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in {"openid", "email", "profile", "groups"})

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic" if endpoint == "token" else True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


class Code(AuthorizationCodeMixin):
    def __init__(self, code: str, client_id: str, redirect_uri: str, scope: str, username: str, nonce: str,
                 challenge: str, method: str) -> None:
        self.code, self.client_id, self.redirect_uri, self.scope = code, client_id, redirect_uri, scope
        self.username, self.nonce, self.code_challenge, self.code_challenge_method = username, nonce, challenge, method
        self.auth_time = int(time.time())

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def is_expired(self) -> bool:
        return time.time() > self.auth_time + 300


class Token(TokenMixin):
    def __init__(self, client_id: str, username: str, scope: str) -> None:
        self.client_id, self.username, self.scope, self.issued_at = client_id, username, scope, time.time()

    def check_client(self, client: ClientMixin) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return 3600

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + 3600

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> str:
        return self.username

    def get_client(self) -> ClientMixin:
        return CLIENTS[self.client_id]


def _issuer() -> str:
    return request.host_url.rstrip("/")


def _claims_of(username: str, *, for_id_token: bool) -> dict[str, Any]:
    user = dict(USERS[username])
    left_out = set(user.pop("userinfo_only", [])) if for_id_token else set()
    user.pop("userinfo_only", None)
    return {k: v for k, v in user.items() if k not in left_out}


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

    def save_authorization_code(self, code: str, req: Any) -> None:
        data = req.payload.data
        CODES[code] = Code(code, req.client.get_client_id(), req.payload.redirect_uri, req.payload.scope,
                           req.user, data.get("nonce", ""), data.get("code_challenge", ""),
                           data.get("code_challenge_method", ""))

    def query_authorization_code(self, code: str, client: ClientMixin) -> Code | None:
        found = CODES.get(code)
        return found if found is not None and found.client_id == client.get_client_id() and not found.is_expired() \
            else None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        CODES.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: Code) -> str:
        return authorization_code.username


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unsigned(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    """A token no honest IdP makes: alg none (no signature), or HS256 keyed with the public key's PEM."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = b"" if key is None else hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


class IdTokens(OpenIDCode):
    """Authlib's OpenID Connect extension of the code grant, with the test's misbehaviours."""

    def exists_nonce(self, nonce: str, req: Any) -> bool:
        return any(c.nonce == nonce for c in CODES.values())

    def generate_user_info(self, user: str, scope: str) -> UserInfo:
        return UserInfo(_claims_of(user, for_id_token=True))

    def encode_id_token(self, token: dict[str, Any], req: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": _issuer(), "aud": [req.client.get_client_id()], "iat": now,
                                  "exp": now + 600, "auth_time": req.authorization_code.get_auth_time(),
                                  "nonce": req.authorization_code.get_nonce()}
        claims.update(_claims_of(req.user, for_id_token=True))
        how = MISBEHAVE.pop("token", "")
        header = {"alg": "RS256", "kid": KID, "typ": "JWT"}
        if how == "expired":
            claims.update(iat=now - 7200, exp=now - 3600)
        elif how == "wrong-aud":
            claims["aud"] = ["another-client"]
        elif how == "wrong-iss":
            claims["iss"] = "https://impostor.example"
        elif how == "wrong-nonce":
            claims["nonce"] = secrets.token_urlsafe(16)
        elif how == "alg-none":
            return _unsigned({"alg": "none", "typ": "JWT"}, claims, None)
        elif how == "hs256-public-key":
            pem = KEY.as_pem(private=False)
            return _unsigned({"alg": "HS256", "kid": KID, "typ": "JWT"}, claims, pem)
        return jwt.encode(header, claims, OTHER_KEY if how == "wrong-key" else KEY, algorithms=["RS256"])


app = Flask(__name__)


def _save_token(token: dict[str, Any], req: Any) -> None:
    TOKENS[token["access_token"]] = Token(req.client.get_client_id(), req.user, token.get("scope", ""))


server = AuthorizationServer(app, query_client=CLIENTS.get, save_token=_save_token)
server.register_grant(CodeGrant, [CodeChallenge(required=True), IdTokens(require_nonce=True)])


class Validator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> Token | None:
        return TOKENS.get(token_string)


protected = ResourceProtector()
protected.register_token_validator(Validator())


@app.after_request
def cors(answer: Response) -> Response:
    """CORS on discovery, the token endpoint and userinfo, as an IdP must answer for the docs page's
    "Try it" panel to exchange a code from the browser (docs/try-it.md); Flask answers preflights."""
    if request.path in ("/.well-known/openid-configuration", "/token", "/userinfo"):
        answer.headers["Access-Control-Allow-Origin"] = "*"
        answer.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        answer.headers["Access-Control-Allow-Methods"] = "GET, POST"
    return answer


@app.get("/.well-known/openid-configuration")
def discovery() -> Any:
    mode = MISBEHAVE.get("discovery", "")
    if mode == "500":
        return Response("internal error", status=500)
    if mode == "garbage":
        return Response("<html>not json</html>", content_type="text/html")
    if mode == "redirect":
        return redirect("http://169.254.169.254/latest/meta-data/", code=302)
    base = _issuer()
    return jsonify({
        "issuer": base, "authorization_endpoint": f"{base}/authorize", "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo", "jwks_uri": f"{base}/jwks",
        "response_types_supported": ["code"], "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "scopes_supported": ["openid", "email", "profile", "groups"],
        "claims_supported": ["sub", "email", "name", "groups"],
    })


@app.get("/jwks")
def jwks() -> Any:
    return jsonify(KeySet([KEY]).as_dict(private=False))


FORM = """<!doctype html><html><head><title>Test IdP: sign in</title></head><body>
<h1>Test identity provider</h1><form method="post" action="/authorize?{query}">
<label for="username">Username</label> <input id="username" name="username" autofocus>
<button type="submit">Sign in to the test IdP</button></form>{error}</body></html>"""


@app.route("/authorize", methods=["GET", "POST"])
def authorize() -> Any:
    query = escape(request.query_string.decode("ascii", "replace"))
    if request.method == "GET":
        try:
            server.get_consent_grant(end_user=None)
        except Exception as exc:  # Authlib's OAuth2Error: a bad request, said plainly
            return Response(f"bad authorization request: {escape(str(exc))}", status=400)
        return FORM.format(query=query, error="")
    username = request.form.get("username", "")
    if username not in USERS:
        return Response(FORM.format(query=query, error="<p role='alert'>No such user.</p>"), status=400)
    try:
        grant = server.get_consent_grant(end_user=username)
    except Exception as exc:  # as above
        return Response(f"bad authorization request: {escape(str(exc))}", status=400)
    return server.create_authorization_response(grant=grant, grant_user=username)


@app.post("/token")
def token() -> Any:
    if MISBEHAVE.get("token") == "replay" and LAST.get("token"):
        MISBEHAVE.pop("token")
        return jsonify(LAST["token"])
    response = server.create_token_response()
    if response.status_code == 200:
        LAST["token"] = json.loads(response.get_data())
    return response


@app.get("/userinfo")
def userinfo() -> Any:
    @protected("openid")
    def inner() -> Any:
        return jsonify(_claims_of(current_token.get_user(), for_id_token=False))
    return inner()


@app.post("/_test/clients")
def add_client() -> Any:
    body = request.get_json(force=True)
    CLIENTS[body["client_id"]] = Client(body["client_id"], body["client_secret"], list(body["redirect_uris"]))
    return jsonify({"ok": True})


@app.post("/_test/users")
def set_users() -> Any:
    USERS.update(request.get_json(force=True))
    return jsonify(sorted(USERS))


@app.post("/_test/misbehave")
def misbehave() -> Any:
    MISBEHAVE.clear()
    MISBEHAVE.update(request.get_json(force=True) or {})
    return jsonify(MISBEHAVE)


@app.get("/_test/last-token")
def last_token() -> Any:
    return jsonify(LAST.get("token") or {})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app.run(host="127.0.0.1", port=args.port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
