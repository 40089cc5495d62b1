"""/portal-api users, invite codes, configs and the audit log: the contract, errors and the portal's rules."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forecourt.accounts import tokens
from forecourt.accounts.models import ApiToken, InviteCode, Role, User
from forecourt.audit.models import AuditEntry
from forecourt.notify.models import EmailLog
from forecourt.portalconfig.models import PortalSettings

from . import factories

pytestmark = pytest.mark.django_db


def an_admin(role: str = Role.PROVIDER_ADMIN) -> tuple[User, str]:
    user = User.objects.create_user(f"admin{factories.n()}@example.com", "a-long-passphrase", role=role)
    return user, tokens.issue(user)


def user_actions(user_id) -> list[str]:
    return list(AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user_id))
                .order_by("pk").values_list("action", flat=True))


# --- users ----------------------------------------------------------------------------------------

def test_create_get_update_delete_a_user(api, admin):
    org = factories.organisation("Acme")
    mobile, web = factories.team(org, "Mobile"), factories.team(org, "Web")
    created = api("post", "/users", {"Email": "Dev@Example.com", "First": "Dee", "Last": "Veloper",
                                     "Role": "consumer-admin", "OrganisationID": org.pk,
                                     "Teams": [str(mobile.pk), str(web.pk)]})
    assert created.status_code == 200, created.content
    body = created.json()
    assert (body["Email"], body["First"], body["Last"], body["Role"], body["Active"]) \
        == ("dev@example.com", "Dee", "Veloper", "consumer-admin", True)
    assert (body["OrganisationID"], body["Organisation"], body["Teams"]) == (org.pk, "Acme", ["Mobile", "Web"])
    assert body["Provider"] == "password" and body["APITokenCreatedAt"] is None
    assert len(body["CreatedAt"]) == len(body["UpdatedAt"]) == len("2026-01-01 00:00")
    assert "JWTToken" not in body
    user_id = body["ID"]
    assert not User.objects.get(pk=user_id).has_usable_password()

    assert api("get", f"/users/{user_id}").json() == body
    renamed = api("put", f"/users/{user_id}", {"First": "Dana"}).json()  # partial: the rest is kept
    assert (renamed["First"], renamed["Last"], renamed["Teams"], renamed["Role"]) \
        == ("Dana", "Veloper", ["Mobile", "Web"], "consumer-admin")
    assert api("put", f"/users/{user_id}", {"Teams": [web.pk]}).json()["Teams"] == ["Web"]
    other = factories.organisation("Other")
    moved = api("put", f"/users/{user_id}", {"OrganisationID": other.pk, "Teams": []}).json()
    assert (moved["OrganisationID"], moved["Organisation"], moved["Teams"]) == (other.pk, "Other", [])
    assert api("delete", f"/users/{user_id}").json() == {"status": "ok"}
    assert not User.objects.filter(pk=user_id).exists()
    assert user_actions(user_id) == ["create", "update", "update", "update", "delete"]


def test_a_user_without_an_organisation_has_organisation_id_0(api):
    created = api("post", "/users", {"Email": "ops@example.com", "Role": "provider-admin", "OrganisationID": 0})
    assert created.status_code == 200, created.content
    assert (created.json()["OrganisationID"], created.json()["Organisation"]) == (0, "")
    consumer = factories.consumer()
    freed = api("put", f"/users/{consumer.pk}", {"Role": "provider-admin", "OrganisationID": 0, "Teams": []})
    assert freed.status_code == 200, freed.content
    assert freed.json()["OrganisationID"] == 0 and User.objects.get(pk=consumer.pk).organisation is None


def test_new_users_default_to_active_consumer_team_members(api):
    org = factories.organisation()
    body = api("post", "/users", {"Email": "new@example.com", "OrganisationID": org.pk}).json()
    assert (body["Role"], body["Active"], body["Teams"]) == ("consumer-team-member", True, [])
    inactive = api("post", "/users", {"Email": "later@example.com", "OrganisationID": org.pk, "Active": False})
    assert inactive.json()["Active"] is False


def test_user_list_is_a_bare_array_paginated(api):
    factories.many("users", 24)  # + the admin
    first = api("get", "/users").json()
    assert isinstance(first, list) and len(first) == 20
    # In the database's own collation (MariaDB's sorts "a-1@" after "a-10@"; Python's does not).
    assert [u["Email"] for u in first] == list(User.objects.order_by("email").values_list("email", flat=True)[:20])
    assert len(api("get", "/users", page=2).json()) == 5
    assert api("get", "/users", page=9).json() == []
    item = api("get", "/users", per_page=1).json()[0]
    assert item["Email"] == "admin@example.com" and item["Organisation"] == "Default Organisation"
    assert item["Teams"] == ["Default Team"]
    assert api("get", "/users", per_page=0).status_code == 422


def test_user_errors_have_the_envelope_and_change_nothing(api):
    org, other = factories.organisation("Acme"), factories.organisation("Other")
    stranger = factories.team(other, "Strangers")
    before = User.objects.count()
    malformed = api("post", "/users", "{broken")
    assert malformed.status_code in (400, 422) and malformed.json()["status"] == "error"
    assert api("post", "/users", {"Email": 5}).status_code == 422
    assert api("post", "/users", {"Email": "a@example.com", "Active": "maybe"}).status_code == 422
    long = api("post", "/users", {"Email": "a@example.com", "First": "x" * 300, "OrganisationID": org.pk})
    assert long.status_code == 422 and long.json()["errors"][0].startswith("First:")
    unknown = api("post", "/users", {"Email": "a@example.com", "Colour": "red"})
    assert unknown.status_code == 422 and "Colour" in unknown.json()["errors"][0]
    no_email = api("post", "/users", {"OrganisationID": org.pk})
    assert no_email.json()["errors"] == ["Email: This field is required."]
    bad_email = api("post", "/users", {"Email": "not an address", "OrganisationID": org.pk})
    assert bad_email.json()["errors"][0].startswith("Email:")
    duplicate = api("post", "/users", {"Email": "ADMIN@example.com", "OrganisationID": org.pk})
    assert duplicate.json()["errors"] == ["Email: A user with this e-mail address already exists."]
    homeless = api("post", "/users", {"Email": "a@example.com"})
    assert homeless.json()["errors"] == ["OrganisationID: Consumers belong to an organisation."]
    wrong_team = api("post", "/users", {"Email": "a@example.com", "OrganisationID": org.pk,
                                        "Teams": [str(stranger.pk)]})
    assert wrong_team.json()["errors"] == ["Teams: Not teams of Acme: Strangers."]
    assert api("post", "/users", {"Email": "a@example.com", "OrganisationID": org.pk,
                                  "Teams": ["abc"]}).json()["errors"] == [
        "Teams: give IDs to change it; names, as a GET answers them, are accepted only unchanged"]
    assert api("post", "/users", {"Email": "a@example.com", "OrganisationID": org.pk,
                                  "Teams": [999999]}).json()["errors"][0].startswith("Teams:")
    assert api("post", "/users", {"Email": "a@example.com", "OrganisationID": 999999}) \
        .json()["errors"][0].startswith("OrganisationID:")
    assert api("post", "/users", {"Email": "a@example.com", "OrganisationID": 10**30}).status_code == 422
    role = api("post", "/users", {"Email": "a@example.com", "Role": "wizard", "OrganisationID": org.pk})
    assert role.status_code == 422 and role.json()["errors"][0].startswith("Role:")
    for method in ("get", "put", "delete"):
        missing = api(method, "/users/999999", {} if method == "put" else None)
        assert missing.status_code == 404 and missing.json()["status"] == "error"
    assert User.objects.count() == before


def test_tyk_only_user_fields_are_accepted_and_reported(api):
    org = factories.organisation()
    response = api("post", "/users", {"Email": "tyk@example.com", "OrganisationID": org.pk, "Provider": "password",
                                      "JWTToken": "", "ResetPassword": False})
    assert response.status_code == 200, response.content
    assert "Provider" in response["Warning"] and "JWTToken" in response["Warning"]
    assert "Warning" not in api("get", "/users")


def test_tyk_update_example_with_string_team_ids(api):
    org = factories.organisation()
    first, second = factories.team(org, "First"), factories.team(org, "Second")
    user = factories.consumer()
    body = api("put", f"/users/{user.pk}", {"OrganisationID": org.pk, "Teams": [str(first.pk), str(second.pk)]})
    assert body.status_code == 200, body.content
    assert body.json()["Teams"] == ["First", "Second"]


def test_no_api_token_leaks(api, admin):
    token = tokens.issue(admin)
    for path in ("/users", f"/users/{admin.pk}", "/users/me"):
        response = api("get", path)
        assert token not in response.content.decode() and "JWTToken" not in response.content.decode()
        assert ApiToken.objects.get(user=admin, prefix=token[:8]).digest not in response.content.decode()


def test_activation_follows_the_portal_rules(api, admin):
    consumer = factories.consumer()
    assert api("put", f"/users/{consumer.pk}", {"Active": False}).json()["Active"] is False
    assert api("put", f"/users/{consumer.pk}", {"Active": True}).json()["Active"] is True
    assert user_actions(consumer.pk) == ["deactivate", "activate"]

    myself = api("put", f"/users/{admin.pk}", {"Active": False})
    assert myself.status_code == 422
    assert myself.json()["errors"] == [("Active: This is the last active super-admin: make someone else super-admin "
                                       "first."), "Active: You cannot deactivate your own account."]
    demoted = api("put", f"/users/{admin.pk}", {"Role": "provider-admin"})
    assert demoted.status_code == 422
    assert demoted.json()["errors"] == ["This is the last active super-admin: make someone else super-admin first."]
    _, provider_token = an_admin()
    last = api("put", f"/users/{admin.pk}", {"Active": False}, token=provider_token)
    assert last.status_code == 422
    assert "Active: Only super-admins can create or change admin accounts." in last.json()["errors"]
    refused = api("delete", f"/users/{admin.pk}")
    assert refused.status_code == 409 and refused.json()["errors"] == ["You cannot delete your own account."]
    owner = factories.consumer()
    factories.app(owner)
    busy = api("delete", f"/users/{owner.pk}")
    assert busy.status_code == 409 and "own 1 app:" in busy.json()["errors"][0]
    admin.refresh_from_db()
    assert (admin.role, admin.is_active) == (Role.SUPER_ADMIN, True)


def test_a_refused_activation_rolls_back_the_other_changes(api, admin):
    response = api("put", f"/users/{admin.pk}", {"First": "Changed", "Active": False})
    assert response.status_code == 422
    admin.refresh_from_db()
    assert (admin.first_name, admin.is_active) == ("Ada", True)


def test_a_second_super_admin_can_deactivate_the_first_whose_token_then_fails(api, admin):
    _, other_token = an_admin(Role.SUPER_ADMIN)
    assert api("put", f"/users/{admin.pk}", {"Active": False}).json()["errors"] \
        == ["Active: You cannot deactivate your own account."]
    assert api("put", f"/users/{admin.pk}", {"Active": False}, token=other_token).json()["Active"] is False
    assert api("get", "/users/me").status_code == 401


def test_reset_password_sends_the_link_by_email(api, admin):
    org = factories.organisation()
    created = api("post", "/users", {"Email": "reset@example.com", "OrganisationID": org.pk, "ResetPassword": True})
    assert created.status_code == 200, created.content
    (log,) = EmailLog.objects.all()
    assert (log.template, log.to) == ("password_reset", "reset@example.com")
    # A consumer's link opens the Live Portal's page: consumers cannot use the Admin Portal.
    assert "http://testserver/auth/password/reset/" in log.body_text
    assert "/portal-admin/" not in log.body_text
    api("put", f"/users/{created.json()['ID']}", {"ResetPassword": True})
    api("put", f"/users/{created.json()['ID']}", {"ResetPassword": False, "Last": "Set"})
    assert EmailLog.objects.count() == 2
    assert AuditEntry.objects.filter(action="other", note="password reset e-mail sent").count() == 2


def test_an_admins_reset_link_opens_the_admin_portal(api, admin):
    created = api("post", "/users", {"Email": "ops@example.com", "Role": "provider-admin", "ResetPassword": True})
    assert created.status_code == 200, created.content
    (log,) = EmailLog.objects.all()
    assert "http://testserver/portal-admin/reset/" in log.body_text
    EmailLog.objects.all().delete()
    consumer = factories.consumer()
    assert api("put", f"/users/{consumer.pk}", {"ResetPassword": True}).status_code == 200
    assert "http://testserver/auth/password/reset/" in EmailLog.objects.get().body_text


def test_a_refused_create_sends_no_email(api):
    assert api("post", "/users", {"Email": "x@example.com", "ResetPassword": True}).status_code == 422
    assert not EmailLog.objects.exists()


def test_me_and_token_rotation(api, admin):
    me = api("get", "/users/me").json()
    assert (me["ID"], me["Email"], me["Role"]) == (admin.pk, "admin@example.com", "super-admin")
    assert me["APITokenCreatedAt"] == timezone.now().astimezone(UTC).strftime("%Y-%m-%d")
    old = tokens.issue(admin)
    rotated = api("post", "/users/me/api-token", token=old)
    assert rotated.status_code == 200
    body = rotated.json()
    assert body["status"] == "ok" and len(body["api_token"]) >= 40
    assert api("get", "/users/me", token=old).status_code == 401
    assert api("get", "/users/me", token=body["api_token"]).json()["ID"] == admin.pk
    assert ApiToken.objects.filter(user=admin).count() == 1
    assert AuditEntry.objects.filter(action="other", note="API token rotated").count() == 1


def test_provider_admins_manage_users_and_rotate_their_own_token(api):
    provider_admin, token = an_admin()
    assert api("get", "/users", token=token).status_code == 200
    assert api("get", "/users/me", token=token).json()["Email"] == provider_admin.email
    new = api("post", "/users/me/api-token", token=token).json()["api_token"]
    assert api("get", "/users/me", token=token).status_code == 401
    assert api("get", "/users/me", token=new).status_code == 200


def test_consumers_and_strangers_are_kept_out(api, consumer):
    assert api("get", "/users/me", token=tokens.issue(consumer)).status_code == 403
    assert api("get", "/users", token=None).status_code == 401
    assert api("post", "/users/me/api-token", token="not-a-token").status_code == 401


# --- invite codes -----------------------------------------------------------------------------------

def test_create_get_update_delete_an_invite_code(api):
    org = factories.organisation()
    team = factories.team(org, "Partners")
    created = api("post", "/invite-codes", {"OrganisationID": org.pk, "TeamID": team.pk,
                                            "ExpiresAt": "2099-01-01 12:00", "MaxUses": 5})
    assert created.status_code == 200, created.content
    body = created.json()
    assert (body["OrganisationID"], body["TeamID"], body["ExpiresAt"], body["MaxUses"], body["Uses"]) \
        == (org.pk, team.pk, "2099-01-01 12:00", 5, 0)
    assert body["Active"] is True and body["Usable"] is True and len(body["Code"]) >= 12
    code_id = body["ID"]
    assert api("get", f"/invite-codes/{code_id}").json() == body
    paused = api("put", f"/invite-codes/{code_id}", {"Active": False}).json()
    assert (paused["Active"], paused["Usable"], paused["MaxUses"], paused["ExpiresAt"]) \
        == (False, False, 5, "2099-01-01 12:00")
    assert paused["Code"] == body["Code"]
    reopened = api("put", f"/invite-codes/{code_id}", {"Active": True, "ExpiresAt": None, "MaxUses": 0}).json()
    assert (reopened["Usable"], reopened["ExpiresAt"], reopened["MaxUses"]) == (True, None, 0)
    expired = api("put", f"/invite-codes/{code_id}", {"ExpiresAt": "2000-01-01T00:00:00+02:00"}).json()
    assert (expired["ExpiresAt"], expired["Usable"]) == ("1999-12-31 22:00", False)
    assert api("delete", f"/invite-codes/{code_id}").json() == {"status": "ok"}
    assert not InviteCode.objects.filter(pk=code_id).exists()
    actions = AuditEntry.objects.filter(object_type="accounts.invitecode").order_by("pk")
    assert list(actions.values_list("action", flat=True)) == ["create", "update", "update", "update", "delete"]


def test_an_invite_code_needs_only_the_organisation_or_the_team(api):
    org = factories.organisation()
    team = factories.team(org)
    by_org = api("post", "/invite-codes", {"OrganisationID": org.pk}).json()
    assert by_org["TeamID"] == org.teams.get(is_default=True).pk and by_org["MaxUses"] == 1
    by_team = api("post", "/invite-codes", {"TeamID": team.pk}).json()
    assert by_team["OrganisationID"] == org.pk


def test_invite_code_errors(api):
    org, other = factories.organisation("Acme"), factories.organisation("Other")
    stranger = factories.team(other)
    assert api("post", "/invite-codes", "{broken").status_code in (400, 422)
    assert api("post", "/invite-codes", {}).json()["errors"] == [
        "OrganisationID: This field is required.", "TeamID: This field is required."]
    mismatch = api("post", "/invite-codes", {"OrganisationID": org.pk, "TeamID": stranger.pk})
    assert mismatch.json()["errors"] == ["TeamID: Choose a team of Acme."]
    assert api("post", "/invite-codes", {"OrganisationID": 999999}).json()["errors"][0].startswith("OrganisationID:")
    assert api("post", "/invite-codes", {"OrganisationID": org.pk, "MaxUses": -1}).status_code == 422
    assert api("post", "/invite-codes", {"OrganisationID": org.pk, "MaxUses": "many"}).status_code == 422
    assert api("post", "/invite-codes", {"OrganisationID": org.pk, "ExpiresAt": "soon"}).status_code == 422
    chosen = api("post", "/invite-codes", {"OrganisationID": org.pk, "Code": "WELCOME"})
    assert chosen.status_code == 422 and "Code" in chosen.json()["errors"][0]
    assert api("get", "/invite-codes/999999").status_code == 404
    assert api("put", "/invite-codes/999999", {"Active": False}).status_code == 404
    assert api("delete", "/invite-codes/999999").status_code == 404
    assert not InviteCode.objects.exists()


def test_invite_code_list_is_newest_first_and_paginated(api):
    factories.many("invite-codes", 25)
    first = api("get", "/invite-codes").json()
    assert isinstance(first, list) and len(first) == 20
    assert [c["ID"] for c in first] == sorted((c["ID"] for c in first), reverse=True)
    assert len(api("get", "/invite-codes", page=2).json()) == 5
    assert api("get", "/invite-codes", page=3).json() == []


# --- configs -----------------------------------------------------------------------------------------

def test_configs_answer_tyks_one_element_array(api):
    answer = api("get", "/configs").json()
    assert isinstance(answer, list) and len(answer) == 1
    [current] = answer
    # Tyk's start-up settings (the test run's configuration), then Forecourt's own.
    assert (current["HostPort"], current["LogLevel"], current["RefreshInterval"]) == (3001, "info", 10)
    assert current["Database"]["Dialect"] in ("sqlite3", "postgres", "mysql")
    assert "ConnectionString" not in current["Database"] and set(current["Theming"]) == {"Theme", "Path"}
    assert not {"LicenseKey", "JwtSigningKey", "PortalAPISecret", "S3"} & set(current)
    assert current["SMTPPort"] == 587
    # What the GET answered, the array itself, is taken back by PUT, silently, changing nothing.
    written = api("put", "/configs", answer)
    assert written.status_code == 200, written.content
    assert "Warning" not in written and written.json() == {**current, "UpdatedAt": written.json()["UpdatedAt"]}
    changed = api("put", "/configs", [{**current, "SMTPHost": "mail.example.com"}]).json()
    assert changed["SMTPHost"] == "mail.example.com"
    assert api("put", "/configs", [current, current]).status_code == 422
    assert api("put", "/configs", []).status_code == 422


def test_a_put_of_configs_keeps_the_settings_the_admin_api_does_not_name(api):
    """Sign-up, allowed domains and second factors are Settings-page settings the Admin API does not
    carry: a PUT of SMTP alone once turned sign-up off and emptied the domains."""
    from forecourt.portalconfig.models import PortalSettings

    for sign_up, domains, mfa in ((True, "", False), (False, "example.org", True)):
        settings = PortalSettings.load()
        settings.allow_sign_up, settings.allowed_email_domains = sign_up, domains
        settings.require_mfa_admins = settings.require_mfa_consumers = mfa
        settings.save()
        assert api("put", "/configs", {"SMTPHost": "mail.example.com"}).status_code == 200
        kept = PortalSettings.load()
        assert (kept.allow_sign_up, kept.allowed_email_domains, kept.require_mfa_admins,
                kept.require_mfa_consumers) == (sign_up, domains, mfa, mfa)


def test_configs_read_and_partial_update(api):
    [current] = api("get", "/configs").json()
    assert (current["SMTPPort"], current["SMTPSecurity"], current["SMTPPasswordSet"]) == (587, "starttls", False)
    assert current["PasswordMinLength"] == 8 and current["AutoApproveRegistrations"] is False
    changed = api("put", "/configs", {"SMTPHost": "mail.example.com", "SMTPPassword": "s3cret-pass",
                                      "DefaultFromAddress": "portal@example.com", "AutoApproveRegistrations": True,
                                      "PasswordRequireMixed": True, "SMTPSecurity": "tls"})
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["SMTPHost"], body["SMTPPort"], body["SMTPSecurity"], body["DefaultFromAddress"]) \
        == ("mail.example.com", 587, "tls", "portal@example.com")
    assert body["SMTPPasswordSet"] is True and "SMTPPassword" not in body
    assert body["AutoApproveRegistrations"] is True and body["PasswordRequireMixed"] is True
    assert "s3cret-pass" not in changed.content.decode() + api("get", "/configs").content.decode()
    kept = api("put", "/configs", {"SMTPPort": 2525, "AutoApproveRegistrations": False}).json()
    assert (kept["SMTPPort"], kept["SMTPHost"], kept["SMTPPasswordSet"]) == (2525, "mail.example.com", True)
    assert kept["AutoApproveRegistrations"] is False and kept["PasswordRequireMixed"] is True
    assert PortalSettings.load().smtp_password == "s3cret-pass"
    assert api("put", "/configs", {"SMTPPassword": ""}).json()["SMTPPasswordSet"] is False
    assert PortalSettings.load().smtp_password == ""
    entries = AuditEntry.objects.filter(object_type="portalconfig.portalsettings").order_by("pk")
    assert entries.count() == 3
    assert entries[0].changes["smtp_password"][0] == ""
    assert entries[0].changes["smtp_password"][1].startswith("******** (")
    assert entries[1].changes == {"auto_approve_registrations": [True, False], "smtp_port": [587, 2525]}


def test_config_errors_name_the_field_and_change_nothing(api):
    before = api("get", "/configs").json()
    assert api("put", "/configs", "{broken").status_code in (400, 422)
    assert api("put", "/configs", {"SMTPPort": "abc"}).status_code == 422
    assert api("put", "/configs", {"SMTPPort": 70000}).json()["errors"] \
        == ["SMTPPort: A port is a number from 1 to 65535."]
    assert api("put", "/configs", {"PasswordMinLength": 3}).json()["errors"] \
        == ["PasswordMinLength: Choose from 8 to 128."]
    assert api("put", "/configs", {"DefaultFromAddress": "nope"}).json()["errors"][0].startswith("DefaultFromAddress:")
    assert api("put", "/configs", {"SMTPSecurity": "ssl"}).json()["errors"][0].startswith("SMTPSecurity:")
    assert api("put", "/configs", {"SMTPHost": "x" * 300}).json()["errors"][0].startswith("SMTPHost:")
    unknown = api("put", "/configs", {"SMTPColour": "red"})
    assert unknown.status_code == 422 and "SMTPColour" in unknown.json()["errors"][0]
    # Read-only, as a GET answers it: accepted and ignored (a GET body can be PUT back), changing nothing.
    assert api("put", "/configs", {"SMTPPasswordSet": True}).json()["SMTPPasswordSet"] is False
    assert api("get", "/configs").json() == before


def test_tyk_config_names_are_accepted_and_reported(api):
    response = api("put", "/configs", {"LicenseKey": "XXX", "Storage": "db", "SMTPHost": "mail"})
    assert response.status_code == 200, response.content
    assert "LicenseKey" in response["Warning"] and "Storage" in response["Warning"]
    assert response.json()["SMTPHost"] == "mail"
    # The start-up settings a GET answers are read-only: sent back (changed or not), silently ignored.
    response = api("put", "/configs", {"LogLevel": "debug", "HostPort": 4000})
    assert response.status_code == 200 and "Warning" not in response
    assert (response.json()["LogLevel"], response.json()["HostPort"]) == ("info", 3001)


def test_configs_are_for_super_admins_only(api, consumer):
    _, token = an_admin(Role.PROVIDER_ADMIN)
    assert api("get", "/configs", token=token).status_code == 403
    refused = api("put", "/configs", {"SMTPPort": "not even valid"}, token=token)
    assert refused.status_code == 403 and refused.json()["status"] == "error"
    assert api("get", "/configs", token=tokens.issue(consumer)).status_code == 403
    assert api("get", "/configs", token=None).status_code == 401
    assert not AuditEntry.objects.filter(object_type="portalconfig.portalsettings").exists()


# --- audit log ---------------------------------------------------------------------------------------

def test_audit_log_lists_newest_first_with_filters(api, admin):
    org = api("post", "/organisations", {"Name": "Audited"}).json()
    api("put", f"/organisations/{org['ID']}", {"Name": "Audited Ltd"})
    entries = api("get", "/audit-log").json()
    assert [(e["Action"], e["ObjectType"]) for e in entries[:3]] \
        == [("update", "accounts.organisation"), ("create", "accounts.organisation"), ("create", "accounts.team")]
    newest = entries[0]
    assert (newest["Actor"], newest["ObjectID"], newest["Object"]) == ("admin@example.com", str(org["ID"]),
                                                                        "Audited Ltd")
    assert newest["Changes"] == {"name": ["Audited", "Audited Ltd"]} and len(newest["CreatedAt"]) == 16
    assert [e["Action"] for e in api("get", "/audit-log", action="update").json()] == ["update"]
    assert len(api("get", "/audit-log", object_type="accounts.organisation").json()) == 2
    assert len(api("get", "/audit-log", actor="ADMIN@example.com").json()) == 3
    assert api("get", "/audit-log", actor="nobody@example.com").json() == []


def test_audit_log_date_filters(api):
    for days in (10, 5, 1):
        entry = AuditEntry.objects.create(action="other", object_type="x.y", object_id=str(days),
                                          object_repr=f"{days} days ago", actor_email="a@example.com")
        AuditEntry.objects.filter(pk=entry.pk).update(at=datetime.now(UTC) - timedelta(days=days))

    def ids(**params):
        return [e["ObjectID"] for e in api("get", "/audit-log", object_type="x.y", **params).json()]

    day = (datetime.now(UTC) - timedelta(days=5)).date()
    assert ids() == ["1", "5", "10"]
    assert ids(since=day.isoformat()) == ["1", "5"]
    assert ids(until=day.isoformat()) == ["5", "10"]
    assert ids(since=day.isoformat(), until=day.isoformat()) == ["5"]
    assert ids(since=f"{(datetime.now(UTC) - timedelta(days=2)).strftime('%Y-%m-%dT%H:%M:%S')}Z") == ["1"]
    assert ids(until=(datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")) == ["10"]


@pytest.mark.parametrize("params", [{"action": "explode"}, {"since": "yesterday"}, {"until": "2026-13-01"},
                                    {"page": 0}, {"per_page": 101}])
def test_bad_audit_log_filters_are_422(api, params):
    response = api("get", "/audit-log", **params)
    assert response.status_code == 422 and response.json()["status"] == "error"


def test_audit_log_is_paginated_and_read_only(api):
    factories.many("audit-log", 25)
    assert len(api("get", "/audit-log").json()) == 20
    assert len(api("get", "/audit-log", page=2).json()) >= 5
    assert api("post", "/audit-log", {}).status_code == 405


# --- query counts ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "kind"), [("/users", "users"), ("/invite-codes", "invite-codes"),
                                            ("/audit-log", "audit-log")])
def test_lists_run_a_constant_number_of_queries(api, path, kind):
    factories.many(kind, 10)
    if kind == "users":  # users with an audited change, an organisation and teams
        for user in User.objects.all()[:10]:
            AuditEntry.objects.create(action="update", object_type="accounts.user", object_id=str(user.pk),
                                      object_repr=user.email)
    api("get", path)
    with CaptureQueriesContext(connection) as small:
        assert len(api("get", path, per_page=10).json()) == 10
    factories.many(kind, 100)
    with CaptureQueriesContext(connection) as large:
        assert len(api("get", path, per_page=100).json()) == 100
    assert len(large.captured_queries) == len(small.captured_queries)
