"""E-mail: rendering, the transactional queue, and delivery to a real SMTP server."""

import logging
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.notify import email
from forecourt.notify.models import EmailLog
from forecourt.portalconfig.models import PortalSettings

from .support.smtp import HOST, SMTPServer, closed_port, running, self_signed_context, silent_server, smtp_server

__all__ = ["smtp_server"]  # the fixture, imported so pytest finds it here

APPROVED = {"user_name": "Dev Eloper", "app_name": "Weather & Co", "plan_name": "Gold",
            "products": ["Forecasts", "Radar"], "portal_url": "https://portal.example.com/apps?id=7&tab=keys"}
HOSTILE = "<script>alert('x')</script> & Sons"


@pytest.fixture
def mail_settings(smtp_server: SMTPServer) -> PortalSettings:
    """Settings that deliver to the test SMTP server, in plain text, from portal@example.com."""
    settings = PortalSettings.load()
    settings.smtp_host = HOST
    settings.smtp_port = smtp_server.port
    settings.smtp_security = PortalSettings.Security.NONE
    settings.smtp_timeout = 5
    settings.from_address = "portal@example.com"
    settings.save()
    return settings


def run_job() -> bool | None:
    """Run the next job now, whatever its backoff says (the tests do not wait for retries)."""
    Job.objects.filter(status=Job.Status.QUEUED).update(run_at=timezone.now() - timedelta(seconds=1))
    return queue.run_next("test")


@pytest.mark.django_db
def test_queued_mail_arrives_with_from_to_subject_and_both_parts(mail_settings, smtp_server):
    entry = email.send(["dev@example.com", "team@example.com"], "access_request_approved", APPROVED)
    assert entry.status == EmailLog.Status.QUEUED and entry.attempts == 0
    assert smtp_server.messages == []  # nothing goes out until the worker runs the job

    assert run_job() is True
    entry.refresh_from_db()
    assert entry.status == EmailLog.Status.SENT and entry.attempts == 1 and entry.sent_at is not None
    assert entry.error == ""
    (received,) = smtp_server.messages
    assert received.mail_from == "portal@example.com"
    assert received.rcpt_tos == ["dev@example.com", "team@example.com"]
    message = received.message
    assert message["From"] == "portal@example.com"
    assert message["To"] == "dev@example.com, team@example.com"
    assert message["Subject"] == "Access approved: Weather & Co (Gold)" == entry.subject
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    text, html = received.part("text/plain"), received.part("text/html")
    assert "Weather & Co" in text and "  - Radar" in text and APPROVED["portal_url"] in text
    assert "Weather &amp; Co" in html and "<li>Radar</li>" in html
    assert 'href="https://portal.example.com/apps?id=7&amp;tab=keys"' in html
    assert queue.run_next("test") is None


@pytest.mark.django_db
def test_job_carries_only_the_log_id(mail_settings):
    entry = email.send(["dev@example.com"], "test", {"to": "dev@example.com"})
    job = Job.objects.get()
    assert job.name == "notify.email" and job.payload == {"log_id": entry.pk}
    assert job.max_attempts == email.MAX_ATTEMPTS == 4


@pytest.mark.django_db
def test_nothing_is_sent_without_a_from_address(mail_settings, smtp_server):
    mail_settings.from_address = ""
    mail_settings.save()
    entry = email.send(["dev@example.com"], "test", {"to": "dev@example.com"})
    assert run_job() is True  # settled, not retried: only an admin can fix this
    entry.refresh_from_db()
    assert entry.status == EmailLog.Status.SKIPPED and entry.error == "no From address is set"
    assert entry.attempts == 0 and entry.sent_at is None
    assert Job.objects.get().status == Job.Status.DONE
    assert smtp_server.messages == []


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_change_rolls_back(mail_settings, smtp_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        email.send(["dev@example.com"], "test", {"to": "dev@example.com"})
        assert EmailLog.objects.count() == 1 and Job.objects.count() == 1  # written in the caller's transaction
        raise RuntimeError("the approval failed")
    assert not EmailLog.objects.exists() and not Job.objects.exists()
    assert queue.run_next("test") is None
    assert smtp_server.messages == []

    with transaction.atomic():
        entry = email.send(["dev@example.com"], "test", {"to": "dev@example.com"})
    assert queue.run_next("test") is True
    entry.refresh_from_db()
    assert entry.status == EmailLog.Status.SENT
    assert [m.rcpt_tos for m in smtp_server.messages] == [["dev@example.com"]]


@pytest.mark.django_db(transaction=True)
def test_send_needs_no_commit_hook(mail_settings, smtp_server, django_capture_on_commit_callbacks):
    """The job row is the outbox: delivery does not depend on an on_commit callback having run."""
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        email.send(["dev@example.com"], "test", {"to": "dev@example.com"})
    assert callbacks == []
    assert queue.run_next("test") is True
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_refused_connection_is_retried_then_marked_failed_keeping_the_error(mail_settings, smtp_server):
    mail_settings.smtp_port = closed_port()
    mail_settings.save()
    entry = email.send(["dev@example.com"], "test", {"to": "dev@example.com"})
    reason = f"connection refused by {HOST}:{mail_settings.smtp_port}"

    for attempt in range(1, email.MAX_ATTEMPTS):
        assert run_job() is False
        entry.refresh_from_db()
        assert (entry.status, entry.attempts, entry.error) == (EmailLog.Status.QUEUED, attempt, reason)
        assert Job.objects.get().status == Job.Status.QUEUED

    assert run_job() is False
    entry.refresh_from_db()
    assert (entry.status, entry.attempts, entry.error) == (EmailLog.Status.FAILED, email.MAX_ATTEMPTS, reason)
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and reason in job.last_error
    assert run_job() is None
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_retry_succeeds_once_the_server_is_back(mail_settings, smtp_server):
    live_port = mail_settings.smtp_port
    mail_settings.smtp_port = closed_port()
    mail_settings.save()
    entry = email.send(["dev@example.com"], "test", {"to": "dev@example.com"})
    assert run_job() is False

    mail_settings.smtp_port = live_port  # settings are read at each attempt
    mail_settings.save()
    assert run_job() is True
    entry.refresh_from_db()
    assert (entry.status, entry.attempts, entry.error) == (EmailLog.Status.SENT, 2, "")
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_auth_uses_the_decrypted_smtp_password(mail_settings, smtp_server):
    smtp_server.credentials = ("mailer", "pa55 w0rd&<ok>")
    mail_settings.smtp_username = "mailer"
    mail_settings.smtp_password = "pa55 w0rd&<ok>"
    mail_settings.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT smtp_password FROM portalconfig_portalsettings")
        (stored,) = cursor.fetchone()
    assert stored.startswith("fc1:") and "pa55" not in stored  # encrypted at rest

    entry = email.send(["dev@example.com"], "test", {"to": "dev@example.com"})
    assert run_job() is True
    entry.refresh_from_db()
    assert entry.status == EmailLog.Status.SENT
    assert smtp_server.auth_attempts == [("mailer", "pa55 w0rd&<ok>")]
    assert smtp_server.messages[0].login == "mailer"


@pytest.mark.django_db
def test_server_requiring_auth_refuses_a_portal_without_credentials(mail_settings, smtp_server):
    smtp_server.credentials = ("mailer", "secret")
    ok, reason = email.send_test("admin@example.com")
    assert not ok and reason == "From address portal@example.com refused (530 5.7.0 Authentication required)"


@pytest.mark.django_db
def test_wrong_password_is_reported_but_never_logged(mail_settings, smtp_server, caplog):
    smtp_server.credentials = ("mailer", "right-password")
    mail_settings.smtp_username = "mailer"
    mail_settings.smtp_password = "wrong-password-4711"
    mail_settings.save()
    entry = email.send(["dev@example.com"], "test", {"to": "dev@example.com"})
    with caplog.at_level(logging.DEBUG):
        assert run_job() is False
        ok, reason = email.send_test("admin@example.com")
    assert not ok
    assert reason == "authentication failed for user 'mailer' (535 5.7.8 Authentication credentials invalid)"
    entry.refresh_from_db()
    assert entry.error == reason
    assert "authentication failed" in caplog.text
    for text in (caplog.text, reason, Job.objects.get().last_error):
        assert "wrong-password-4711" not in text
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_send_test_sends_at_once_and_records_it(mail_settings, smtp_server):
    assert email.send_test(" admin@example.com ") == (True, "sent to admin@example.com")
    assert not Job.objects.exists()  # not through the queue
    entry = EmailLog.objects.get()
    assert (entry.template, entry.to, entry.status, entry.attempts) == ("test", "admin@example.com", "sent", 1)
    (received,) = smtp_server.messages
    assert received.message["Subject"] == "Test message from the developer portal"
    assert "sent to admin@example.com" in received.part("text/plain")
    assert "<strong>admin@example.com</strong>" in received.part("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "status", "reason"), [
    ({"from_address": ""}, "skipped", "no From address is set"),
    ({"smtp_host": ""}, "skipped", "no SMTP host is set"),
    ({"smtp_port": "closed"}, "failed", "connection refused by 127.0.0.1:{port}"),
])
def test_send_test_reports_missing_settings_and_refusals(mail_settings, smtp_server, change, status, reason):
    for field, value in change.items():
        setattr(mail_settings, field, closed_port() if value == "closed" else value)
    mail_settings.save()
    assert email.send_test("admin@example.com") == (False, reason.format(port=mail_settings.smtp_port))
    entry = EmailLog.objects.get()
    assert entry.status == status and entry.error == reason.format(port=mail_settings.smtp_port)
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_send_test_reports_a_timeout(mail_settings):
    with silent_server() as port:
        mail_settings.smtp_port = port
        mail_settings.smtp_timeout = 1
        mail_settings.save()
        assert email.send_test("admin@example.com") == (False, f"timed out after 1 s talking to {HOST}:{port}")
    assert EmailLog.objects.get().status == EmailLog.Status.FAILED


@pytest.mark.django_db
def test_send_test_reports_a_rejected_message(mail_settings, smtp_server):
    smtp_server.reject = "554 5.7.1 Message refused by policy"
    assert email.send_test("admin@example.com") == (
        False, "the server refused the message (554 5.7.1 Message refused by policy)")


@pytest.mark.django_db
def test_starttls_does_not_trust_an_unverifiable_certificate(mail_settings):
    with running(self_signed_context()) as tls_server:
        mail_settings.smtp_port = tls_server.port
        mail_settings.smtp_security = PortalSettings.Security.STARTTLS
        mail_settings.save()
        ok, reason = email.send_test("admin@example.com")
        assert tls_server.messages == []
    assert not ok
    assert reason.startswith(f"TLS failed with {HOST}:{tls_server.port}: ") and "certificate" in reason


@pytest.mark.django_db
def test_names_are_escaped_in_html_and_raw_in_text(mail_settings, smtp_server):
    context = {**APPROVED, "user_name": HOSTILE, "app_name": HOSTILE, "reason": "Use <b>v2</b> & retry\nThanks"}
    email.send(["dev@example.com"], "access_request_rejected", context)
    assert run_job() is True
    (received,) = smtp_server.messages
    text, html = received.part("text/plain"), received.part("text/html")
    assert "<script>" not in html
    assert "Hello &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Sons," in html
    assert "Use &lt;b&gt;v2&lt;/b&gt; &amp; retry\nThanks" in html
    assert f"Hello {HOSTILE}," in text
    assert "Use <b>v2</b> & retry\nThanks" in text
    assert "&amp;" not in text and "&lt;" not in text
    assert received.message["Subject"] == f"Access not approved: {HOSTILE} (Gold)"


@pytest.mark.django_db  # the active theme's mailers are rendered
@pytest.mark.parametrize(("template", "context", "subject"), [
    ("test", {"to": "a@example.com"}, "Test message from the developer portal"),
    ("access_request_approved", APPROVED, "Access approved: Weather & Co (Gold)"),
    ("access_request_rejected", {**APPROVED, "reason": ""}, "Access not approved: Weather & Co (Gold)"),
    ("password_reset", {"user_name": "Ada", "reset_url": "https://p.example.com/reset/abc?x=1&y=2",
                        "expires_hours": 1}, "Reset your developer portal password"),
])
def test_every_template_renders_a_one_line_subject_and_both_bodies(template, context, subject):
    from forecourt.notify.rendering import render

    rendered = render(template, context)
    assert rendered.subject == subject
    assert rendered.text.strip() and "&amp;" not in rendered.text and "{" not in rendered.text
    assert rendered.html.startswith("<!DOCTYPE html>") and "</html>" in rendered.html
    assert not any(external in rendered.html for external in ("src=", "<link", "url(", "<style", "<script"))


@pytest.mark.django_db
def test_password_reset_says_how_long_the_link_lasts():
    from forecourt.notify.rendering import render

    rendered = render("password_reset", {"user_name": "Ada", "reset_url": "https://p/r", "expires_hours": 24})
    assert "within 24 hours" in rendered.text and "within 24 hours" in rendered.html


@pytest.mark.django_db
@pytest.mark.parametrize(("to", "template", "context", "error"), [
    (["a@example.com"], "test", {"to": object()}, TypeError),
    (["a@example.com"], "../adminportal/base", {}, ValueError),
    (["a@example.com"], "no_such_template", {}, ValueError),
    (["a@example.com, b@example.com"], "test", {}, ValueError),
    (["a@example.com\r\nBcc: x@example.com"], "test", {}, ValueError),
    ([], "test", {}, ValueError),
    ("a@example.com", "test", {}, TypeError),
])
def test_send_refuses_what_it_cannot_queue_safely(to, template, context, error):
    with pytest.raises(error):
        email.send(to, template, context)
    assert not EmailLog.objects.exists() and not Job.objects.exists()


@pytest.mark.django_db
def test_a_deleted_log_entry_is_not_retried(mail_settings, smtp_server):
    entry = email.send(["dev@example.com"], "test", {"to": "dev@example.com"})
    entry.delete()
    assert run_job() is True
    assert smtp_server.messages == []
