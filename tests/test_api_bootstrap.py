"""POST /portal-api/bootstrap: the first admin, once; and token authentication."""

import json

import pytest

import forecourt
from forecourt.accounts.models import ApiToken, Organisation, Role, Team, User

pytestmark = pytest.mark.django_db

URL = "/portal-api/bootstrap"
GOOD = {"username": "owner@example.com", "password": "a-long-enough-passphrase",
        "first_name": "Olive", "last_name": "Owner"}


def post(client, body, **headers):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", headers=headers)


def assert_nothing_created():
    assert User.objects.count() == 0
    assert Organisation.objects.count() == 0
    assert ApiToken.objects.count() == 0


def test_bootstrap_creates_admin_default_org_team_and_token(client):
    response = post(client, GOOD)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["code"], body["message"]) == ("OK", "Bootstrapped user successfully")  # as Tyk answers
    token = body["data"]["api_token"]
    assert len(token) >= 40

    user = User.objects.get()
    assert user.email == "owner@example.com"
    assert (user.first_name, user.last_name, user.role) == ("Olive", "Owner", Role.SUPER_ADMIN)
    assert user.check_password(GOOD["password"])
    org = Organisation.objects.get()
    assert org.name == "Default Organisation" and org.is_default
    assert Team.objects.get(organisation=org).name == "Default Team"
    assert list(user.teams.all()) == list(Team.objects.all())
    # The token is stored as a digest, never in clear.
    stored = ApiToken.objects.get()
    assert token not in (stored.digest, stored.prefix)

    version = client.get("/portal-api/version", headers={"Authorization": token})
    assert version.status_code == 200
    assert version.json()["version"] == forecourt.__version__


def test_second_bootstrap_is_refused_and_changes_nothing(client):
    assert post(client, GOOD).status_code == 200
    again = post(client, {**GOOD, "username": "other@example.com"})
    assert again.status_code == 409
    assert again.json() == {"status": "error",
                            "errors": ["the portal is already bootstrapped: a super-admin exists"]}
    assert User.objects.count() == 1
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({**GOOD, "username": "not-an-email"}, "username must be a valid e-mail address"),
        ({**GOOD, "password": "short"}, "password: This password is too short"),
        ({**GOOD, "password": "12345678901"}, "password: This password is entirely numeric."),
        ({**GOOD, "username": "a" * 250 + "@example.com"}, "username"),
        ({**GOOD, "first_name": "x" * 151}, "first_name"),
        ({k: v for k, v in GOOD.items() if k != "password"}, "password"),
        ({**GOOD, "password": 12345}, "password"),
        ({**GOOD, "role": "super-admin"}, "role"),
    ],
)
def test_bad_input_gets_the_error_envelope_and_changes_nothing(client, body, fragment):
    response = post(client, body)
    assert response.status_code == 422, response.content
    payload = response.json()
    assert payload["status"] == "error"
    assert any(fragment in e for e in payload["errors"]), payload
    assert_nothing_created()


@pytest.mark.parametrize("raw", ["{not json", "[]", "null", ""])
def test_malformed_json_is_a_4xx(client, raw):
    response = post(client, raw)
    assert 400 <= response.status_code < 500
    assert response.json()["status"] == "error"
    assert_nothing_created()


@pytest.mark.parametrize("header", [None, "", "wrong-token", "Bearer wrong-token"])
def test_version_needs_a_valid_token(client, header):
    post(client, GOOD)
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/portal-api/version", headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == "error"


def test_bearer_prefix_is_accepted_too(client):
    token = post(client, GOOD).json()["data"]["api_token"]
    assert client.get("/portal-api/version", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_token_dies_with_deactivated_admin(client):
    token = post(client, GOOD).json()["data"]["api_token"]
    User.objects.update(is_active=False)
    assert client.get("/portal-api/version", headers={"Authorization": token}).status_code == 401


def test_consumer_token_is_refused_with_403(client, consumer):
    from forecourt.accounts import tokens

    token = tokens.issue(consumer)
    response = client.get("/portal-api/version", headers={"Authorization": token})
    assert response.status_code == 403
    assert response.json() == {"status": "error", "errors": ["this token does not belong to an admin"]}


def test_openapi_document_is_served(client):
    response = client.get("/portal-api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/portal-api/bootstrap" in paths and "/portal-api/version" in paths
