"""/portal-api/sso_profiles: Tyk's five operations with Tyk's bodies (OpenID Connect and SAML) in and out,
201 / 200 / 404 / 400, LDAP refused, a bad mapping saving nothing, and the client secret write-only: never
answered, never in the audit log or a log line, kept by a PUT without it."""

import json
import logging

import pytest

from forecourt.audit.models import AuditEntry
from forecourt.sso.models import SsoIdentity, SsoProfile

from . import factories
from .support import sso

pytestmark = pytest.mark.django_db

SECRET = "tyk-oidc-client-secret-41b7e0d29c"
DISCOVER = "http://127.0.0.1:8080/realms/corp/.well-known/openid-configuration"
CONSUMERS, ADMINS = "GenerateOrLoginDeveloperProfile", "GenerateOrLoginUserProfile"
FULL = {"ID", "Name", "OrgID", "ActionType", "MatchedPolicyID", "Type", "ProviderName", "CustomEmailField",
        "CustomUserIDField", "ProviderConfig", "IdentityHandlerConfig", "ProviderConstraintsDomain",
        "ProviderConstraintsGroup", "ReturnURL", "DefaultUserGroupID", "CustomUserGroupField", "UserGroupMapping",
        "UserGroupSeparator", "SSOOnlyForRegisteredUsers", "Enabled", "UserRoleMapping", "HasClientSecret",
        "LoginURL", "RedirectURL", "MetadataURL", "UpdatedAt", "UpdatedBy"}
INDEX = {"ID", "Name", "ActionType", "LoginURL", "RedirectURL", "SelectedProviderType", "UpdatedAt", "UpdatedBy"}


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def refused(response, status=400):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "error"
    return " ".join(body["errors"])


def oidc_body(team_id, **fields):
    """A profile as Tyk's Admin API takes it (v1.14), with Tyk's TIB-only settings too."""
    return {"ID": "corp-oidc", "Name": "Corp SSO", "OrgID": "1", "ActionType": CONSUMERS, "MatchedPolicyID": "",
            "Type": "redirect", "ProviderName": "SocialProvider", "CustomEmailField": "", "CustomUserIDField": "",
            "ProviderConfig": {"CallbackBaseURL": "http://tib.example.com:3010",
                               "UseProviders": [{"Name": "openid-connect", "Key": "portal", "Secret": SECRET,
                                                 "DiscoverURL": DISCOVER, "Scopes": ["openid", "email", "groups"]}]},
            "IdentityHandlerConfig": {"DashboardCredential": "ignored-by-forecourt"},
            "ProviderConstraintsDomain": "example.com", "ProviderConstraintsGroup": "",
            "ReturnURL": "http://localhost:3001/sso", "DefaultUserGroupID": str(team_id),
            "CustomUserGroupField": "groups", "UserGroupMapping": {"partners": str(team_id)},
            "UserGroupSeparator": "", "SSOOnlyForRegisteredUsers": False, **fields}


def saml_body(**fields):
    return {"ID": "staff-saml", "Name": "Staff", "ActionType": ADMINS, "ProviderName": "SAMLProvider",
            "ProviderConfig": {"IDPMetaDataXML": sso.idp_metadata(), "CertLocation": "/etc/tib/sp.pem",
                               "SAMLBaseURL": "http://tib.example.com:3010", "EntityId": "https://portal.example.com",
                               "ForceAuthentication": True, "SAMLEmailClaim": "mail",
                               "SAMLForenameClaim": "givenName", "SAMLSurnameClaim": "sn"},
            "CustomUserGroupField": "memberOf", "UserRoleMapping": {"portal-admins": "super-admin"}, **fields}


def test_an_oidc_profile_round_trip_and_the_secret_is_write_only(api, admin, caplog):
    caplog.set_level(logging.DEBUG)
    team = factories.team(factories.organisation())
    response = api("post", "/sso_profiles", oidc_body(team.pk))
    created = ok(response, 201)
    assert "CallbackBaseURL" in response["Warning"]  # TIB's own setting: accepted, ignored, said
    assert set(created) == FULL
    config = created["ProviderConfig"]
    assert config == {"UseProviders": [{"Name": "openid-connect", "Key": "portal", "Secret": "",
                                        "DiscoverURL": DISCOVER, "Scopes": ["openid", "email", "groups"]}]}
    assert created["HasClientSecret"] is True and created["ProviderName"] == "SocialProvider"
    assert created["LoginURL"] == "http://testserver/tib/auth/corp-oidc/openid-connect"
    assert created["RedirectURL"] == "http://testserver/tib/auth/corp-oidc/openid-connect/callback"
    assert created["MetadataURL"] == "" and created["UpdatedBy"] == admin.email
    assert (created["UserGroupMapping"], created["DefaultUserGroupID"]) == ({"partners": str(team.pk)}, str(team.pk))
    assert created["IdentityHandlerConfig"] == {"DashboardCredential": "ignored-by-forecourt"}
    profile = SsoProfile.objects.get()
    assert profile.oidc_client_secret == SECRET and profile.protocol == "oidc" and profile.default_team == team

    path = "/sso_profiles/corp-oidc"
    shown = ok(api("get", path))
    assert shown == created
    listed = ok(api("get", "/sso_profiles"))
    assert [set(p) for p in listed] == [INDEX]
    assert listed[0]["SelectedProviderType"] == "openid-connect" and listed[0]["LoginURL"] == created["LoginURL"]

    # What a GET answered goes back unchanged: the secret ("") is kept, nothing is recorded as changed.
    audited = AuditEntry.objects.count()
    assert ok(api("put", path, shown))["UpdatedBy"] == admin.email
    assert SsoProfile.objects.get().oidc_client_secret == SECRET
    assert all(not e.changes for e in AuditEntry.objects.order_by("pk")[audited:])
    # A PUT without the secret keeps it; with one, replaces it.
    changed = ok(api("put", path, {"Name": "Corp", "UserRoleMapping": {"leads": "consumer-admin"},
                                   "ProviderConfig": {"UseProviders": [{"Name": "openid-connect", "Key": "portal2"}]}}))
    assert (changed["Name"], changed["UserRoleMapping"]) == ("Corp", {"leads": "consumer-admin"})
    assert changed["ProviderConfig"]["UseProviders"][0]["Key"] == "portal2"
    assert SsoProfile.objects.get().oidc_client_secret == SECRET
    ok(api("put", path, {"ProviderConfig": {"UseProviders": [{"Name": "openid-connect",
                                                               "Secret": "the-next-one-123"}]}}))
    assert SsoProfile.objects.get().oidc_client_secret == "the-next-one-123"

    ok(api("delete", path))
    assert api("get", path).status_code == 404 and not SsoProfile.objects.exists()
    entries = AuditEntry.objects.filter(object_type="sso.ssoprofile").order_by("pk")
    assert [e.action for e in entries] == ["create", "update", "update", "delete"]
    written = caplog.text + json.dumps([[e.changes, e.note] for e in AuditEntry.objects.all()])
    for secret in (SECRET, "the-next-one-123"):
        assert secret not in written
        assert secret not in json.dumps([created, shown, changed, listed])


def test_a_saml_profile_round_trip(api, admin):
    response = api("post", "/sso_profiles", saml_body())
    created = ok(response, 201)
    assert "CertLocation" in response["Warning"] and "SAMLBaseURL" in response["Warning"]
    assert created["ProviderName"] == "SAMLProvider" and created["HasClientSecret"] is False
    config = dict(created["ProviderConfig"])
    assert "IDPSSODescriptor" in config.pop("IDPMetaDataXML")
    assert config == {"IDPMetaDataURL": "", "EntityId": "https://portal.example.com", "ForceAuthentication": True,
                      "SignedAssertionsRequired": True, "SAMLEmailClaim": "mail", "SAMLForenameClaim": "givenName",
                      "SAMLSurnameClaim": "sn"}
    assert created["MetadataURL"] == "http://testserver/tib/auth/staff-saml/saml/metadata"
    assert created["LoginURL"] == "http://testserver/tib/auth/staff-saml/saml"
    path = "/sso_profiles/staff-saml"
    shown = ok(api("get", path))
    again = api("put", path, shown)
    assert ok(again) == shown and "Warning" not in again  # a GET body PUT back: nothing ignored, nothing said
    # A metadata URL replaces the pasted document (a Tyk body names only the URL).
    moved = ok(api("put", path, {"ProviderConfig": {"IDPMetaDataURL": "https://127.0.0.1:8443/idp/metadata",
                                                    "SignedAssertionsRequired": False}}))
    assert moved["ProviderConfig"]["IDPMetaDataXML"] == ""
    assert moved["ProviderConfig"]["SignedAssertionsRequired"] is False
    assert ok(api("get", "/sso_profiles"))[0]["SelectedProviderType"] == "saml"


def test_ldap_is_refused_with_a_422(api, admin):
    body = {"ID": "ldap_dev", "Name": "Developers@LocalAD", "ActionType": CONSUMERS, "ProviderName": "ADProvider",
            "ProviderConfig": {"LDAPServer": "ldap.example.com", "LDAPPort": "389"}}
    assert "ADProvider (LDAP) is not supported" in refused(api("post", "/sso_profiles", body), 422)
    assert not SsoProfile.objects.exists()


@pytest.mark.parametrize(("change", "says"), [
    ({"UserGroupMapping": {"partners": "999999"}}, "UserGroupMapping: There is no team with the ID 999999"),
    ({"UserRoleMapping": {"ops": "super-admin"}}, "UserRoleMapping:"),
    ({"ID": "not a key"}, "ID:"),
    ({"ActionType": "Whatever"}, "ActionType: Say who signs in"),
    ({"ProviderName": "TwitterProvider"}, "ProviderName:"),
    ({"ProviderConfig": {"UseProviders": [{"Name": "google", "Key": "k", "Secret": "s"}]}}, "only openid-connect"),
    ({"ProviderConfig": {"UseProviders": []}}, "UseProviders: give one provider"),
    ({"ProviderConfig": {"UseProviders": [{"Name": "openid-connect", "Key": "k", "Secret": SECRET}]}},
     "ProviderConfig.UseProviders[0].DiscoverURL: OpenID Connect needs"),
    ({"ProviderConfig": {"IDPMetaDataURL": "https://idp.example.com/md"}},
     "ProviderConfig.IDPMetaDataURL: not a setting"),
    ({"ReturnURL": "javascript:alert(1)"}, "ReturnURL:"),
    ({"DefaultUserGroupID": "abc"}, "DefaultUserGroupID:"),
    ({"ProviderConstraintsDomain": "not a domain!"}, "ProviderConstraintsDomain:"),
])
def test_a_bad_body_is_a_400_and_saves_nothing(api, admin, change, says, caplog):
    caplog.set_level(logging.DEBUG)
    team = factories.team(factories.organisation())
    assert says in refused(api("post", "/sso_profiles", oidc_body(team.pk, **change)))
    assert not SsoProfile.objects.exists() and not AuditEntry.objects.filter(object_type="sso.ssoprofile").exists()
    assert SECRET not in caplog.text


def test_saml_settings_are_checked_too(api, admin):
    assert "ProviderConfig.IDPMetaDataXML: The metadata may not contain a DTD" in refused(api(
        "post", "/sso_profiles", saml_body(ProviderConfig={
            "IDPMetaDataXML": '<!DOCTYPE x [<!ENTITY a "b">]>' + sso.idp_metadata().split("?>", 1)[1]})))
    assert "ProviderConfig.ForceAuthentication: give true or false" in refused(api(
        "post", "/sso_profiles", saml_body(ProviderConfig={"IDPMetaDataXML": sso.idp_metadata(),
                                                           "ForceAuthentication": "yes"})))
    assert "SAML needs the IdP's metadata" in refused(api("post", "/sso_profiles", saml_body(ProviderConfig={})))
    assert "ProviderName: give SocialProvider" in refused(api("post", "/sso_profiles", {"ID": "x", "Name": "X"}))
    assert not SsoProfile.objects.exists()


def test_missing_profiles_are_404_and_ids_do_not_change(api, admin):
    for method, body in (("get", None), ("put", {"Name": "x"}), ("delete", None)):
        assert refused(api(method, "/sso_profiles/nobody", body), 404)
    ok(api("post", "/sso_profiles", saml_body()), 201)
    assert "ID: a profile's ID cannot change" in refused(api("put", "/sso_profiles/staff-saml", {"ID": "other"}))
    assert "There is an SSO profile with the ID staff-saml already" in refused(
        api("post", "/sso_profiles", saml_body()))
    assert "There is an SSO profile with the ID STAFF-SAML" in refused(
        api("post", "/sso_profiles", saml_body(ID="STAFF-SAML")))


def test_deleting_a_profile_unlinks_its_accounts_and_says_how_many(api, admin):
    ok(api("post", "/sso_profiles", saml_body(ActionType=CONSUMERS, UserRoleMapping={})), 201)
    profile = SsoProfile.objects.get()
    users = [factories.consumer(), factories.consumer()]
    for i, user in enumerate(users):
        SsoIdentity.objects.create(profile=profile, subject=f"s{i}", user=user, linked_by="just-in-time")
    # A profile with linked accounts keeps its audience: they would mean something else.
    assert "2 accounts are linked" in refused(api("put", "/sso_profiles/staff-saml", {"ActionType": ADMINS}))
    ok(api("delete", "/sso_profiles/staff-saml"))
    assert not SsoIdentity.objects.exists() and all(type(u).objects.filter(pk=u.pk).exists() for u in users)
    assert AuditEntry.objects.filter(object_type="sso.ssoprofile", note="deleted with 2 linked accounts").exists()
