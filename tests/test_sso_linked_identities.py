"""An account's linked SSO identities: listed with Unlink on the Admin Portal's user page and, for consumers,
as "Sign-in methods" (Link / Unlink) on the Live Portal's account page. Unlinking is audited, refused when
it would leave the owner no way in, and an admin account's links are a super-admin's to change."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from forecourt.accounts.models import Role, User
from forecourt.audit.models import AuditEntry
from forecourt.sso.models import SsoIdentity, SsoProfile

from . import factories

pytestmark = pytest.mark.django_db


def profile(key, **fields):
    return SsoProfile.objects.create(**{"key": key, "name": key.title(), "protocol": "oidc",
                                        "oidc_discovery_url": "https://idp.example.com/.well-known/openid-configuration",
                                        "oidc_client_id": "portal", "oidc_client_secret": "s3cret-value", **fields})


def link(user, prof, subject="sub-1", **fields):
    return SsoIdentity.objects.create(profile=prof, subject=subject, user=user, linked_by="linked", **fields)


def test_the_user_page_lists_links_and_an_admin_unlinks_one(client, admin, consumer):
    corp = profile("corp")
    row = link(consumer, corp, "corp|42", last_sign_in_at=timezone.now())
    other = link(factories.consumer(), profile("partners"), "p-7")
    client.force_login(admin)
    page = client.get(f"/portal-admin/users/{consumer.pk}/actions/").content.decode()
    assert "Corp" in page and "corp|42" in page and "By its owner" in page and "Unlink Corp" in page
    assert "p-7" not in page

    # Another user's link through this user's page is a 404, and changes nothing.
    stranger = client.post(f"/portal-admin/users/{consumer.pk}/actions/",
                           {"action": "unlink-sso", "identity": other.pk})
    assert stranger.status_code == 404 and SsoIdentity.objects.filter(pk=other.pk).exists()
    assert client.post(f"/portal-admin/users/{consumer.pk}/actions/",
                       {"action": "unlink-sso", "identity": "x"}).status_code == 404

    done = client.post(f"/portal-admin/users/{consumer.pk}/actions/", {"action": "unlink-sso", "identity": row.pk},
                       follow=True)
    assert "no longer linked to Corp" in done.content.decode()
    assert not SsoIdentity.objects.filter(pk=row.pk).exists()
    entry = AuditEntry.objects.get(note="Unlinked from SSO profile corp")
    assert (entry.object_id, entry.actor_id) == (str(consumer.pk), admin.pk)
    assert entry.changes == {"sso": ["corp:corp|42", None]}
    page = client.get(f"/portal-admin/users/{consumer.pk}/actions/").content.decode()
    assert "Not linked to any identity provider" in page


def test_only_a_super_admin_unlinks_an_admins_sign_in(client, admin):
    staff = profile("staff", action_type=SsoProfile.ActionType.ADMINS)
    provider_admin = User.objects.create_user("pa@example.com", "a-long-passphrase", role=Role.PROVIDER_ADMIN)
    other_admin = User.objects.create_user("pb@example.com", "a-long-passphrase", role=Role.PROVIDER_ADMIN)
    row = link(other_admin, staff)
    client.force_login(provider_admin)
    refused = client.post(f"/portal-admin/users/{other_admin.pk}/actions/",
                          {"action": "unlink-sso", "identity": row.pk}, follow=True)
    assert "Only super-admins can change how an admin signs in" in refused.content.decode()
    assert SsoIdentity.objects.filter(pk=row.pk).exists()
    client.force_login(admin)
    client.post(f"/portal-admin/users/{other_admin.pk}/actions/", {"action": "unlink-sso", "identity": row.pk})
    assert not SsoIdentity.objects.filter(pk=row.pk).exists()


def test_the_account_page_offers_each_consumers_profile_to_link_or_unlink(client, consumer):
    corp = profile("corp", name="Corp")
    profile("partners", name="Partners")
    profile("staff", name="Staff", action_type=SsoProfile.ActionType.ADMINS)  # not the Live Portal's
    profile("off", name="Switched off", enabled=False)
    retired = profile("retired", name="Retired", enabled=False)
    row = link(consumer, corp)
    old = link(consumer, retired, "r-1")
    client.force_login(consumer)
    page = client.get("/my-account").content.decode()
    assert "Sign-in methods" in page
    assert 'href="/tib/auth/partners/openid-connect?link=1"' in page and "Link Partners" in page
    assert resolve("/tib/auth/partners/openid-connect").url_name == "sso_start"
    assert f'action="/my-account/sign-in-methods/{row.pk}/unlink"' in page and "Unlink Corp" in page
    assert "Link Corp" not in page and "Staff" not in page and "Switched off" not in page
    assert "Unlink Retired" in page and "Link Retired" not in page  # disabled since: it can only go

    assert client.get(f"/my-account/sign-in-methods/{row.pk}/unlink").status_code == 405
    done = client.post(f"/my-account/sign-in-methods/{row.pk}/unlink", follow=True)
    assert "Corp is unlinked" in done.content.decode() and not SsoIdentity.objects.filter(pk=row.pk).exists()
    assert AuditEntry.objects.filter(note="Unlinked from SSO profile corp", actor_id=consumer.pk).exists()
    assert 'href="/tib/auth/corp/openid-connect?link=1"' in client.get("/my-account").content.decode()
    assert SsoIdentity.objects.filter(pk=old.pk).exists()


def test_nobody_unlinks_anothers_identity_or_their_own_last_way_in(client, consumer):
    corp = profile("corp")
    theirs = link(factories.consumer(), corp, "theirs")
    client.force_login(consumer)
    assert client.post(f"/my-account/sign-in-methods/{theirs.pk}/unlink").status_code == 404
    assert SsoIdentity.objects.filter(pk=theirs.pk).exists()

    # An account made at its first SSO sign-in has no password: its only link stays.
    jit = User.objects.create_user("jit@example.com", None, organisation=consumer.organisation,
                                   role=Role.CONSUMER_TEAM_MEMBER)
    only = link(jit, corp, "jit")
    signed_in = Client()
    signed_in.force_login(jit)
    refused = signed_in.post(f"/my-account/sign-in-methods/{only.pk}/unlink", follow=True)
    assert "this is your only way in" in refused.content.decode()
    assert SsoIdentity.objects.filter(pk=only.pk).exists()
    second = link(jit, profile("partners"), "jit-2")  # with another link, one may go
    assert signed_in.post(f"/my-account/sign-in-methods/{second.pk}/unlink").status_code == 302
    assert not SsoIdentity.objects.filter(pk=second.pk).exists()


def test_admins_see_no_sign_in_methods_on_the_live_portal(client, admin):
    profile("corp")
    client.force_login(admin)
    assert "Sign-in methods" not in client.get("/my-account").content.decode()


def test_the_account_page_runs_the_same_queries_for_one_profile_or_many(client, consumer):
    client.force_login(consumer)
    link(consumer, profile("first"))

    def queries():
        """Of the third request: the first ones after a change read what later ones remember (the theme,
        the menus, settings kept per content revision)."""
        for _ in range(3):
            with CaptureQueriesContext(connection) as captured:
                assert client.get("/my-account").status_code == 200
        return len(captured)

    few = queries()
    for i in range(15):
        prof = profile(f"idp-{i}")
        if i % 2:
            link(factories.consumer(), prof, f"s{i}")
    link(consumer, SsoProfile.objects.get(key="idp-3"), "mine")
    assert queries() == few
