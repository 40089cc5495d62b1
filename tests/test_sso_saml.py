"""SAML 2.0 sign-in (forecourt.sso.saml, live/sso/saml_views.py) against a real SAML IdP: pysaml2's, run as
its own process (tests/idp/saml_server.py) with keys made at start.

The IdP's answer comes as the browser's cross-site POST, which carries no SameSite session cookie: it is
posted here by a client WITHOUT the browser's cookies, as a browser does it, gets the portal's page that
posts it again (live/sso/bounce.py), and the browser posts that, same-site, with its own client. Every bad
answer is refused with nothing made: no account, no link.
The sign-in rules themselves (just in time, mapping, linking) are tested in test_sso_signin.py.
"""

import base64
import logging
import re
import zlib
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from defusedxml import ElementTree
from django.test import Client

from forecourt.accounts.models import Organisation, Team, User
from forecourt.sso.models import SsoIdentity, SsoProfile, UsedAssertion

from .idp.fixture import _free_port as free_port
from .idp.saml_fixture import saml_idp  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

ADA = {"email": ["ada@corp.example"], "givenName": ["Ada"], "sn": ["Lovelace"], "groups": ["staff", "dev"],
       "uid": ["ada-0001"]}
MD = "urn:oasis:names:tc:SAML:2.0:metadata"


@pytest.fixture
def team():
    return Team.objects.create(organisation=Organisation.objects.create(name="Acme"), name="Developers")


@pytest.fixture
def profile(saml_idp, team):  # noqa: F811 - the fixture
    profile = SsoProfile.objects.create(
        key="corp", name="Corp SAML", protocol=SsoProfile.Protocol.SAML, saml_metadata_url=saml_idp.metadata_url,
        group_field="groups", group_team_mapping={"dev": str(team.pk)})
    sp_metadata = Client().get("/tib/auth/corp/saml/metadata")
    assert sp_metadata.status_code == 200
    saml_idp.trust_sp(sp_metadata.content.decode())
    saml_idp.users({"ada": ADA, "bo": {"email": ["bo@corp.example"], "groups": ["staff"]}})
    return profile


def posted_form(html: str) -> dict[str, str]:
    """The fields and action of the IdP's self-posting form (the HTTP-POST binding)."""
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', html))
    action = re.search(r'<form method="post" action="([^"]+)"', html)
    assert action, html[:500]
    return {"action": unescape(action.group(1)), **{k: unescape(v) for k, v in fields.items()}}


def at_the_idp(browser: Client, saml_idp, username: str = "ada", misbehave: str = "", path="/tib/auth/corp/saml"):  # noqa: F811
    """Start at the portal, sign in at the IdP: the form the IdP's page posts to the ACS."""
    start = browser.get(path)
    assert start.status_code == 302, start.content[:500]
    assert start["Location"].startswith(saml_idp.url + "/sso/redirect?SAMLRequest=")
    page = httpx.get(start["Location"], timeout=30)
    assert page.status_code == 200, page.text
    key = re.search(r'name="key" value="([^"]+)"', page.text).group(1)
    if misbehave:
        saml_idp.misbehave(misbehave)
    answer = httpx.post(f"{saml_idp.url}/sso/login", data={"key": key, "username": username}, timeout=30)
    assert answer.status_code == 200, answer.text
    return posted_form(answer.text)


def post_to_acs(browser: Client, form: dict[str, str]):
    """The IdP's page posts cross-site: no session cookie comes along, and the portal answers its own
    page posting the same fields again, which the browser then posts with its cookie."""
    path = urlsplit(form["action"]).path
    assert path == "/tib/auth/corp/saml/callback"
    bounced = Client().post(path, {"SAMLResponse": form["SAMLResponse"], "RelayState": form["RelayState"]})
    assert bounced.status_code == 200 and 'id="sso-continue"' in bounced.content.decode(), bounced.content[:500]
    fields = {k: unescape(v) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', bounced.content.decode())}
    assert fields["SAMLResponse"] == form["SAMLResponse"] and fields["_sso_bounced"] == "1"
    return browser.post(path, fields)


def sign_in(browser: Client, saml_idp, username: str = "ada", path="/tib/auth/corp/saml"):  # noqa: F811
    return post_to_acs(browser, at_the_idp(browser, saml_idp, username, path=path))


def nothing_made():
    return not User.objects.exists() and not SsoIdentity.objects.exists()


def test_a_signed_assertion_signs_a_new_consumer_in_with_the_mapped_team(saml_idp, profile, team, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    browser = Client()
    form = at_the_idp(browser, saml_idp)
    assert len(form["RelayState"]) <= 80  # SAML's limit (bindings, 3.4.3)
    landed = post_to_acs(browser, form)
    assert landed.status_code == 302 and landed["Location"] == "/", landed.content[:800]
    user = User.objects.get()
    assert (user.email, user.first_name, user.last_name) == ("ada@corp.example", "Ada", "Lovelace")
    assert list(user.teams.all()) == [team] and user.organisation == team.organisation
    link = SsoIdentity.objects.get(profile=profile, user=user)
    assert link.subject and link.subject != "ada"  # the NameID (persistent), not the user name at the IdP
    assert browser.get("/my-account").status_code == 200  # signed in
    # the assertion is recorded as used, and nothing of it was logged
    assert UsedAssertion.objects.filter(profile=profile, assertion_id__startswith="saml:").count() == 1
    assert form["SAMLResponse"] not in caplog.text and link.subject not in caplog.text

    # a second sign-in (another browser) is the same account
    again = Client()
    assert sign_in(again, saml_idp).status_code == 302
    assert User.objects.count() == 1 and again.get("/my-account").status_code == 200


def test_the_subject_can_be_an_attribute_and_the_next_page_is_kept(saml_idp, profile):  # noqa: F811
    profile.user_id_field = "uid"
    profile.save()
    landed = sign_in(Client(), saml_idp, path="/tib/auth/corp/saml?next=/my-account")
    assert landed["Location"] == "/my-account"
    assert SsoIdentity.objects.get().subject == "ada-0001"
    # with a user ID attribute, a one-time (transient) NameID is no matter
    browser = Client()
    assert post_to_acs(browser, at_the_idp(browser, saml_idp, misbehave="transient")).status_code == 302
    assert SsoIdentity.objects.get().subject == "ada-0001" and User.objects.count() == 1


def test_a_transient_name_id_without_a_user_id_attribute_is_refused(saml_idp, profile):  # noqa: F811
    browser = Client()
    refused = post_to_acs(browser, at_the_idp(browser, saml_idp, misbehave="transient"))
    assert refused.status_code == 403 and "one-time identifier" in refused.content.decode()
    assert nothing_made()


@pytest.mark.parametrize(("misbehave", "says"), [
    ("unsigned", "not signed as required"),
    ("response-signed", "not signed as required"),  # the profile requires the assertion's own signature
    ("other-key", "not signed as required, or not by its key"),
    ("expired", "it has expired"),
    ("wrong-audience", "meant for another service"),
    ("wrong-in-response-to", "not started in this browser"),
])
def test_a_bad_answer_is_refused_and_makes_nothing(saml_idp, profile, misbehave, says, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    browser = Client()
    form = at_the_idp(browser, saml_idp, misbehave=misbehave)
    refused = post_to_acs(browser, form)
    assert refused.status_code == 403
    assert says in refused.content.decode()
    assert nothing_made() and not UsedAssertion.objects.exists()
    assert form["SAMLResponse"] not in caplog.text


def test_without_signed_assertions_required_a_signed_response_is_enough_and_unsigned_never(saml_idp, profile):  # noqa: F811
    profile.saml_want_assertions_signed = False
    profile.save()
    browser = Client()
    assert post_to_acs(browser, at_the_idp(browser, saml_idp, misbehave="response-signed")).status_code == 302
    assert User.objects.get().email == "ada@corp.example"
    # nothing signed, or signed by another key: refused all the same
    for misbehave in ("unsigned", "other-key"):
        other = Client()
        refused = post_to_acs(other, at_the_idp(other, saml_idp, username="bo", misbehave=misbehave))
        assert refused.status_code == 403 and "not signed as required" in refused.content.decode(), misbehave
    assert User.objects.count() == 1


def test_a_replayed_answer_is_refused(saml_idp, profile):  # noqa: F811
    browser = Client()
    form = at_the_idp(browser, saml_idp)
    assert post_to_acs(browser, form).status_code == 302
    # posted again by the same browser (its session still knows the request), within its time: the
    # assertion's ID was used
    again = post_to_acs(browser, form)
    assert again.status_code == 403 and "used already" in again.content.decode()
    # the IdP sends the previous answer again for a new sign-in (of this browser): it answers another request
    replayed = post_to_acs(browser, at_the_idp(browser, saml_idp, username="bo", misbehave="replay"))
    assert replayed.status_code == 403
    assert User.objects.count() == 1 and SsoIdentity.objects.count() == 1
    assert UsedAssertion.objects.filter(profile=profile).count() == 1


def test_a_tampered_or_missing_relay_state_is_refused(saml_idp, profile):  # noqa: F811
    browser = Client()
    form = at_the_idp(browser, saml_idp)
    r, _, rest = form["RelayState"].partition(":")
    for relay_state in (("x" if r[0] != "x" else "y") + r[1:] + ":" + rest, "", "garbage"):
        refused = post_to_acs(browser, {**form, "RelayState": relay_state})
        assert refused.status_code == 403 and "not started in this browser" in refused.content.decode()
    assert nothing_made() and not UsedAssertion.objects.exists()


def test_an_answer_posted_from_another_browser_is_refused(saml_idp, profile):  # noqa: F811
    victim, attacker = Client(), Client()
    attacker.get("/tib/auth/corp/saml")  # a session of its own, with a sign-in of its own started
    form = at_the_idp(victim, saml_idp)
    refused = post_to_acs(attacker, form)
    assert refused.status_code == 403 and "not started in this browser" in refused.content.decode()
    # and without any session (cookies off, or a script): the bounced post still has none
    stranger = Client().post("/tib/auth/corp/saml/callback", {**form, "_sso_bounced": "1"})
    assert stranger.status_code == 403
    assert nothing_made() and not UsedAssertion.objects.exists()
    # the answer was not used up: the browser that started the sign-in still can
    assert post_to_acs(victim, form).status_code == 302 and User.objects.count() == 1


def test_a_get_at_the_acs_starts_again(profile):
    answer = Client().get("/tib/auth/corp/saml/callback", {"_sso_bounced": "1"})
    assert answer.status_code == 302 and answer["Location"] == "/tib/auth/corp/saml"


def test_the_sp_metadata_names_the_acs_and_asks_for_signed_assertions(saml_idp, profile):  # noqa: F811
    answer = Client().get("/tib/auth/corp/saml/metadata")
    assert answer["Content-Type"].startswith("application/samlmetadata+xml")
    root = ElementTree.fromstring(answer.content)
    assert root.get("entityID") == "http://testserver/tib/auth/corp/saml/metadata"
    sp = root.find(f"{{{MD}}}SPSSODescriptor")
    assert sp is not None and sp.get("WantAssertionsSigned") == "true"
    acs = sp.find(f"{{{MD}}}AssertionConsumerService")
    assert acs.get("Location") == "http://testserver/tib/auth/corp/saml/callback"
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    profile.saml_sp_entity_id = "urn:forecourt:corp"
    profile.save()
    again = ElementTree.fromstring(Client().get("/tib/auth/corp/saml/metadata").content)
    assert again.get("entityID") == "urn:forecourt:corp"


def test_inline_idp_metadata_and_force_authn(saml_idp, profile):  # noqa: F811
    profile.saml_metadata_url = ""
    profile.saml_metadata_xml = saml_idp.metadata()
    profile.saml_force_authn = True
    profile.save()
    browser = Client()
    start = browser.get("/tib/auth/corp/saml")
    assert start.status_code == 302
    encoded = parse_qs(urlsplit(start["Location"]).query)["SAMLRequest"][0]
    saml_request = zlib.decompress(base64.b64decode(encoded), -15).decode()  # the Redirect binding's DEFLATE
    assert 'ForceAuthn="true"' in saml_request
    assert post_to_acs(browser, at_the_idp(browser, saml_idp)).status_code == 302 and User.objects.count() == 1


def test_an_unreachable_or_refused_metadata_url_says_so(saml_idp, profile, settings, caplog):  # noqa: F811
    profile.saml_metadata_url = f"http://127.0.0.1:{free_port()}/metadata"  # nothing listens there
    profile.save()
    answer = Client().get("/tib/auth/corp/saml")
    assert answer.status_code == 503 and "metadata could not be read" in answer.content.decode()
    profile.saml_metadata_url = "http://169.254.169.254/latest/meta-data"
    profile.save()
    answer = Client().get("/tib/auth/corp/saml")
    assert answer.status_code == 503 and "refused by the SSRF guard" in caplog.text
    # inline metadata that is not metadata: the admin must fix the profile
    profile.saml_metadata_url, profile.saml_metadata_xml = "", "<EntityDescriptor"
    profile.save()
    answer = Client().get("/tib/auth/corp/saml")
    assert answer.status_code == 403 and "not set up completely" in answer.content.decode()
    # the SP's own metadata shows all the same (the IdP's admin needs it first)
    assert Client().get("/tib/auth/corp/saml/metadata").status_code == 200
