"""The sign-in pages and single sign-on: each shows one button per enabled profile of its audience (the Live
Portal's for consumers, the Admin Portal's for admins), carrying `next`; and the admins' password policy
(PortalSettings.admin_password_sign_in, forecourt.sso.password_policy): once an admins' profile is enabled,
the admins the setting excludes are refused a password sign-in on both portals, with the SSO button named,
while without one every admin keeps their password. The setting is on the General settings page, and a
PUT /configs of the Admin API keeps it."""

import pytest
from django.test import Client

from forecourt.accounts.models import Role, User
from forecourt.portalconfig.models import PortalSettings
from forecourt.sso import password_policy
from forecourt.sso.models import SsoProfile

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIVE_SIGN_IN = "/auth/password/login"
ADMIN_SIGN_IN = "/portal-admin/sign-in/"


def profile(key: str, name: str, *, admins: bool = False, enabled: bool = True,
            protocol: str = SsoProfile.Protocol.OIDC) -> SsoProfile:
    return SsoProfile.objects.create(
        key=key, name=name, enabled=enabled, protocol=protocol,
        action_type=SsoProfile.ActionType.ADMINS if admins else SsoProfile.ActionType.CONSUMERS,
        oidc_discovery_url="https://idp.example.com/.well-known/openid-configuration", oidc_client_id="portal")


def password_setting(value: str) -> None:
    current = PortalSettings.load()
    current.admin_password_sign_in = value
    current.save()


def signed_in_as(client: Client) -> int | None:
    return client.session.get("_auth_user_id") and int(client.session["_auth_user_id"])


def test_each_sign_in_page_shows_its_audiences_enabled_profiles_with_next():
    profile("corp-okta", "Corporate Okta")
    profile("old-idp", "Old IdP", enabled=False)
    profile("staff", "Staff Entra ID", admins=True)
    live = Client().get(LIVE_SIGN_IN, {"next": "/catalogue"}).content.decode()
    assert 'href="/tib/auth/corp-okta/openid-connect?next=%2Fcatalogue"' in live and "Corporate Okta" in live
    assert "Old IdP" not in live and "Staff Entra ID" not in live
    admin_page = Client().get(ADMIN_SIGN_IN, {"next": "/portal-admin/users/"}).content.decode()
    assert 'href="/tib/auth/staff/openid-connect?next=%2Fportal-admin%2Fusers%2F"' in admin_page
    assert "Corporate Okta" not in admin_page and "Old IdP" not in admin_page
    # A next that is not a local path is not carried.
    assert "evil" not in Client().get(LIVE_SIGN_IN, {"next": "https://evil.example/"}).content.decode()
    # No profile, no buttons.
    SsoProfile.objects.all().delete()
    assert "/tib/auth/" not in Client().get(LIVE_SIGN_IN).content.decode()
    assert "/tib/auth/" not in Client().get(ADMIN_SIGN_IN).content.decode()


@pytest.fixture
def admins(admin):
    provider_admin = User.objects.create_user("ops@example.com", PASSWORD, role=Role.PROVIDER_ADMIN)
    return admin, provider_admin  # admin is the super-admin


def admin_portal_sign_in(user: User) -> tuple[int, str, int | None]:
    client = Client()
    response = client.post(ADMIN_SIGN_IN, {"username": user.email, "password": PASSWORD})
    return response.status_code, response.content.decode(), signed_in_as(client)


def live_portal_sign_in(user: User) -> tuple[int, str, int | None]:
    client = Client()
    response = client.post(LIVE_SIGN_IN, {"email": user.email, "password": PASSWORD})
    return response.status_code, response.content.decode(), signed_in_as(client)


@pytest.mark.parametrize("sign_in", [admin_portal_sign_in, live_portal_sign_in], ids=["admin-portal", "live-portal"])
def test_the_admins_password_policy_holds_on_both_sign_in_pages(admins, consumer, sign_in):
    super_admin, provider_admin = admins
    # Without an enabled admins' profile, every admin keeps their password, whatever the setting.
    password_setting("none")
    profile("staff-off", "Staff SSO (off)", admins=True, enabled=False)
    profile("consumers", "Consumer SSO")
    assert sign_in(provider_admin)[2] == provider_admin.pk
    assert sign_in(super_admin)[2] == super_admin.pk
    profile("staff", "Staff Entra ID", admins=True)
    # "super-admins": super-admins break glass, other admins are sent to the button.
    password_setting("super-admins")
    status, page, who = sign_in(provider_admin)
    assert (status, who) == (403, None)
    assert "single sign-on" in page and "Staff Entra ID" in page
    assert sign_in(super_admin)[2] == super_admin.pk
    # "none": nobody.
    password_setting("none")
    status, page, who = sign_in(super_admin)
    assert (status, who) == (403, None) and "Staff Entra ID" in page
    # Consumers are never concerned (on the Live Portal, where they sign in).
    if sign_in is live_portal_sign_in:
        assert sign_in(consumer)[2] == consumer.pk
    # "all": everyone again.
    password_setting("all")
    assert sign_in(provider_admin)[2] == provider_admin.pk


def test_a_wrong_password_is_told_nothing_about_the_policy(admins):
    _, provider_admin = admins
    profile("staff", "Staff Entra ID", admins=True)
    password_setting("none")
    response = Client().post(ADMIN_SIGN_IN, {"username": provider_admin.email, "password": "wrong-password-1"})
    assert response.status_code == 200 and "single sign-on here" not in response.content.decode()
    assert password_policy.refusal(provider_admin)


def test_the_setting_is_on_the_general_settings_page_and_kept_by_the_admin_api(client, admin, api):
    client.force_login(admin)
    page = client.get("/portal-admin/settings/").content.decode()
    assert 'name="admin_password_sign_in"' in page and "Super-admins only" in page
    current = PortalSettings.load()
    data = {name: getattr(current, name) for name in ("smtp_host", "smtp_port", "smtp_security", "smtp_username",
                                                      "smtp_timeout", "from_address", "admin_notification_address",
                                                      "allowed_email_domains", "password_min_length")}
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post("/portal-admin/settings/", {**data, "allow_sign_up": "on",
                                                       "admin_password_sign_in": "super-admins"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PortalSettings.load().admin_password_sign_in == "super-admins"
    assert client.post("/portal-admin/settings/", {**data, "admin_password_sign_in": "everyone"}).status_code == 200
    assert PortalSettings.load().admin_password_sign_in == "super-admins"
    assert api("put", "/configs", {"SMTPHost": "mail.example.com"}).status_code == 200
    assert PortalSettings.load().admin_password_sign_in == "super-admins"
