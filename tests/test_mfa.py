"""Multi-factor sign-in (accounts.mfa) through both portals: enrolment with a first code, the second
step after the password (a half-signed session that expires), wrong and replayed codes refused,
recovery codes usable once, throttling, the settings that require a factor, a super admin's reset
(audited, e-mailed), the Admin API token never asking for a factor, and secrets never written anywhere."""

import base64
import logging
import time
from pathlib import Path

import pyotp
import pytest
from django.db import connection
from django.test import Client

from forecourt.accounts import mfa, throttle
from forecourt.accounts.models import Passkey, RecoveryCode, Role, TotpDevice, User
from forecourt.audit.models import AuditEntry
from forecourt.notify.models import EmailLog
from forecourt.portalconfig.models import PortalSettings

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

SIGN_IN = "/auth/password/login"
CODE = "/auth/password/login/code"
SET_UP = "/auth/password/login/set-up"
ADMIN_SIGN_IN = "/portal-admin/sign-in/"


def settings_with(**values) -> None:
    current = PortalSettings.load()
    for name, value in values.items():
        setattr(current, name, value)
    current.save()


def enrol(user: User) -> tuple[str, list[str]]:
    """An authenticator confirmed for `user` through the service; its secret and recovery codes."""
    secret = mfa.start_totp(user).secret
    codes = mfa.confirm_totp(user, pyotp.TOTP(secret).at(time.time() - 30))  # an earlier step, so "now" is unused
    return secret, codes


def signed_in_as(client: Client) -> int | None:
    return client.session.get("_auth_user_id") and int(client.session["_auth_user_id"])


def test_enrolment_needs_a_first_right_code_and_the_secret_is_stored_encrypted(consumer):
    enrolment = mfa.start_totp(consumer)
    assert enrolment.qr_svg_data_url.startswith("data:image/svg+xml;base64,")
    assert not mfa.factors(consumer).any
    with pytest.raises(Exception, match="not right"):
        mfa.confirm_totp(consumer, "000000" if pyotp.TOTP(enrolment.secret).now() != "000000" else "111111")
    assert not mfa.factors(consumer).any
    codes = mfa.confirm_totp(consumer, pyotp.TOTP(enrolment.secret).now())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert mfa.factors(consumer).totp and mfa.factors(consumer).recovery_codes_left == 10

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice")
        stored = cursor.fetchone()[0]
    assert enrolment.secret not in stored
    assert all(code not in "".join(RecoveryCode.objects.values_list("digest", flat=True)) for code in codes)


def test_live_portal_sign_in_asks_for_a_code_and_refuses_wrong_and_replayed_ones(client, consumer, caplog):
    caplog.set_level(logging.DEBUG)
    secret, _ = enrol(consumer)
    response = client.post(SIGN_IN, {"email": consumer.email, "password": PASSWORD, "next": "/my-account"})
    assert response.status_code == 302 and response["Location"].startswith(CODE)
    assert signed_in_as(client) is None  # half-signed: not signed in
    assert client.get("/my-account").status_code == 302

    wrong = client.post(CODE, {"code": "12345" + str((int(pyotp.TOTP(secret).now()[-1]) + 1) % 10)})
    assert wrong.status_code == 400 and signed_in_as(client) is None
    code = pyotp.TOTP(secret).now()
    done = client.post(CODE, {"code": code, "next": "/my-account"})
    assert done.status_code == 302 and done["Location"] == "/my-account"
    assert signed_in_as(client) == consumer.pk
    assert AuditEntry.objects.filter(object_id=str(consumer.pk), note__contains="authenticator app code").exists()

    # The same code again, in a new sign-in: a replay, refused.
    other = Client()
    other.post(SIGN_IN, {"email": consumer.email, "password": PASSWORD})
    replay = other.post(CODE, {"code": code})
    assert replay.status_code == 400 and signed_in_as(other) is None
    page = client.get("/my-account").content.decode()
    assert "authenticator app" in page and secret not in page
    assert secret not in caplog.text and secret not in "".join(m.body_text for m in EmailLog.objects.all())


def test_a_recovery_code_works_once(client, consumer):
    _, codes = enrol(consumer)
    client.post(SIGN_IN, {"email": consumer.email, "password": PASSWORD})
    assert client.post(CODE, {"code": codes[0].upper()}).status_code == 302
    assert signed_in_as(client) == consumer.pk
    again = Client()
    again.post(SIGN_IN, {"email": consumer.email, "password": PASSWORD})
    assert again.post(CODE, {"code": codes[0]}).status_code == 400
    assert signed_in_as(again) is None
    assert mfa.factors(consumer).recovery_codes_left == 9


def test_the_pending_sign_in_expires(client, consumer, monkeypatch):
    secret, _ = enrol(consumer)
    client.post(SIGN_IN, {"email": consumer.email, "password": PASSWORD})
    later = time.time() + mfa.PENDING_FOR.total_seconds() + 1
    monkeypatch.setattr(mfa.time, "time", lambda: later)
    response = client.post(CODE, {"code": pyotp.TOTP(secret).at(later)})
    assert response.status_code == 302 and response["Location"] == SIGN_IN
    assert signed_in_as(client) is None


def test_wrong_codes_are_throttled_like_passwords(client, consumer):
    secret, _ = enrol(consumer)
    client.post(SIGN_IN, {"email": consumer.email, "password": PASSWORD})
    right = pyotp.TOTP(secret).now()
    wrong = f"{(int(right) + 500000) % 1000000:06d}"
    statuses = [client.post(CODE, {"code": wrong}).status_code for _ in range(throttle.MFA_ACCOUNT.limit)]
    assert statuses[-1] == 429 and set(statuses[:-1]) == {400}
    locked = client.post(CODE, {"code": right})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert signed_in_as(client) is None
    assert AuditEntry.objects.filter(note__contains="Second factor refused").count() == throttle.MFA_ACCOUNT.limit


def test_a_required_factor_sends_the_user_to_set_one_up_after_the_password(client, consumer):
    settings_with(require_mfa_consumers=True)
    response = client.post(SIGN_IN, {"email": consumer.email, "password": PASSWORD})
    assert response["Location"].startswith(SET_UP) and signed_in_as(client) is None
    page = client.get(SET_UP)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    secret = TotpDevice.objects.get(user=consumer).secret
    assert secret in page.content.decode()
    done = client.post(SET_UP, {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and signed_in_as(client) == consumer.pk
    assert len(RecoveryCode.objects.filter(user=consumer)) == 10
    # Admins are not affected by the consumers' setting.
    assert not mfa.is_required(User(role=Role.SUPER_ADMIN, is_active=True))


def test_admin_portal_second_step_and_the_api_token_never_asks(admin, api):
    secret, _ = enrol(admin)
    browser = Client()
    response = browser.post(ADMIN_SIGN_IN, {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/portal-admin/sign-in/code/")
    assert browser.get("/portal-admin/").status_code == 302
    assert browser.post("/portal-admin/sign-in/code/", {"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert browser.get("/portal-admin/").status_code == 200
    assert api("get", "/users").status_code == 200  # the token: no factor asked


def test_admins_required_to_have_a_factor_set_one_up_in_the_admin_portal(admin):
    settings_with(require_mfa_admins=True)
    browser = Client()
    response = browser.post(ADMIN_SIGN_IN, {"username": admin.email, "password": PASSWORD})
    assert response["Location"].startswith("/portal-admin/sign-in/set-up/")
    assert browser.get("/portal-admin/").status_code == 302
    browser.get("/portal-admin/sign-in/set-up/")
    secret = TotpDevice.objects.get(user=admin).secret
    assert browser.post("/portal-admin/sign-in/set-up/", {"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert browser.get("/portal-admin/").status_code == 200


def test_a_super_admin_resets_a_users_factor_audited_and_emailed(client, admin, consumer):
    enrol(consumer)
    client.force_login(admin)
    response = client.post(f"/portal-admin/users/{consumer.pk}/actions/", {"action": "reset-mfa"})
    assert response.status_code == 302
    assert not mfa.factors(consumer).any and not RecoveryCode.objects.filter(user=consumer).exists()
    assert AuditEntry.objects.filter(actor_id=admin.pk, note__contains="reset by a super admin").exists()
    assert EmailLog.objects.filter(template="mfa_reset", to=consumer.email).exists()
    provider_admin = User.objects.create_user("ops@example.com", PASSWORD, role=Role.PROVIDER_ADMIN)
    enrol(consumer)
    with pytest.raises(Exception, match="super admin"):
        mfa.reset(consumer, provider_admin)
    assert mfa.factors(consumer).any


def test_account_page_enrolment_and_new_recovery_codes(client, consumer):
    client.force_login(consumer)
    page = client.get("/my-account/authenticator")
    assert page.status_code == 200
    secret = TotpDevice.objects.get(user=consumer).secret
    done = client.post("/my-account/authenticator", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    codes_page = client.post("/my-account/recovery-codes")
    assert codes_page.status_code == 200
    assert "authenticator app" in client.get("/my-account").content.decode()
    assert secret not in client.get("/my-account/authenticator", follow=True).content.decode()


# --- passkeys (their signatures are checked by py_webauthn: tests/test_mfa_browser.py uses a real one) ---

def passkey_of(user: User, name: str = "Laptop") -> Passkey:
    credential_id = base64.urlsafe_b64encode(f"cred-{user.pk}-{name}".encode()).decode().rstrip("=")
    return Passkey.objects.create(user=user, name=name, credential_id=credential_id, public_key="AAAA")


def test_a_forged_passkey_answer_is_refused_and_counted(client, consumer):
    key = passkey_of(consumer)
    client.post(SIGN_IN, {"email": consumer.email, "password": PASSWORD})
    assert "Use a passkey" in client.get(CODE).content.decode()
    options = client.post("/auth/password/login/passkey/options").json()
    assert [c["id"] for c in options["allowCredentials"]] == [key.credential_id]
    forged = {"id": key.credential_id, "rawId": key.credential_id, "type": "public-key",
              "response": {"clientDataJSON": "e30", "authenticatorData": "AAAA", "signature": "AAAA"}}
    statuses = []
    for _ in range(throttle.MFA_ACCOUNT.limit):
        client.post("/auth/password/login/passkey/options")
        statuses.append(client.post("/auth/password/login/passkey", {"credential": forged},
                                    content_type="application/json").status_code)
    assert statuses[-1] == 429 and set(statuses[:-1]) == {400}
    assert signed_in_as(client) is None
    # Without a challenge of its own (options not asked for), nothing is checked either.
    other = Client()
    other.post(SIGN_IN, {"email": consumer.email, "password": PASSWORD})
    assert other.post("/auth/password/login/passkey", {"credential": forged},
                      content_type="application/json").status_code in (400, 429)
    assert signed_in_as(other) is None


def test_passkey_endpoints_need_a_pending_sign_in_or_an_account(client, consumer):
    assert client.post("/auth/password/login/passkey/options").status_code == 403
    assert client.post("/my-account/passkeys/options").status_code == 302  # to sign-in
    client.force_login(consumer)
    options = client.post("/my-account/passkeys/options").json()
    assert options["rp"]["id"] == "testserver" and options["user"]["name"] == consumer.email
    refused = client.post("/my-account/passkeys", {"name": "x", "credential": {"id": "nope"}},
                          content_type="application/json")
    assert refused.status_code == 400 and not Passkey.objects.exists()


def test_passkeys_are_renamed_and_removed_by_their_owner_only(client, consumer, admin):
    mine, theirs = passkey_of(consumer), passkey_of(admin)
    client.force_login(consumer)
    client.post(f"/my-account/passkeys/{mine.pk}", {"name": "Phone"})
    client.post(f"/my-account/passkeys/{theirs.pk}", {"action": "remove"})
    assert Passkey.objects.get(pk=mine.pk).name == "Phone" and Passkey.objects.filter(pk=theirs.pk).exists()
    client.post(f"/my-account/passkeys/{mine.pk}", {"action": "remove"})
    assert not Passkey.objects.filter(pk=mine.pk).exists()
    assert AuditEntry.objects.filter(object_id=str(consumer.pk), note__contains="Passkey “Phone” removed").exists()


def test_a_reset_removes_passkeys_too(admin, consumer):
    passkey_of(consumer)
    mfa.reset(consumer, admin)
    assert not mfa.factors(consumer).any


def test_the_admin_portal_serves_the_themes_passkey_script_unchanged():
    root = Path(__file__).resolve().parents[1] / "src" / "forecourt"
    assert (root / "adminportal/static/adminportal/passkey.js").read_bytes() == (
        root / "themes/default/assets/js/passkey.js").read_bytes()


def test_the_admin_portal_pages_show_the_factors_and_offer_a_passkey_at_the_second_step(client, admin, consumer):
    passkey_of(admin)
    browser = Client()
    browser.post(ADMIN_SIGN_IN, {"username": admin.email, "password": PASSWORD})
    page = browser.get("/portal-admin/sign-in/code/").content.decode()
    assert 'data-passkey="sign-in"' in page and "/static/adminportal/passkey" in page
    assert browser.post("/auth/password/login/passkey/options").status_code == 200  # the shared endpoint
    enrol(consumer)
    client.force_login(admin)
    user_page = client.get(f"/portal-admin/users/{consumer.pk}/actions/").content.decode()
    assert "Authenticator app" in user_page and "Reset the second factor" in user_page
    profile = client.get("/portal-admin/profile/").content.decode()
    assert "Passkeys: 1" in profile


def test_a_pending_sign_in_ends_the_sessions_earlier_sign_in(client, consumer, admin):
    enrol(consumer)
    client.force_login(admin)
    response = client.post(SIGN_IN, {"email": consumer.email, "password": PASSWORD})
    assert response["Location"].startswith(CODE)
    assert signed_in_as(client) is None  # not the admin any more, not the consumer yet


def test_a_passkey_set_up_during_sign_in_needs_a_pending_enrolment(client, consumer):
    """The set-up page's passkey endpoints answer only a sign-in that must set up a second factor: not a
    visitor, not a pending sign-in that has a factor already (which must prove it instead)."""
    options = SET_UP + "/passkey/options"
    assert client.post(options).status_code == 403 and client.post(SET_UP + "/passkey", "{}",
                                                                    content_type="application/json").status_code == 403
    enrol(consumer)
    client.post(SIGN_IN, {"email": consumer.email, "password": PASSWORD})  # pending, with a factor: must verify
    assert client.post(options).status_code == 403
    client.logout()
    other = User.objects.create_user("new@example.com", PASSWORD, organisation=consumer.organisation)
    settings_with(require_mfa_consumers=True)
    client.post(SIGN_IN, {"email": other.email, "password": PASSWORD})
    answer = client.post(options)
    assert answer.status_code == 200 and answer.json()["user"]["name"] == other.email
    refused = client.post(SET_UP + "/passkey", {"credential": {"id": "forged"}}, content_type="application/json")
    assert refused.status_code == 400 and "error" in refused.json()
    assert signed_in_as(client) is None and not other.passkeys.exists()


def test_recovery_codes_made_for_a_passkey_are_shown_once(rf, consumer):
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    request.session[mfa.FRESH_CODES] = ["aaaa-bbbb", "cccc-dddd"]
    assert mfa.take_fresh_codes(request) == ["aaaa-bbbb", "cccc-dddd"]
    assert mfa.take_fresh_codes(request) == []
