"""A real OAuth 2.0 authorization server for the DCR tests, run as its own process (tests/idp/fixture.py):
Authlib does the protocol work, Flask serves it, its state is in memory.

- GET  /.well-known/openid-configuration and /.well-known/oauth-authorization-server (RFC 8414 / OIDC
  discovery), naming the registration and token endpoints;
- POST /register (RFC 7591), which requires the initial access token given on the command line;
- GET / PUT / DELETE /register/<client_id> (RFC 7592), with the client's registration access token;
- POST /token: the client_credentials grant, so a test proves a stored client really gets a token;
- GET  /introspect-me: answers the bearer token's client and scope (a protected resource);
- CORS on discovery and the token endpoint (the docs page's "Try it" asks tokens from the browser).

For failure tests: POST /_test/mode {"register": "ok" | "500" | "garbage" | "slow" | "400", "discovery": ...}
makes the next answers of that endpoint fail that way; GET /_test/clients lists the client IDs it holds.

Test-only: Authlib and Flask are in the `test` extra, never needed by Forecourt itself.
"""

import argparse
import secrets
import time
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint
from authlib.oauth2.rfc7592 import ClientConfigurationEndpoint
from flask import Flask, Response, jsonify, request

GRANTS = ["client_credentials", "authorization_code", "refresh_token", "password", "implicit",
          "urn:ietf:params:oauth:grant-type:device_code"]


class Client(ClientMixin):
    def __init__(self, info: dict[str, Any], metadata: dict[str, Any]) -> None:
        self.client_info = info
        self.client_metadata = metadata

    @property
    def client_id(self) -> str:
        return str(self.client_info["client_id"])

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.client_metadata.get("redirect_uris") or []
        return uris[0] if uris else None

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set((self.client_metadata.get("scope") or "").split())
        return " ".join(s for s in (scope or "").split() if s in allowed) if scope else " ".join(sorted(allowed))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.client_metadata.get("redirect_uris") or [])

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(str(self.client_info["client_secret"]), client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            return method == self.client_metadata.get("token_endpoint_auth_method", "client_secret_basic")
        return True

    def check_response_type(self, response_type: str) -> bool:
        return response_type in (self.client_metadata.get("response_types") or ["code"])

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in (self.client_metadata.get("grant_types") or ["authorization_code"])


class Token(TokenMixin):
    def __init__(self, client_id: str, value: str, scope: str = "", expires_in: int = 3600) -> None:
        self.client_id, self.value, self.scope = client_id, value, scope
        self.issued_at, self.expires_in = time.time(), expires_in

    def check_client(self, client: ClientMixin) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.client_id not in CLIENTS  # a deleted client's tokens stop working

    def get_user(self) -> None:
        return None

    def get_client(self) -> ClientMixin:
        return CLIENTS[self.client_id]


CLIENTS: dict[str, Client] = {}
REGISTRATION_TOKENS: dict[str, Token] = {}  # registration access token -> its client
ACCESS_TOKENS: dict[str, Token] = {}
MODE: dict[str, str] = {}
INITIAL: dict[str, str] = {}

app = Flask(__name__)
server = AuthorizationServer(app, query_client=CLIENTS.get,
                             save_token=lambda token, req: ACCESS_TOKENS.__setitem__(
                                 token["access_token"], Token(req.client.get_client_id(), token["access_token"],
                                                              token.get("scope", ""), token.get("expires_in", 3600))))
class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # each client's own is checked


server.register_grant(ClientCredentials)


def _metadata() -> dict[str, Any]:
    base = request.host_url.rstrip("/")
    return {"issuer": base, "token_endpoint": f"{base}/token", "registration_endpoint": f"{base}/register",
            "authorization_endpoint": f"{base}/authorize", "grant_types_supported": GRANTS,
            "response_types_supported": ["code", "token", "id_token", "code id_token", "none"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["read", "write", "admin", "openid"]}


def _registration_info(client: Client) -> dict[str, str]:
    token = next((v for v, t in REGISTRATION_TOKENS.items() if t.client_id == client.client_id), None)
    if token is None:
        token = secrets.token_urlsafe(32)
        REGISTRATION_TOKENS[token] = Token(client.client_id, token, expires_in=10**9)
    return {"registration_client_uri": f"{request.host_url.rstrip('/')}/register/{client.client_id}",
            "registration_access_token": token}


def _bearer() -> str:
    auth = request.headers.get("Authorization", "")
    return auth[7:] if auth.startswith("Bearer ") else ""


class Registration(ClientRegistrationEndpoint):
    def authenticate_token(self, req: Any) -> str | None:
        value = _bearer()
        return value if value and secrets.compare_digest(value, INITIAL["token"]) else None

    def get_server_metadata(self) -> dict[str, Any]:
        return _metadata()

    def save_client(self, info: dict[str, Any], metadata: dict[str, Any], req: Any) -> Client:
        client = Client(info, metadata)
        CLIENTS[client.client_id] = client
        return client

    def generate_client_registration_info(self, client: Client, req: Any) -> dict[str, str]:
        return _registration_info(client)


class Configuration(ClientConfigurationEndpoint):
    def authenticate_token(self, req: Any) -> Token | None:
        return REGISTRATION_TOKENS.get(_bearer())

    def authenticate_client(self, req: Any) -> Client | None:
        return CLIENTS.get(request.path.rstrip("/").rsplit("/", 1)[-1])

    def revoke_access_token(self, *args: Any) -> None:
        """Kept (RFC 7592 says SHOULD revoke): a repeated DELETE then hears 401, "no such client"."""

    def check_permission(self, client: Client, req: Any) -> bool:
        return True

    def delete_client(self, client: Client, req: Any) -> None:
        CLIENTS.pop(client.client_id, None)

    def update_client(self, client: Client, metadata: dict[str, Any], req: Any) -> Client:
        client.client_metadata = {**client.client_metadata, **metadata}
        return client

    def generate_client_registration_info(self, client: Client, req: Any) -> dict[str, str]:
        return _registration_info(client)

    def get_server_metadata(self) -> dict[str, Any]:
        return _metadata()


server.register_endpoint(Registration)
server.register_endpoint(Configuration)


class Validator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> Token | None:
        return ACCESS_TOKENS.get(token_string)


protected = ResourceProtector()
protected.register_token_validator(Validator())


def _failing(endpoint: str) -> Response | None:
    mode = MODE.get(endpoint, "ok")
    if mode == "500":
        return Response("internal error", status=500)
    if mode == "400":
        return jsonify({"error": "invalid_client_metadata", "error_description": "the test IdP says no"}), 400  # type: ignore[return-value]
    if mode == "garbage":
        return Response("<html>not json</html>", status=200 if endpoint == "discovery" else 201,
                        content_type="text/html")
    if mode == "slow":
        time.sleep(5)
    return None


@app.after_request
def cors(answer: Response) -> Response:
    """CORS on discovery and the token endpoint, as an IdP must answer for the docs page's "Try it"
    panel to ask a token from the browser (docs/try-it.md); Flask answers the preflights (OPTIONS)."""
    if request.path.startswith("/.well-known/") or request.path == "/token":
        answer.headers["Access-Control-Allow-Origin"] = "*"
        answer.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        answer.headers["Access-Control-Allow-Methods"] = "GET, POST"
    return answer


@app.get("/.well-known/openid-configuration")
@app.get("/.well-known/oauth-authorization-server")
def discovery() -> Any:
    return _failing("discovery") or jsonify(_metadata())


@app.post("/register")
def register() -> Any:
    return _failing("register") or server.create_endpoint_response("client_registration")


@app.route("/register/<client_id>", methods=["GET", "PUT", "DELETE"])
def configure(client_id: str) -> Any:
    if request.method == "DELETE" and MODE.get("delete") == "500":
        return Response("internal error", status=500)
    return server.create_endpoint_response("client_configuration")


@app.post("/token")
def token() -> Any:
    return server.create_token_response()


@app.get("/introspect-me")
def introspect_me() -> Any:
    @protected()
    def inner() -> Any:
        from authlib.integrations.flask_oauth2 import current_token
        return jsonify({"client_id": current_token.client_id, "scope": current_token.scope})
    return inner()


@app.post("/_test/mode")
def set_mode() -> Any:
    MODE.clear()
    MODE.update(request.get_json(force=True) or {})
    return jsonify(MODE)


@app.get("/_test/clients")
def list_clients() -> Any:
    return jsonify({cid: c.client_metadata for cid, c in CLIENTS.items()})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--initial-token", required=True)
    args = parser.parse_args()
    INITIAL["token"] = args.initial_token
    app.run(host="127.0.0.1", port=args.port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
