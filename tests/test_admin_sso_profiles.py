"""SSO profiles in the Admin Portal, and the rules of the one form both admin interfaces write through
(forecourt.sso.forms): each protocol's own fields, the IdP's metadata read safely, group mappings to teams
that exist and roles the audience may have, the client secret never rendered, logged or audited, the URLs
to register at the IdP shown on the profile's page, and deletion unlinking the accounts (audited)."""

import json
import logging
from html.parser import HTMLParser

import pytest

from forecourt.accounts.models import Role
from forecourt.audit.models import AuditEntry
from forecourt.sso.forms import SsoProfileForm
from forecourt.sso.models import SsoIdentity, SsoProfile

from . import factories
from .support import sso

pytestmark = pytest.mark.django_db

SECRET = "oidc-client-secret-7f3a9c2e51"
ISSUER = "http://127.0.0.1:8080/realms/corp"
CONSUMERS = SsoProfile.ActionType.CONSUMERS
ADMINS = SsoProfile.ActionType.ADMINS


def oidc(**fields):
    return {"key": "corp", "name": "Corp sign-in", "enabled": "on", "action_type": CONSUMERS, "protocol": "oidc",
            "oidc_discovery_url": ISSUER, "oidc_client_id": "portal", "oidc_client_secret": SECRET,
            "oidc_scopes": "email profile groups", "saml_want_assertions_signed": "on", **fields}


def saml(**fields):
    return {"key": "corp-saml", "name": "Corp SAML", "enabled": "on", "action_type": CONSUMERS, "protocol": "saml",
            "saml_metadata_xml": sso.idp_metadata(), "saml_want_assertions_signed": "on", **fields}


def errors(data, instance=None):
    form = SsoProfileForm(data=data, instance=instance)
    assert not form.is_valid()
    return " ".join(f"{field}: {' '.join(e)}" for field, e in form.errors.items())


def saved(data, instance=None):
    form = SsoProfileForm(data=data, instance=instance)
    assert form.is_valid(), form.errors
    return form.save()


def test_an_oidc_profile_made_edited_and_deleted_in_the_admin_portal(client, admin, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(admin)
    team = factories.team(factories.organisation())
    response = client.post("/portal-admin/sso-profiles/new/", oidc(
        default_team=team.pk, group_field="groups", group_team_mapping=json.dumps({"partners": team.pk}),
        group_role_mapping='{"portal-owners": "consumer-admin"}', allowed_domains="Example.com, @corp.example",
        return_url="/catalogue"))
    assert response.status_code == 302, response.content.decode()[:3000]
    profile = SsoProfile.objects.get()
    assert profile.oidc_client_secret == SECRET and profile.updated_by == admin.email
    assert profile.oidc_discovery_url == ISSUER + "/.well-known/openid-configuration"
    assert profile.oidc_scopes == "openid email profile groups"
    assert profile.group_team_mapping == {"partners": str(team.pk)}
    assert profile.allowed_domains == "example.com, corp.example"

    edit = client.get(f"/portal-admin/sso-profiles/{profile.pk}/").content.decode()
    assert SECRET not in edit
    assert "http://testserver/tib/auth/corp/openid-connect" in edit
    assert "http://testserver/tib/auth/corp/openid-connect/callback" in edit
    assert "saml/metadata" not in edit
    listing = client.get("/portal-admin/sso-profiles/").content.decode()
    assert "Corp sign-in" in listing and "/tib/auth/corp/openid-connect" in listing

    # Saved again without the secret (as the page posts it): kept. The ID cannot change.
    again = oidc(name="Corp", key="other", oidc_client_secret="", oidc_discovery_url=profile.oidc_discovery_url)
    assert client.post(f"/portal-admin/sso-profiles/{profile.pk}/", again).status_code == 302
    profile.refresh_from_db()
    assert (profile.name, profile.key, profile.oidc_client_secret) == ("Corp", "corp", SECRET)
    client.post(f"/portal-admin/sso-profiles/{profile.pk}/", {**again, "oidc_client_secret": "a-new-secret-value"})
    profile.refresh_from_db()
    assert profile.oidc_client_secret == "a-new-secret-value"

    user = factories.consumer()
    SsoIdentity.objects.create(profile=profile, subject="abc", user=user, linked_by="just-in-time")
    assert client.post(f"/portal-admin/sso-profiles/{profile.pk}/delete/").status_code == 302
    assert not SsoProfile.objects.exists() and not SsoIdentity.objects.exists()
    user.refresh_from_db()  # the account stays

    entries = AuditEntry.objects.filter(object_type="sso.ssoprofile").order_by("pk")
    assert [e.action for e in entries] == ["create", "update", "update", "delete", "other"]
    assert "deleted with 1 linked account" in entries[4].note
    assert entries[2].changes["oidc_client_secret"][0] != entries[2].changes["oidc_client_secret"][1]
    written = caplog.text + json.dumps([[e.changes, e.note] for e in AuditEntry.objects.all()])
    written += client.get("/portal-admin/audit-log/").content.decode()
    assert SECRET not in written and "a-new-secret-value" not in written


def test_a_saml_profile_shows_its_sp_metadata_url(client, admin):
    client.force_login(admin)
    response = client.post("/portal-admin/sso-profiles/new/", saml(action_type=ADMINS, saml_sp_entity_id="portal"))
    assert response.status_code == 302, response.content.decode()[:3000]
    profile = SsoProfile.objects.get()
    assert profile.login_path() == "/tib/auth/corp-saml/saml"
    page = client.get(f"/portal-admin/sso-profiles/{profile.pk}/").content.decode()
    for path in ("/tib/auth/corp-saml/saml", "/tib/auth/corp-saml/saml/callback", "/tib/auth/corp-saml/saml/metadata"):
        assert f"http://testserver{path}" in page


def test_a_bad_profile_in_the_admin_portal_says_why_and_saves_nothing(client, admin):
    client.force_login(admin)
    response = client.post("/portal-admin/sso-profiles/new/", oidc(group_team_mapping='{"partners": "999999"}'))
    assert response.status_code == 200
    assert "There is no team with the ID 999999" in response.content.decode()
    assert not SsoProfile.objects.exists()


@pytest.mark.parametrize(("data", "says"), [
    (oidc(key="not a slug"), "key: An ID has only letters"),
    (oidc(key=""), "key: A profile needs an ID"),
    (oidc(name="  "), "name: A profile needs a name"),
    (oidc(oidc_discovery_url=""), "oidc_discovery_url: OpenID Connect needs"),
    (oidc(oidc_discovery_url="ftp://idp.example.com/x"), "oidc_discovery_url: Give an http:// or https:// URL"),
    (oidc(oidc_discovery_url="http://169.254.169.254/.well-known/openid-configuration"), "SSRF"),
    (oidc(oidc_client_id=""), "oidc_client_id: OpenID Connect needs the client ID"),
    (oidc(oidc_client_secret=""), "oidc_client_secret: OpenID Connect needs the client's secret"),
    (oidc(oidc_scopes='openid "x"'), "oidc_scopes:"),
    (saml(saml_metadata_xml=""), "saml_metadata_url: SAML needs the IdP's metadata"),
    (saml(saml_metadata_url="https://127.0.0.1/md"), "not both"),
    (saml(saml_metadata_xml="", saml_metadata_url="http://[fe80::1]/md"), "SSRF"),
    (saml(saml_metadata_xml="<md:EntityDescriptor"), "not well-formed XML"),
    (saml(saml_metadata_xml="<html><body>Sign in</body></html>"), "not SAML metadata"),
    (saml(saml_metadata_xml=sso.idp_metadata(descriptor="SPSSODescriptor")), "no identity provider"),
    (saml(saml_metadata_xml=sso.idp_metadata(sso_service=False)), "no SingleSignOnService"),
    (saml(saml_metadata_xml=sso.idp_metadata(certificate="bm90IGEgY2VydGlmaWNhdGU=")), "cannot be read"),
    (saml(saml_metadata_xml=sso.idp_metadata(certificate="")), "no signing certificate"),
    (oidc(group_team_mapping="[1, 2]"), "group_team_mapping: Give a JSON object"),
    (oidc(group_team_mapping='{"partners": "twelve"}'), "give a team's ID"),
    (oidc(group_team_mapping='{"": "1"}'), "1 to 255 printable characters"),
    (oidc(group_team_mapping="{not json"), "group_team_mapping:"),
    (oidc(group_role_mapping='{"owners": "root"}'), "not a role"),
    (oidc(group_role_mapping='{"owners": "super-admin"}'), "which consumers cannot have"),
    (oidc(action_type=ADMINS, group_role_mapping='{"devs": "consumer-admin"}'), "which admins cannot have"),
    (oidc(action_type="Nobody"), "action_type:"),
    (oidc(protocol="ldap"), "protocol:"),
    (oidc(allowed_domains="example.com, not a domain!"), "allowed_domains: “not” is not a domain name"),
    (oidc(return_url="//evil.example/steal"), "return_url:"),
    (oidc(return_url="javascript:alert(1)"), "return_url:"),
    (oidc(return_url="/catalogue with space"), "return_url:"),
])
def test_the_forms_rules(admin, data, says):
    assert says in errors(data)
    assert not SsoProfile.objects.exists()


def test_dtds_are_refused_so_no_entity_expands_or_is_fetched(admin, tmp_path):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("do-not-read-me")
    for doctype in ('<!DOCTYPE md [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
                    f'<!DOCTYPE md [<!ENTITY x SYSTEM "file://{secret_file}">]>'):
        document = sso.idp_metadata().replace('<?xml version="1.0" encoding="UTF-8"?>\n', doctype)
        said = errors(saml(saml_metadata_xml=document))
        assert "may not contain a DTD" in said and "do-not-read-me" not in said


def test_default_team_is_for_consumers_and_teams_must_exist(admin):
    team = factories.team(factories.organisation())
    assert "Only consumers' profiles have a default team" in errors(oidc(action_type=ADMINS, default_team=team.pk))
    assert "There is no such team" in errors(oidc(default_team=999999))
    profile = saved(oidc(default_team=team.pk, group_team_mapping=json.dumps({"a": team.pk, "b": str(team.pk)}),
                         group_role_mapping='{"leads": "consumer-admin", "devs": "consumer-team-member"}'))
    assert profile.default_team == team and profile.group_team_mapping == {"a": str(team.pk), "b": str(team.pk)}
    admins = saved(oidc(key="staff", action_type=ADMINS, group_role_mapping='{"ops": "provider-admin"}'))
    assert admins.group_role_mapping == {"ops": Role.PROVIDER_ADMIN} and admins.default_team is None


def test_keys_are_unique_whatever_their_case_and_fixed_once_made(admin):
    saved(oidc())
    assert "There is an SSO profile with the ID CORP already" in errors(oidc(key="CORP"))


def test_a_profile_with_linked_accounts_keeps_its_audience_and_protocol(admin):
    profile = saved(oidc())
    assert saved(oidc(action_type=ADMINS), instance=profile).for_admins  # nobody linked yet: it may
    profile = saved(oidc(), instance=profile)
    SsoIdentity.objects.create(profile=profile, subject="s1", user=factories.consumer(), linked_by="just-in-time")
    said = errors(oidc(action_type=ADMINS), instance=profile)
    assert "1 account is linked to this profile" in said
    assert "accounts are linked" not in said
    assert "audience and protocol cannot change" in errors(saml(key="corp"), instance=profile)
    assert saved(oidc(name="Renamed"), instance=profile).name == "Renamed"


def test_saml_from_a_metadata_url_and_oidc_from_a_full_discovery_url(admin):
    profile = saved(saml(saml_metadata_xml="", saml_metadata_url="https://127.0.0.1:8443/idp/metadata"))
    assert profile.saml_metadata_url == "https://127.0.0.1:8443/idp/metadata" and profile.saml_metadata_xml == ""
    full = ISSUER + "/.well-known/openid-configuration"
    assert saved(oidc(oidc_discovery_url=full)).oidc_discovery_url == full


class _FormFields(HTMLParser):
    """What a browser would post back from a page's form: inputs, checked boxes, selected options, textareas."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox"):
            self.data[a["name"]] = a.get("value") or ""
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.data[a["name"]] = a.get("value") or "on"
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.data[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def test_the_edit_page_posted_back_as_it_is_changes_nothing(client, admin, api):
    """Tyk's fields the page does not show (kept hidden), the secret (never rendered) and the mappings
    survive an admin saving the page without touching it."""
    team = factories.team(factories.organisation())
    response = api("post", "/sso_profiles", {
        "ID": "corp", "Name": "Corp", "ActionType": CONSUMERS, "ProviderName": "SocialProvider", "OrgID": "5",
        "MatchedPolicyID": "pol-1", "IdentityHandlerConfig": {"DashboardCredential": "x", "n": 2},
        "ProviderConfig": {"UseProviders": [{"Name": "openid-connect", "Key": "portal", "Secret": SECRET,
                                             "DiscoverURL": ISSUER}]},
        "UserGroupMapping": {"partners": str(team.pk)}, "UserRoleMapping": {"leads": "consumer-admin"}})
    assert response.status_code == 201, response.content
    before = SsoProfile.objects.get()
    client.force_login(admin)
    assert client.get("/portal-admin/sso-profiles/new/").status_code == 200
    page = client.get(f"/portal-admin/sso-profiles/{before.pk}/").content.decode()
    assert SECRET not in page and ">Tyk" not in page  # Tyk's kept fields are hidden, not labelled
    fields = _FormFields()
    fields.feed(page)
    fields.data.pop("csrfmiddlewaretoken", None)
    audited = AuditEntry.objects.count()
    assert client.post(f"/portal-admin/sso-profiles/{before.pk}/", fields.data).status_code == 302
    after = SsoProfile.objects.get()
    assert (after.oidc_client_secret, after.tyk_org_id, after.tyk_matched_policy_id) == (SECRET, "5", "pol-1")
    assert after.tyk_identity_handler_config == {"DashboardCredential": "x", "n": 2}
    assert after.group_team_mapping == {"partners": str(team.pk)}
    assert after.group_role_mapping == {"leads": "consumer-admin"}
    assert [e.changes for e in AuditEntry.objects.order_by("pk")[audited:]] == []
