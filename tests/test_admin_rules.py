"""The Admin Portal's rules, through its pages: guarded deletes, validation, roles, audit."""

import dataclasses

import pytest
from django.db import connection

from forecourt.accounts.models import Organisation, Role, Team, User
from forecourt.audit.models import AuditEntry
from forecourt.catalog.models import Catalogue, CatalogueAudience
from forecourt.ops import crypto
from forecourt.providers.models import Provider

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin)
    return client


def delete(client, slug, pk):
    return client.post(f"/portal-admin/{slug}/{pk}/delete/")


# --- organisations and teams ----------------------------------------------------------------

def test_new_organisation_gets_its_default_team_and_is_audited(signed_in, admin):
    response = signed_in.post("/portal-admin/organisations/new/", {"name": "Acme"})
    assert response.status_code == 302
    acme = Organisation.objects.get(name="Acme")
    assert list(acme.teams.values_list("name", "is_default")) == [("Default Team", True)]
    entry = AuditEntry.objects.get(object_type="accounts.organisation", action="create")
    assert (entry.actor, entry.object_repr, entry.changes["name"]) == (admin, "Acme", [None, "Acme"])


def test_default_organisation_cannot_be_deleted(signed_in, admin):
    default = Organisation.objects.get(is_default=True)
    page = signed_in.get(f"/portal-admin/organisations/{default.pk}/delete/")
    assert "The Default Organisation cannot be deleted." in page.content.decode()
    response = delete(signed_in, "organisations", default.pk)
    assert response.status_code == 409
    assert Organisation.objects.filter(pk=default.pk).exists()
    assert not AuditEntry.objects.filter(action="delete").exists()


def test_organisation_with_users_is_refused_then_deleted_when_empty(signed_in):
    org = factories.organisation("Leaving Ltd")
    user = factories.consumer(org)
    response = delete(signed_in, "organisations", org.pk)
    assert response.status_code == 409
    assert "It has 1 user:" in response.content.decode()
    user.delete()
    assert delete(signed_in, "organisations", org.pk).status_code == 302
    assert not Organisation.objects.filter(pk=org.pk).exists()
    assert not Team.objects.filter(organisation_id=org.pk).exists()
    entry = AuditEntry.objects.get(action="delete")
    assert entry.object_repr == "Leaving Ltd" and entry.changes["name"] == ["Leaving Ltd", None]


def test_default_team_and_team_with_members_cannot_be_deleted(signed_in):
    org = factories.organisation()
    default_team = org.teams.get(is_default=True)
    assert "Default Team cannot be deleted" in delete(signed_in, "teams", default_team.pk).content.decode()
    team = factories.team(org)
    user = factories.consumer(org)
    user.teams.add(team)
    assert "It has 1 member:" in delete(signed_in, "teams", team.pk).content.decode()
    user.teams.remove(team)
    assert delete(signed_in, "teams", team.pk).status_code == 302


def test_team_names_are_unique_within_an_organisation(signed_in):
    org = factories.organisation()
    factories.team(org, "Platform")
    response = signed_in.post("/portal-admin/teams/new/", {"organisation": org.pk, "name": "Platform"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


# --- users ----------------------------------------------------------------------------------

def user_form(**overrides):
    org = Organisation.objects.get(is_default=True)
    data = {"email": "new@example.com", "first_name": "New", "last_name": "User", "role": Role.CONSUMER_ADMIN,
            "organisation": org.pk, "teams": [org.teams.get(is_default=True).pk], "is_active": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_create_user_without_password_until_reset(signed_in):
    response = signed_in.post("/portal-admin/users/new/", user_form(email="New@Example.com"))
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new@example.com")
    assert not user.has_usable_password()
    assert user.teams.count() == 1


def test_team_from_another_organisation_is_an_error_next_to_the_field(signed_in):
    other = factories.organisation()
    response = signed_in.post("/portal-admin/users/new/", user_form(teams=[factories.team(other).pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert "Not teams of Default Organisation" in form.errors["teams"][0]
    assert not User.objects.filter(email="new@example.com").exists()


def test_consumer_needs_an_organisation(signed_in):
    response = signed_in.post("/portal-admin/users/new/", user_form(organisation="", teams=None))
    assert response.context["form"].errors["organisation"] == ["Consumers belong to an organisation."]


def test_duplicate_email_is_refused(signed_in, admin):
    response = signed_in.post("/portal-admin/users/new/", user_form(email="ADMIN@example.com"))
    assert response.context["form"].errors["email"] == ["A user with this e-mail address already exists."]


def test_last_super_admin_cannot_be_demoted_deactivated_or_deleted(signed_in, admin):
    org = Organisation.objects.get(is_default=True)
    form = {"email": admin.email, "first_name": "Ada", "last_name": "Admin", "role": Role.PROVIDER_ADMIN,
            "organisation": org.pk, "is_active": "on"}
    response = signed_in.post(f"/portal-admin/users/{admin.pk}/", form)
    assert "last active super-admin" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.SUPER_ADMIN

    response = signed_in.post(f"/portal-admin/users/{admin.pk}/actions/", {"action": "deactivate"}, follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active
    assert "You cannot delete your own account." in delete(signed_in, "users", admin.pk).content.decode()


def test_deactivate_and_activate_a_consumer_is_audited(signed_in):
    user = factories.consumer()
    signed_in.post(f"/portal-admin/users/{user.pk}/actions/", {"action": "deactivate"})
    user.refresh_from_db()
    assert not user.is_active
    signed_in.post(f"/portal-admin/users/{user.pk}/actions/", {"action": "activate"})
    user.refresh_from_db()
    assert user.is_active
    actions = list(AuditEntry.objects.filter(object_id=str(user.pk)).values_list("action", flat=True))
    assert actions == ["activate", "deactivate"]


def test_user_with_apps_cannot_be_deleted(signed_in):
    user = factories.consumer()
    factories.app(user)
    assert "They own 1 app:" in delete(signed_in, "users", user.pk).content.decode()


# --- providers, plans, products, catalogues -------------------------------------------------

PROVIDER = {"name": "Main Dashboard", "type": "tyk-pro", "url": "https://dash.example.com",
            "secret": "the-dashboard-key", "org_id": "5e9d", "policy_tags": "portal, public"}


def test_provider_secret_is_stored_encrypted_and_kept_when_left_empty(signed_in):
    assert signed_in.post("/portal-admin/providers/new/", PROVIDER).status_code == 302
    provider = Provider.objects.get()
    assert provider.secret == "the-dashboard-key"
    assert provider.policy_tags == ["portal", "public"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM providers_provider")
        stored = cursor.fetchone()[0]
    assert stored.startswith("fc1:") and "the-dashboard-key" not in stored
    page = signed_in.get(f"/portal-admin/providers/{provider.pk}/")
    assert "the-dashboard-key" not in page.content.decode()

    edited = signed_in.post(f"/portal-admin/providers/{provider.pk}/", {**PROVIDER, "secret": "", "name": "Renamed"})
    assert edited.status_code == 302
    provider.refresh_from_db()
    assert (provider.name, provider.secret) == ("Renamed", "the-dashboard-key")
    entry = AuditEntry.objects.get(action="update")
    assert entry.changes == {"name": ["Main Dashboard", "Renamed"]}
    created = AuditEntry.objects.get(action="create")
    assert created.changes["secret"][0] is None and created.changes["secret"][1].startswith("******** (")
    assert "the-dashboard-key" not in str(created.changes)


def test_new_provider_needs_its_key(signed_in):
    response = signed_in.post("/portal-admin/providers/new/", {**PROVIDER, "secret": ""})
    assert response.context["form"].errors["secret"] == ["The API key is required."]


def test_provider_with_products_cannot_be_deleted(signed_in):
    provider = factories.provider()
    factories.product(provider=provider)
    assert "1 product and 0 plans come from it" in delete(signed_in, "providers", provider.pk).content.decode()


def test_encrypted_values_fail_clearly_with_a_wrong_key(settings):
    from forecourt import configuration

    token = crypto.encrypt("hunter2")
    config = configuration.get()
    try:
        configuration.reset(dataclasses.replace(config, encryption_key="a-different-key-entirely-0123456789"))
        crypto.reset()
        with pytest.raises(crypto.DecryptionError, match="PORTAL_ENCRYPTION_KEY"):
            crypto.decrypt(token)
        # Rotation: the new key first, the old one still decrypts.
        configuration.reset(dataclasses.replace(
            config, encryption_key="a-different-key-entirely-0123456789," + crypto.generated_key()))
        crypto.reset()
        assert crypto.decrypt(token) == "hunter2"
    finally:
        configuration.reset(config)
        crypto.reset()


PLAN = {"display_name": "Gold", "name": "gold", "rate_limit": 100, "rate_per": 60, "quota_unlimited": "on",
        "quota_max": 0, "quota_renewal_seconds": 3600, "key_expires_in": 0}


def test_plan_validation_messages_sit_next_to_fields(signed_in):
    response = signed_in.post("/portal-admin/plans/new/", {**PLAN, "display_name": "", "quota_unlimited": "",
                                                            "rate_per": 0})
    errors = response.context["form"].errors
    assert errors["display_name"] == ["This field is required."]
    assert errors["quota_max"] == ["Give the quota, or make it unlimited."]
    assert "at least 1" in errors["rate_per"][0]


def test_plan_with_pending_or_approved_requests_cannot_be_deleted(signed_in, admin):
    from forecourt.access import services as access

    request = factories.pending_request()
    text = delete(signed_in, "plans", request.plan.pk).content.decode()
    assert "1 pending access request uses it" in text
    access.approve(request, admin)
    text = delete(signed_in, "plans", request.plan.pk).content.decode()
    assert "1 approved access request uses it" in text


def test_private_catalogue_needs_an_audience_and_keeps_the_chosen_ones(signed_in):
    org = factories.organisation("Partners")
    team = factories.team(org, "Mobile")
    prod, pl = factories.product(), factories.plan()
    base = {"name": "Partner APIs", "visibility": "private", "products": [prod.pk], "plans": [pl.pk]}
    response = signed_in.post("/portal-admin/catalogues/new/", base)
    assert "needs at least one audience" in response.context["form"].errors["audiences"][0]
    response = signed_in.post("/portal-admin/catalogues/new/", {**base, "audiences": [f"org:{org.pk}",
                                                                                     f"team:{team.pk}"]})
    assert response.status_code == 302
    catalogue = Catalogue.objects.get(name="Partner APIs")
    assert set(CatalogueAudience.objects.filter(catalogue=catalogue).values_list("organisation_id", "team_id")) == {
        (org.pk, None), (org.pk, team.pk)}
    signed_in.post(f"/portal-admin/catalogues/{catalogue.pk}/", {**base, "audiences": [f"team:{team.pk}"]})
    assert list(catalogue.audiences.values_list("team_id", flat=True)) == [team.pk]


def test_unknown_audience_keys_are_refused(signed_in):
    response = signed_in.post("/portal-admin/catalogues/new/", {"name": "X", "visibility": "public",
                                                                "audiences": ["org:99999"]})
    assert "Select a valid choice" in response.context["form"].errors["audiences"][0]


def test_product_is_created_with_and_without_a_logo(signed_in, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from forecourt.catalog.models import Product

    settings.MEDIA_ROOT = tmp_path
    form = {"display_name": "Weather API", "name": "weather", "slug": "weather", "tags": "maps, weather",
            "published": "on"}
    assert signed_in.post("/portal-admin/products/new/", form).status_code == 302
    product = Product.objects.get(slug="weather")
    assert (product.tags, product.published, product.logo.name) == (["maps", "weather"], True, "")
    png = SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")
    assert signed_in.post(f"/portal-admin/products/{product.pk}/", {**form, "logo": png}).status_code == 302
    product.refresh_from_db()
    assert product.logo.name.startswith("logos/logo")
    assert AuditEntry.objects.get(action="update").changes["logo"][1].startswith("logos/logo")


def test_product_logo_must_be_an_image(signed_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = {"display_name": "Weather", "name": "weather", "slug": "weather",
            "logo": SimpleUploadedFile("evil.html", b"<script>", content_type="text/html")}
    response = signed_in.post("/portal-admin/products/new/", form)
    assert response.context["form"].errors["logo"] == [
        "The file is not a PNG, JPEG, GIF or WebP image (its content says otherwise, whatever its name)."]


# --- lists ----------------------------------------------------------------------------------

def test_search_filters_and_pagination(signed_in):
    org = factories.organisation("Searchable")
    for i in range(30):
        factories.consumer(org, first_name=f"Person{i}")
    factories.consumer(role=Role.CONSUMER_ADMIN, first_name="Boss")
    page = signed_in.get("/portal-admin/users/", {"organisation": org.pk})
    assert page.context["page"].count.value == 30
    assert len(page.context["rows"]) == 25
    second = signed_in.get("/portal-admin/users/", {"organisation": org.pk, "page": 2})
    assert len(second.context["rows"]) == 5
    assert 'organisation=' in second.content.decode()  # page links keep the filter
    assert signed_in.get("/portal-admin/users/", {"q": "boss"}).context["page"].count.value == 1
    assert signed_in.get("/portal-admin/users/", {"role": "consumer-admin"}).context["page"].count.value == 1
    # Nonsense parameters are ignored, not errors.
    assert signed_in.get("/portal-admin/users/", {"page": "abc", "role": "overlord"}).status_code == 200
    assert signed_in.get("/portal-admin/users/", {"q": "x" * 5000}).status_code == 200


def test_unknown_resource_and_object_are_404(signed_in):
    assert signed_in.get("/portal-admin/nonsense/").status_code == 404
    assert signed_in.get("/portal-admin/plans/999999/").status_code == 404
    assert signed_in.get("/portal-admin/access-requests/new/").status_code == 404


# --- who gets in ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/portal-admin/users/", "/portal-admin/plans/new/", "/portal-admin/audit-log/",
                                  "/portal-admin/settings/"])
def test_consumers_get_the_themed_404_and_visitors_the_sign_in(client, consumer, path):
    response = client.get(path)
    assert response.status_code == 302 and "/portal-admin/sign-in/" in response["Location"]
    client.force_login(consumer)
    response = client.get(path)
    assert response.status_code == 404 and "There is no page at this address." in response.content.decode()
    assert client.session["_auth_user_id"] == str(consumer.pk)


def test_provider_admin_manages_the_catalogue_but_not_the_settings(client):
    provider_admin = factories.consumer(role=Role.PROVIDER_ADMIN)
    client.force_login(provider_admin)
    assert client.get("/portal-admin/plans/").status_code == 200
    assert client.get("/portal-admin/settings/").status_code == 403


def test_forms_need_the_csrf_token(admin):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin)
    assert strict.post("/portal-admin/organisations/new/", {"name": "Sneaky"}).status_code == 403
    assert not Organisation.objects.filter(name="Sneaky").exists()


def test_provider_admin_cannot_create_or_promote_admins(client):
    provider_admin = factories.consumer(role=Role.PROVIDER_ADMIN)
    client.force_login(provider_admin)
    org = Organisation.objects.get(is_default=True)
    response = client.post("/portal-admin/users/new/", user_form(role=Role.SUPER_ADMIN))
    assert "Only super-admins can create or change admin accounts." in response.content.decode()
    own = {"email": provider_admin.email, "first_name": "P", "last_name": "A", "role": Role.SUPER_ADMIN,
           "organisation": org.pk, "teams": [org.teams.get(is_default=True).pk], "is_active": "on"}
    response = client.post(f"/portal-admin/users/{provider_admin.pk}/", own)
    assert "Only super-admins can create or change admin accounts." in response.content.decode()
    provider_admin.refresh_from_db()
    assert provider_admin.role == Role.PROVIDER_ADMIN
    # Consumers are theirs to manage.
    assert client.post("/portal-admin/users/new/", user_form()).status_code == 302
    other_admin = factories.consumer(role=Role.PROVIDER_ADMIN)
    assert "Only super-admins can delete admin accounts." in delete(client, "users", other_admin.pk).content.decode()


def test_product_is_featured_from_its_form_and_audited(signed_in):
    from forecourt.catalog.models import Product

    form = {"display_name": "Weather API", "name": "weather", "slug": "weather", "published": "on"}
    assert signed_in.post("/portal-admin/products/new/", form).status_code == 302
    product = Product.objects.get(slug="weather")
    assert product.featured is False  # unticked: not featured
    page = signed_in.get(f"/portal-admin/products/{product.pk}/").content.decode()
    assert 'name="featured"' in page
    assert signed_in.post(f"/portal-admin/products/{product.pk}/", {**form, "featured": "on"}).status_code == 302
    product.refresh_from_db()
    assert product.featured is True
    assert AuditEntry.objects.filter(action="update").latest("pk").changes["featured"] == [False, True]
    Product.objects.create(name="maps", display_name="Maps API", slug="maps")
    listed = signed_in.get("/portal-admin/products/?featured=1").content.decode()
    assert "Weather API" in listed and "Maps API" not in listed  # the list's filter
