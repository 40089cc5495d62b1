"""How a consumer calls an API: its address at the gateway, and an example call with a credential.

The address is the provider's "Gateway URL" (where consumers call the APIs; the operator sets it
on the provider) joined with the API's listen path. A provider without one, or with one that is
not an http(s) URL, gives no address, and the pages show none rather than a broken one.

The example call puts the credential where the API's authentication type expects it. For the
auth types a Tyk API declares: an auth token goes bare in `Authorization` (Tyk's default header);
OAuth 2.0 and JWT APIs take a bearer token (for OAuth, one obtained with the client's ID and
secret); basic authentication takes a user name and password. HMAC-signed and mutual-TLS calls
cannot be shown as one line, so they get no example.
"""

import json
from typing import Any
from urllib.parse import urlsplit

# What an example call sends, per auth type: curl's arguments before the URL, with {secret}.
_HEADERS: dict[str, str] = {
    "authToken": "-H 'Authorization: {secret}'",
    "": "-H 'Authorization: {secret}'",  # an API that did not say: Tyk's default, an auth token
    "oauth2": "-H 'Authorization: Bearer ACCESS_TOKEN'",
    "jwt": "-H 'Authorization: Bearer YOUR_JWT'",
    "basic": "-u 'USER_NAME:PASSWORD'",
    "keyless": "",
}
KEY_PLACEHOLDER = "YOUR_KEY"


def address(gateway_url: str, listen_path: str) -> str:
    """The API's URL at the gateway; "" when the gateway URL is missing or not http(s)."""
    gateway_url = (gateway_url or "").strip()
    try:
        parts = urlsplit(gateway_url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in gateway_url for c in " '\"\\<>"):
        return ""
    path = (listen_path or "").strip()
    if any(c in path for c in " '\"\\<>"):
        path = ""
    return gateway_url.rstrip("/") + "/" + path.lstrip("/")


def example_call(url: str, auth_type: str, secret: str = KEY_PLACEHOLDER) -> str:
    """A curl command calling `url` with the credential in the place `auth_type` expects; "" when
    there is no URL or the auth type has no one-line example. Shell quotes around every value."""
    if not url or auth_type not in _HEADERS:
        return ""
    if any(c in secret for c in "'\\\n"):
        secret = KEY_PLACEHOLDER
    header = _HEADERS[auth_type].format(secret=secret)
    return f"curl {header} '{url}'" if header else f"curl '{url}'"


def api_entry(name: str, gateway_url: str, listen_path: str, auth_type: str, secret: str = KEY_PLACEHOLDER,
              docs_url: str | None = None) -> dict[str, Any]:
    """One API as the credential pages show it: {name, url, auth_type, curl, docs_url}."""
    url = address(gateway_url, listen_path)
    return {"name": name, "url": url, "listen_path": listen_path, "auth_type": auth_type,
            "curl": example_call(url, auth_type, secret), "docs_url": docs_url}


def with_gateway_server(document: str, url: str) -> str:
    """The OpenAPI document (JSON) with the gateway address as its only server, so the rendered
    docs and their "Try it" call the gateway, not the upstream the document may name. OpenAPI 3
    gets `servers`; Swagger 2 `schemes`, `host` and `basePath`. A YAML document (no YAML parser
    among the portal's dependencies), one that does not parse, or no address: unchanged.
    Parses the document: the Live Portal calls it once per change (live.served_documents), not per request."""
    if not url:
        return document
    try:
        parsed = json.loads(document)
    except ValueError:
        return document
    if not insert_server(parsed, url):
        return document
    return json.dumps(parsed, ensure_ascii=False, indent=2)


def insert_server(parsed: Any, url: str) -> bool:
    """Make `url` the only server of the parsed document `parsed` (in place); whether it could."""
    if not url or not isinstance(parsed, dict):
        return False
    if "openapi" in parsed:
        parsed["servers"] = [{"url": url, "description": "The API gateway"}]
    elif "swagger" in parsed:
        parts = urlsplit(url)
        parsed.update(schemes=[parts.scheme], host=parts.netloc, basePath=parts.path or "/")
    else:
        return False
    return True
