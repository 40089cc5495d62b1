"""The Live Portal's account pages: sign up (approval, auto-approval, invite codes), activation,
sign in and out with throttling, forgotten passwords, invitations by consumer-admins, My account,
My organisation and organisation requests; enumeration safety, CSRF and safe `next` redirects."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from forecourt.accounts import org_requests, throttle
from forecourt.accounts import services as accounts
from forecourt.accounts.models import Invitation, InviteCode, OrganisationRequest, Role, Team, User
from forecourt.audit.models import AuditEntry
from forecourt.jobs import queue
from forecourt.notify.models import EmailLog
from forecourt.portalconfig.models import PortalSettings
from forecourt.themes.validate import validate_target

from . import factories
from .conftest import PASSWORD
from .support.smtp import SMTPServer, smtp_server

__all__ = ["smtp_server"]
pytestmark = pytest.mark.django_db

SIGN_IN = "/auth/password/login"
SIGN_UP = "/auth/password/register"
FORGOTTEN = "/auth/password/new"
NEW_PASSWORD = "a-brand-new-passphrase"
CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def portal_settings(**values) -> PortalSettings:
    current = PortalSettings.load()
    for name, value in values.items():
        setattr(current, name, value)
    current.save()
    return current


def mails(template: str, to: str | None = None) -> list[EmailLog]:
    found = EmailLog.objects.filter(template=template).order_by("pk")
    return [m for m in found if to is None or m.to == to]


def link_in(mail: EmailLog) -> str:
    return re.search(r"http://testserver(/\S+)", mail.body_text).group(1)


def body(response) -> str:
    """A page without what differs from one response to the next (the masked CSRF token)."""
    return CSRF_VALUE.sub('name="csrfmiddlewaretoken" value=""', response.content.decode())


def sign_up_data(email="new@example.com", **extra):
    return {"email": email, "first_name": "Nina", "last_name": "New", "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD, **extra}


def organisation_admin(name="Acme") -> User:
    org = factories.organisation(name)
    return factories.consumer(org, role=Role.CONSUMER_ADMIN, first_name="Olga", last_name="Owner")


# --- the default theme ------------------------------------------------------------------------

def _validate_default():
    from django.urls import reverse

    reverse("live:home")  # load the URLconf first: its one-time import is not a template's render time
    return validate_target("default")


def test_account_pages_of_the_default_theme_validate():
    from forecourt.live.account.samples import SAMPLES

    ours = {*SAMPLES, "partials/forms.html", "partials/header.html", "layouts/site_layout.html"}
    name, problems = _validate_default()
    assert name == "default" and [p for p in problems if p.file in ours] == []


def test_default_theme_still_validates():
    assert _validate_default() == ("default", [])


@pytest.mark.parametrize("path", [SIGN_IN, SIGN_UP, FORGOTTEN])
def test_visitor_pages_render_with_a_csrf_field_and_header_links(client, path):
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert f'href="{SIGN_IN}"' in page and f'href="{SIGN_UP}"' in page


def test_posts_without_a_csrf_token_are_refused():
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(SIGN_IN, {"email": "a@example.com", "password": "x"}).status_code == 403
    assert strict.post(SIGN_UP, sign_up_data()).status_code == 403
    assert not User.objects.exists()


# --- sign up ----------------------------------------------------------------------------------

def test_sign_up_waits_for_approval_and_cannot_sign_in_until_then(client):
    portal_settings(admin_notification_address="ops@example.com")
    response = client.post(SIGN_UP, sign_up_data())
    assert response.status_code == 302 and response["Location"].endswith("?step=review")
    user = User.objects.get(email="new@example.com")
    assert not user.is_active and user.role == Role.CONSUMER_TEAM_MEMBER
    default_org, default_team = accounts.ensure_default_organisation()
    assert user.organisation == default_org and list(user.teams.all()) == [default_team]
    assert (user.first_name, user.last_name) == ("Nina", "New") and user.check_password(NEW_PASSWORD)
    assert len(mails("welcome", "new@example.com")) == 1
    assert "/portal-admin/users/" in mails("account_awaiting_approval", "ops@example.com")[0].body_text
    assert "administrator will review" in client.get(response["Location"]).content.decode()

    refused = client.post(SIGN_IN, {"email": "new@example.com", "password": NEW_PASSWORD})
    assert refused.status_code == 403 and "_auth_user_id" not in client.session
    assert "waiting for an administrator" in refused.content.decode()

    user.is_active = True  # an admin approves
    user.save()
    assert client.post(SIGN_IN, {"email": "new@example.com", "password": NEW_PASSWORD}).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_up_with_auto_approve_activates_with_the_emailed_link_once(client):
    portal_settings(auto_approve_registrations=True)
    response = client.post(SIGN_UP, sign_up_data())
    assert response["Location"].endswith("?step=confirm")
    user = User.objects.get(email="new@example.com")
    assert not user.is_active  # not before the address is confirmed
    (mail,) = mails("account_confirm", "new@example.com")
    link = link_in(mail)

    page = client.get(link)
    assert page.status_code == 200 and "new@example.com" in page.content.decode()
    user.refresh_from_db()
    assert not user.is_active  # opening the link (a mail scanner, say) activates nothing

    done = client.post(link)
    assert done.status_code == 302 and done["Location"] == "/my-account"
    user.refresh_from_db()
    assert user.is_active and client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/my-account").status_code == 200

    client.logout()
    assert client.post(link).status_code == 400  # spent
    User.objects.filter(pk=user.pk).update(is_active=False)  # deactivated by an admin later
    assert client.post(link).status_code == 400  # not revived
    assert not User.objects.get(pk=user.pk).is_active


def test_sign_up_refuses_bad_details_and_weak_passwords(client):
    response = client.post(SIGN_UP, {**sign_up_data(), "email": "not-an-address", "password": "short",
                                     "password_again": "short"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in page and "too short" in page
    mismatch = client.post(SIGN_UP, {**sign_up_data(), "password_again": "something-else-entirely"})
    assert "The two passwords differ." in mismatch.content.decode()
    assert not User.objects.exists() and not EmailLog.objects.exists()


def test_sign_up_with_a_registered_address_answers_the_same_and_mails_the_owner(client, consumer):
    new = client.post(SIGN_UP, sign_up_data("someone-new@example.com"))
    taken = client.post(SIGN_UP, sign_up_data("DEV@example.com"))
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert body(client.get(taken["Location"])) == body(client.get(new["Location"]))
    assert User.objects.filter(email__iexact="dev@example.com").count() == 1
    consumer.refresh_from_db()
    assert consumer.check_password(PASSWORD) and consumer.first_name == "Dev"  # untouched
    (mail,) = mails("account_exists", "dev@example.com")
    assert "/auth/password/login" in mail.body_text and "/auth/password/new" in mail.body_text
    # Repeated attempts do not flood the owner's mailbox.
    for _ in range(5):
        client.post(SIGN_UP, sign_up_data("dev@example.com"))
    assert len(mails("account_exists")) == throttle.SIGN_UP_ACCOUNT.limit


def test_sign_up_with_an_invite_code_joins_its_team_and_counts_a_use(client):
    org = factories.organisation("Partner")
    team = factories.team(org, "Hackathon")
    code = InviteCode.objects.create(organisation=org, team=team, max_uses=1)
    form = client.get(f"{SIGN_UP}?invite_code={code.code}")
    assert f'value="{code.code}"' in form.content.decode()

    response = client.post(SIGN_UP, sign_up_data(invite_code=code.code))
    assert response["Location"].endswith("?step=confirm")
    user = User.objects.get(email="new@example.com")
    assert user.organisation == org and list(user.teams.all()) == [team] and not user.is_active
    code.refresh_from_db()
    assert code.uses == 1 and not code.is_usable
    client.post(link_in(mails("account_confirm")[0]))
    assert User.objects.get(pk=user.pk).is_active


@pytest.mark.parametrize("code_state", ["unknown", "expired", "used up", "inactive"])
def test_unusable_invite_codes_are_refused_with_one_message(client, code_state):
    org = factories.organisation()
    code = InviteCode.objects.create(organisation=org, team=org.teams.get())
    if code_state == "expired":
        code.expires_at = timezone.now() - timedelta(minutes=1)
    elif code_state == "used up":
        code.max_uses, code.uses = 2, 2
    elif code_state == "inactive":
        code.is_active = False
    code.save()
    value = "no-such-code" if code_state == "unknown" else code.code
    response = client.post(SIGN_UP, sign_up_data(invite_code=value))
    assert response.status_code == 400
    assert "This invite code cannot be used" in response.content.decode()
    assert not User.objects.exists()
    code.refresh_from_db()
    assert code.uses == (2 if code_state == "used up" else 0)


def test_a_registered_address_with_an_invite_code_spends_no_use(client, consumer):
    org = factories.organisation()
    code = InviteCode.objects.create(organisation=org, team=org.teams.get(), max_uses=1)
    response = client.post(SIGN_UP, sign_up_data("dev@example.com", invite_code=code.code))
    assert response["Location"].endswith("?step=confirm")
    code.refresh_from_db()
    assert code.uses == 0
    consumer.refresh_from_db()
    assert consumer.organisation != org


def test_sign_ups_from_one_client_are_limited(client):
    for i in range(throttle.SIGN_UP_CLIENT.limit):
        assert client.post(SIGN_UP, sign_up_data(f"user{i}@example.com")).status_code == 302
    refused = client.post(SIGN_UP, sign_up_data("one-more@example.com"))
    assert refused.status_code == 429 and "Too many sign-ups" in refused.content.decode()
    assert not User.objects.filter(email="one-more@example.com").exists()


# --- sign in and out --------------------------------------------------------------------------

def test_sign_in_and_out(client, consumer):
    response = client.post(SIGN_IN, {"email": "Dev@Example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(consumer.pk)
    home = client.get("/").content.decode()
    assert 'href="/my-account"' in home and 'action="/auth/logout"' in home

    assert client.get("/auth/logout").status_code == 200  # asks; does not sign out
    assert "_auth_user_id" in client.session
    out = client.post("/auth/logout")
    assert out.status_code == 302 and "_auth_user_id" not in client.session


def test_wrong_password_unknown_address_and_inactive_account_get_the_same_answer(client, consumer):
    inactive = factories.consumer(is_active=False)
    inactive.set_password(PASSWORD)
    inactive.save()
    answers = [client.post(SIGN_IN, {"email": email, "password": password})
               for email, password in (("dev@example.com", "wrong-password"),
                                       ("nobody@example.com", PASSWORD),
                                       (inactive.email, "wrong-password"))]
    assert {a.status_code for a in answers} == {400}
    pages = [body(a).replace(email, "EMAIL") for a, email in
             zip(answers, ("dev@example.com", "nobody@example.com", inactive.email), strict=True)]
    assert pages[0] == pages[1] == pages[2]
    assert "Enter the e-mail address and password of an active account." in pages[0]
    assert "_auth_user_id" not in client.session


def test_the_right_password_of_an_account_that_cannot_sign_in_yet_is_told_why(client, consumer):
    waiting = factories.consumer(is_active=False)
    waiting.set_password(PASSWORD)
    waiting.save()
    told = client.post(SIGN_IN, {"email": waiting.email.upper(), "password": PASSWORD})
    assert told.status_code == 403 and "_auth_user_id" not in client.session
    assert "Your account is waiting for an administrator&#39;s approval" in body(told)
    assert "Enter the e-mail address and password of an active account." not in body(told)
    # A wrong password on that same account is the generic answer, page for page.
    wrong = client.post(SIGN_IN, {"email": waiting.email, "password": "wrong-password"})
    unknown = client.post(SIGN_IN, {"email": "nobody@example.com", "password": "wrong-password"})
    assert wrong.status_code == unknown.status_code == 400
    assert body(wrong).replace(waiting.email, "EMAIL") == body(unknown).replace("nobody@example.com", "EMAIL")
    # An account that has signed in before and was deactivated since is told that instead.
    consumer.is_active = False
    consumer.last_login = timezone.now()
    consumer.save()
    gone = client.post(SIGN_IN, {"email": consumer.email, "password": PASSWORD})
    assert gone.status_code == 403 and "Your account has been deactivated." in body(gone)


def test_the_right_password_of_a_waiting_account_does_not_use_up_the_throttle(client, consumer):
    waiting = factories.consumer(is_active=False)
    waiting.set_password(PASSWORD)
    waiting.save()
    for _ in range(throttle.SIGN_IN_ACCOUNT.limit + 1):
        assert client.post(SIGN_IN, {"email": waiting.email, "password": PASSWORD}).status_code == 403
    # Wrong passwords are still counted and lock the address, and then even the right one is not tried.
    for _ in range(throttle.SIGN_IN_ACCOUNT.limit - 1):
        assert client.post(SIGN_IN, {"email": waiting.email, "password": "wrong"}).status_code == 400
    assert client.post(SIGN_IN, {"email": waiting.email, "password": "wrong"}).status_code == 429
    assert client.post(SIGN_IN, {"email": waiting.email, "password": PASSWORD}).status_code == 429


def test_an_account_is_locked_after_repeated_failures_whether_or_not_it_exists(client, consumer):
    limit = throttle.SIGN_IN_ACCOUNT.limit
    for email in ("dev@example.com", "nobody@example.com"):
        for _ in range(limit - 1):
            assert client.post(SIGN_IN, {"email": email, "password": "wrong"}).status_code == 400
        locked = client.post(SIGN_IN, {"email": email, "password": "wrong"})
        assert locked.status_code == 429 and int(locked["Retry-After"]) > 800
        assert "Too many failed attempts to sign in. Wait 15 minutes" in locked.content.decode()
    # Locked: even the right password is not tried, from any client.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(SIGN_IN, {"email": "DEV@example.com", "password": PASSWORD}).status_code == 429
    assert "_auth_user_id" not in other.session
    # Once the lock has passed, the right password works and the count starts again.
    later = timezone.now() + throttle.SIGN_IN_ACCOUNT.lock + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert other.post(SIGN_IN, {"email": "dev@example.com", "password": PASSWORD}).status_code == 302


def test_a_client_is_locked_after_many_failures_across_accounts(client, consumer):
    limit = throttle.SIGN_IN_CLIENT.limit
    for i in range(limit - 1):
        assert client.post(SIGN_IN, {"email": f"guess{i}@example.com", "password": "x"}).status_code == 400
    assert client.post(SIGN_IN, {"email": "last-guess@example.com", "password": "x"}).status_code == 429
    assert client.post(SIGN_IN, {"email": "dev@example.com", "password": PASSWORD}).status_code == 429
    # Another client is not affected.
    assert Client(REMOTE_ADDR="203.0.113.9").post(
        SIGN_IN, {"email": "dev@example.com", "password": PASSWORD}).status_code == 302


def test_right_passwords_and_usable_invite_codes_do_not_use_up_a_clients_count(client, consumer):
    """Attempts are counted before they are checked; those that succeed give their places back."""
    for _ in range(throttle.SIGN_IN_CLIENT.limit + 2):
        assert client.post(SIGN_IN, {"email": "dev@example.com", "password": PASSWORD}).status_code == 302
        client.post("/auth/logout")
    org = factories.organisation()
    code = InviteCode.objects.create(organisation=org, team=org.teams.get(), max_uses=0)
    for i in range(throttle.INVITE_CODE_CLIENT.limit + 2):
        response = client.post(SIGN_UP, sign_up_data(f"user{i}@example.com", password="short", invite_code=code.code))
        assert response.status_code == 400 and "This invite code cannot be used" not in response.content.decode()
    assert throttle.retry_after((throttle.SIGN_IN_CLIENT, "127.0.0.1"), (throttle.INVITE_CODE_CLIENT, "127.0.0.1"),
                                (throttle.SIGN_UP_CLIENT, "127.0.0.1")) == 0


def test_wrong_invite_codes_from_one_client_are_limited(client):
    limit = throttle.INVITE_CODE_CLIENT.limit
    for i in range(limit - 1):
        assert client.post(SIGN_UP, sign_up_data(invite_code=f"{i:04d}-guess")).status_code == 400
    locked = client.post(SIGN_UP, sign_up_data(invite_code="last-guess"))
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 3000
    assert "Too many wrong invite codes" in locked.content.decode()
    org = factories.organisation()
    code = InviteCode.objects.create(organisation=org, team=org.teams.get())
    with mock.patch("forecourt.accounts.signup.usable_invite_code") as lookup:
        assert client.post(SIGN_UP, sign_up_data(invite_code=code.code)).status_code == 429
    lookup.assert_not_called()  # locked: not even looked up
    assert client.post(SIGN_UP, sign_up_data()).status_code == 302  # sign-ups without a code go on


def test_throttle_counts_are_shared_through_the_database(consumer):
    """Two processes see one count: the state is rows, not process memory."""
    for _ in range(throttle.SIGN_IN_ACCOUNT.limit):
        throttle.hit(throttle.SIGN_IN_ACCOUNT, "dev@example.com")
    row = throttle.Throttle.objects.get()
    assert "dev@example.com" not in row.key  # a digest, not the address
    assert row.locked_until > timezone.now()
    assert throttle.retry_after((throttle.SIGN_IN_ACCOUNT, "DEV@example.com ")) > 0


def test_ipv6_clients_are_counted_by_their_64_network():
    from django.test import RequestFactory

    one = RequestFactory(REMOTE_ADDR="2001:db8:1:2::1").get("/")
    two = RequestFactory(REMOTE_ADDR="2001:db8:1:2:ffff::9").get("/")
    assert throttle.client_address(one) == throttle.client_address(two) == "2001:db8:1:2::/64"
    assert throttle.client_address(RequestFactory(REMOTE_ADDR="192.0.2.1").get("/")) == "192.0.2.1"


def test_behind_trusted_proxies_the_forwarded_client_is_counted(settings, client):
    from django.test import RequestFactory

    def address(remote, forwarded=None):
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return throttle.client_address(RequestFactory(REMOTE_ADDR=remote, **extra).get("/"))

    # No trusted proxy: X-Forwarded-For is the client's word and ignored.
    assert address("10.0.0.5", "198.51.100.7") == "10.0.0.5"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::/8"]
    assert address("10.0.0.5", "198.51.100.7") == "198.51.100.7"
    # A forged left-most entry proves nothing: the right-most untrusted hop is the client.
    assert address("10.0.0.5", "1.2.3.4, 198.51.100.7, 10.1.1.1") == "198.51.100.7"
    assert address("fd00::1", "2001:db8:1:2::9") == "2001:db8:1:2::/64"
    assert address("10.0.0.5") == "10.0.0.5" and address("10.0.0.5", "10.2.2.2") == "10.0.0.5"
    assert address("203.0.113.9", "198.51.100.7") == "203.0.113.9"  # not from a trusted proxy
    assert address("10.0.0.5", "not-an-ip") == "not-an-ip"

    # Each forwarded client has its own sign-in budget; the proxy is not locked out for everyone.
    for i in range(throttle.SIGN_IN_CLIENT.limit + 1):
        client.post("/auth/password/login", {"email": f"x{i}@example.com", "password": "wrong"},
                    REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert throttle.retry_after((throttle.SIGN_IN_CLIENT, "198.51.100.7")) > 0
    assert throttle.retry_after((throttle.SIGN_IN_CLIENT, "198.51.100.8")) == 0


def test_trusted_proxies_setting_is_checked():
    from forecourt.configuration import parsers

    assert parsers.networks("10.0.0.0/8, 192.0.2.7 ,fd00::/8") == ["10.0.0.0/8", "192.0.2.7/32", "fd00::/8"]
    assert parsers.networks("") == [] and parsers.networks(["10.1.2.3/8"]) == ["10.0.0.0/8"]
    with pytest.raises(ValueError, match="not an IP address or network"):
        parsers.networks("10.0.0.0/8, proxy.internal")


def test_a_successful_sign_in_clears_the_accounts_failures(client, consumer):
    for _ in range(throttle.SIGN_IN_ACCOUNT.limit - 1):
        client.post(SIGN_IN, {"email": "dev@example.com", "password": "wrong"})
    client.post(SIGN_IN, {"email": "dev@example.com", "password": PASSWORD})
    client.post("/auth/logout")
    assert client.post(SIGN_IN, {"email": "dev@example.com", "password": "wrong"}).status_code == 400


@pytest.mark.parametrize(("next_url", "expected"), [
    ("/catalogue?page=2", "/catalogue?page=2"),
    ("https://evil.example.com/", "/"),
    ("//evil.example.com/", "/"),
    ("/\\evil.example.com", "/"),
    ("javascript:alert(1)", "/"),
    ("/portal-admin/", "/"),  # a consumer would only be signed out there
])
def test_next_only_leads_to_local_pages(client, consumer, next_url, expected):
    response = client.post(SIGN_IN, {"email": "dev@example.com", "password": PASSWORD, "next": next_url})
    assert response.status_code == 302 and response["Location"] == expected


def test_next_is_kept_in_the_sign_in_form(client):
    page = client.get("/my-account")
    assert page.status_code == 302 and page["Location"] == f"{SIGN_IN}?next=%2Fmy-account"
    assert 'name="next" value="/my-account"' in client.get(page["Location"]).content.decode()


def test_admins_may_sign_in_on_the_live_portal_and_share_the_session(client, admin):
    response = client.post(SIGN_IN, {"email": "admin@example.com", "password": PASSWORD, "next": "/portal-admin/"})
    assert response["Location"] == "/portal-admin/"
    assert client.get("/portal-admin/").status_code == 200


def test_consumers_signed_in_here_never_reach_the_admin_portal(client, consumer):
    client.post(SIGN_IN, {"email": "dev@example.com", "password": PASSWORD})
    response = client.get("/portal-admin/")
    assert response.status_code == 404  # the Live Portal's themed 404
    assert client.session["_auth_user_id"] == str(consumer.pk)  # and the consumer is still signed in here


# --- forgotten password -----------------------------------------------------------------------

def test_forgotten_password_answers_the_same_for_any_address(client, consumer):
    inactive = factories.consumer(is_active=False)
    pages = []
    for email in ("dev@example.com", "nobody@example.com", inactive.email):
        response = client.post(FORGOTTEN, {"email": email}, follow=True)
        assert response.redirect_chain == [(FORGOTTEN, 302)]
        pages.append(body(response))
    assert pages[0] == pages[1] == pages[2]
    assert "If an active account uses that address" in pages[0]
    (mail,) = mails("password_reset")
    assert mail.to == "dev@example.com" and "/auth/password/reset/" in mail.body_text


def test_reset_link_sets_a_password_once(client, consumer):
    client.post(FORGOTTEN, {"email": "dev@example.com"})
    link = link_in(mails("password_reset")[0])
    opened = client.get(link)
    assert opened.status_code == 302
    form_url = opened["Location"]
    assert form_url.endswith("/set-password") and link.rsplit("/", 1)[1] not in form_url  # token out of the URL
    assert "dev@example.com" in client.get(form_url).content.decode()
    weak = client.post(form_url, {"password": "short", "password_again": "short"})
    assert weak.status_code == 400 and "too short" in weak.content.decode()
    done = client.post(form_url, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == SIGN_IN
    consumer.refresh_from_db()
    assert consumer.check_password(NEW_PASSWORD)
    assert client.get(link).status_code == 400  # spent
    assert client.post(form_url, {"password": "x-another-passphrase", "password_again": "x-another-passphrase"}
                       ).status_code == 400
    assert client.post(SIGN_IN, {"email": "dev@example.com", "password": NEW_PASSWORD}).status_code == 302


def test_reset_link_expires(client, consumer, settings):
    from datetime import datetime

    client.post(FORGOTTEN, {"email": "dev@example.com"})
    link = link_in(mails("password_reset")[0])
    now = datetime.now()  # the token generator works in naive local time  # noqa: DTZ005 - the token generator works in naive local time

    def at(seconds):
        return mock.patch("django.contrib.auth.tokens.PasswordResetTokenGenerator._now",
                          return_value=now + timedelta(seconds=seconds))

    with at(settings.PASSWORD_RESET_TIMEOUT - 60):
        assert client.get(link).status_code == 302
    with at(settings.PASSWORD_RESET_TIMEOUT + 60):
        response = client.get(link)
    assert response.status_code == 400 and "This link cannot be used" in response.content.decode()


def test_reset_unlocks_a_locked_account(client, consumer):
    for _ in range(throttle.SIGN_IN_ACCOUNT.limit):
        client.post(SIGN_IN, {"email": "dev@example.com", "password": "wrong"})
    client.post(FORGOTTEN, {"email": "dev@example.com"})
    form_url = client.get(link_in(mails("password_reset")[0]))["Location"]
    client.post(form_url, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert client.post(SIGN_IN, {"email": "dev@example.com", "password": NEW_PASSWORD}).status_code == 302


def test_reset_emails_are_limited_per_address(client, consumer):
    for _ in range(throttle.RESET_ACCOUNT.limit + 3):
        assert client.post(FORGOTTEN, {"email": "dev@example.com"}).status_code == 302
    assert len(mails("password_reset")) == throttle.RESET_ACCOUNT.limit


@pytest.mark.django_db(transaction=True)
def test_reset_email_arrives_through_smtp_with_a_live_portal_link(client, consumer, smtp_server: SMTPServer):
    portal_settings(smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_security="none", smtp_timeout=5,
             from_address="portal@example.com")
    client.post(FORGOTTEN, {"email": "dev@example.com"})
    while queue.run_next("test") is not None:
        pass
    (message,) = smtp_server.messages
    assert message.rcpt_tos == ["dev@example.com"]
    assert re.search(r"http://testserver/auth/password/reset/\S+", message.part("text/plain"))


# --- My account -------------------------------------------------------------------------------

def test_my_account_changes_names_and_password(client, consumer):
    client.force_login(consumer)
    page = client.get("/my-account")
    assert page.status_code == 200 and "dev@example.com" in page.content.decode()
    client.post("/my-account", {"action": "profile", "first_name": "Devi", "last_name": "Loper"})
    consumer.refresh_from_db()
    assert (consumer.first_name, consumer.last_name) == ("Devi", "Loper")

    wrong = client.post("/my-account", {"action": "password", "current_password": "nope", "password": NEW_PASSWORD,
                                        "password_again": NEW_PASSWORD})
    assert wrong.status_code == 400 and "Your current password is not this one." in wrong.content.decode()
    other_session = Client()
    other_session.force_login(consumer)
    done = client.post("/my-account", {"action": "password", "current_password": PASSWORD, "password": NEW_PASSWORD,
                                       "password_again": NEW_PASSWORD})
    assert done.status_code == 302
    consumer.refresh_from_db()
    assert consumer.check_password(NEW_PASSWORD)
    assert client.get("/my-account").status_code == 200  # this session stays
    assert other_session.get("/my-account").status_code == 302  # the others end


# --- invitations ------------------------------------------------------------------------------

def test_consumer_admin_invites_a_team_member_who_joins_with_the_link(client):
    owner = organisation_admin()
    team = factories.team(owner.organisation, "Backend")
    client.force_login(owner)
    page = client.get("/my-organisation").content.decode()
    assert "Invite someone" in page and "Backend" in page
    response = client.post("/my-organisation/invitations", {"email": "Colleague@Example.com", "first_name": "Cole",
                                                            "last_name": "League", "role": Role.CONSUMER_TEAM_MEMBER,
                                                            "team": team.pk})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "colleague@example.com" and invitation.organisation == owner.organisation
    (mail,) = mails("invite", "colleague@example.com")
    link = link_in(mail)
    assert invitation.digest not in link and "Acme" in mail.subject

    invitee = Client()
    form = invitee.get(link)
    assert form.status_code == 200 and 'value="Cole"' in form.content.decode()
    joined = invitee.post(link, {"first_name": "Cole", "last_name": "League", "password": NEW_PASSWORD,
                                 "password_again": NEW_PASSWORD})
    assert joined.status_code == 302 and joined["Location"] == "/my-organisation"
    user = User.objects.get(email="colleague@example.com")
    assert user.is_active and user.organisation == owner.organisation and list(user.teams.all()) == [team]
    assert user.role == Role.CONSUMER_TEAM_MEMBER
    assert invitee.session["_auth_user_id"] == str(user.pk)
    assert Client().get(link).status_code == 400  # used once


def test_an_invitee_is_asked_the_sign_up_attributes_and_a_required_one_is_required(client):
    from forecourt.accounts import attributes
    from forecourt.accounts.models import CustomAttribute

    CustomAttribute.objects.create(name="Company number", identifier="company", required=True, show_on_signup=True,
                                   validation_regexp="[0-9]{8}")
    CustomAttribute.objects.create(name="Tier", identifier="tier", behaviour=3)  # hidden: never asked
    owner = organisation_admin()
    client.force_login(owner)
    client.post("/my-organisation/invitations", {"email": "cole@example.com", "first_name": "Cole",
                                                 "last_name": "League", "role": Role.CONSUMER_TEAM_MEMBER,
                                                 "team": owner.organisation.teams.first().pk})
    link = link_in(mails("invite", "cole@example.com")[0])
    invitee = Client()
    page = invitee.get(link).content.decode()
    assert 'name="attr_company"' in page and 'name="attr_tier"' not in page
    base = {"first_name": "Cole", "last_name": "League", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    for company in ("", "12ab"):
        refused = invitee.post(link, {**base, "attr_company": company})
        assert refused.status_code == 400, company
    assert not User.objects.filter(email="cole@example.com").exists()
    assert Invitation.objects.get().accepted_at is None  # still usable
    joined = invitee.post(link, {**base, "attr_company": "01234567", "attr_tier": "Gold"})
    assert joined.status_code == 302
    user = User.objects.get(email="cole@example.com")
    assert attributes.values_by_identifier(user) == {"company": "01234567"}


def test_invitations_only_into_the_admins_own_organisation(client):
    owner = organisation_admin()
    other_org = factories.organisation("Rival")
    foreign_team = other_org.teams.get()
    client.force_login(owner)
    response = client.post("/my-organisation/invitations", {"email": "x@example.com", "role": Role.CONSUMER_ADMIN,
                                                            "team": foreign_team.pk})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    escalate = client.post("/my-organisation/invitations", {"email": "x@example.com", "role": Role.SUPER_ADMIN,
                                                            "team": owner.organisation.teams.get().pk})
    assert escalate.status_code == 400
    assert not Invitation.objects.exists()
    # Another organisation's invitation cannot be resent or withdrawn.
    rival_admin = factories.consumer(other_org, role=Role.CONSUMER_ADMIN)
    from forecourt.accounts import invitations

    theirs = invitations.invite(rival_admin, "y@example.com", "", "", Role.CONSUMER_TEAM_MEMBER, foreign_team,
                             "http://testserver/")
    for action in ("resend", "withdraw"):
        assert client.post(f"/my-organisation/invitations/{theirs.pk}/{action}").status_code == 404
    assert Invitation.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("who", ["team member", "default organisation admin", "provider admin"])
def test_only_consumer_admins_of_a_real_organisation_invite(client, admin, who):
    if who == "team member":
        user = factories.consumer(factories.organisation())
    elif who == "default organisation admin":
        user = factories.consumer(role=Role.CONSUMER_ADMIN)
    else:
        user = admin
    client.force_login(user)
    assert "Invite someone" not in client.get("/my-organisation").content.decode()
    team = Team.objects.filter(organisation=user.organisation).first()
    response = client.post("/my-organisation/invitations", {"email": "x@example.com",
                                                            "role": Role.CONSUMER_TEAM_MEMBER, "team": team.pk})
    assert response.status_code == 404 and not Invitation.objects.exists()


def test_invitations_can_be_withdrawn_resent_and_expire(client):
    owner = organisation_admin()
    client.force_login(owner)
    team = owner.organisation.teams.get()
    data = {"email": "late@example.com", "role": Role.CONSUMER_TEAM_MEMBER, "team": team.pk}
    client.post("/my-organisation/invitations", data)
    invitation = Invitation.objects.get()
    first_link = link_in(mails("invite")[0])

    client.post(f"/my-organisation/invitations/{invitation.pk}/resend")
    second_link = link_in(mails("invite")[1])
    assert first_link != second_link
    assert Client().get(first_link).status_code == 400  # the old link stopped working
    assert Client().get(second_link).status_code == 200

    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(second_link).status_code == 400
    assert "Expired" in client.get("/my-organisation").content.decode()

    client.post(f"/my-organisation/invitations/{invitation.pk}/withdraw")
    assert not Invitation.objects.exists()


def test_an_invitation_stops_working_when_its_inviter_is_no_longer_an_admin(client):
    owner = organisation_admin()
    client.force_login(owner)
    client.post("/my-organisation/invitations", {"email": "x@example.com", "role": Role.CONSUMER_ADMIN,
                                                 "team": owner.organisation.teams.get().pk})
    link = link_in(mails("invite")[0])
    User.objects.filter(pk=owner.pk).update(role=Role.CONSUMER_TEAM_MEMBER)
    assert Client().get(link).status_code == 400


def test_an_invitation_to_a_registered_address_says_so_only_to_its_owner(client, consumer):
    owner = organisation_admin()
    client.force_login(owner)
    response = client.post("/my-organisation/invitations", {"email": "dev@example.com",
                                                            "role": Role.CONSUMER_TEAM_MEMBER,
                                                            "team": owner.organisation.teams.get().pk}, follow=True)
    assert "An invitation is on its way to dev@example.com" in response.content.decode()  # as for anyone
    page = Client().get(link_in(mails("invite")[0]))
    assert "already has an account" in page.content.decode()
    assert Client().post(link_in(mails("invite")[0]), {"first_name": "A", "last_name": "B",
                                                           "password": NEW_PASSWORD,
                                                           "password_again": NEW_PASSWORD}).status_code == 200
    consumer.refresh_from_db()
    assert consumer.organisation != owner.organisation and consumer.check_password(PASSWORD)


# --- My organisation and organisation requests ------------------------------------------------

def test_my_organisation_lists_teams_and_members_but_not_the_default_organisations(client, consumer):
    owner = organisation_admin()
    member = factories.consumer(owner.organisation, first_name="Mia", last_name="Member")
    client.force_login(member)
    page = client.get("/my-organisation").content.decode()
    assert "Acme" in page and "Olga Owner" in page and "Mia Member" in page and "Invite someone" not in page

    stranger = factories.consumer(first_name="Sam", last_name="Stranger")  # also in the Default Organisation
    client.force_login(consumer)
    page = client.get("/my-organisation").content.decode()
    assert "Default Organisation" in page and "Sam Stranger" not in page and stranger.email not in page


def test_organisation_request_and_its_approval(client, consumer, admin):
    consumer.role = Role.CONSUMER_TEAM_MEMBER
    consumer.save()
    client.force_login(consumer)
    assert "Request an organisation" not in client.get("/my-organisation").content.decode()
    assert client.post("/my-organisation/request", {"name": "Acme"}).status_code == 404

    portal_settings(allow_organisation_requests=True, admin_notification_address="ops@example.com")
    assert "Request an organisation" in client.get("/my-organisation").content.decode()
    taken = client.post("/my-organisation/request", {"name": "default organisation"})
    assert taken.status_code == 400 and "already exists" in taken.content.decode()
    assert client.post("/my-organisation/request", {"name": "Acme Widgets"}).status_code == 302
    request = OrganisationRequest.objects.get()
    assert (request.name, request.requester, request.status) == ("Acme Widgets", consumer, "pending")
    assert "/portal-admin/organisation-requests/" in mails("organisation_request_submitted")[0].body_text
    again = client.post("/my-organisation/request", {"name": "Acme Two"}, follow=True)
    assert "You already have a request waiting for an admin." in again.content.decode()
    assert OrganisationRequest.objects.count() == 1

    organisation = org_requests.approve_organisation_request(request, admin, "http://testserver/")
    consumer.refresh_from_db()
    assert consumer.organisation == organisation and consumer.role == Role.CONSUMER_ADMIN
    assert list(consumer.teams.all()) == [organisation.teams.get(is_default=True)]
    assert request.status == "approved" and request.decided_by == admin and request.organisation == organisation
    assert AuditEntry.objects.filter(action="approve", object_type="accounts.organisationrequest").exists()
    (approved,) = mails("organisation_request_approved", consumer.email)
    assert approved.subject == "Your organisation Acme Widgets is ready"
    page = client.get("/my-organisation").content.decode()
    assert "Acme Widgets" in page and "Invite someone" in page

    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="already approved"):
        org_requests.reject_organisation_request(request, admin, reason="Too late.")


def test_organisation_request_rejection(consumer, admin):
    request = OrganisationRequest.objects.create(name="Nope Ltd", requester=consumer)
    org_requests.reject_organisation_request(request, admin, "http://testserver/", reason="Not a company.")
    consumer.refresh_from_db()
    assert request.status == "rejected" and consumer.organisation.is_default and request.reason == "Not a company."
    assert mails("organisation_request_rejected")[0].subject == "Organisation not approved: Nope Ltd"


def test_approval_refuses_a_name_taken_since(consumer, admin):
    request = OrganisationRequest.objects.create(name="Acme", requester=consumer)
    factories.organisation("ACME")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        org_requests.approve_organisation_request(request, admin)
    request.refresh_from_db()
    assert request.status == "pending"


def test_admin_portal_lists_organisation_requests_without_create(client, admin, consumer):
    OrganisationRequest.objects.create(name="Listed Ltd", requester=consumer)
    client.force_login(admin)
    page = client.get("/portal-admin/organisation-requests/")
    assert page.status_code == 200 and "Listed Ltd" in page.content.decode()
    assert client.get("/portal-admin/organisation-requests/new/").status_code in (403, 404)


def test_my_organisation_runs_the_same_queries_for_few_or_many_people(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner = organisation_admin()
    client.force_login(owner)
    team = owner.organisation.teams.get()

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/my-organisation").status_code == 200
        return len(queries)

    def add(n):
        for _ in range(n):
            member = factories.consumer(owner.organisation)
            Invitation.objects.create(email=f"i{member.pk}@example.com", organisation=owner.organisation, team=team,
                                      digest=f"{member.pk:064d}", invited_by=owner,
                                      expires_at=timezone.now() + timedelta(days=1))

    add(2)
    count()  # the first page of a process reads settings and theme state once
    small = count()
    add(30)
    count()  # the content revision is read again after a while (pagecache.revision): making 30 may take it
    assert count() == small <= 15
