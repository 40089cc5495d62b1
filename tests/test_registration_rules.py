"""Registration rules enforced in the service (accounts.registration), on every path that makes an
account: the sign-up form, with and without an invite code, a consumer-admin's invitation (sent and
accepted); admins (Admin API POST /users) may always. "Sign-up off" that only hid the page left the
backend taking registrations elsewhere (issue 17)."""

import pytest
from django.core.exceptions import ValidationError

from forecourt.accounts import invitations, registration
from forecourt.accounts.models import InviteCode, Role, User
from forecourt.portalconfig.models import PortalSettings

from . import factories

pytestmark = pytest.mark.django_db

SIGN_UP = "/auth/password/register"
PASSWORD = "a-brand-new-passphrase"


def settings_with(**values) -> None:
    current = PortalSettings.load()
    for name, value in values.items():
        setattr(current, name, value)
    current.save()


def sign_up(client, address, **extra):
    return client.post(SIGN_UP, {"email": address, "first_name": "Nina", "last_name": "New", "password": PASSWORD,
                                 "password_again": PASSWORD, **extra})


def test_sign_up_off_refuses_the_form_in_the_backend(client):
    settings_with(allow_sign_up=False)
    response = sign_up(client, "new@example.com")
    assert response.status_code == 400 and registration.SIGN_UP_OFF in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()
    settings_with(allow_sign_up=True)
    assert sign_up(client, "new@example.com").status_code == 302
    assert User.objects.filter(email="new@example.com").exists()


def test_sign_up_off_hides_the_links_to_sign_up_and_the_page_says_invitation_only(client):
    """Azure's portal only hid the page (GHSA-vcwf-73jp-r7mv); here the backend refuses (above), and the
    pages stop offering what would be refused. The page itself stays, for invite codes."""
    link = f'href="{SIGN_UP}"'
    for path in ("/", "/auth/password/login"):
        assert link in client.get(path).content.decode()
    settings_with(allow_sign_up=False)
    for path in ("/", "/auth/password/login"):
        assert link not in client.get(path).content.decode(), path
    page = client.get(SIGN_UP).content.decode()
    assert "by invitation only" in page and "invite_code" in page


def test_an_invite_code_lets_its_holder_through_sign_up_off_but_not_past_the_domains(client):
    org = factories.organisation("Partner")
    code = InviteCode.objects.create(organisation=org, team=factories.team(org, "T"), max_uses=5)
    settings_with(allow_sign_up=False, allowed_email_domains="partner.example")
    refused = sign_up(client, "someone@elsewhere.example", invite_code=code.code)
    assert refused.status_code == 400 and not User.objects.filter(email="someone@elsewhere.example").exists()
    assert sign_up(client, "someone@partner.example", invite_code=code.code).status_code == 302
    assert User.objects.get(email="someone@partner.example").organisation == org


def test_allowed_domains_refuse_other_addresses_on_the_form(client):
    settings_with(allowed_email_domains="example.com\nPartner.Example")
    assert sign_up(client, "x@evil.example").status_code == 400
    assert sign_up(client, "x@sub.example.com").status_code == 400  # subdomains are not included
    assert sign_up(client, "x@partner.example").status_code == 302
    assert set(User.objects.values_list("email", flat=True)) == {"x@partner.example"}


def test_invitations_obey_the_domains_when_sent_and_when_accepted():
    org = factories.organisation("Acme")
    team = factories.team(org, "Team")
    inviter = factories.consumer(org, role=Role.CONSUMER_ADMIN)
    settings_with(allowed_email_domains="acme.example")
    with pytest.raises(ValidationError, match=r"acme\.example"):
        invitations.invite(inviter, "out@other.example", "O", "Ut", Role.CONSUMER_TEAM_MEMBER, team, "")
    invitation = invitations.invite(inviter, "in@acme.example", "I", "N", Role.CONSUMER_TEAM_MEMBER, team, "")
    settings_with(allow_sign_up=False)  # an invitation lets its invitee in with sign-up off
    user = invitations.accept_invitation(invitation, "I", "N", PASSWORD)
    assert user.organisation == org
    late = invitations.invite(inviter, "late@acme.example", "L", "Ate", Role.CONSUMER_TEAM_MEMBER, team, "")
    settings_with(allowed_email_domains="other.example")  # changed after it was sent
    with pytest.raises(ValidationError):
        invitations.accept_invitation(late, "L", "Ate", PASSWORD)
    assert not User.objects.filter(email="late@acme.example").exists()


def test_admins_may_always_create_accounts_through_the_admin_api(api):
    settings_with(allow_sign_up=False, allowed_email_domains="example.com")
    org = factories.organisation("Acme")
    created = api("post", "/users", {"Email": "someone@elsewhere.example", "First": "Some", "Last": "One",
                                     "Role": "consumer-team-member", "OrganisationID": org.pk})
    assert created.status_code == 200, created.content
    assert User.objects.filter(email="someone@elsewhere.example").exists()


def test_the_settings_page_checks_the_domains(client, admin):
    client.force_login(admin)
    form = PortalSettings.load()
    from forecourt.resources.forms import PortalSettingsForm
    data = {name: getattr(form, name) for name in PortalSettingsForm.Meta.fields if name != "smtp_password"}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    data["allowed_email_domains"] = "example.com\nnot a domain!"
    bound = PortalSettingsForm(data, instance=form)
    assert not bound.is_valid() and "allowed_email_domains" in bound.errors
    data["allowed_email_domains"] = "@Example.com, partner.example"
    bound = PortalSettingsForm(data, instance=PortalSettings.load())
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["allowed_email_domains"] == "example.com\npartner.example"
