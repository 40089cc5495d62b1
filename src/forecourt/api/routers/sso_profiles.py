"""/portal-api/sso_profiles: SSO profiles by Tyk's field names (v1.14's five operations), written through
the form the Admin Portal uses (forecourt.sso.forms), so the rules and the audit log are shared.

A profile's ID is its key (a string, e.g. "corp-oidc"), as in Tyk and in the sign-in URLs. Tyk's
`ProviderConfig` object is split into the profile's typed columns on the way in and put back together on
the way out. What differs from Tyk, on purpose (docs/migrating-from-tyk.md):

* `ProviderName` `SocialProvider` (OpenID Connect: one `UseProviders` entry named `openid-connect`) and
  `SAMLProvider` only; `ADProvider` (LDAP) is a 422: Forecourt does not sign in through LDAP.
* The client secret (`ProviderConfig.UseProviders[0].Secret`) is write-only: answered as "", and a PUT
  without it (or with "") keeps the stored one. `HasClientSecret` says whether there is one.
* A body the rules refuse is a 400 (Tyk's code for this resource), naming each field by Tyk's name.
* Extra fields: `Enabled`, `UserRoleMapping` ({group: role}), `LoginURL`, `RedirectURL`, `MetadataURL`,
  `UpdatedAt`, `UpdatedBy`, `HasClientSecret`, and inside `ProviderConfig` for SAML `IDPMetaDataXML` and
  `SignedAssertionsRequired`.
* TIB-only settings (`CallbackBaseURL`, `SAMLBaseURL`, `CertLocation`, `FailureRedirect`...) are accepted
  and ignored (named in the `Warning` header), and not answered: `LoginURL`, `RedirectURL` and
  `MetadataURL` are the profile's URLs at this portal.
"""

from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Status
from ninja import Path as PathParam
from ninja.errors import HttpError

from forecourt import redaction
from forecourt.notify import links
from forecourt.sso.models import SsoProfile

from .. import forms
from ..common import ERRORS, PagingQuery, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn, note_ignored
from ..schemas_base import Out

router = Router(tags=["sso-profiles"])

ProfileId = Annotated[str, PathParam(min_length=1, max_length=100, description="The profile's ID (its key).")]

OIDC, SAML, LDAP = "SocialProvider", "SAMLProvider", "ADProvider"
PROTOCOLS = {OIDC: SsoProfile.Protocol.OIDC, SAML: SsoProfile.Protocol.SAML}
PROVIDER_NAMES = {v: k for k, v in PROTOCOLS.items()}
OIDC_NAME = "openid-connect"

# Top-level fields: Tyk's name -> the form's field.
FIELDS = {"ID": "key", "Name": "name", "OrgID": "tyk_org_id", "ActionType": "action_type",
          "MatchedPolicyID": "tyk_matched_policy_id", "Type": "tyk_type", "CustomEmailField": "email_field",
          "CustomUserIDField": "user_id_field", "IdentityHandlerConfig": "tyk_identity_handler_config",
          "ProviderConstraintsDomain": "allowed_domains", "ProviderConstraintsGroup": "required_group",
          "ReturnURL": "return_url", "CustomUserGroupField": "group_field", "UserGroupMapping": "group_team_mapping",
          "UserGroupSeparator": "group_separator", "SSOOnlyForRegisteredUsers": "existing_users_only",
          "Enabled": "enabled", "UserRoleMapping": "group_role_mapping", "DefaultUserGroupID": "default_team",
          "ProviderName": "protocol"}
_P = "ProviderConfig"
_U = f"{_P}.UseProviders[0]"
OIDC_CONFIG = {"Key": "oidc_client_id", "Secret": "oidc_client_secret", "DiscoverURL": "oidc_discovery_url",
               "Scopes": "oidc_scopes"}
SAML_CONFIG = {"IDPMetaDataURL": "saml_metadata_url", "IDPMetaDataXML": "saml_metadata_xml",
               "EntityId": "saml_sp_entity_id", "ForceAuthentication": "saml_force_authn",
               "SignedAssertionsRequired": "saml_want_assertions_signed", "SAMLEmailClaim": "saml_email_attribute",
               "SAMLForenameClaim": "saml_first_name_attribute", "SAMLSurnameClaim": "saml_last_name_attribute"}
SAML_BOOLEANS = frozenset({"ForceAuthentication", "SignedAssertionsRequired"})
# Settings of Tyk's Identity Broker that Forecourt has no use for: accepted, ignored, named in Warning.
TIB_ONLY = frozenset({"CallbackBaseURL", "FailureRedirect", "CertLocation", "SAMLBaseURL", "SAMLBinding"})
TIB_ONLY_PROVIDER = frozenset({"SkipUserInfoRequest"})

NAMES = {**{form: tyk for tyk, form in FIELDS.items()}, **{form: f"{_U}.{tyk}" for tyk, form in OIDC_CONFIG.items()},
         **{form: f"{_P}.{tyk}" for tyk, form in SAML_CONFIG.items()}}


class SsoProfileIndexOut(Out):
    """An element of the list (Tyk's SSOProfile index)."""

    ID: str
    Name: str
    ActionType: str
    LoginURL: str
    RedirectURL: str
    SelectedProviderType: str = Field(description="openid-connect or saml.")
    UpdatedAt: str | None
    UpdatedBy: str


class SsoProfileOut(Out):
    ID: str
    Name: str
    OrgID: str
    ActionType: str = Field(description="GenerateOrLoginDeveloperProfile (consumers, the Live Portal) or "
                                        "GenerateOrLoginUserProfile (admins, the Admin Portal).")
    MatchedPolicyID: str
    Type: str
    ProviderName: str = Field(description="SocialProvider (OpenID Connect) or SAMLProvider.")
    CustomEmailField: str
    CustomUserIDField: str
    ProviderConfig: dict[str, Any] = Field(description="SocialProvider: UseProviders (one entry named "
                                                       "openid-connect: Key, Secret (always answered \"\"), "
                                                       "DiscoverURL, Scopes). SAMLProvider: IDPMetaDataURL or "
                                                       "IDPMetaDataXML, EntityId, ForceAuthentication, "
                                                       "SignedAssertionsRequired, SAMLEmailClaim, "
                                                       "SAMLForenameClaim, SAMLSurnameClaim.")
    IdentityHandlerConfig: dict[str, Any]
    ProviderConstraintsDomain: str = Field(description="E-mail domains that may sign in (commas); empty: any.")
    ProviderConstraintsGroup: str = Field(description="A group the user must be in; empty: none.")
    ReturnURL: str
    DefaultUserGroupID: str = Field(description="A team's ID (consumers' profiles); empty: the default team.")
    CustomUserGroupField: str
    UserGroupMapping: dict[str, str] = Field(description="Group -> team ID, applied at every sign-in.")
    UserGroupSeparator: str
    SSOOnlyForRegisteredUsers: bool
    Enabled: bool = Field(description="Forecourt's: off, no sign-in button and its URLs refuse.")
    UserRoleMapping: dict[str, str] = Field(description="Forecourt's: group -> role (consumer-admin, "
                                                        "consumer-team-member; super-admin, provider-admin).")
    HasClientSecret: bool = Field(description="Whether a client secret is stored (it is never answered).")
    LoginURL: str
    RedirectURL: str = Field(description="The callback to register at the IdP (redirect URI, SAML ACS URL).")
    MetadataURL: str = Field(description="SAML: the portal's SP metadata for this profile; else empty.")
    UpdatedAt: str | None
    UpdatedBy: str


class SsoProfileIn(TykIn):
    """A profile to create, or the changes to one: fields left out keep their value."""

    READ_ONLY = frozenset({"LoginURL", "RedirectURL", "MetadataURL", "UpdatedAt", "UpdatedBy", "HasClientSecret",
                           "SelectedProviderType"})
    ID: str | None = Field(None, max_length=100, description="The key in the profile's URLs; fixed once made.")
    Name: str | None = Field(None, max_length=255)
    OrgID: str | None = Field(None, max_length=64)
    ActionType: str | None = Field(None, max_length=40)
    MatchedPolicyID: str | None = Field(None, max_length=64)
    Type: str | None = Field(None, max_length=32)
    ProviderName: str | None = Field(None, max_length=32)
    CustomEmailField: str | None = Field(None, max_length=255)
    CustomUserIDField: str | None = Field(None, max_length=255)
    ProviderConfig: dict[str, Any] | None = None
    IdentityHandlerConfig: dict[str, Any] | None = None
    ProviderConstraintsDomain: str | None = Field(None, max_length=1000)
    ProviderConstraintsGroup: str | None = Field(None, max_length=255)
    ReturnURL: str | None = Field(None, max_length=500)
    DefaultUserGroupID: str | int | None = None
    CustomUserGroupField: str | None = Field(None, max_length=255)
    UserGroupMapping: dict[str, Any] | None = None
    UserGroupSeparator: str | None = Field(None, max_length=8)
    SSOOnlyForRegisteredUsers: bool | None = None
    Enabled: bool | None = None
    UserRoleMapping: dict[str, Any] | None = None


class BadProfile(HttpError):
    """400 with every problem, each as "Field: message" by Tyk's field names (Tyk's code for this resource)."""

    def __init__(self, *errors: str) -> None:
        super().__init__(400, "; ".join(errors))
        self.errors = list(errors)


def _url(request: HttpRequest, path: str) -> str:
    return links.base_url(request).rstrip("/") + path


def _provider_config(p: SsoProfile) -> dict[str, Any]:
    """Tyk's ProviderConfig from the typed columns; the secret never (TIB's own settings, such as
    CallbackBaseURL, are not answered: LoginURL and RedirectURL say what they were for)."""
    if p.protocol == SsoProfile.Protocol.OIDC:
        return {"UseProviders": [{"Name": OIDC_NAME, "Key": p.oidc_client_id, "Secret": "",
                                  "DiscoverURL": p.oidc_discovery_url, "Scopes": p.oidc_scopes.split()}]}
    return {"IDPMetaDataURL": p.saml_metadata_url, "IDPMetaDataXML": p.saml_metadata_xml,
            "EntityId": p.saml_sp_entity_id,
            "ForceAuthentication": p.saml_force_authn, "SignedAssertionsRequired": p.saml_want_assertions_signed,
            "SAMLEmailClaim": p.saml_email_attribute, "SAMLForenameClaim": p.saml_first_name_attribute,
            "SAMLSurnameClaim": p.saml_last_name_attribute}


def _index(request: HttpRequest, p: SsoProfile) -> SsoProfileIndexOut:
    return SsoProfileIndexOut(ID=p.key, Name=p.name, ActionType=p.action_type, LoginURL=_url(request, p.login_path()),
                              RedirectURL=_url(request, p.callback_path()), SelectedProviderType=p.provider_segment,
                              UpdatedAt=tyk_time(p.updated_at), UpdatedBy=p.updated_by)


def _full(request: HttpRequest, p: SsoProfile) -> SsoProfileOut:
    return SsoProfileOut(
        ID=p.key, Name=p.name, OrgID=p.tyk_org_id, ActionType=p.action_type, MatchedPolicyID=p.tyk_matched_policy_id,
        Type=p.tyk_type, ProviderName=PROVIDER_NAMES[SsoProfile.Protocol(p.protocol)],
        CustomEmailField=p.email_field, CustomUserIDField=p.user_id_field,
        ProviderConfig=_provider_config(p), IdentityHandlerConfig=p.tyk_identity_handler_config or {},
        ProviderConstraintsDomain=p.allowed_domains, ProviderConstraintsGroup=p.required_group,
        ReturnURL=p.return_url, DefaultUserGroupID=str(p.default_team_id or ""), CustomUserGroupField=p.group_field,
        UserGroupMapping=p.group_team_mapping or {}, UserGroupSeparator=p.group_separator,
        SSOOnlyForRegisteredUsers=p.existing_users_only, Enabled=p.enabled,
        UserRoleMapping=p.group_role_mapping or {}, HasClientSecret=bool(p.oidc_client_secret),
        LoginURL=_url(request, p.login_path()), RedirectURL=_url(request, p.callback_path()),
        MetadataURL=_url(request, p.metadata_path()) if p.protocol == SsoProfile.Protocol.SAML else "",
        UpdatedAt=tyk_time(p.updated_at), UpdatedBy=p.updated_by)


# --- Tyk's body to the form's fields -----------------------------------------------------------------

def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise BadProfile(f"{where}: give a string")
    return value


def _oidc_config(config: dict[str, Any]) -> dict[str, Any]:
    providers = config.get("UseProviders")
    if providers is None:
        return {}
    if not isinstance(providers, list) or len(providers) != 1 or not isinstance(providers[0], dict):
        raise BadProfile(f"{_P}.UseProviders: give one provider, named {OIDC_NAME}")
    entry = providers[0]
    name = entry.get("Name", OIDC_NAME)
    if name != OIDC_NAME:
        raise BadProfile(f"{_U}.Name: only {OIDC_NAME} is supported, not {str(name)[:40]!r}. Google, Entra ID, "
                         "Okta, Keycloak and others are OpenID Connect providers: give their discovery URL")
    unknown = sorted(set(entry) - set(OIDC_CONFIG) - TIB_ONLY_PROVIDER - {"Name"})
    if unknown:
        raise BadProfile(*(f"{_U}.{k}: not a field of an OpenID Connect provider" for k in unknown))
    note_ignored([f"{_U}.{k}" for k in sorted(TIB_ONLY_PROVIDER & set(entry))])
    changes: dict[str, Any] = {}
    for tyk, form in OIDC_CONFIG.items():
        if tyk not in entry:
            continue
        value = entry[tyk]
        if tyk == "Scopes" and isinstance(value, list):
            value = " ".join(_text(v, f"{_U}.Scopes") for v in value)
        value = _text(value, f"{_U}.{tyk}")
        if tyk == "Secret" and not value:
            continue  # write-only: "" (what a GET answers) keeps the stored secret
        changes[form] = value
    return changes


def _saml_config(config: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for tyk, form in SAML_CONFIG.items():
        if tyk not in config:
            continue
        value = config[tyk]
        if tyk in SAML_BOOLEANS:
            if not isinstance(value, bool):
                raise BadProfile(f"{_P}.{tyk}: give true or false")
            changes[form] = value
        else:
            changes[form] = _text(value, f"{_P}.{tyk}")
    # A Tyk body names only the URL: giving one of URL and XML replaces the other.
    for given, other in (("saml_metadata_url", "saml_metadata_xml"), ("saml_metadata_xml", "saml_metadata_url")):
        if changes.get(given) and other not in changes:
            changes[other] = ""
    return changes


def _config_changes(config: dict[str, Any], protocol: str) -> dict[str, Any]:
    allowed = {"UseProviders"} if protocol == SsoProfile.Protocol.OIDC else set(SAML_CONFIG)
    unknown = sorted(set(config) - allowed - TIB_ONLY)
    if unknown:
        kind = "an OpenID Connect (SocialProvider)" if protocol == SsoProfile.Protocol.OIDC else "a SAMLProvider"
        raise BadProfile(*(f"{_P}.{k}: not a setting of {kind} profile" for k in unknown))
    note_ignored([f"{_P}.{k}" for k in sorted(TIB_ONLY & set(config))])
    return _oidc_config(config) if protocol == SsoProfile.Protocol.OIDC else _saml_config(config)


def _protocol(sent: dict[str, Any], current: SsoProfile | None) -> str:
    name = sent.get("ProviderName")
    if name is None:
        if current is None:
            raise BadProfile(f"ProviderName: give {OIDC} (OpenID Connect) or {SAML}")
        return current.protocol
    if name == LDAP:
        raise HttpError(422, f"ProviderName: {LDAP} (LDAP) is not supported: Forecourt signs in through OpenID "
                             f"Connect ({OIDC}) or SAML 2.0 ({SAML}); most directories offer one of them "
                             "(docs/sso.md)")
    if name not in PROTOCOLS:
        raise BadProfile(f"ProviderName: {str(name)[:40]!r} is not a provider: give {OIDC} (OpenID Connect) or "
                         f"{SAML}")
    return PROTOCOLS[name]


def _changes(payload: SsoProfileIn, current: SsoProfile | None) -> dict[str, Any]:
    sent = payload.model_dump(exclude_unset=True)
    protocol = _protocol(sent, current)
    if current is not None and "ID" in sent and sent["ID"] != current.key:
        raise BadProfile(f"ID: a profile's ID cannot change (it is in the URLs registered at the IdP): make a "
                         f"new profile for {str(sent['ID'])[:100]!r}")
    changes: dict[str, Any] = {}
    for tyk, form in FIELDS.items():
        if tyk in sent and tyk not in ("ProviderName", "DefaultUserGroupID"):
            changes[form] = sent[tyk]
    changes["protocol"] = protocol
    if "DefaultUserGroupID" in sent:
        team = str(sent["DefaultUserGroupID"] if sent["DefaultUserGroupID"] is not None else "").strip()
        if team and not team.isdigit():
            raise BadProfile(f"DefaultUserGroupID: {team[:40]!r} is not a team's ID")
        changes["default_team"] = int(team) if team else None
    if sent.get("ProviderConfig") is not None:
        changes.update(_config_changes(sent["ProviderConfig"], protocol))
    return changes


def _save(changes: dict[str, Any], request: HttpRequest, instance: SsoProfile | None = None) -> SsoProfile:
    with redaction.secrets_in_use(changes.get("oidc_client_secret")):
        try:
            profile: SsoProfile = forms.save("sso-profiles", changes, actor(request), instance=instance, names=NAMES)
        except forms.Invalid as exc:
            raise BadProfile(*exc.errors) from None
    return profile


def _profile(profile_id: str) -> SsoProfile:
    return get_object_or_404(SsoProfile, key=profile_id)


# --- the operations ----------------------------------------------------------------------------------

@router.get("/sso_profiles", response={200: list[SsoProfileIndexOut], **ERRORS})
def list_sso_profiles(request: HttpRequest, paging: PagingQuery) -> list[SsoProfileIndexOut]:
    rows = SsoProfile.objects.defer("saml_metadata_xml", "oidc_client_secret").order_by("pk")
    return [_index(request, p) for p in page_of(rows, paging)]


@router.post("/sso_profiles", response={201: SsoProfileOut, **ERRORS})
def create_sso_profile(request: HttpRequest, payload: SsoProfileIn) -> Status[SsoProfileOut]:
    """Create a profile (201, as Tyk). `ID`, `Name`, `ActionType`, `ProviderName` and the provider's settings
    are required; a body the rules refuse is a 400 naming each field; LDAP (`ADProvider`) is a 422."""
    defaults = {"enabled": True, "saml_want_assertions_signed": True, "tyk_type": "redirect",
                "oidc_scopes": "openid email profile"}
    return Status(201, _full(request, _save({**defaults, **_changes(payload, None)}, request)))


@router.get("/sso_profiles/{profile_id}", response={200: SsoProfileOut, **ERRORS})
def get_sso_profile(request: HttpRequest, profile_id: ProfileId) -> SsoProfileOut:
    return _full(request, _profile(profile_id))


@router.put("/sso_profiles/{profile_id}", response={200: SsoProfileOut, **ERRORS})
def update_sso_profile(request: HttpRequest, profile_id: ProfileId, payload: SsoProfileIn) -> SsoProfileOut:
    """Change a profile; fields left out keep their values, and so does the client secret when it is left
    out or "" (what a GET answers). The next sign-in applies the new group mappings."""
    profile = _profile(profile_id)
    return _full(request, _save(_changes(payload, profile), request, instance=profile))


@router.delete("/sso_profiles/{profile_id}", response={200: StatusOut, **ERRORS})
def delete_sso_profile(request: HttpRequest, profile_id: ProfileId) -> StatusOut:
    """Delete a profile and the links of the accounts that signed in through it (the accounts stay; the
    audit log says how many were linked)."""
    forms.delete("sso-profiles", _profile(profile_id), actor(request))
    return StatusOut()
