"""Configuration as code for OAuth providers (with client types), SSO profiles, webhooks and themes:
each exported, read back and planned empty; a change planned as exactly that field and applied
through the Admin Portal's forms with an audit entry noting the source; secrets only ever as
references (searched for in every exported and planned text); theme archives byte-identical
between exports, and a tampered one refused at its line."""

import copy
import hashlib
import io
import json
import logging
import time

import pytest
import yaml

from forecourt.accounts.models import Role, User
from forecourt.audit.models import AuditEntry
from forecourt.oauth.models import ClientType, OAuthProvider
from forecourt.promotion import apply, export, plan, reading
from forecourt.promotion.errors import ConfigRefused
from forecourt.sso.models import SsoIdentity, SsoProfile
from forecourt.themes import services as theme_services
from forecourt.themes import storage
from forecourt.themes.models import Theme
from forecourt.webhooks import headers as webhook_headers
from forecourt.webhooks.models import Webhook

from . import factories
from . import themes_support as ts

pytestmark = pytest.mark.django_db

HOOK_SECRET = "whsec_hook-signing-secret-1234"
AUTH_VALUE = "Bearer header-token-5678"
IAT = "initial-access-token-9012"
SSO_SECRET = "sso-client-secret-3456"


# --- helpers ------------------------------------------------------------------------------------

def exported(*kinds):
    return export.export(kinds or None)


def files_of(result) -> dict:
    return {name: yaml.safe_load(text) for name, text in result.files.items()}


def source(files: dict, assets: dict | None = None):
    return reading.read_texts({name: export.dump(value) for name, value in files.items()}, assets or {})


def planned(files: dict, assets: dict | None = None, **kwargs):
    return plan.make_plan(source(files, assets), **kwargs)


def applied(files: dict, assets: dict | None = None, **kwargs):
    return apply.apply(source(files, assets), **kwargs)


def plan_texts(result) -> str:
    return result.as_text() + json.dumps(result.as_json())


def refusal(files: dict, assets: dict | None = None, **kwargs) -> ConfigRefused:
    with pytest.raises(ConfigRefused) as caught:
        planned(files, assets, **kwargs)
    return caught.value


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def noted_entries(object_type: str):
    return AuditEntry.objects.filter(object_type=object_type, note__contains="forecourt apply")


# --- webhooks -----------------------------------------------------------------------------------

@pytest.fixture
def hook(settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # the form resolves the URL; a loopback one needs it
    made = Webhook.objects.create(name="billing", url="http://127.0.0.1:9/hook", events=["UserRegistered"],
                                  headers={"Authorization": AUTH_VALUE, "X-Team": "payments"}, secret=HOOK_SECRET)
    webhook_headers.sync(made, made.headers)
    monkeypatch.setenv("FORECOURT_WEBHOOKS_BILLING_SECRET", HOOK_SECRET)
    monkeypatch.setenv("FORECOURT_WEBHOOKS_BILLING_HEADER_AUTHORIZATION", AUTH_VALUE)
    return made


def test_a_webhook_exports_its_secrets_as_references_and_plans_empty(hook):
    result = exported("webhooks")
    text = result.files["webhooks.yaml"]
    assert HOOK_SECRET not in text and AUTH_VALUE not in text and "header-token" not in text
    entry = files_of(result)["webhooks.yaml"]["webhooks"][0]
    assert entry["secret"] == {"env": "FORECOURT_WEBHOOKS_BILLING_SECRET"}
    assert entry["headers"] == {"Authorization": {"env": "FORECOURT_WEBHOOKS_BILLING_HEADER_AUTHORIZATION"},
                                "X-Team": "payments"}
    assert (entry["url"], entry["events"], entry["timeout"]) == ("http://127.0.0.1:9/hook", ["UserRegistered"], 10)
    assert export.export(["webhooks"]).files == result.files  # stable
    assert planned(files_of(result)).empty


def test_a_changed_webhook_field_is_planned_alone_and_applied_with_a_noted_audit_entry(hook):
    files = files_of(exported("webhooks"))
    files["webhooks.yaml"]["webhooks"][0]["timeout"] = 20
    change = planned(files).changes
    assert [(c.action, c.key, c.fields) for c in change] == [("update", "billing", {"timeout": (10, 20)})]
    applied(files)
    hook.refresh_from_db()
    assert hook.timeout == 20 and hook.secret == HOOK_SECRET and hook.headers["Authorization"] == AUTH_VALUE
    entry = noted_entries("webhooks.webhook").get()
    assert entry.changes["timeout"] == [10, 20]
    assert planned(files).empty


def test_a_webhook_secret_and_credential_header_are_applied_from_the_environment(hook, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    files = files_of(exported("webhooks"))
    monkeypatch.setenv("FORECOURT_WEBHOOKS_BILLING_SECRET", "whsec_rotated-secret-7777")
    monkeypatch.setenv("FORECOURT_WEBHOOKS_BILLING_HEADER_AUTHORIZATION", "Bearer rotated-token-8888")
    result = planned(files)
    assert set(result.changes[0].fields) == {"secret", "headers"}
    for secret in ("whsec_rotated-secret-7777", "rotated-token-8888", HOOK_SECRET, AUTH_VALUE):
        assert secret not in plan_texts(result)
    applied(files)
    hook.refresh_from_db()
    assert hook.secret == "whsec_rotated-secret-7777"
    assert hook.headers == {"Authorization": "Bearer rotated-token-8888", "X-Team": "payments"}
    assert dict(hook.header_rows.values_list("name", "value")) == hook.headers  # the rows, as the form saves
    entry = noted_entries("webhooks.webhook").get()
    assert "secret" in entry.changes and "rotated" not in json.dumps(entry.changes)
    assert "rotated" not in caplog.text and HOOK_SECRET not in caplog.text
    assert planned(files).empty


def test_a_new_webhook_is_made_from_the_file_with_its_secret(hook, monkeypatch):
    files = files_of(exported("webhooks"))
    entry = dict(copy.deepcopy(files["webhooks.yaml"]["webhooks"][0]), name="audit", headers={"X-Team": "audit"},
                 secret={"env": "AUDIT_HOOK_SECRET"})
    files["webhooks.yaml"]["webhooks"].append(entry)
    monkeypatch.setenv("AUDIT_HOOK_SECRET", "whsec_audit-secret-4444")
    assert "whsec_audit-secret-4444" not in plan_texts(planned(files))
    applied(files)
    assert Webhook.objects.get(name="audit").secret == "whsec_audit-secret-4444"
    assert noted_entries("webhooks.webhook").filter(action="create").count() == 1


def test_a_credential_header_in_clear_is_refused_at_its_line_and_nothing_changes(hook):
    files = files_of(exported("webhooks"))
    files["webhooks.yaml"]["webhooks"][0]["headers"]["X-Api-Key"] = "clear-text-key-0000"
    files["webhooks.yaml"]["webhooks"][0]["timeout"] = 25
    problems = refusal(files).problems
    text = export.dump(files["webhooks.yaml"])
    assert [(p.file, p.line) for p in problems] == [("webhooks.yaml", line_of(text, "headers:"))]
    assert "X-Api-Key" in problems[0].reason and "clear-text-key-0000" not in problems[0].reason
    with pytest.raises(ConfigRefused):
        applied(files)
    hook.refresh_from_db()
    assert hook.timeout == 10 and "X-Api-Key" not in hook.headers


def test_a_webhook_secret_that_is_not_set_is_refused(hook, monkeypatch):
    files = files_of(exported("webhooks"))
    monkeypatch.delenv("FORECOURT_WEBHOOKS_BILLING_SECRET")
    problems = refusal(files).problems
    assert len(problems) == 1 and "FORECOURT_WEBHOOKS_BILLING_SECRET is not set" in problems[0].reason
    files["webhooks.yaml"]["webhooks"][0]["secret"] = None  # a webhook always signs: no null
    assert "secret" in str(refusal(files))


# --- OAuth providers and client types ------------------------------------------------------------

@pytest.fixture
def idp(monkeypatch):
    provider = OAuthProvider.objects.create(name="Keycloak", type="Keycloak", initial_access_token=IAT,
                                            well_known_url="https://idp.example.com/.well-known/openid-configuration")
    product = factories.product(slug="payments")
    web = ClientType.objects.create(provider=provider, name="web", grant_types=["client_credentials"],
                                    scopes="read write")
    web.products.add(product)
    monkeypatch.setenv("FORECOURT_OAUTH_PROVIDERS_KEYCLOAK_INITIAL_ACCESS_TOKEN", IAT)
    return provider


def test_an_oauth_provider_exports_its_client_types_by_name_and_products_by_slug(idp):
    result = exported("oauth_providers")
    assert IAT not in result.files["oauth_providers.yaml"]
    entry = files_of(result)["oauth_providers.yaml"]["oauth_providers"][0]
    assert entry["initial_access_token"] == {"env": "FORECOURT_OAUTH_PROVIDERS_KEYCLOAK_INITIAL_ACCESS_TOKEN"}
    assert [(c["name"], c["products"], c["grant_types"]) for c in entry["client_types"]] == [
        ("web", ["payments"], ["client_credentials"])]
    assert planned(files_of(result)).empty


def test_a_changed_client_type_is_planned_alone_and_applied(idp):
    files = files_of(exported("oauth_providers"))
    files["oauth_providers.yaml"]["oauth_providers"][0]["client_types"][0]["scopes"] = "read"
    result = planned(files)
    assert [(c.kind.name, c.key, c.fields) for c in result.changes] == [
        ("oauth_providers.client_types", "Keycloak/web", {"scopes": ("read write", "read")})]
    applied(files)
    assert ClientType.objects.get(name="web").scopes == "read"
    assert noted_entries("oauth.clienttype").count() == 1
    assert planned(files).empty


def test_an_oauth_provider_is_made_from_the_file_with_its_token_from_the_environment(idp, monkeypatch):
    files = files_of(exported("oauth_providers"))
    OAuthProvider.objects.all().delete()  # as in another environment
    monkeypatch.setenv("FORECOURT_OAUTH_PROVIDERS_KEYCLOAK_INITIAL_ACCESS_TOKEN", "another-token-2222")
    result = planned(files)
    assert [c.action for c in result.changes] == ["create", "create"]
    assert "another-token-2222" not in plan_texts(result)
    applied(files)
    provider = OAuthProvider.objects.get(name="Keycloak")
    assert provider.initial_access_token == "another-token-2222"
    assert list(provider.client_types.get(name="web").products.values_list("slug", flat=True)) == ["payments"]
    assert planned(files).empty
    # A null token clears it (the form alone would keep the stored one).
    files["oauth_providers.yaml"]["oauth_providers"][0]["initial_access_token"] = None
    applied(files)
    provider.refresh_from_db()
    assert provider.initial_access_token == "" and planned(files).empty


def test_a_client_type_naming_a_missing_product_is_refused_at_its_line(idp):
    files = files_of(exported("oauth_providers"))
    files["oauth_providers.yaml"]["oauth_providers"][0]["client_types"][0]["products"] = ["payments", "nowhere"]
    problems = refusal(files).problems
    text = export.dump(files["oauth_providers.yaml"])
    assert len(problems) == 1 and "products 'nowhere'" in problems[0].reason
    assert problems[0].line == line_of(text, "- nowhere")


# --- SSO profiles -------------------------------------------------------------------------------

@pytest.fixture
def profile(monkeypatch):
    acme = factories.organisation("Acme")
    partners = factories.team(acme, "Partners")
    made = SsoProfile.objects.create(
        key="corp", name="Corp sign-in", protocol="oidc", oidc_client_id="portal", oidc_client_secret=SSO_SECRET,
        oidc_discovery_url="https://idp.example.com/.well-known/openid-configuration", group_field="groups",
        oidc_scopes="openid email profile", default_team=partners, group_team_mapping={"partners": str(partners.pk)},
        group_role_mapping={"owners": "consumer-admin"}, allowed_domains="example.com")
    monkeypatch.setenv("FORECOURT_SSO_PROFILES_CORP_OIDC_CLIENT_SECRET", SSO_SECRET)
    return made


def test_an_sso_profile_names_teams_by_organisation_and_team(profile):
    result = exported("sso_profiles")
    assert SSO_SECRET not in result.files["sso_profiles.yaml"]
    entry = files_of(result)["sso_profiles.yaml"]["sso_profiles"][0]
    assert entry["key"] == "corp"
    assert entry["default_team"] == {"organisation": "Acme", "team": "Partners"}
    assert entry["group_team_mapping"] == {"partners": {"organisation": "Acme", "team": "Partners"}}
    assert entry["group_role_mapping"] == {"owners": "consumer-admin"}
    assert entry["oidc_client_secret"] == {"env": "FORECOURT_SSO_PROFILES_CORP_OIDC_CLIENT_SECRET"}
    assert planned(files_of(result)).empty


def test_a_changed_group_mapping_is_planned_alone_and_applied_by_team_names(profile):
    staff = factories.team(profile.default_team.organisation, "Staff")
    files = files_of(exported("sso_profiles"))
    files["sso_profiles.yaml"]["sso_profiles"][0]["group_team_mapping"]["staff"] = {"organisation": "Acme",
                                                                                   "team": "Staff"}
    result = planned(files)
    assert [(c.key, list(c.fields)) for c in result.changes] == [("corp", ["group_team_mapping"])]
    applied(files)
    profile.refresh_from_db()
    assert profile.group_team_mapping == {"partners": str(profile.default_team_id), "staff": str(staff.pk)}
    assert profile.oidc_client_secret == SSO_SECRET
    assert noted_entries("sso.ssoprofile").count() == 1
    assert planned(files).empty


def test_an_sso_profile_is_made_in_another_environment_with_its_secret_from_the_environment(profile, monkeypatch):
    files = files_of(exported("sso_profiles"))
    SsoProfile.objects.all().delete()
    monkeypatch.setenv("FORECOURT_SSO_PROFILES_CORP_OIDC_CLIENT_SECRET", "staging-sso-secret-5555")
    result = planned(files)
    assert result.changes[0].fields["oidc_client_secret"] == (None, "(secret)")
    assert "staging-sso-secret-5555" not in plan_texts(result)
    applied(files)
    made = SsoProfile.objects.get(key="corp")
    assert made.oidc_client_secret == "staging-sso-secret-5555" and made.default_team.name == "Partners"
    assert made.updated_by == ""  # no admin: the command line
    assert planned(files).empty


def test_a_dangling_team_is_refused_at_its_line(profile):
    files = files_of(exported("sso_profiles"))
    files["sso_profiles.yaml"]["sso_profiles"][0]["default_team"] = {"organisation": "Acme", "team": "Ghosts"}
    problems = refusal(files).problems
    text = export.dump(files["sso_profiles.yaml"])
    assert len(problems) == 1 and "'Acme/Ghosts'" in problems[0].reason
    assert problems[0].line == line_of(text, "default_team:")


def test_pruning_an_sso_profile_with_linked_accounts_is_refused(profile):
    files = {"sso.yaml": {"version": 1, "sso_profiles": []}}
    assert [(c.action, c.key) for c in planned(files, prune=True).changes] == [("delete", "corp")]
    user = User.objects.create_user("linked@example.com", "a-long-passphrase", role=Role.CONSUMER_TEAM_MEMBER,
                                    organisation=profile.default_team.organisation)
    SsoIdentity.objects.create(profile=profile, subject="sub-1", user=user, linked_by="just-in-time")
    problems = refusal(files, prune=True).problems
    assert len(problems) == 1 and "1 account is linked" in problems[0].reason
    with pytest.raises(ConfigRefused):
        applied(files, prune=True)
    assert SsoIdentity.objects.filter(profile=profile).exists()


def test_pruning_an_sso_profile_without_linked_accounts_deletes_it(profile):
    applied({"sso.yaml": {"version": 1, "sso_profiles": []}}, prune=True)
    assert not SsoProfile.objects.exists()
    assert noted_entries("sso.ssoprofile").filter(action="delete").count() == 1


# --- themes ------------------------------------------------------------------------------------

def upload(files: dict) -> Theme:
    data = ts.make_zip(files)
    return theme_services.upload(io.BytesIO(data), len(data), None).theme


def test_a_theme_exports_byte_identical_archives_whenever_it_is_exported(monkeypatch):
    upload(ts.theme_files())
    first = exported("themes")
    entry = files_of(first)["themes.yaml"]["themes"][0]
    assert (entry["name"], entry["version"], entry["archive"], entry["active"]) == (
        "acme", "1.0.0", "themes/acme-1.0.0.zip", False)
    assert set(first.assets) == {"themes/acme-1.0.0.zip"}  # the built-in default theme is not exported
    later = time.localtime(time.time() + 5 * 365 * 86400)  # as if exported years later
    monkeypatch.setattr(time, "localtime", lambda *args: later)
    second = exported("themes")
    assert second.files == first.files and second.assets == first.assets
    assert planned(files_of(first), first.assets).empty


def test_a_theme_round_trips_through_another_portal_byte_identical():
    upload(ts.theme_files())
    first = exported("themes")
    storage.delete("acme", None)
    result = planned(files_of(first), first.assets)
    assert [(c.action, c.key) for c in result.changes] == [("create", "acme")]
    applied(files_of(first), first.assets)
    assert noted_entries("themes.theme").filter(action="create").count() == 1
    again = exported("themes")
    assert again.files == first.files and again.assets == first.assets
    assert planned(files_of(again), again.assets).empty


def test_a_new_theme_version_is_uploaded_and_activated(monkeypatch):
    upload(ts.theme_files())
    files = files_of(exported("themes"))
    manifest = dict(ts.MANIFEST, version="1.1.0")
    newer = ts.make_zip(ts.theme_files(theme_DOT_json=json.dumps(manifest), assets__css__acme_DOT_css="b{}"))
    entry = files["themes.yaml"]["themes"][0]
    entry.update(version="1.1.0", sha256=hashlib.sha256(newer).hexdigest(), archive="themes/acme-1.1.0.zip",
                 active=True)
    assets = {"themes/acme-1.1.0.zip": newer}
    result = planned(files, assets)
    assert list(result.changes[0].fields) == ["version", "sha256", "archive", "active"]
    applied(files, assets)
    theme = Theme.objects.get(name="acme")
    assert theme.version == "1.1.0" and storage.configured_active() == "acme"
    assert noted_entries("themes.theme").filter(action="update").count() == 1
    assert noted_entries("themes.themestate").filter(action="activate").count() == 1
    after = exported("themes")
    assert files_of(after)["themes.yaml"]["themes"][0]["active"] is True
    assert planned(files_of(after), after.assets).empty


@pytest.mark.parametrize("damage", ["tampered", "missing"])
def test_a_tampered_or_missing_archive_is_refused_at_the_sha256_line(damage):
    upload(ts.theme_files())
    first = exported("themes")
    storage.delete("acme", None)
    assets = {} if damage == "missing" else {
        "themes/acme-1.0.0.zip": ts.make_zip(ts.theme_files(views__home_DOT_html="{% extends layout %}evil"))}
    problems = refusal(files_of(first), assets).problems
    text = first.files["themes.yaml"]
    assert [(p.file, p.line) for p in problems] == [("themes.yaml", line_of(text, "sha256:"))]
    assert ("missing beside the configuration" if damage == "missing" else "changed after export") \
        in problems[0].reason
    with pytest.raises(ConfigRefused):
        applied(files_of(first), assets)
    assert not Theme.objects.exists()


def test_only_one_theme_may_be_made_active():
    upload(ts.theme_files())
    ts.store(name="other")
    files = files_of(exported("themes"))
    for entry in files["themes.yaml"]["themes"]:
        entry["active"] = True
    problems = refusal(files, exported("themes").assets).problems
    assert problems and all("only one theme is active" in p.reason for p in problems)


def test_making_the_active_theme_inactive_makes_the_built_in_default_active():
    upload(ts.theme_files())
    storage.activate("acme", None)
    files = files_of(exported("themes"))
    files["themes.yaml"]["themes"][0]["active"] = False
    assets = exported("themes").assets
    assert [c.fields for c in planned(files, assets).changes] == [{"active": (True, False)}]
    applied(files, assets)
    assert storage.configured_active() == "default"
    assert noted_entries("themes.themestate").filter(action="activate").count() == 1
    assert planned(files, assets).empty


def test_pruning_deletes_an_unlisted_theme_but_never_the_active_one():
    upload(ts.theme_files())
    ts.store(name="other")
    storage.activate("other", None)
    files = {"themes.yaml": {"version": 1, "themes": []}}
    problems = refusal(files, prune=True).problems
    assert len(problems) == 1 and "other is the active theme" in problems[0].reason
    storage.activate("default", None)
    applied(files, prune=True)
    assert not Theme.objects.exists()
    assert noted_entries("themes.theme").filter(action="delete").count() == 2


def test_a_theme_exported_to_a_folder_is_read_back_with_its_archive(tmp_path):
    upload(ts.theme_files())
    first = exported("themes")
    written = first.write(tmp_path)
    assert tmp_path / "themes" / "acme-1.0.0.zip" in written
    storage.delete("acme", None)
    apply.apply(reading.read(tmp_path))
    assert exported("themes").assets == first.assets
    assert plan.make_plan(reading.read(tmp_path)).empty


def test_a_version_changed_without_a_new_archive_is_refused_at_its_line():
    upload(ts.theme_files())
    first = exported("themes")
    files = files_of(first)
    files["themes.yaml"]["themes"][0]["version"] = "9.9.9"
    problems = refusal(files, first.assets).problems
    text = export.dump(files["themes.yaml"])
    assert [(p.line, "the version is the archive's (1.0.0)" in p.reason) for p in problems] == [
        (line_of(text, "version: 9.9.9"), True)]
