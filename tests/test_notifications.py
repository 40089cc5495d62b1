"""Issue 7: every notification, as people and webhook endpoints receive it.

E-mails go through a real SMTP server (aiosmtpd) with both parts; every flow that should notify
is driven through the portal's own entry points (Live Portal pages, Admin Portal, Admin API,
services) and checked for its e-mails and webhook events, recorded with the change or not at all.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from markupsafe import escape

from forecourt.access import expiry
from forecourt.access import services as access
from forecourt.access.models import Credential
from forecourt.accounts import services as accounts
from forecourt.accounts.models import Invitation, OrganisationRequest, Role, User
from forecourt.jobs.models import Job
from forecourt.notify import email, values
from forecourt.notify.mailers import MAILERS
from forecourt.notify.models import EmailLog
from forecourt.portalconfig.models import PortalSettings
from forecourt.themes import storage
from forecourt.webhooks.models import Event

from . import factories
from .conftest import PASSWORD
from .support.smtp import HOST, SMTPServer, smtp_server
from .test_notify import run_job
from .themes_support import store

__all__ = ["smtp_server"]

pytestmark = pytest.mark.django_db

ADMINS = "ops@example.com"


@pytest.fixture(autouse=True)
def admins_are_told():
    settings = PortalSettings.load()
    settings.admin_notification_address = ADMINS
    settings.save()


@pytest.fixture
def mail_settings(smtp_server: SMTPServer) -> PortalSettings:
    settings = PortalSettings.load()
    settings.smtp_host, settings.smtp_port, settings.smtp_security = HOST, smtp_server.port, "none"
    settings.from_address = "portal@example.com"
    settings.save()
    return settings


def sent(template: str) -> list[EmailLog]:
    return list(EmailLog.objects.filter(template=template).order_by("pk"))


def events(name: str) -> list[dict]:
    """The messages of the events `name`, in the order they were recorded (ids are UUIDs)."""
    return [e.message for e in Event.objects.filter(name=name).order_by("created_at")]


def texts(value) -> list[str]:
    """The strings (and numbers) of a sample value, as they must appear in the e-mail."""
    if isinstance(value, list):
        return [t for item in value for t in texts(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in texts(item)]
    return [str(value)] if value not in ("", None) else []


# --- every e-mail, through SMTP, in HTML and text ---------------------------------------------------

@pytest.mark.parametrize("mailer", MAILERS, ids=[m.name for m in MAILERS])
def test_every_email_arrives_with_both_parts_showing_its_data(mailer, mail_settings, smtp_server):
    email.send(["someone@example.com"], mailer.name, mailer.sample)
    assert run_job() is True
    (received,) = smtp_server.messages
    subject, text, body = received.message["Subject"], received.part("text/plain"), received.part("text/html")
    assert subject and "{" not in subject and "\n" not in subject
    assert "{{" not in text and "{%" not in text and "{{" not in body and "{%" not in body
    assert body.lstrip().startswith("<!DOCTYPE html>") and body.rstrip().endswith("</html>")
    for key, value in mailer.sample.items():
        if key in mailer.dates:  # a date is shown the reader's way (notify/values.py): English, UTC here
            value = values.shown_date(value)
        for shown in texts(value):
            if key == "days_left" and shown == "0":
                continue  # an expired credential says when, not "in 0 days"
            assert shown in text, f"{mailer.name}: {key}={shown!r} missing from the text part"
            assert str(escape(shown)) in body, f"{mailer.name}: {key}={shown!r} missing from HTML"


def test_the_default_theme_has_every_email_in_both_forms():
    names = set(storage.bundled().paths())
    for mailer in MAILERS:
        for suffix in ("subject.txt", "txt", "html"):
            assert f"mailers/{mailer.name}.{suffix}" in names


def test_a_custom_theme_rewords_an_email_and_a_broken_one_falls_back(admin):
    store(name="acme", mailers__welcome_DOT_subject_DOT_txt="Welcome to Acme, {{ user_name }}!",
          mailers__welcome_DOT_txt=("{% extends 'mailers/layout.txt' %}{% block body %}Hi "
                                    "{{ user_name }} from Acme{% endblock %}"),
          mailers__welcome_DOT_html="{{ broken( }}")
    storage.activate("acme", admin)
    entry = email.send(["a@example.com"], "welcome", {"user_name": "Ada"})
    assert entry.subject == "Welcome to Acme, Ada!"
    assert "Hi Ada from Acme" in entry.body_text
    assert "Thank you for registering" in entry.body_html  # the default theme's HTML, since Acme's breaks


# --- accounts ---------------------------------------------------------------------------------------

def test_sign_up_tells_the_user_the_admins_and_the_webhooks(client):
    response = client.post("/auth/password/register", {
        "email": "new@example.com", "first_name": "Nina", "last_name": "New",
        "password": "a-brand-new-passphrase", "password_again": "a-brand-new-passphrase"})
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    (welcome,) = sent("welcome")
    (review,) = sent("account_awaiting_approval")
    assert welcome.to == "new@example.com" and review.to == ADMINS
    assert f"/portal-admin/users/{user.pk}/actions/" in review.body_text and "new@example.com" in review.body_text
    (event,) = events("UserRegistered")
    assert event["ID"] == user.pk and event["Email"] == "new@example.com" and event["Active"] is False
    assert "password" not in str(event).lower()


def test_admin_activation_and_deactivation_are_emailed_and_announced(admin, settings):
    settings.PUBLIC_URL = "https://portal.example.com"
    user = factories.consumer(is_active=False)
    accounts.set_active(user, True, admin)
    (activated,) = sent("account_activated")
    assert activated.to == user.email
    assert "https://portal.example.com" + reverse("live:sign_in") in activated.body_text
    accounts.set_active(user, False, admin)
    assert [m.to for m in sent("account_deactivated")] == [user.email]
    assert [e["ID"] for e in events("UserAccountActivated")] == [user.pk]
    assert [e["ID"] for e in events("UserAccountDeactivated")] == [user.pk]
    accounts.set_active(user, False, admin)  # no change, no news
    assert len(sent("account_deactivated")) == 1 and len(events("UserAccountDeactivated")) == 1


def test_activation_through_the_admin_api_and_the_admin_portal_form(api, admin, client):
    user = factories.consumer()
    assert api("put", f"/users/{user.pk}", {"Active": False}).status_code == 200
    assert [e["ID"] for e in events("UserAccountDeactivated")] == [user.pk]
    client.force_login(admin)
    form = client.get(f"/portal-admin/users/{user.pk}/")
    assert form.status_code == 200
    data = {"email": user.email, "first_name": user.first_name, "last_name": user.last_name, "role": user.role,
            "organisation": user.organisation_id, "teams": list(user.teams.values_list("pk", flat=True)),
            "is_active": "on"}
    response = client.post(f"/portal-admin/users/{user.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [e["ID"] for e in events("UserAccountActivated")] == [user.pk]
    assert [m.to for m in sent("account_activated")] == [user.email]


def test_a_rolled_back_change_sends_nothing(admin):
    user = factories.consumer(is_active=False)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        accounts.set_active(user, True, admin)
        assert sent("account_activated") and events("UserAccountActivated")
        raise Boom
    assert not EmailLog.objects.exists() and not Event.objects.exists() and not Job.objects.exists()


def test_confirming_by_link_is_announced_but_not_emailed():
    from forecourt.accounts import signup

    user = factories.consumer(is_active=False)
    signup.activate(user)
    signup.activate(user)  # a second click changes nothing
    assert [e["ID"] for e in events("UserAccountActivated")] == [user.pk]
    assert not sent("account_activated")


def test_password_reset_is_emailed_and_announced(client):
    user = factories.consumer()
    assert client.post("/auth/password/new", {"email": user.email}).status_code == 302
    assert [m.to for m in sent("password_reset")] == [user.email]
    assert [(e["ID"], e["RequestedBy"]) for e in events("PasswordReset")] == [(user.pk, "user")]
    assert client.post("/auth/password/new", {"email": "nobody@example.com"}).status_code == 302
    assert len(events("PasswordReset")) == 1  # an unknown address announces nothing


def test_invitations_are_emailed_and_announced_and_accepting_registers():
    from forecourt.accounts import invitations

    org = factories.organisation("Acme")
    inviter = factories.consumer(org, role=Role.CONSUMER_ADMIN)
    team = org.teams.get(is_default=True) if org.teams.filter(is_default=True).exists() else factories.team(org)
    invitation = invitations.invite(inviter, "friend@example.com", "Fay", "Friend", Role.CONSUMER_TEAM_MEMBER, team,
                             "https://portal.example.com/")
    (mail,) = sent("invite")
    assert mail.to == "friend@example.com" and "https://portal.example.com/auth/invite/" in mail.body_text
    (event,) = events("RegisterInvite")
    assert (event["ID"], event["Email"], event["OrganisationID"]) == (invitation.pk, "friend@example.com", org.pk)
    user = invitations.accept_invitation(Invitation.objects.get(), "Fay", "Friend", PASSWORD)
    assert [(e["ID"], e["Via"]) for e in events("UserRegistered")] == [(user.pk, "invitation")]


# --- apps, access, credentials -------------------------------------------------------------------------

def test_apps_made_anywhere_are_announced(api, admin, consumer):
    web = Client()
    web.force_login(consumer)
    made = web.post("/apps/new", {"name": "From the portal", "description": "", "visibility": "personal"})
    assert made.status_code == 302
    response = api("post", "/apps", {"Name": "From the API", "UserID": consumer.pk})
    assert response.status_code == 200, response.content
    names = [e["Name"] for e in events("ApplicationRegistered")]
    assert sorted(names) == ["From the API", "From the portal"]
    assert {e["OwnerID"] for e in events("ApplicationRegistered")} == {consumer.pk}
    assert api("put", f"/apps/{response.json()['ID']}", {"Name": "Renamed"}).status_code == 200
    assert len(events("ApplicationRegistered")) == 2  # an edit is not a registration


def test_an_access_request_waiting_for_review_is_emailed_to_the_admins(settings):
    settings.PUBLIC_URL = "https://portal.example.com"
    request = factories.pending_request()
    (mail,) = sent("access_request_submitted")
    assert mail.to == ADMINS and request.app.name in mail.subject
    assert f"https://portal.example.com/portal-admin/access-requests/{request.pk}/" in mail.body_text


def test_an_auto_approved_request_does_not_ask_the_admins(admin):
    owner = factories.consumer()
    product = factories.product(published=True)
    plan = factories.plan(auto_approve=True)
    access.submit_request(factories.app(owner), factories.catalogue([product], [plan]), plan, [product], owner)
    assert not sent("access_request_submitted") and len(sent("access_request_approved")) == 1


# --- organisations ----------------------------------------------------------------------------------

def test_organisations_and_their_requests_are_announced(api, admin, consumer, settings):
    from forecourt.accounts import org_requests

    assert api("post", "/organisations", {"Name": "Made by API"}).status_code == 200
    settings_row = PortalSettings.load()
    settings_row.allow_organisation_requests = True
    settings_row.save()
    first = org_requests.request_organisation(consumer, "Acme Widgets", "https://portal.example.com/")
    (mail,) = sent("organisation_request_submitted")
    assert mail.to == ADMINS and "Acme Widgets" in mail.subject and consumer.email in mail.body_text
    organisation = org_requests.approve_organisation_request(first, admin, "https://portal.example.com/")
    other = factories.consumer()
    second = org_requests.request_organisation(other, "Nope Ltd", "https://portal.example.com/")
    org_requests.reject_organisation_request(second, admin, "https://portal.example.com/", reason="Not a company.")

    registered = {e["Name"]: e for e in events("OrganisationRegistered")}
    assert sorted(registered) == ["Acme Widgets", "Made by API"]
    assert registered["Acme Widgets"]["ID"] == organisation.pk
    assert registered["Acme Widgets"]["RequestedBy"] == consumer.email
    assert sorted(e["ID"] for e in events("OrganisationRequestCreated")) == [first.pk, second.pk]
    assert [e["ID"] for e in events("OrganisationRequestApproved")] == [first.pk]
    (rejected,) = events("OrganisationRequestRejected")
    assert rejected["Reason"] == "Not a company." and rejected["Status"] == OrganisationRequest.Status.REJECTED
    assert [m.to for m in sent("organisation_request_approved")] == [consumer.email]
    (no,) = sent("organisation_request_rejected")
    assert no.to == other.email and "Not a company." in no.body_text and "Not a company." in no.body_html


# --- credential expiry reminders --------------------------------------------------------------------------

def credential(expires_in: timedelta, lifetime: timedelta = timedelta(days=30),
               status: str = Credential.Status.ACTIVE) -> Credential:
    request = factories.pending_request()
    now = timezone.now()
    made = Credential.objects.create(app=request.app, access_request=request, provider_reference="k",
                                     status=status, secret_hint="wxyz", expires_at=now + expires_in)
    Credential.objects.filter(pk=made.pk).update(created_at=now + expires_in - lifetime)
    return made


def test_expiry_reminders_are_sent_once_each(settings):
    settings.PUBLIC_URL = "https://portal.example.com"
    soon = credential(timedelta(days=3))
    later = credential(timedelta(days=20))
    gone = credential(-timedelta(hours=1))
    short = credential(timedelta(hours=5), lifetime=timedelta(days=1))  # a one-day key: no warning, just "expired"
    revoked = credential(timedelta(days=1), status=Credential.Status.REVOKED)
    EmailLog.objects.all().delete()

    assert expiry.send_reminders() == (1, 1)
    assert expiry.send_reminders() == (0, 0)  # the next tick finds nothing new
    (warning,) = sent("credential_expiring")
    assert warning.to == soon.app.owner.email and "in 3 days" in warning.body_text and "wxyz" in warning.body_text
    assert f"https://portal.example.com/apps/{soon.app_id}" in warning.body_text
    (expired,) = sent("credential_expired")
    assert expired.to == gone.app.owner.email

    # Time passes: the short-lived key and the later one expire; each is told once.
    assert expiry.send_reminders(timezone.now() + timedelta(days=21)) == (0, 3)
    assert sorted(m.to for m in sent("credential_expired")) == sorted(
        c.app.owner.email for c in (gone, soon, later, short))
    assert not any(m.to == revoked.app.owner.email for m in EmailLog.objects.all())


def test_a_deactivated_owner_is_not_reminded(admin):
    cred = credential(timedelta(days=2))
    cred.app.owner.is_active = False
    cred.app.owner.save()
    EmailLog.objects.all().delete()
    assert expiry.send_reminders() == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_replicas_running_the_schedule_together_send_each_reminder_once():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: the race needs a server database")
    creds = [credential(timedelta(days=2)) for _ in range(10)]
    EmailLog.objects.all().delete()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def replica() -> None:
        try:
            barrier.wait()
            expiry.send_reminders()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(m.to for m in sent("credential_expiring")) == sorted(c.app.owner.email for c in creds)


# --- the e-mail log in the Admin Portal -------------------------------------------------------------

def test_the_email_log_lists_shows_and_sends_again(client, admin, consumer, mail_settings, smtp_server):
    failed = email.send(["a@example.com"], "welcome", {"user_name": "<b>Ada</b>"})
    EmailLog.objects.filter(pk=failed.pk).update(status=EmailLog.Status.FAILED, error="connection refused by x:25")
    Job.objects.all().delete()
    other = email.send(["b@example.com"], "password_reset", {"user_name": "Bo", "reset_url": "https://p/r",
                                                              "expires_hours": 1})
    client.force_login(admin)
    page = client.get("/portal-admin/email-log/?status=failed").content.decode()
    assert "a@example.com" in page and "b@example.com" not in page and "connection refused" in page
    assert "b@example.com" in client.get("/portal-admin/email-log/?template=password_reset").content.decode()

    detail = client.get(f"/portal-admin/email-log/{failed.pk}/").content.decode()
    assert "connection refused by x:25" in detail and "Send again" in detail
    assert "<b>Ada</b>" not in detail  # the HTML part is shown in a sandboxed frame, escaped into srcdoc
    assert client.get(f"/portal-admin/email-log/{other.pk}/").status_code == 200

    response = client.post(f"/portal-admin/email-log/{failed.pk}/resend/")
    again = EmailLog.objects.latest("pk")
    assert response.status_code == 302 and response["Location"].endswith(f"/email-log/{again.pk}/")
    assert (again.to, again.subject, again.status) == ("a@example.com", failed.subject, EmailLog.Status.QUEUED)
    while run_job():
        pass
    assert {m.rcpt_tos[0] for m in smtp_server.messages} == {"a@example.com", "b@example.com"}
    assert client.post(f"/portal-admin/email-log/{EmailLog.objects.get(pk=again.pk).pk}/resend/").status_code == 302

    # Only super-admins: the messages hold one-time links (a provider-admin reading a super-admin's
    # reset link could take over that account).
    provider_admin = factories.consumer(role=Role.PROVIDER_ADMIN)
    for user in (provider_admin, consumer):  # a provider-admin gets 403, a consumer the Live Portal's 404
        client.force_login(user)
        assert client.get("/portal-admin/email-log/").status_code in (302, 403, 404)
        assert client.get(f"/portal-admin/email-log/{failed.pk}/").status_code in (403, 404)
        assert client.post(f"/portal-admin/email-log/{failed.pk}/resend/").status_code in (403, 404)
        assert "/portal-admin/email-log/" not in client.get("/portal-admin/").content.decode()
    assert EmailLog.objects.count() == 4


def test_an_expiry_reminder_names_the_credential_in_its_recipients_language():
    """The reminder job runs with no language active: the credential's kind (a choice's label) still
    reaches a German owner in German, as the rest of the e-mail does."""
    soon = credential(timedelta(days=3))
    User.objects.filter(pk=soon.app.owner_id).update(language="de")
    EmailLog.objects.all().delete()
    expiry.send_reminders()
    (warning,) = sent("credential_expiring")
    assert "API-Schlüssel" in warning.body_text and "API key" not in warning.body_text
