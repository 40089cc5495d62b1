"""A real SAML 2.0 identity provider for the SAML sign-in tests, run as its own process
(tests/idp/saml_fixture.py): pysaml2's IdP (`saml2.server.Server`) does the protocol work, Flask serves
it, its state is in memory.

- GET  /metadata: the IdP's metadata (its entity ID is this URL), naming its signing certificate and
  its single sign-on endpoint;
- GET  /sso/redirect?SAMLRequest=...&RelayState=...: an AuthnRequest by the HTTP-Redirect binding,
  parsed by pysaml2; answers a small sign-in form where the browser (or the test) types a user name;
- POST /sso/login (the form): answers the HTTP-POST binding's self-posting form to the SP's assertion
  consumer service, with a signed assertion about that user, in response to the request.

Test hooks (JSON):
- POST /_test/sp: the SP's metadata XML (the portal's /tib/auth/<key>/saml/metadata), so the IdP knows
  the SP's entity ID and assertion consumer service, as a real IdP is configured;
- POST /_test/users: {"<name>": {"email": [...], "givenName": [...], "sn": [...], "groups": [...]}};
- POST /_test/misbehave {"next": "<how>"}: the NEXT response only is made wrong: "transient" (a one-time
  NameID), "unsigned" (neither the assertion nor the response signed), "response-signed" (the response
  signed, its assertion not), "other-key" (signed by a key the SP does not trust), "expired" (NotOnOrAfter
  in the past), "wrong-audience" (for another SP), "wrong-in-response-to" (answering
  another request), "replay" (the previous response sent again, unchanged);
- GET  /_test/last: the last response sent ({"SAMLResponse", "RelayState", "acs"}), for a test that
  posts a captured response again itself.

The keys and certificates are files the test made at start (`--key`, `--cert`, `--other-key`,
`--other-cert`): nothing secret is committed. Test-only: Flask is in the `test` extra; pysaml2 is a core
dependency (the SP side).
"""

import argparse
import copy
import html
import secrets
from typing import Any

from flask import Flask, Response, abort, jsonify, request
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT, NameID
from saml2.samlp import NameIDPolicy
from saml2.server import Server

MODES = {"transient", "unsigned", "response-signed", "other-key", "expired", "wrong-audience", "wrong-in-response-to",
         "replay"}
ELSEWHERE = "https://elsewhere.example/saml/metadata"
# Another SP the IdP knows, for "wrong-audience": an assertion made for it, posted to the portal.
ELSEWHERE_METADATA = f"""<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{ELSEWHERE}">
<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
 Location="https://elsewhere.example/saml/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>"""


def idp_config(url: str, key: str, cert: str, *, lifetime_minutes: int = 5) -> dict[str, Any]:
    return {
        "entityid": f"{url}/metadata",
        "service": {"idp": {
            "name": "Forecourt test IdP",
            "endpoints": {"single_sign_on_service": [(f"{url}/sso/redirect", BINDING_HTTP_REDIRECT)]},
            "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            "want_authn_requests_signed": False,
            # Attribute names as many IdPs send them (Okta, Keycloak's basic format): "email", "groups".
            "policy": {"default": {"lifetime": {"minutes": lifetime_minutes}, "name_form": NAME_FORMAT_BASIC,
                                   "attribute_restrictions": None}},
        }},
        "key_file": key,
        "cert_file": cert,
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "metadata": {},
        "allow_unknown_attributes": True,
    }


class IdP:
    def __init__(self, url: str, key: str, cert: str, other_key: str, other_cert: str) -> None:
        self.url = url
        self.servers = {
            "good": Server(config=IdPConfig().load(idp_config(url, key, cert))),
            "other-key": Server(config=IdPConfig().load(idp_config(url, other_key, other_cert))),
            "expired": Server(config=IdPConfig().load(idp_config(url, key, cert, lifetime_minutes=-10))),
        }
        self.users: dict[str, dict[str, list[str]]] = {}
        self.pending: dict[str, dict[str, str]] = {}  # form key -> the request being answered
        self.next_mode = ""
        self.last: dict[str, str] = {}
        self.trust_sp(ELSEWHERE_METADATA)

    def trust_sp(self, metadata_xml: str) -> None:
        for server in self.servers.values():
            server.metadata.load("inline", metadata_xml)


def create_app(idp: IdP) -> Flask:
    app = Flask(__name__)

    @app.get("/metadata")
    def metadata() -> Response:
        xml = create_metadata_string(None, config=idp.servers["good"].config, sign=False)
        return Response(xml, content_type="application/samlmetadata+xml")

    @app.get("/sso/redirect")
    def sso_redirect() -> str:
        server = idp.servers["good"]
        saml_request = request.args.get("SAMLRequest", "")
        try:
            parsed = server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT)
        except Exception as exc:  # a test IdP: say what pysaml2 did not like
            abort(400, f"bad AuthnRequest: {type(exc).__name__}: {exc}")
        message = parsed.message
        key = secrets.token_urlsafe(12)
        idp.pending[key] = {
            "id": message.id, "sp": message.issuer.text,
            "acs": message.assertion_consumer_service_url or "",
            "relay_state": request.args.get("RelayState", ""),
            "force_authn": str(bool(message.force_authn and message.force_authn.lower() == "true")),
        }
        return (
            "<!doctype html><title>Test IdP sign-in</title><h1>Test IdP</h1>"
            f'<form method="post" action="/sso/login"><input type="hidden" name="key" value="{key}">'
            '<label for="username">User name</label> <input id="username" name="username" autocomplete="off">'
            "<button>Sign in at the IdP</button></form>"
        )

    @app.post("/sso/login")
    def sso_login() -> Response:
        pending = idp.pending.pop(request.form.get("key", ""), None)
        username = request.form.get("username", "")
        if pending is None:
            abort(400, "no such request")
        if username not in idp.users:
            abort(403, "unknown user")
        mode, idp.next_mode = idp.next_mode, ""
        if mode == "replay" and idp.last:
            return self_posting_form(idp.last["acs"], idp.last["SAMLResponse"], idp.last["RelayState"])
        server = idp.servers.get(mode, idp.servers["good"])
        sp_entity_id = ELSEWHERE if mode == "wrong-audience" else pending["sp"]
        in_response_to = "_" + secrets.token_hex(16) if mode == "wrong-in-response-to" else pending["id"]
        sign_assertion = mode not in {"unsigned", "response-signed"}
        sign_response = mode != "unsigned"
        response = server.create_authn_response(
            copy.deepcopy(idp.users[username]), in_response_to, pending["acs"], sp_entity_id,
            userid=username,
            # A persistent NameID (the same for this user and SP every time), as an IdP set up for SSO sends.
            name_id_policy=NameIDPolicy(format=NAMEID_FORMAT_PERSISTENT, allow_create="true"),
            name_id=(NameID(format=NAMEID_FORMAT_TRANSIENT, text="_" + secrets.token_hex(16))
                     if mode == "transient" else None),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_assertion=sign_assertion, sign_response=sign_response, best_effort=True)
        http_args = server.apply_binding(BINDING_HTTP_POST, str(response), pending["acs"],
                                         pending["relay_state"], response=True)
        # Capture what was sent, for "replay" and /_test/last.
        encoded = http_args["data"]
        value = encoded.split('name="SAMLResponse" value="', 1)[1].split('"', 1)[0]
        idp.last = {"SAMLResponse": html.unescape(value), "RelayState": pending["relay_state"],
                    "acs": pending["acs"]}
        return self_posting_form(pending["acs"], idp.last["SAMLResponse"], pending["relay_state"])

    @app.post("/_test/sp")
    def test_sp() -> Response:
        idp.trust_sp(request.get_data(as_text=True))
        return jsonify(ok=True)

    @app.post("/_test/users")
    def test_users() -> Response:
        idp.users.update(request.get_json())
        return jsonify(ok=True)

    @app.post("/_test/misbehave")
    def test_misbehave() -> Response:
        mode = (request.get_json() or {}).get("next", "")
        if mode and mode not in MODES:
            abort(400, f"unknown mode {mode}")
        idp.next_mode = mode
        return jsonify(ok=True)

    @app.get("/_test/last")
    def test_last() -> Response:
        return jsonify(idp.last)

    return app


def self_posting_form(acs: str, saml_response: str, relay_state: str) -> Response:
    """The HTTP-POST binding's page: a form to the ACS, submitted by a script (as real IdPs do)."""
    body = (
        "<!doctype html><title>Signing you in</title>"
        f'<form method="post" action="{html.escape(acs)}">'
        f'<input type="hidden" name="SAMLResponse" value="{html.escape(saml_response)}">'
        f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">'
        '<button>Continue</button></form><script>document.forms[0].submit()</script>'
    )
    return Response(body, content_type="text/html")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--other-key", required=True)
    parser.add_argument("--other-cert", required=True)
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    app = create_app(IdP(url, args.key, args.cert, args.other_key, args.other_cert))
    app.run(host="127.0.0.1", port=args.port, threaded=True)


if __name__ == "__main__":
    main()
