"""Admin Portal sign-in and sign-out; consumers are refused."""

import pytest
from django.urls import reverse

import forecourt

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

SIGN_IN = "/portal-admin/sign-in/"


def sign_in(client, email, password=PASSWORD):
    return client.post(SIGN_IN, {"username": email, "password": password})


def test_dashboard_requires_sign_in(client):
    response = client.get("/portal-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)


def test_sign_in_page_renders_with_version_in_footer(client):
    response = client.get(SIGN_IN)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Sign in</h1>" in body
    assert f'<span class="version">{forecourt.__version__}</span>' in body


def test_admin_signs_in_sees_dashboard_and_signs_out(client, admin):
    response = sign_in(client, "ADMIN@example.com")  # e-mail matched regardless of case
    assert response.status_code == 302
    assert response["Location"] == reverse("adminportal:dashboard")

    page = client.get("/portal-admin/")
    assert page.status_code == 200
    assert "Signed in as admin@example.com" in page.content.decode()
    assert forecourt.__version__ in page.content.decode()

    out = client.post("/portal-admin/sign-out/")
    assert out.status_code == 302
    assert client.get("/portal-admin/").status_code == 302


def test_sign_out_needs_post(client, admin):
    sign_in(client, admin.email)
    assert client.get("/portal-admin/sign-out/").status_code == 405
    assert client.get("/portal-admin/").status_code == 200


def test_wrong_password_is_refused(client, admin):
    response = sign_in(client, admin.email, "not-the-password")
    assert response.status_code == 200
    assert "Enter the e-mail address and password of an admin account." in response.content.decode()
    assert client.get("/portal-admin/").status_code == 302


def test_consumer_is_refused_with_the_same_message(client, consumer):
    response = sign_in(client, consumer.email)
    assert response.status_code == 200
    assert "Enter the e-mail address and password of an admin account." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/portal-admin/").status_code == 302


# --- throttling: the Live Portal's rules and counts ----------------------------------------------

LIVE_SIGN_IN = "/auth/password/login"


def _page(response, email: str) -> str:
    """The sign-in page without what differs between two answers (the CSRF token, the address)."""
    import re

    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return text.replace(email, "EMAIL")


def test_an_address_is_locked_after_repeated_failures_whether_or_not_it_exists(client, admin):
    from datetime import timedelta
    from unittest import mock

    from django.test import Client
    from django.utils import timezone

    from forecourt.accounts import throttle

    limit = throttle.SIGN_IN_ACCOUNT.limit
    locked_pages = []
    for email in (admin.email, "nobody@example.com"):
        for _ in range(limit - 1):
            assert sign_in(client, email, "wrong").status_code == 200
        locked = sign_in(client, email, "wrong")
        assert locked.status_code == 429 and int(locked["Retry-After"]) > 800
        assert "Too many failed attempts to sign in. Wait 15 minutes" in locked.content.decode()
        locked_pages.append(_page(locked, email))
    assert locked_pages[0] == locked_pages[1]  # nothing tells a real address from a guess
    # Locked: even the right password is not checked, from any client.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(other, "Admin@Example.com").status_code == 429
    assert "_auth_user_id" not in other.session
    later = timezone.now() + throttle.SIGN_IN_ACCOUNT.lock + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert sign_in(other, admin.email).status_code == 302


def test_a_consumers_right_password_counts_as_a_failure_here(client, consumer):
    from forecourt.accounts import throttle

    for _ in range(throttle.SIGN_IN_ACCOUNT.limit - 1):
        assert sign_in(client, consumer.email).status_code == 200
    assert sign_in(client, consumer.email).status_code == 429


def test_a_client_is_locked_after_many_failures_across_addresses(client, admin):
    from django.test import Client

    from forecourt.accounts import throttle

    for i in range(throttle.SIGN_IN_CLIENT.limit - 1):
        assert sign_in(client, f"guess{i}@example.com", "x").status_code == 200
    assert sign_in(client, "last-guess@example.com", "x").status_code == 429
    assert sign_in(client, admin.email).status_code == 429
    assert sign_in(Client(REMOTE_ADDR="203.0.113.9"), admin.email).status_code == 302


def test_failures_on_the_live_portal_and_here_count_together(client, admin):
    from forecourt.accounts import throttle

    limit = throttle.SIGN_IN_ACCOUNT.limit
    for _ in range(limit - 1):
        assert client.post(LIVE_SIGN_IN, {"email": admin.email, "password": "wrong"}).status_code == 400
    assert sign_in(client, admin.email, "wrong").status_code == 429
    # ... and the other way round: the Live Portal refuses the right password now.
    assert client.post(LIVE_SIGN_IN, {"email": admin.email, "password": PASSWORD}).status_code == 429


def test_a_successful_sign_in_clears_the_addresss_failures(client, admin):
    from forecourt.accounts import throttle

    for _ in range(throttle.SIGN_IN_ACCOUNT.limit - 1):
        sign_in(client, admin.email, "wrong")
    assert sign_in(client, admin.email).status_code == 302
    client.post("/portal-admin/sign-out/")
    assert sign_in(client, admin.email, "wrong").status_code == 200


def test_a_form_with_a_missing_field_counts_nothing(client, admin):
    from forecourt.accounts import throttle

    for _ in range(throttle.SIGN_IN_ACCOUNT.limit + 1):
        assert client.post(SIGN_IN, {"username": admin.email, "password": ""}).status_code == 200
    assert sign_in(client, admin.email).status_code == 302


def test_consumer_session_is_turned_away_from_admin_pages(client, consumer):
    client.force_login(consumer)
    response = client.get("/portal-admin/")
    assert response.status_code == 404
    assert "There is no page at this address." in response.content.decode()  # the Live Portal's themed 404
    assert client.session["_auth_user_id"] == str(consumer.pk)  # still signed in
    assert client.get("/apps").status_code == 200


def test_deactivated_admin_loses_access(client, admin):
    sign_in(client, admin.email)
    admin.is_active = False
    admin.save()
    assert client.get("/portal-admin/").status_code == 302


def test_session_cookie_follows_tyk_defaults(client, admin):
    response = sign_in(client, admin.email)
    cookie = response.cookies["portal-session"]
    assert cookie["samesite"] == "Strict"
    assert cookie["httponly"] is True
    assert 604800 - 5 <= int(cookie["max-age"]) <= 604800  # a week from sign-in, counted to the second


def test_idle_session_ends(client, admin, settings):
    sign_in(client, admin.email)
    assert client.get("/portal-admin/").status_code == 200
    session = client.session
    session["_last_activity"] = session["_last_activity"] - settings.SESSION_IDLE_TIMEOUT - 1
    session.save()
    assert client.get("/portal-admin/").status_code == 302


def test_a_session_in_use_still_ends_a_lifetime_after_sign_in(client, admin, settings, monkeypatch):
    """Session.LifeTime is absolute: saving the activity time once a minute used to push the session's
    end a week further each time, so a session in use never ended."""
    from forecourt.accounts import middleware

    sign_in(client, admin.email)
    signed_in_at = client.session["_signed_in_at"]
    ends = client.session.get_expiry_date()
    assert abs(ends.timestamp() - (signed_in_at + settings.SESSION_COOKIE_AGE)) < 2
    clock = [float(signed_in_at)]
    monkeypatch.setattr(middleware.time, "time", lambda: clock[0])
    for _ in range(3):  # browsing: each request over a minute after the last saves the session
        clock[0] += 600
        assert client.get("/portal-admin/").status_code == 200
        assert client.session["_last_activity"] == int(clock[0])
        assert client.session.get_expiry_date() == ends  # it did not slide
    clock[0] = signed_in_at + settings.SESSION_COOKIE_AGE + 1
    client.session  # noqa: B018 - the row is still there; the middleware ends it
    settings.SESSION_IDLE_TIMEOUT = 0  # not the idle timeout: the lifetime
    assert client.get("/portal-admin/").status_code == 302
    assert "_signed_in_at" not in client.session


def test_csrf_is_enforced_on_sign_in(admin):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(SIGN_IN, {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 403


def test_admin_rotates_the_api_token_on_the_profile_page(client, admin):
    from forecourt.accounts import tokens
    from forecourt.accounts.models import ApiToken

    old = tokens.issue(admin)
    client.force_login(admin)
    page = client.get("/portal-admin/profile/")
    assert f"Current token {old[:8]}…" in page.content.decode()
    response = client.post("/portal-admin/profile/", {"action": "rotate-token"})
    new = response.context["new_token"]
    assert new and new in response.content.decode() and response["Cache-Control"] == "no-store"
    assert tokens.owner(old) is None and tokens.owner(new) == admin
    assert ApiToken.objects.filter(user=admin).count() == 1
    assert new not in client.get("/portal-admin/profile/").content.decode()  # shown once


def test_names_keep_their_capitals_inside_sentences(client, admin):
    client.force_login(admin)
    new = client.get("/portal-admin/product-apis/new/").content.decode()
    assert "<h1>New product API</h1>" in new
    listed = client.get("/portal-admin/product-apis/").content.decode()
    assert "Add product API" in listed and "0 product APIs" in listed
