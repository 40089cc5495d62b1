"""The RFC 7591 / 7592 client (forecourt.oauth.registration) against a real OAuth 2.0 server in its own
process (tests/idp): discovery, registration with the initial access token, read, update, delete; the
client it registers really gets tokens, and none once deleted; every failure says why, without secrets."""

import logging

import pytest

from forecourt.oauth import registration
from forecourt.oauth.models import ClientType
from forecourt.oauth.registration import IdP, Refused, Unavailable

from .idp.fixture import idp  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db  # settings (the SSRF policy) are read; no rows are written


def _server_type(**fields):
    return ClientType(name="Server", grant_types=["client_credentials"], scopes="read write", **fields)


def test_register_read_update_delete_and_the_client_really_gets_tokens(idp, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    metadata = registration.client_metadata(_server_type(), client_name="Billing app",
                                            redirect_uris=["https://billing.example.com/callback"])
    with IdP(well_known_url=idp.well_known, initial_access_token=idp.initial_token) as client:
        made = client.register(metadata)
        assert made.client_id in idp.clients()
        assert made.metadata["client_name"] == "Billing app" and made.metadata["scope"] == "read write"
        assert made.registration_client_uri.endswith(made.client_id) and made.registration_access_token

        token = idp.token(made.client_id, made.client_secret)
        assert token.status_code == 200 and token.json()["scope"] == "read write"

        read = client.read(made.registration_client_uri, made.registration_access_token)
        assert read["client_id"] == made.client_id and "client_secret" not in read
        updated = client.update(made.registration_client_uri, made.registration_access_token,
                                {**metadata, "client_id": made.client_id, "scope": "read"})
        assert updated["scope"] == "read"

        client.delete(made.registration_client_uri, made.registration_access_token)
        client.delete(made.registration_client_uri, made.registration_access_token)  # gone already: done
    assert made.client_id not in idp.clients()
    assert idp.token(made.client_id, made.client_secret).status_code in (400, 401)
    for secret in (made.client_secret, made.registration_access_token, idp.initial_token):
        assert secret not in caplog.text


def test_a_registration_endpoint_set_on_the_provider_skips_discovery(idp):  # noqa: F811
    idp.mode(discovery="500")
    with IdP(well_known_url=idp.well_known, registration_endpoint=f"{idp.url}/register",
             initial_access_token=idp.initial_token) as client:
        made = client.register(registration.client_metadata(_server_type(), client_name="A", redirect_uris=[]))
    assert made.client_id in idp.clients()


def test_pkce_and_device_code_are_registered_by_their_rfc_names():
    metadata = registration.client_metadata(
        ClientType(grant_types=["pkce", "authorization_code", "device_code"], response_types=["code"]),
        client_name="Mobile", redirect_uris=["https://m.example.com/cb"])
    assert metadata["grant_types"] == ["authorization_code", "urn:ietf:params:oauth:grant-type:device_code"]
    assert metadata["response_types"] == ["code"]


@pytest.mark.parametrize(("modes", "token", "error", "says"), [
    ({}, "not-the-initial-token", Refused, "refused it (400: access_denied"),
    ({"register": "400"}, None, Refused, "invalid_client_metadata: the test IdP says no"),
    ({"register": "500"}, None, Unavailable, "answered 500"),
    ({"register": "garbage"}, None, Unavailable, "not a JSON object"),
    ({"discovery": "garbage"}, None, Unavailable, "reading the discovery document"),
    ({"register": "slow"}, None, Unavailable, "did not answer in time"),
])
def test_failures_say_why_and_register_nothing(idp, modes, token, error, says, caplog):  # noqa: F811
    idp.mode(**modes)
    sent = token or idp.initial_token
    with IdP(well_known_url=idp.well_known, initial_access_token=sent, timeout=1) as client, \
            pytest.raises(error) as raised:
        client.register(registration.client_metadata(_server_type(), client_name="A", redirect_uris=[]))
    assert says in str(raised.value)
    assert sent not in str(raised.value) and sent not in caplog.text
    idp.mode()
    assert idp.clients() == {}


def test_an_unreachable_idp_and_a_refused_address():
    with IdP(well_known_url="http://127.0.0.1:9/.well-known/openid-configuration", timeout=2) as client, \
            pytest.raises(Unavailable, match="could not be reached"):
        client.registration_url()
    with IdP(well_known_url="http://169.254.169.254/.well-known/openid-configuration") as client, \
            pytest.raises(Unavailable, match="SSRF guard"):
        client.registration_url()


def test_an_idp_without_registration_is_refused_with_the_reason(idp):  # noqa: F811
    with IdP(well_known_url=f"{idp.url}/_test/clients") as client, \
            pytest.raises(Refused, match="names no registration_endpoint"):
        client.registration_url()
