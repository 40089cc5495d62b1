"""OpenID Connect sign-in end to end against a real provider (tests/idp/oidc_server.py, its own process):
the Live Portal's start URL sends the browser to the IdP with state, nonce and PKCE S256; the IdP's login
form signs a user in; the callback exchanges the code (client_secret_basic) and lands the user signed in,
with the team their IdP group maps to. Then every bad answer is refused with nothing created: an ID token
signed by another key, expired, for another audience, from another issuer, with another nonce, unsigned
(alg none), HS256 keyed with the IdP's public key, or replayed into a second session; a callback whose state
is not the session's; an IdP that is down, answers garbage, or redirects (not followed). The client secret,
the code and the tokens never reach a log line or a page."""

import html
import logging
import re

import httpx
import pytest
from django.test import Client

from forecourt.accounts import services as accounts
from forecourt.accounts.models import Team, User
from forecourt.sso import oidc
from forecourt.sso.identity import SignInRefused
from forecourt.sso.models import SsoIdentity, SsoProfile, UsedAssertion

from . import factories
from .idp.oidc_fixture import oidc_idp

__all__ = ["oidc_idp"]
pytestmark = pytest.mark.django_db

CLIENT_ID = "forecourt-portal"
CLIENT_SECRET = "client-secret-for-the-oidc-tests-4b7e9a"
KEY = "corp-idp"
START = f"/tib/auth/{KEY}/openid-connect"
CALLBACK = f"{START}/callback"
DANA = {"sub": "idp-user-0001", "email": "dana@corp.example", "name": "Dana Developer", "groups": ["payments-devs"]}


@pytest.fixture(autouse=True)
def _no_cached_discovery():
    oidc.forget_cached()
    yield
    oidc.forget_cached()


@pytest.fixture
def team(db) -> Team:
    accounts.ensure_default_organisation()
    return factories.team(factories.organisation("Payments Inc"), "Payments developers")


@pytest.fixture
def profile(oidc_idp, team) -> SsoProfile:
    oidc_idp.add_client(CLIENT_ID, CLIENT_SECRET, [f"http://testserver{CALLBACK}"])
    oidc_idp.set_users({"dana": DANA, "quiet": {**DANA, "sub": "idp-user-0002", "email": "quiet@corp.example",
                                                "userinfo_only": ["groups", "email"]}})
    return SsoProfile.objects.create(
        key=KEY, name="Corporate IdP", oidc_discovery_url=oidc_idp.discovery_url, oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET, oidc_scopes="openid email profile groups", group_field="groups",
        group_team_mapping={"payments-devs": str(team.pk)})


def start(client: Client, next_path: str = "/catalogue") -> str:
    response = client.get(START, {"next": next_path} if next_path else {})
    assert response.status_code == 302, response.content.decode()[:500]
    return str(response["Location"])


def callback_path(location: str) -> str:
    url = httpx.URL(location)
    assert url.host == "testserver" and url.path == CALLBACK, location
    return f"{url.path}?{url.query.decode()}"


def sign_in(client: Client, idp, username: str = "dana", next_path: str = "/catalogue"):
    return client.get(callback_path(idp.sign_in(start(client, next_path), username)))


def signed_in_as(client: Client) -> int | None:
    return client.session.get("_auth_user_id") and int(client.session["_auth_user_id"])


def nothing_created() -> bool:
    return not User.objects.filter(email__iendswith="@corp.example").exists() and not SsoIdentity.objects.exists()


def test_the_authorization_request_carries_state_nonce_and_pkce(client, profile, oidc_idp):
    url = httpx.URL(start(client))
    params = url.params
    assert f"{url.scheme}://{url.host}:{url.port}" == oidc_idp.url and url.path == "/authorize"
    assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == f"http://testserver{CALLBACK}"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert params["scope"].split()[0] == "openid"
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32 and params["state"] != params["nonce"]
    assert CLIENT_SECRET not in str(url)
    # What the callback checks is in the session, never in the URL.
    [pending] = client.session[oidc.SESSION_KEY].values()
    assert pending["nonce"] == params["nonce"] and pending["verifier"] not in str(url)


def test_a_consumer_signs_in_through_the_code_flow_with_the_mapped_team(client, profile, oidc_idp, team, caplog):
    caplog.set_level(logging.DEBUG)
    response = sign_in(client, oidc_idp)
    assert response.status_code == 302, response.content.decode()[:1000]
    assert response["Location"] == "/catalogue"
    user = User.objects.get(sso_identities__profile=profile, sso_identities__subject=DANA["sub"])
    assert signed_in_as(client) == user.pk and user.email == DANA["email"]
    assert list(user.teams.all()) == [team] and user.organisation == team.organisation
    assert UsedAssertion.objects.filter(profile=profile).count() == 1
    # The same user again: the same account, still one.
    client.logout()
    assert sign_in(Client(), oidc_idp).status_code == 302
    assert User.objects.filter(email=DANA["email"]).count() == 1 and SsoIdentity.objects.count() == 1
    assert UsedAssertion.objects.filter(profile=profile).count() == 2
    token = oidc_idp.last_token()
    for secret in (CLIENT_SECRET, token["access_token"], token["id_token"]):
        assert secret not in caplog.text and secret not in oidc_idp.log_text()


def test_claims_missing_from_the_id_token_are_read_from_userinfo(client, profile, oidc_idp, team):
    response = sign_in(client, oidc_idp, "quiet")
    assert response.status_code == 302, response.content.decode()[:1000]
    user = User.objects.get(email="quiet@corp.example")
    assert signed_in_as(client) == user.pk and list(user.teams.all()) == [team]


BAD_TOKENS = ["wrong-key", "expired", "wrong-aud", "wrong-iss", "wrong-nonce", "alg-none", "hs256-public-key"]


@pytest.mark.parametrize("how", BAD_TOKENS)
def test_a_bad_id_token_is_refused_and_creates_nothing(client, profile, oidc_idp, how, caplog):
    caplog.set_level(logging.DEBUG)
    location = oidc_idp.sign_in(start(client), "dana")
    oidc_idp.misbehave(token=how)
    response = client.get(callback_path(location))
    assert response.status_code == 403
    assert "could not be verified" in response.content.decode()
    assert signed_in_as(client) is None and nothing_created()
    assert not UsedAssertion.objects.exists()
    assert "ID token refused" in caplog.text and CLIENT_SECRET not in caplog.text
    # The flow is spent: the same callback again is told to start again.
    assert same_site_again(client, client.get(callback_path(location))).status_code == 403


def test_a_replayed_id_token_is_refused(profile, oidc_idp):
    """An ID token already turned into a session, brought back with its own state and nonce (a stolen
    session's pending sign-in, the IdP made to answer the old token): refused by its nonce's record."""
    first = Client()
    location = oidc_idp.sign_in(start(first), "dana")
    pending = dict(first.session[oidc.SESSION_KEY])
    assert first.get(callback_path(location)).status_code == 302 and signed_in_as(first)
    second = Client()
    second.get("/")
    session = second.session
    session[oidc.SESSION_KEY] = pending
    session.save()
    oidc_idp.misbehave(token="replay")
    response = second.get(callback_path(location))
    assert response.status_code == 403 and signed_in_as(second) is None
    assert SsoIdentity.objects.count() == 1


def same_site_again(client: Client, response):
    """A callback that came without the session cookie (the SameSite=Strict cookie left off the IdP's
    cross-site redirect) is answered once with a page that repeats it from the portal (live/sso/bounce.py);
    the repeated request is the verdict. One that came with the cookie is its own verdict."""
    page = response.content.decode()
    again = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', page)
    if response.status_code != 200 or again is None:
        return response
    url = html.unescape(again.group(1))
    assert url.startswith(CALLBACK + "?"), url
    return client.get(url)


def test_a_state_that_is_not_the_sessions_is_refused(client, profile, oidc_idp):
    location = oidc_idp.sign_in(start(client), "dana")
    url = httpx.URL(location)
    forged = url.copy_set_param("state", "an-attackers-state-0123456789abcdef")
    response = same_site_again(client, client.get(f"{forged.path}?{forged.query.decode()}"))
    assert response.status_code == 403 and "Start again" in response.content.decode()
    # Another browser (no session at all) with the right URL: repeated once, then refused.
    other = Client()
    first = other.get(callback_path(location))
    assert first.status_code == 200 and "refresh" in first.content.decode()
    assert same_site_again(other, first).status_code == 403
    assert nothing_created()
    # No state at all, or an error from the IdP without one.
    assert same_site_again(client, client.get(CALLBACK, {"code": "x"})).status_code == 403
    assert same_site_again(client, client.get(CALLBACK, {"error": "access_denied"})).status_code == 403


def test_the_idp_cancelling_is_said_plainly(client, profile, oidc_idp):
    state = httpx.URL(start(client)).params["state"]
    response = client.get(CALLBACK, {"error": "access_denied", "state": state})
    assert response.status_code == 403 and "did not sign you in" in response.content.decode()
    assert nothing_created()


def test_an_idp_that_is_down_or_misbehaving_is_a_clear_refusal(client, profile, oidc_idp, caplog):
    caplog.set_level(logging.DEBUG)
    for mode in ("500", "garbage", "redirect"):
        oidc.forget_cached()
        oidc_idp.misbehave(discovery=mode)
        response = client.get(START)
        assert response.status_code == 403, mode
        assert "could not be reached" in response.content.decode()
    assert "redirect (not followed)" in caplog.text
    oidc_idp.misbehave()
    # The IdP stops between the button and the callback.
    location = oidc_idp.sign_in(start(client), "dana")
    oidc_idp.stop()
    oidc.forget_cached()
    response = client.get(callback_path(location))
    assert response.status_code == 403 and "could not be reached" in response.content.decode()
    assert nothing_created()
    assert CLIENT_SECRET not in caplog.text


def test_a_wrong_client_secret_is_refused_by_the_idp_and_never_logged(client, profile, oidc_idp, caplog):
    caplog.set_level(logging.DEBUG)
    profile.oidc_client_secret = "not-the-registered-secret-98765"
    profile.save()
    response = sign_in(client, oidc_idp)
    assert response.status_code == 403 and "refused to complete" in response.content.decode()
    assert "invalid_client" in caplog.text
    assert "not-the-registered-secret-98765" not in caplog.text and nothing_created()


def test_the_ssrf_guard_refuses_an_idp_at_a_forbidden_address(client, profile, settings, caplog):
    settings.PROVIDERS_ALLOW_PRIVATE_TARGETS = False  # loopback refused, like any private address
    response = client.get(START)
    assert response.status_code == 403 and "SSRF guard" in caplog.text
    profile.oidc_discovery_url = "http://169.254.169.254/.well-known/openid-configuration"
    profile.save()
    settings.PROVIDERS_ALLOW_PRIVATE_TARGETS = True
    assert client.get(START).status_code == 403


def test_a_disabled_profile_or_the_wrong_provider_is_a_404(client, profile):
    assert client.get(f"/tib/auth/{KEY}/saml").status_code == 404
    profile.enabled = False
    profile.save()
    assert client.get(START).status_code == 404


def test_an_address_the_idp_says_is_unverified_is_refused(client, profile, oidc_idp):
    oidc_idp.set_users({"dana": {**DANA, "email_verified": False}})
    response = sign_in(client, oidc_idp)
    assert response.status_code == 403 and "not verified" in response.content.decode()
    assert nothing_created()


def test_claims_become_an_identity_by_the_profiles_claim_names():
    profile = SsoProfile(user_id_field="oid", email_field="upn", group_field="roles", group_separator=";")
    identity = oidc.identity_from(profile, {"sub": "pairwise-1", "oid": "0000-1111", "upn": "lee@corp.example",
                                            "email": "other@corp.example", "roles": "devs; ops;;devs",
                                            "given_name": "Lee", "family_name": "Ops"})
    assert (identity.subject, identity.email, identity.groups) == ("0000-1111", "lee@corp.example", ("devs", "ops"))
    assert (identity.first_name, identity.last_name) == ("Lee", "Ops")
    listed = oidc.identity_from(SsoProfile(group_field="groups"),
                                {"sub": "s", "email": "a@b.example", "groups": ["x", 7, {"no": 1}], "name": "A B"})
    assert listed.groups == ("x", "7") and (listed.first_name, listed.last_name) == ("A", "B")
    for claims, code in (({"email": "a@b.example"}, "no_subject"), ({"sub": "s"}, "no_email"),
                         ({"sub": "s", "email": "not-an-address"}, "no_email")):
        with pytest.raises(SignInRefused) as refused:
            oidc.identity_from(SsoProfile(), claims)
        assert refused.value.code == code


def test_an_account_made_just_in_time_keeps_the_language_its_owner_was_reading_in(client, profile, oidc_idp, team):
    """The switcher's cookie on the sign-in request is saved on the new account (its pages and e-mails
    follow it); an existing account's saved choice is not touched by a later sign-in."""
    client.cookies["forecourt_language"] = "fr"
    assert sign_in(client, oidc_idp).status_code == 302
    user = User.objects.get(email=DANA["email"])
    assert user.language == "fr"
    User.objects.filter(pk=user.pk).update(language="ja")
    other = Client()
    other.cookies["forecourt_language"] = "de"
    assert sign_in(other, oidc_idp).status_code == 302
    assert User.objects.get(pk=user.pk).language == "ja"
