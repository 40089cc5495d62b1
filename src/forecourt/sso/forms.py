"""The SSO profile form, the one both admin interfaces write through (the Admin Portal's pages, and the
Admin API's `/sso_profiles`, which turns Tyk's body into these fields: api/routers/sso_profiles.py), so a
profile is checked by the same rules whichever way it comes in, and audited the same way
(forecourt.resources.writes).

Why the rules are strict at save time: a profile is used at sign-in by people who cannot fix it, so a
mapping to a team that does not exist, a role the audience cannot have or an IdP document that is not
one is refused here, with the field and the reason, and nothing is saved.
"""

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from forecourt.accounts import registration
from forecourt.accounts.models import Role, Team
from forecourt.wording import counted_in

from . import idp_metadata, targets
from .models import SsoIdentity, SsoProfile

if TYPE_CHECKING:  # generic in django-stubs only: at run time ModelForm takes no type argument
    from django.utils.functional import _StrOrPromise

    ModelForm = forms.ModelForm[Any]
else:
    ModelForm = forms.ModelForm

HTTP_ONLY = _("Give an http:// or https:// URL.")
HTTP = URLValidator(schemes=["http", "https"], message=HTTP_ONLY)
WELL_KNOWN = "/.well-known/openid-configuration"
MAX_MAPPINGS = 500

# The roles a group may map to, by audience (Tyk's ActionType).
ROLES = {
    SsoProfile.ActionType.CONSUMERS: (Role.CONSUMER_ADMIN, Role.CONSUMER_TEAM_MEMBER),
    SsoProfile.ActionType.ADMINS: (Role.SUPER_ADMIN, Role.PROVIDER_ADMIN),
}


def _hidden_json() -> forms.JSONField:
    return forms.JSONField(required=False, widget=forms.HiddenInput)


def _mapping_json(label: "_StrOrPromise", help_text: "_StrOrPromise") -> forms.JSONField:
    return forms.JSONField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=help_text)


class SsoProfileForm(ModelForm):
    oidc_discovery_url = forms.URLField(
        label=_("OpenID Connect: discovery URL"), max_length=500, required=False, assume_scheme="https",
        validators=[HTTP, targets.validate], error_messages={"invalid": HTTP_ONLY},
        help_text=_("The issuer's discovery document, e.g. https://idp.example.com/realms/portal/.well-known/"
                    "openid-configuration (the issuer's URL alone is completed). Private addresses follow "
                    "Providers.AllowPrivateTargets."))
    oidc_client_secret = forms.CharField(
        label=_("OpenID Connect: client secret"), required=False, strip=True, max_length=2000,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted, never shown again; leave empty to keep the current one."))
    saml_metadata_url = forms.URLField(
        label=_("SAML: IdP metadata URL"), max_length=500, required=False, assume_scheme="https",
        validators=[HTTP, targets.validate], error_messages={"invalid": HTTP_ONLY},
        help_text=_("Where the IdP publishes its metadata; or paste the document below instead."))
    group_team_mapping = _mapping_json(_("Group team mapping"), _(
        'A JSON object from a group to a team ID, e.g. {"partners": "12", "staff": "3"}. The first of the user\'s '
        "groups that maps decides the organisation; every mapped team of it is given, at every sign-in."))
    group_role_mapping = _mapping_json(_("Group role mapping"), _(
        'A JSON object from a group to a role, e.g. {"portal-owners": "consumer-admin"}. Consumers: '
        "consumer-admin or consumer-team-member; admins: super-admin or provider-admin. The highest mapped "
        "role wins, at every sign-in."))
    tyk_identity_handler_config = _hidden_json()

    class Meta:
        model = SsoProfile
        fields = ["key", "name", "enabled", "action_type", "protocol",
                  "oidc_discovery_url", "oidc_client_id", "oidc_client_secret", "oidc_scopes",
                  "saml_metadata_url", "saml_metadata_xml", "saml_sp_entity_id", "saml_want_assertions_signed",
                  "saml_force_authn", "saml_email_attribute", "saml_first_name_attribute",
                  "saml_last_name_attribute",
                  "user_id_field", "email_field", "existing_users_only", "default_team", "group_field",
                  "group_separator", "group_team_mapping", "group_role_mapping", "allowed_domains",
                  "required_group", "return_url",
                  "tyk_type", "tyk_org_id", "tyk_matched_policy_id", "tyk_identity_handler_config"]
        labels = {
            "oidc_client_id": _("OpenID Connect: client ID"), "oidc_scopes": _("OpenID Connect: scopes"),
            "saml_metadata_xml": _("SAML: IdP metadata XML"), "saml_sp_entity_id": _("SAML: SP entity ID"),
            "saml_want_assertions_signed": _("SAML: signed assertions required"),
            "saml_force_authn": _("SAML: force authentication"),
            "saml_email_attribute": _("SAML: e-mail attribute"),
            "saml_first_name_attribute": _("SAML: first name attribute"),
            "saml_last_name_attribute": _("SAML: last name attribute"),
        }
        widgets = {"tyk_type": forms.HiddenInput, "tyk_org_id": forms.HiddenInput,
                   "tyk_matched_policy_id": forms.HiddenInput,
                   "saml_metadata_xml": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        key = self.fields["key"]
        key.error_messages["required"] = _("A profile needs an ID: letters, digits, - and _ (it is part of its URLs).")
        key.error_messages["invalid"] = _("An ID has only letters, digits, - and _ (it is part of its URLs).")
        self.fields["name"].error_messages["required"] = _("A profile needs a name: it is the sign-in button's "
                                                           "label.")
        audience = self.fields["action_type"]
        audience.error_messages["required"] = audience.error_messages["invalid_choice"] = (
            _("Say who signs in through it: GenerateOrLoginDeveloperProfile (consumers, the Live Portal) or "
              "GenerateOrLoginUserProfile (admins, the Admin Portal)."))
        if self.instance.pk:  # the IdP's registered redirect URI holds it
            key.disabled = True
            key.help_text = _("Part of the sign-in and callback URLs registered at the identity provider: it "
                              "cannot change. Make a new profile for another ID.")
        team = self.fields["default_team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = Team.objects.select_related("organisation").order_by("organisation__name", "name")
        team.error_messages["invalid_choice"] = _("There is no such team: give the ID of an existing one.")
        team.help_text = _("Consumers' profiles only: users whose groups match no team mapping land in this team "
                           "(and its organisation); empty: the Default Organisation's default team.")
        self.fields["allowed_domains"].help_text = _("Only e-mail addresses at these domains may sign in (commas "
                                                     "or spaces); empty: any.")

    # --- one field at a time --------------------------------------------------------------------

    def clean_key(self) -> str:
        key: str = (self.cleaned_data.get("key") or "").strip()
        if self.instance.pk:
            current: str = self.instance.key
            return current
        if not key:
            raise ValidationError(_("A profile needs an ID: letters, digits, - and _ (it is part of its URLs)."))
        if SsoProfile.objects.filter(key__iexact=key).exists():
            raise ValidationError(gettext("There is an SSO profile with the ID %(key)s already.") % {"key": key})
        return key

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise ValidationError(_("A profile needs a name: it is the sign-in button's label."))
        return name

    def clean_oidc_discovery_url(self) -> str:
        url: str = (self.cleaned_data.get("oidc_discovery_url") or "").strip()
        if url and not url.split("?", 1)[0].endswith(WELL_KNOWN):
            url = url.rstrip("/") + WELL_KNOWN  # an issuer URL: OpenID Connect Discovery 1.0, section 4
            if len(url) > 500:
                raise ValidationError(_("The discovery URL is too long (500 characters at most)."))
        return url

    def clean_oidc_client_id(self) -> str:
        value = (self.cleaned_data.get("oidc_client_id") or "").strip()
        if value and not value.isprintable():
            raise ValidationError(_("A client ID is printable text."))
        return value

    def clean_oidc_client_secret(self) -> str:
        secret: str = self.cleaned_data.get("oidc_client_secret") or ""
        if not secret and self.instance.pk:
            current: str = self.instance.oidc_client_secret
            return current
        if secret and not secret.isprintable():
            raise ValidationError(_("A client secret is printable text."))
        return secret

    def clean_oidc_scopes(self) -> str:
        scopes = [s for s in re.split(r"[\s,]+", self.cleaned_data.get("oidc_scopes") or "") if s]
        if any(not s.isprintable() or '"' in s or "\\" in s for s in scopes):
            raise ValidationError(_("Scopes are printable names without quotes or backslashes (RFC 6749)."))
        return " ".join(dict.fromkeys(["openid", *scopes]))  # OpenID Connect needs it; said once, first

    def clean_saml_metadata_xml(self) -> str:
        return idp_metadata.check(self.cleaned_data.get("saml_metadata_xml") or "")

    def clean_allowed_domains(self) -> str:
        return ", ".join(registration.parse_domains(self.cleaned_data.get("allowed_domains") or ""))

    def clean_return_url(self) -> str:
        url = (self.cleaned_data.get("return_url") or "").strip()
        if not url:
            return ""
        if any(c.isspace() or not c.isprintable() for c in url):
            raise ValidationError(_("A return URL has no spaces or control characters."))
        if url.startswith("/"):
            if url.startswith(("//", "/\\")):
                raise ValidationError(_("Give a path of this portal (/…) or a full http(s) URL, not //host."))
            return url
        try:
            HTTP(url)
        except ValidationError:
            raise ValidationError(_("Give a path of this portal, e.g. /catalogue, or a full http:// or https:// "
                                    "URL.")) from None
        return url

    def clean_group_team_mapping(self) -> dict[str, str]:
        mapping = self._mapping("group_team_mapping")
        ids: dict[str, int] = {}
        for group, value in mapping.items():
            text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
            if not text.isdigit() or not 1 <= int(text) < 2**31:
                raise ValidationError(gettext("The group “%(group)s” maps to %(value)s: give a team's ID, e.g. "
                                              "\"12\".") % {"group": group, "value": repr(value)})
            ids[group] = int(text)
        known = set(Team.objects.filter(pk__in=set(ids.values())).values_list("pk", flat=True))
        unknown = sorted({i for i in ids.values() if i not in known})
        if unknown:
            raise ValidationError(ngettext(
                "There is no team with the ID %(ids)s: map groups to existing teams (Teams lists their IDs).",
                "There are no teams with the IDs %(ids)s: map groups to existing teams (Teams lists their IDs).",
                len(unknown)) % {"ids": ", ".join(map(str, unknown))})
        return {group: str(team_id) for group, team_id in ids.items()}

    def clean_group_role_mapping(self) -> dict[str, str]:
        mapping = self._mapping("group_role_mapping")
        for group, value in mapping.items():
            if not isinstance(value, str) or value.strip() not in Role.values:
                raise ValidationError(gettext("The group “%(group)s” maps to %(value)s, which is not a role: use "
                                              "%(roles)s.") % {"group": group, "value": repr(value),
                                                                "roles": ", ".join(Role.values)})
        return {group: str(value).strip() for group, value in mapping.items()}

    def _mapping(self, name: str) -> dict[str, Any]:
        value = self.cleaned_data.get(name)
        if value in (None, "", {}):
            return {}
        if not isinstance(value, dict):
            raise ValidationError(_('Give a JSON object, e.g. {"group": "value"}.'))
        if len(value) > MAX_MAPPINGS:
            raise ValidationError(gettext("At most %(count)s groups.") % {"count": MAX_MAPPINGS})
        out: dict[str, Any] = {}
        for group, mapped in value.items():
            name_ = group.strip()
            if not name_ or len(name_) > 255 or not name_.isprintable():
                raise ValidationError(_("Each group is a name of 1 to 255 printable characters."))
            out[name_] = mapped
        return out

    def clean_tyk_identity_handler_config(self) -> dict[str, Any]:
        value = self.cleaned_data.get("tyk_identity_handler_config")
        if value in (None, "", {}):
            return {}
        if not isinstance(value, dict):
            raise ValidationError(_("IdentityHandlerConfig is a JSON object."))
        return value

    # --- the fields together --------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        audience = data.get("action_type")
        protocol = data.get("protocol")
        if protocol == SsoProfile.Protocol.OIDC:
            self._require(data, "oidc_discovery_url", _("OpenID Connect needs the IdP's discovery URL."))
            self._require(data, "oidc_client_id", _("OpenID Connect needs the client ID the IdP gave the portal."))
            self._require(data, "oidc_client_secret", _("OpenID Connect needs the client's secret."))
        elif protocol == SsoProfile.Protocol.SAML:
            url, xml = data.get("saml_metadata_url"), data.get("saml_metadata_xml")
            if not url and not xml and "saml_metadata_xml" not in self.errors:
                self.add_error("saml_metadata_url", _("SAML needs the IdP's metadata: its URL, or the document "
                                                      "pasted in IdP metadata XML."))
            elif url and xml:
                self.add_error("saml_metadata_xml", _("Give the IdP's metadata URL or its XML, not both."))
        if audience in ROLES:
            allowed = ROLES[SsoProfile.ActionType(audience)]
            wrong = {g: r for g, r in (data.get("group_role_mapping") or {}).items() if r not in allowed}
            if wrong:
                group, role = next(iter(wrong.items()))
                message = (gettext("The group “%(group)s” maps to %(role)s, which admins cannot have: use "
                                   "%(first)s or %(second)s.")
                           if audience == SsoProfile.ActionType.ADMINS else
                           gettext("The group “%(group)s” maps to %(role)s, which consumers cannot have: use "
                                   "%(first)s or %(second)s."))
                first, second = allowed  # each audience has two roles (ROLES)
                self.add_error("group_role_mapping",
                               message % {"group": group, "role": role, "first": first, "second": second})
            if audience == SsoProfile.ActionType.ADMINS and data.get("default_team") is not None:
                self.add_error("default_team", _("Only consumers' profiles have a default team: admins' profiles "
                                                 "sign admins in, who need none."))
        self._keep_identities_meaningful(data)
        return data

    def _require(self, data: dict[str, Any], name: str, message: "_StrOrPromise") -> None:
        if not data.get(name) and name not in self.errors:
            self.add_error(name, message)

    def _keep_identities_meaningful(self, data: dict[str, Any]) -> None:
        """A profile with linked accounts keeps its audience and protocol: a consumer's link would
        otherwise sign an admin in, and a SAML NameID would be compared with OpenID Connect subjects."""
        if not self.instance.pk:
            return
        changed = [name for name in ("action_type", "protocol")
                   if name in data and data[name] != getattr(self.instance, name)]
        if not changed:
            return
        linked = SsoIdentity.objects.filter(profile_id=self.instance.pk).count()
        if linked:
            for name in changed:
                self.add_error(name, counted_in(ngettext(
                    "%(count)s account is linked to this profile: its audience and protocol cannot change. "
                    "Make a new profile instead.",
                    "%(count)s accounts are linked to this profile: its audience and protocol cannot change. "
                    "Make a new profile instead.", linked), linked))

    def validate_unique(self) -> None:  # clean_key() says it in words
        pass
