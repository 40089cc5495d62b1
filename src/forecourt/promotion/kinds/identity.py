"""OAuth providers (with their client types), SSO profiles and webhooks, as configuration files give
them.

OAuth providers are matched by name and list their client types inside them, by name (a client type
belongs to one provider; its products are product slugs). SSO profiles are matched by their `key`,
the ID in their sign-in URLs; teams are named by organisation and team names, never IDs: the default
team as {organisation, team}, the group mappings as group -> {organisation, team}. Webhooks are
matched by name.

Secrets are references (forecourt.promotion.secrets): an OAuth provider's initial access token, an
SSO profile's client secret, a webhook's signing secret, and every webhook header whose name says it
carries a credential (Authorization, Cookie, X-Api-Key, anything with auth, token, key, secret,
password, session, signature or credential in it): such a header's value given in clear is refused,
and export writes it as {env: FORECOURT_WEBHOOKS_<NAME>_HEADER_<HEADER>}. Other headers are plain
text, or a reference too if the file prefers. The forms keep a stored secret when given none, so a
file's `null` for one clears it on the object before the form sees it.

Pruning an SSO profile that accounts are linked through is refused: deleting it would delete those
links (consumers' data, which apply never touches); an admin can still delete it in the Admin Portal.
"""

from __future__ import annotations

from typing import Any

from forecourt.accounts.models import Team
from forecourt.oauth.models import ClientType, OAuthProvider
from forecourt.sso.models import SsoIdentity, SsoProfile
from forecourt.webhooks.events import EVENTS
from forecourt.webhooks.models import Webhook
from forecourt.wording import counted

from .. import secrets
from .base import (
    BOOL,
    HIDDEN,
    INT,
    SECRET_REFERENCE,
    STRING,
    STRINGS,
    TEXT,
    Child,
    ChildKind,
    Context,
    Field,
    Kind,
    choice,
    nullable,
)

TEAM = {"type": "object", "properties": {"organisation": STRING, "team": STRING},
        "required": ["organisation", "team"], "additionalProperties": False}
OBJECT: dict[str, Any] = {"type": "object"}


class RequiredSecret(Field):
    """A secret the object always has (a webhook's signing secret): a reference, never null."""

    def json_schema(self) -> dict[str, Any]:
        return {"oneOf": SECRET_REFERENCE}


class SecretsKeptWhenEmpty(Kind):
    """A kind whose form keeps the stored secret when given none ("leave empty to keep the current
    one"): the file's `null` means no secret, so it is cleared on the object before the form."""

    def save(self, values: dict[str, Any], obj: Any, ctx: Context, parent: Any = None) -> Any:
        if obj is not None:
            for f in self.fields:
                if f.secret and f.name in values and values[f.name] is None:
                    setattr(obj, f.model_attr, "")
        return super().save(values, obj, ctx, parent)


# --- OAuth providers and their client types ---------------------------------------------------------

class ClientTypes(ChildKind):
    name = "oauth_providers.client_types"
    model = ClientType
    resource = "client-types"
    parent_form_field = "provider"
    fields = (
        Field("description", TEXT),
        Field("grant_types", STRINGS),
        Field("response_types", STRINGS),
        Field("token_endpoint_auth_method", choice(ClientType.AuthMethod.values)),
        Field("okta_app_type", choice(ClientType.OktaAppType.values)),
        Field("scopes", STRING),
        Field("products", ref="products", many=True),
    )


class OAuthProviders(SecretsKeptWhenEmpty):
    name = "oauth_providers"
    model = OAuthProvider
    resource = "oauth-providers"
    description = "Identity providers for Dynamic Client Registration, with their client types; the initial " \
                  "access token by reference."
    fields = (
        Field("type", choice(OAuthProvider.Type.values)),
        Field("well_known_url", STRING),
        Field("registration_endpoint", STRING),
        Field("initial_access_token", secret=True),
        Field("insecure_skip_verify", BOOL),
        Field("timeout_seconds", INT),
    )
    children = (Child("client_types", ClientTypes()),)


# --- SSO profiles -------------------------------------------------------------------------------

def _team_names(team: Team) -> dict[str, str]:
    return {"organisation": team.organisation.name, "team": team.name}


def _team_pk(names: dict[str, Any]) -> int:
    """The team an {organisation, team} names; -1 (refused by the form) if there is none, which the
    plan has already named with its line."""
    team = Team.objects.filter(organisation__name=names.get("organisation"), name=names.get("team")).first()
    return team.pk if team is not None else -1


class SsoProfiles(SecretsKeptWhenEmpty):
    name = "sso_profiles"
    model = SsoProfile
    resource = "sso-profiles"
    key = "key"
    description = "SSO profiles (OpenID Connect or SAML), by the ID in their sign-in URLs; teams by organisation " \
                  "and team names; the client secret by reference."
    fields = (
        Field("name", STRING),
        Field("enabled", BOOL),
        Field("action_type", choice(SsoProfile.ActionType.values)),
        Field("protocol", choice(SsoProfile.Protocol.values)),
        Field("oidc_discovery_url", STRING),
        Field("oidc_client_id", STRING),
        Field("oidc_client_secret", secret=True),
        Field("oidc_scopes", STRING),
        Field("saml_metadata_url", STRING),
        Field("saml_metadata_xml", TEXT),
        Field("saml_sp_entity_id", STRING),
        Field("saml_want_assertions_signed", BOOL),
        Field("saml_force_authn", BOOL),
        Field("saml_email_attribute", STRING),
        Field("saml_first_name_attribute", STRING),
        Field("saml_last_name_attribute", STRING),
        Field("user_id_field", STRING),
        Field("email_field", STRING),
        Field("existing_users_only", BOOL),
        Field("default_team", nullable(TEAM)),
        Field("group_field", STRING),
        Field("group_separator", STRING),
        Field("group_team_mapping", {"type": "object", "additionalProperties": TEAM}),
        Field("group_role_mapping", {"type": "object", "additionalProperties": STRING}),
        Field("allowed_domains", STRING),
        Field("required_group", STRING),
        Field("return_url", STRING),
        Field("tyk_type", STRING),
        Field("tyk_org_id", STRING),
        Field("tyk_matched_policy_id", STRING),
        Field("tyk_identity_handler_config", OBJECT),
    )

    def queryset(self) -> Any:
        return super().queryset().select_related("default_team__organisation")

    def export_field(self, obj: Any, f: Field, ctx: Context) -> Any:
        if f.name == "default_team":
            return _team_names(obj.default_team) if obj.default_team_id else None
        if f.name == "group_team_mapping":
            mapping = obj.group_team_mapping or {}
            ids = {int(v) for v in mapping.values() if str(v).isdigit()}
            teams = {t.pk: t for t in Team.objects.filter(pk__in=ids).select_related("organisation")}
            return {group: _team_names(teams[int(value)]) for group, value in sorted(mapping.items())
                    if str(value).isdigit() and int(value) in teams}
        return super().export_field(obj, f, ctx)

    def form_values(self, values: dict[str, Any], obj: Any, ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
        data, files = super().form_values(values, obj, ctx)
        default = values.get("default_team")
        data["default_team"] = _team_pk(default) if default else ""
        data["group_team_mapping"] = {group: str(_team_pk(names))
                                      for group, names in (values.get("group_team_mapping") or {}).items()}
        return data, files

    def references(self, values: dict[str, Any]) -> list[tuple[str, str, tuple[str | int, ...]]]:
        out = super().references(values)
        named: list[tuple[dict[str, Any], tuple[str | int, ...]]] = []
        if values.get("default_team"):
            named.append((values["default_team"], ("default_team",)))
        for group, names in (values.get("group_team_mapping") or {}).items():
            named.append((names, ("group_team_mapping", group)))
        for names, where in named:
            organisation = str(names.get("organisation", ""))
            out.append(("organisations", organisation, where))
            out.append(("organisations.teams", f"{organisation}/{names.get('team', '')}", where))
        return out

    def delete_blockers(self, obj: Any, ctx: Context) -> list[str]:
        linked = SsoIdentity.objects.filter(profile=obj).count()
        if linked:
            return [(f"{counted(linked, 'account is', 'accounts are')} linked through it, and deleting it would "
                     "unlink them (consumers' data, which apply never touches): delete it in the Admin Portal "
                     "if that is meant, or keep it in the configuration (enabled: false stops its sign-ins).")]
        return super().delete_blockers(obj, ctx)


# --- webhooks -----------------------------------------------------------------------------------

CREDENTIAL_WORDS = ("auth", "cookie", "token", "secret", "key", "password", "session", "signature", "credential")


def credential_header(name: str) -> bool:
    """Whether a header's name says its value is a credential (Authorization, Cookie, X-Api-Key):
    such a value is only ever a secret reference in a file."""
    lowered = name.lower()
    return any(word in lowered for word in CREDENTIAL_WORDS)


def _header_reference(hook: str, header: str) -> dict[str, str]:
    return {"env": secrets.reference_name("webhooks", hook, f"header {header}")}


class Webhooks(Kind):
    name = "webhooks"
    model = Webhook
    resource = "webhooks"
    description = "Webhook endpoints; the signing secret and credential headers (Authorization, ...) by reference."
    fields = (
        Field("url", STRING),
        Field("method", choice(Webhook.Method.values)),
        Field("headers", {"type": "object", "additionalProperties": {"oneOf": [STRING, *SECRET_REFERENCE]}}),
        Field("timeout", INT),
        Field("events", {"type": "array", "items": choice(list(EVENTS))}),
        Field("enabled", BOOL),
        RequiredSecret("secret", secret=True),
    )

    def export_field(self, obj: Any, f: Field, ctx: Context) -> Any:
        if f.name == "headers":
            return {name: _header_reference(obj.name, name) if credential_header(name) else value
                    for name, value in sorted((obj.headers or {}).items())}
        return super().export_field(obj, f, ctx)

    def resolved_headers(self, headers: dict[str, Any], ctx: Context) -> dict[str, str]:
        """The header values a file's headers give: references resolved; a credential header's value
        in clear refused (secrets.Unresolved, which names neither the value nor leaks it)."""
        out: dict[str, str] = {}
        for name, value in (headers or {}).items():
            if isinstance(value, str) and credential_header(name):
                raise secrets.Unresolved(f"the value of {name} is a credential: a secret in clear is refused, "
                                         "give {env: NAME} or {file: PATH}")
            out[name] = value if isinstance(value, str) else ctx.secret(value)
        return out

    def field_change(self, f: Field, wanted: dict[str, Any], current: dict[str, Any], obj: Any,
                     ctx: Context) -> tuple[Any, Any] | None:
        if f.name != "headers":
            return super().field_change(f, wanted, current, obj, ctx)
        given = wanted.get("headers") or {}
        resolved = self.resolved_headers(given, ctx)
        stored = dict(obj.headers or {}) if obj is not None else {}
        if obj is not None and resolved == stored:
            return None
        old = {name: HIDDEN if credential_header(name) else value for name, value in sorted(stored.items())}
        new = {name: value if isinstance(given[name], str) else HIDDEN for name, value in sorted(resolved.items())}
        return old, new

    def form_values(self, values: dict[str, Any], obj: Any, ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
        data, files = super().form_values(values, obj, ctx)
        data["headers"] = self.resolved_headers(values.get("headers") or {}, ctx)
        data.pop("secret", None)  # not a form field: set on the object (save)
        return data, files

    def save(self, values: dict[str, Any], obj: Any, ctx: Context, parent: Any = None) -> Any:
        """The signing secret is no form field (the portal makes one): a file's reference sets it on
        the object the form saves; left out, the webhook keeps (or is made with) its own."""
        target = obj if obj is not None else self.blank()
        if values.get("secret") is not None:
            target.secret = ctx.secret(values["secret"])
        return super().save(values, target, ctx, parent)


KINDS_HERE: tuple[Kind, ...] = (OAuthProviders(), SsoProfiles(), Webhooks())

__all__ = ["KINDS_HERE", "credential_header"]
