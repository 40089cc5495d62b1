"""The Settings page, the test e-mail, password resets, the password policy and the audit log."""

import re

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from forecourt.accounts.models import Role, User
from forecourt.audit.models import AuditEntry
from forecourt.jobs import queue
from forecourt.portalconfig.models import PortalSettings

from . import factories
from .conftest import PASSWORD
from .support.smtp import SMTPServer, smtp_server

__all__ = ["smtp_server"]
pytestmark = pytest.mark.django_db(transaction=True)

SETTINGS = {"smtp_host": "127.0.0.1", "smtp_port": 25, "smtp_security": "none", "smtp_username": "mailer",
            "smtp_password": "s3cret-pass", "smtp_timeout": 5, "from_address": "portal@example.com",
            "admin_notification_address": "", "password_min_length": 8}


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin)
    return client


def test_settings_are_saved_with_the_smtp_password_encrypted_and_kept(signed_in):
    response = signed_in.post("/portal-admin/settings/", SETTINGS)
    assert response.status_code == 302
    settings = PortalSettings.load()
    assert (settings.smtp_username, settings.smtp_password) == ("mailer", "s3cret-pass")
    signed_in.post("/portal-admin/settings/", {**SETTINGS, "smtp_password": "", "smtp_port": 2525})
    settings.refresh_from_db()
    assert (settings.smtp_port, settings.smtp_password) == (2525, "s3cret-pass")
    page = signed_in.get("/portal-admin/settings/").content.decode()
    assert "s3cret-pass" not in page
    entry = AuditEntry.objects.filter(object_type="portalconfig.portalsettings").first()
    assert entry.changes == {"smtp_port": [25, 2525]}
    signed_in.post("/portal-admin/settings/", {**SETTINGS, "smtp_password": "", "clear_smtp_password": "on"})
    settings.refresh_from_db()
    assert settings.smtp_password == ""


def test_bad_settings_are_refused_next_to_their_fields(signed_in):
    response = signed_in.post("/portal-admin/settings/", {**SETTINGS, "smtp_port": 70000,
                                                          "from_address": "not an address",
                                                          "password_min_length": 3})
    errors = response.context["form"].errors
    assert errors["smtp_port"] == ["A port is a number from 1 to 65535."]
    assert "valid email" in errors["from_address"][0]
    assert errors["password_min_length"] == ["Choose from 8 to 128."]


def test_send_test_email_through_the_real_server(signed_in, smtp_server: SMTPServer):
    signed_in.post("/portal-admin/settings/", {**SETTINGS, "smtp_port": smtp_server.port, "smtp_username": "",
                                               "smtp_password": ""})
    response = signed_in.post("/portal-admin/settings/test-email/", {"to": "ops@example.com"}, follow=True)
    assert "Test e-mail: sent to ops@example.com" in response.content.decode()
    (message,) = smtp_server.messages
    assert message.rcpt_tos == ["ops@example.com"]


def test_send_test_email_says_why_it_failed(signed_in):
    signed_in.post("/portal-admin/settings/", {**SETTINGS, "from_address": ""})
    response = signed_in.post("/portal-admin/settings/test-email/", {"to": "ops@example.com"}, follow=True)
    assert "Test e-mail: no From address is set" in response.content.decode()


def _reset_email(signed_in, smtp_server: SMTPServer, user) -> str:
    """Send `user` a reset from their Admin Portal page; the e-mailed link's path."""
    signed_in.post("/portal-admin/settings/", {**SETTINGS, "smtp_port": smtp_server.port, "smtp_username": "",
                                               "smtp_password": ""})
    response = signed_in.post(f"/portal-admin/users/{user.pk}/actions/", {"action": "reset-password"}, follow=True)
    assert f"A password reset e-mail is on its way to {user.email}" in response.content.decode()
    while queue.run_next("test") is not None:
        pass
    (message,) = smtp_server.messages
    return re.search(r"http://testserver(/\S+)", message.part("text/plain")).group(1)


def test_admin_sends_an_admin_a_reset_link_to_the_admin_portal(signed_in, smtp_server: SMTPServer):
    user = User.objects.create_user("second-admin@example.com", PASSWORD, role=Role.PROVIDER_ADMIN)
    link = _reset_email(signed_in, smtp_server, user)
    assert link.startswith("/portal-admin/reset/")

    signed_in.logout()
    form = signed_in.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else link
    weak = signed_in.post(set_url, {"new_password1": "short", "new_password2": "short"})
    assert "too short" in weak.content.decode()
    done = signed_in.post(set_url, {"new_password1": "a-brand-new-passphrase", "new_password2":
                                    "a-brand-new-passphrase"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")
    # The link works once.
    again = signed_in.get(link, follow=True)
    assert "This link is not valid any more" in again.content.decode()


def test_admin_sends_a_consumer_a_reset_link_to_the_live_portal(signed_in, smtp_server: SMTPServer):
    user = factories.consumer()
    link = _reset_email(signed_in, smtp_server, user)
    assert link.startswith("/auth/password/reset/")  # consumers cannot use the Admin Portal's page

    signed_in.logout()
    form = signed_in.get(link, follow=True)
    assert form.status_code == 200 and "set-password" in form.redirect_chain[-1][0]
    set_url = form.redirect_chain[-1][0]
    weak = signed_in.post(set_url, {"password": "short", "password_again": "short"})
    assert weak.status_code == 400 and "too short" in weak.content.decode()
    done = signed_in.post(set_url, {"password": "a-brand-new-passphrase", "password_again": "a-brand-new-passphrase"})
    assert done.status_code == 302 and done["Location"] == "/auth/password/login"
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")
    # The link works once.
    again = signed_in.get(link)
    assert again.status_code == 400 and "This link cannot be used" in again.content.decode()


def test_password_policy_from_the_settings_applies_everywhere(admin):
    settings = PortalSettings.load()
    settings.password_min_length, settings.password_require_mixed = 12, True
    settings.save()
    with pytest.raises(ValidationError) as error:
        password_validation.validate_password("onlyletters-long")
    assert "both letters and digits" in " ".join(error.value.messages)
    with pytest.raises(ValidationError, match="at least 12"):
        password_validation.validate_password("abc123def")
    password_validation.validate_password("letters-and-42-digits")


def test_audit_log_is_filterable(signed_in, admin):
    signed_in.post("/portal-admin/organisations/new/", {"name": "Audited"})
    request = factories.pending_request()
    signed_in.post(f"/portal-admin/access-requests/{request.pk}/", {"action": "approve"})
    page = signed_in.get("/portal-admin/audit-log/", {"action": "approve"})
    rows = page.context["rows"]
    assert len(rows) == 1
    assert any(v == "Approved" for _, v in rows[0][1])
    by_type = signed_in.get("/portal-admin/audit-log/", {"type": "accounts.organisation"})
    assert by_type.context["page"].count.value == 1
    # The organisation, and its Default Team (whose entry's note names the organisation).
    assert signed_in.get("/portal-admin/audit-log/", {"q": "Audited"}).context["page"].count.value == 2


def test_admin_sign_in_still_works_with_the_policy(client, admin):
    response = client.post("/portal-admin/sign-in/", {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 302


def test_the_settings_row_is_read_once_per_revision_and_each_caller_gets_its_own_copy(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from forecourt.portalconfig.models import PortalSettings

    PortalSettings.load()  # made on first use: a save, so a new revision
    first = PortalSettings.load()
    with CaptureQueriesContext(connection) as again:
        second = PortalSettings.load()
    assert [q["sql"] for q in again.captured_queries if "portalconfig" in q["sql"]] == []
    assert second is not first
    second.smtp_host = "changed-but-not-saved.example.com"
    assert PortalSettings.load().smtp_host != "changed-but-not-saved.example.com"
    second.save()  # a save bumps the revision: everyone reads the new row
    assert PortalSettings.load().smtp_host == "changed-but-not-saved.example.com"
