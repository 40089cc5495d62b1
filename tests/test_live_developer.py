"""The Live Portal's developer pages: the dashboard, apps (create, edit, delete), requesting access,
and credentials (shown once, rotated, revoked), with the Tyk Dashboard simulator where a real
credential is needed. Who sees what: the app visibility rule (forecourt.access.visibility), and
every page and action reached with another organisation's or another audience's ids is a 404."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forecourt.access import credentials as credential_service
from forecourt.access import services as access
from forecourt.access.models import AccessRequest, App, Credential
from forecourt.access.visibility import can_manage_app, visible_apps
from forecourt.accounts.models import Role, Team, User
from forecourt.audit.models import AuditEntry
from forecourt.catalog.models import Catalogue, CatalogueAudience, Plan, Product, ProductAPI
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.providers import sync
from forecourt.providers.models import Provider
from forecourt.themes.validate import validate_target
from forecourt.webhooks.models import Event

from . import factories
from .support.tyk import ORG_ID, SECRET, tyk_dashboard

__all__ = ["tyk_dashboard"]
pytestmark = pytest.mark.django_db

SIGN_IN = "/auth/password/login"


def client_for(user: User, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def member(org, *teams: Team, role: str = Role.CONSUMER_TEAM_MEMBER) -> User:
    """A consumer of `org` in exactly `teams` (not the default team unless given)."""
    user = factories.consumer(org, role=role)
    user.teams.set(teams)
    return user


def run_jobs() -> None:
    Job.objects.filter(name__startswith="notify.").delete()
    while queue.run_next("test") is not None:
        pass


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def world(db):
    """Two organisations. In `acme`: a consumer-admin, alice and bob sharing team "red", carol
    only in team "blue"; alice owns a personal, a team and an organisation app. In `globex`:
    its own consumer-admin and mallory, who owns an app of her own."""
    acme, globex = factories.organisation("Acme"), factories.organisation("Globex")
    red, blue = factories.team(acme, "Red"), factories.team(acme, "Blue")
    w = type("World", (), {})()
    w.acme, w.globex, w.red, w.blue = acme, globex, red, blue
    w.boss = member(acme, red, role=Role.CONSUMER_ADMIN)
    w.alice, w.bob, w.carol = member(acme, red), member(acme, red), member(acme, blue)
    w.mallory = member(globex, globex.teams.get())
    w.globex_boss = member(globex, globex.teams.get(), role=Role.CONSUMER_ADMIN)
    w.personal = factories.app(w.alice, name="Alice personal", visibility=App.Visibility.PERSONAL)
    w.team = factories.app(w.alice, name="Alice team", visibility=App.Visibility.TEAM)
    w.org = factories.app(w.alice, name="Alice org", visibility=App.Visibility.ORGANISATION)
    w.theirs = factories.app(w.mallory, name="Mallory org", visibility=App.Visibility.ORGANISATION)
    return w


def names(user) -> set[str]:
    return set(visible_apps(user).values_list("name", flat=True))


# -- the visibility rule -----------------------------------------------------------------------

def test_visible_apps_follows_the_rule_for_every_role(world):
    w = world
    assert names(w.alice) == {"Alice personal", "Alice team", "Alice org"}
    assert names(w.bob) == {"Alice team", "Alice org"}  # shares team Red with alice
    assert names(w.carol) == {"Alice org"}  # in Acme but not in alice's teams
    assert names(w.boss) == {"Alice personal", "Alice team", "Alice org"}  # consumer-admin: all of Acme
    assert names(w.mallory) == {"Mallory org"}
    assert names(w.globex_boss) == {"Mallory org"}
    w.alice.is_active = False
    assert names(w.alice) == set()
    from django.contrib.auth.models import AnonymousUser

    assert names(AnonymousUser()) == set() and names(None) == set()


def test_a_team_app_follows_its_owner_and_stays_in_its_organisation(world):
    w = world
    w.carol.teams.add(w.red)
    assert "Alice team" in names(w.carol)
    # A team of another organisation shared by mistake does not leak across organisations.
    w.mallory.teams.add(w.red)
    assert names(w.mallory) == {"Mallory org"}


def test_who_may_manage_an_app(world):
    w = world
    assert can_manage_app(w.alice, w.personal) and can_manage_app(w.boss, w.personal)
    assert not can_manage_app(w.bob, w.team) and not can_manage_app(w.carol, w.org)
    assert not can_manage_app(w.globex_boss, w.org) and not can_manage_app(None, w.org)


# -- signing in ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/dashboard", "/apps", "/apps/new", "/apps/request-access?product=x",
                                  "/apps/1", "/apps/1/edit", "/apps/1/delete", "/apps/1/credentials/1/reveal",
                                  "/apps/1/credentials/1/rotate", "/apps/1/credentials/1/revoke"])
def test_every_page_needs_signing_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN + "?next=")
    response = client.post(path.split("?")[0])
    if path in ("/dashboard", "/apps", "/apps/1"):  # pages without a form
        assert response.status_code == 405
    else:
        assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)


def test_the_menus_offer_the_dashboard_and_apps_when_signed_in(world, client):
    assert 'href="/dashboard"' not in text(client.get("/"))
    page = text(client_for(world.alice).get("/"))
    assert 'href="/dashboard"' in page and 'href="/apps"' in page


# -- apps ----------------------------------------------------------------------------------------

def test_create_an_app(world):
    response = client_for(world.carol).post("/apps/new", {
        "name": "  Shop ", "description": "Web shop", "redirect_urls": "https://a.example.com/cb\n\nb.example.com/cb",
        "visibility": "team"})
    app = App.objects.get(name="Shop")
    assert response.status_code == 302 and response["Location"] == f"/apps/{app.pk}"
    assert (app.owner, app.organisation, app.team, app.visibility) == (world.carol, world.acme, world.blue, "team")
    assert app.redirect_urls == "https://a.example.com/cb\nhttps://b.example.com/cb"
    assert AuditEntry.objects.filter(object_type="access.app", object_id=str(app.pk), action="create",
                                     actor=world.carol).exists()
    page = text(client_for(world.carol).get(f"/apps/{app.pk}"))
    assert "Shop" in page and "https://b.example.com/cb" in page and "Team" in page


@pytest.mark.parametrize(("fields", "error"), [
    ({"name": ""}, "This field is required."),
    ({"redirect_urls": "javascript:alert(1)"}, "Not a valid URL"),
    ({"redirect_urls": "ftp://files.example.com"}, "Only http and https URLs"),
    ({"visibility": "public"}, "Select a valid choice"),
])
def test_an_invalid_app_is_refused_with_a_message(world, fields, error):
    before = App.objects.count()
    response = client_for(world.alice).post("/apps/new", {"name": "X", "visibility": "personal", **fields})
    assert response.status_code == 400 and error in text(response)
    assert App.objects.count() == before


def test_owner_and_organisation_cannot_be_posted(world):
    client_for(world.alice).post("/apps/new", {"name": "Sneaky", "visibility": "personal",
                                               "owner": world.mallory.pk, "organisation": world.globex.pk})
    app = App.objects.get(name="Sneaky")
    assert (app.owner, app.organisation) == (world.alice, world.acme)


def test_a_user_without_organisation_cannot_create_apps(db):
    loner = User.objects.create_user("loner@example.com", "a-long-passphrase", role=Role.CONSUMER_ADMIN)
    client = client_for(loner)
    assert "cannot own apps" in text(client.get("/apps/new"))
    response = client.post("/apps/new", {"name": "Nope", "visibility": "personal"})
    assert response.status_code == 400 and not App.objects.filter(name="Nope").exists()
    assert client.get("/dashboard").status_code == 200 and client.get("/apps").status_code == 200


def test_edit_an_app_as_owner_and_as_consumer_admin(world):
    response = client_for(world.alice).post(f"/apps/{world.team.pk}/edit", {
        "name": "Renamed", "description": "", "redirect_urls": "", "visibility": "organisation"})
    assert response.status_code == 302
    world.team.refresh_from_db()
    assert (world.team.name, world.team.visibility, world.team.owner) == ("Renamed", "organisation", world.alice)
    entry = AuditEntry.objects.get(object_type="access.app", object_id=str(world.team.pk), action="update")
    assert entry.changes["name"] == ["Alice team", "Renamed"]
    response = client_for(world.boss).post(f"/apps/{world.personal.pk}/edit", {"name": "By boss",
                                                                                "visibility": "personal"})
    assert response.status_code == 302 and App.objects.get(pk=world.personal.pk).name == "By boss"


def test_the_app_list_shows_what_the_rule_allows(world):
    page = text(client_for(world.bob).get("/apps"))
    assert "Alice team" in page and "Alice org" in page
    assert "Alice personal" not in page and "Mallory" not in page


def test_deleting_an_app_asks_first(world):
    client = client_for(world.alice)
    page = client.get(f"/apps/{world.org.pk}/delete")
    assert page.status_code == 200 and "cannot be undone" in text(page)
    assert App.objects.filter(pk=world.org.pk).exists()
    response = client.post(f"/apps/{world.org.pk}/delete")
    assert response.status_code == 302 and response["Location"] == "/apps"
    assert not App.objects.filter(pk=world.org.pk).exists()
    assert AuditEntry.objects.filter(object_type="access.app", object_id=str(world.org.pk), action="delete").exists()


# -- nobody reaches what they may not see --------------------------------------------------------

def _forbidden_cases(w):
    """(user, method, path, data) that must all be 404s: other organisations' apps, apps outside
    the visibility rule, apps the user sees but may not change."""
    cred = Credential.objects.create(app=w.personal, access_request=factories.pending_request(w.alice),
                                     provider_reference="k", secret="s3cret-value", secret_hint="alue",
                                     status="active")
    cases = []
    for user, app in ((w.mallory, w.personal), (w.mallory, w.org), (w.globex_boss, w.org), (w.bob, w.personal),
                      (w.carol, w.team), (w.alice, w.theirs)):
        cases += [(user, "get", f"/apps/{app.pk}", {}), (user, "get", f"/apps/{app.pk}/edit", {}),
                  (user, "post", f"/apps/{app.pk}/edit", {"name": "Pwned", "visibility": "personal"}),
                  (user, "get", f"/apps/{app.pk}/delete", {}), (user, "post", f"/apps/{app.pk}/delete", {})]
    for user in (w.mallory, w.globex_boss, w.bob, w.carol):
        for action in ("reveal", "rotate", "revoke"):
            cases += [(user, "get", f"/apps/{w.personal.pk}/credentials/{cred.pk}/{action}", {}),
                      (user, "post", f"/apps/{w.personal.pk}/credentials/{cred.pk}/{action}", {})]
    # Seen but not managed: edit, delete, rotate, revoke, reveal are 404s too.
    for action in ("edit", "delete"):
        cases += [(w.bob, "post", f"/apps/{w.team.pk}/{action}", {"name": "Pwned", "visibility": "personal"})]
    # The credential through an app it does not belong to, even one the user manages.
    cases += [(w.alice, "post", f"/apps/{w.org.pk}/credentials/{cred.pk}/reveal", {}),
              (w.alice, "post", f"/apps/{w.org.pk}/credentials/{cred.pk}/revoke", {}),
              (w.boss, "post", f"/apps/{w.personal.pk}/credentials/{cred.pk}/reveal", {})]  # not the owner
    return cred, cases


def test_every_page_and_action_with_other_ids_is_a_404(world):
    cred, cases = _forbidden_cases(world)
    clients: dict[int, Client] = {}
    for user, method, path, data in cases:
        client = clients.setdefault(user.pk, client_for(user))
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, (user.email, method, path, response.status_code)
        body = text(response)
        assert "Alice personal" not in body and "Mallory org" not in body and "s3cret" not in body
    # Nothing changed.
    assert not App.objects.filter(name="Pwned").exists()
    assert App.objects.filter(pk__in=[world.personal.pk, world.org.pk, world.theirs.pk, world.team.pk]).count() == 4
    cred.refresh_from_db()
    assert (cred.status, cred.secret, cred.secret_shown_at) == ("active", "s3cret-value", None)


def test_the_dashboard_shows_only_what_the_user_may_see(world):
    mine = factories.pending_request(world.mallory)
    theirs = access.submit_request(world.personal, *_offer(), world.alice)
    page = text(client_for(world.bob).get("/dashboard"))
    assert "Alice team" in page and "Alice org" in page and "Acme" in page and "Red" in page
    assert "Alice personal" not in page and mine.app.name not in page and f'id="request-{theirs.pk}"' not in page
    page = text(client_for(world.mallory).get("/dashboard"))
    assert mine.app.name in page and f'id="request-{mine.pk}"' in page and "Alice" not in page


# -- requesting access ---------------------------------------------------------------------------

def _offer(visibility=Catalogue.Visibility.PUBLIC, audiences=(), auto_approve=False, provider=None):
    """A catalogue with one published product and one plan: (catalogue, plan, [product])."""
    plan = factories.plan(auto_approve=auto_approve, provider=provider)
    product = factories.product(published=True)
    catalogue = factories.catalogue([product], [plan], visibility=visibility, audiences=audiences)
    return catalogue, plan, [product]


def test_request_access_from_a_product_link(world):
    catalogue, plan, (product,) = _offer()
    client = client_for(world.alice)
    page = client.get(f"/apps/request-access?product={product.slug}")
    assert page.status_code == 200
    body = text(page)
    assert f'name="products" value="{product.pk}" checked' in body
    assert f'name="plan" value="{plan.pk}" checked' in body  # the only plan
    for app in (world.personal, world.team, world.org):
        assert f'name="app" value="{app.pk}"' in body
    response = client.post("/apps/request-access", {"catalogue": catalogue.pk, "app": world.team.pk,
                                                    "plan": plan.pk, "products": [product.pk],
                                                    "product": product.slug})
    assert response.status_code == 302 and response["Location"] == f"/apps/{world.team.pk}"
    request = AccessRequest.objects.get(app=world.team)
    assert (request.status, request.catalogue, request.plan, request.requester) == ("pending", catalogue, plan,
                                                                                     world.alice)
    assert list(request.products.all()) == [product]
    page = text(client.get(f"/apps/{world.team.pk}"))
    assert "Pending approval" in page and product.display_name in page
    # The teammate who sees the app sees the request too, and cannot request for someone else's app.
    page = text(client_for(world.bob).get(f"/apps/{world.team.pk}"))
    assert "Pending approval" in page and "/apps/request-access?app=" not in page


def test_the_catalogue_helper_links_to_this_page(world):
    from django.urls import reverse

    assert reverse("live:request_access") == "/apps/request-access"


def test_a_rejection_shows_its_reason_and_an_approval_its_provisioning(world, admin):
    catalogue, plan, products = _offer()
    rejected = access.submit_request(world.org, catalogue, plan, products, world.alice)
    access.reject(rejected, admin, "Tell us about your use case.")
    provider = factories.provider()
    catalogue2, plan2, products2 = _offer(provider=provider)
    approved = access.submit_request(world.org, catalogue2, plan2, products2, world.alice)
    access.approve(approved, admin)
    for path in ("/dashboard", f"/apps/{world.org.pk}"):
        page = text(client_for(world.carol).get(path))
        assert "Rejected" in page and "Tell us about your use case." in page
        assert "Approved: provisioning pending" in page
    AccessRequest.objects.filter(pk=approved.pk).update(provisioning="failed", provisioning_error="HTTP 500 secret")
    page = text(client_for(world.alice).get(f"/apps/{world.org.pk}"))
    assert "could not be created at the gateway yet" in page and "HTTP 500" not in page


def test_an_auto_approved_plan_is_approved_at_once(world):
    catalogue, plan, (product,) = _offer(auto_approve=True)
    response = client_for(world.alice).post("/apps/request-access", {
        "catalogue": catalogue.pk, "app": world.personal.pk, "plan": plan.pk, "products": [product.pk]})
    assert response.status_code == 302
    assert AccessRequest.objects.get(app=world.personal).status == "approved"


@pytest.mark.parametrize(("missing", "message"), [("app", "Choose the app"), ("plan", "Choose a plan."),
                                              ("products", "Choose at least one product.")])
def test_an_incomplete_request_says_what_is_missing(world, missing, message):
    catalogue, plan, (product,) = _offer()
    data = {"catalogue": catalogue.pk, "app": world.personal.pk, "plan": plan.pk, "products": [product.pk]}
    del data[missing]
    response = client_for(world.alice).post("/apps/request-access", data)
    assert response.status_code == 400 and message in text(response)
    assert not AccessRequest.objects.exists()


def test_private_catalogues_and_other_ids_are_404s_when_requesting_access(world):
    private, private_plan, (hidden,) = _offer(Catalogue.Visibility.PRIVATE, audiences=[world.globex])
    public, plan, (product,) = _offer()
    other_plan = factories.plan()
    client = client_for(world.alice)
    base = {"catalogue": public.pk, "app": world.personal.pk, "plan": plan.pk, "products": [product.pk]}
    for params in ({"product": hidden.slug}, {"catalogue": private.pk}, {"app": world.theirs.pk},
                   {"app": world.team.pk, "catalogue": public.pk}, {"product": "no-such-product"},
                   {"catalogue": "x"}):
        if params.get("app") == world.team.pk:
            continue  # alice owns it: fine
        response = client.get("/apps/request-access", params)
        assert response.status_code == 404, params
        assert hidden.display_name not in text(response) and private.name not in text(response)
    for changes in ({"catalogue": private.pk, "plan": private_plan.pk, "products": [hidden.pk]},
                    {"products": [hidden.pk]}, {"plan": private_plan.pk}, {"plan": other_plan.pk},
                    {"app": world.theirs.pk}, {"products": ["nope"]}):
        response = client.post("/apps/request-access", {**base, **changes})
        assert response.status_code == 404, changes
    # A teammate's app (visible to bob) is not his to request access for.
    response = client_for(world.bob).post("/apps/request-access", {**base, "app": world.team.pk})
    assert response.status_code == 404
    assert not AccessRequest.objects.exists()
    # The audience sees its private catalogue.
    page = client_for(world.mallory).get(f"/apps/request-access?product={hidden.slug}")
    assert page.status_code == 200 and hidden.display_name in text(page)


def test_a_new_app_from_a_product_link_leads_back_to_the_request(world):
    _catalogue, _plan, (product,) = _offer()
    response = client_for(world.carol).post(f"/apps/new?product={product.slug}", {"name": "Fresh",
                                                                                   "visibility": "personal"})
    app = App.objects.get(name="Fresh")
    assert response["Location"] == f"/apps/request-access?app={app.pk}&product={product.slug}"


# -- credentials, with the Tyk Dashboard simulator ---------------------------------------------------

@pytest.fixture
def provider(tyk_dashboard):
    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                       policy_tags=["portal"])
    sync.sync(provider)
    return provider


def granted(provider, admin, app: App, product="Payments Product") -> Credential:
    item = Product.objects.get(provider=provider, name=product)
    item.published = True
    item.save()
    plan = Plan.objects.get(provider=provider, name="Free Plan")
    request = access.submit_request(app, factories.catalogue([item], [plan]), plan, [item], app.owner)
    access.approve(request, admin)
    run_jobs()
    return Credential.objects.get(access_request=request, status="active")


def reveal(client: Client, credential: Credential):
    return client.post(f"/apps/{credential.app_id}/credentials/{credential.pk}/reveal")


def test_a_key_is_shown_once_then_only_masked(world, provider, admin, tyk_dashboard):
    credential = granted(provider, admin, world.team)
    key = credential.secret
    assert key in tyk_dashboard.keys and credential.provider_reference in tyk_dashboard.hashed_keys
    owner = client_for(world.alice)
    page = text(owner.get(f"/apps/{world.team.pk}"))
    assert key not in page and f"…{key[-4:]}" in page and "Show it now" in page
    # Teammates and the consumer-admin see the credential masked, and no way to see the key.
    for other in (world.bob, world.boss):
        page = text(client_for(other).get(f"/apps/{world.team.pk}"))
        assert f"…{key[-4:]}" in page and "Show it now" not in page and key not in page
        assert reveal(client_for(other), credential).status_code == 404

    response = reveal(owner, credential)
    assert response.status_code == 200 and key in text(response)
    assert "no-store" in response["Cache-Control"]
    credential.refresh_from_db()
    assert credential.secret == "" and credential.secret_shown_at is not None
    assert credential.secret_hint == key[-4:]
    with connection.cursor() as cursor:  # not even encrypted: the column is empty
        cursor.execute("SELECT secret FROM access_credential WHERE id = %s", [credential.pk])
        assert cursor.fetchone()[0] == ""
    assert AuditEntry.objects.filter(object_type="access.credential", object_id=str(credential.pk),
                                     actor=world.alice, note__startswith="secret shown").exists()
    # Never again, on any page.
    again = reveal(owner, credential)
    assert again.status_code == 302 and again["Location"] == f"/apps/{world.team.pk}"
    for path in (f"/apps/{world.team.pk}", "/dashboard", "/apps"):
        body = text(owner.get(path))
        assert key not in body and "Show it now" not in body
    # The key still works at the gateway: only the portal forgot it. Nothing in its row works as the key.
    assert key in tyk_dashboard.keys
    row = Credential.objects.filter(pk=credential.pk).values().get()
    assert not any(key in str(value) for value in row.values()), row


def test_the_gateway_address_and_an_example_call_come_with_the_credential(world, provider, admin, tyk_dashboard):
    credential = granted(provider, admin, world.team)
    key = credential.secret
    apis = list(ProductAPI.objects.filter(product__name="Payments Product"))
    assert apis
    owner = client_for(world.alice)
    # No gateway URL on the provider: nothing broken, the listen path and who to ask.
    page = text(owner.get(f"/apps/{world.team.pk}"))
    assert "ask the portal's administrators for the gateway's address" in page and "None/" not in page
    provider.gateway_url = "https://gw.example.com/"
    provider.save()
    page = text(owner.get(f"/apps/{world.team.pk}"))
    for api in apis:
        assert f"https://gw.example.com/{api.listen_path.lstrip('/')}" in page
    assert key not in page
    shown = text(reveal(owner, credential))
    token_api = next(a for a in apis if a.auth_type in ("authToken", ""))
    url = f"https://gw.example.com/{token_api.listen_path.lstrip('/')}"
    assert f"curl -H &#39;Authorization: {key}&#39; &#39;{url}&#39;" in shown
    assert 'data-copy="secret"' in shown


def test_revealing_needs_a_csrf_token_and_a_post(world, provider, admin, tyk_dashboard):
    credential = granted(provider, admin, world.personal)
    strict = client_for(world.alice, enforce_csrf_checks=True)
    assert reveal(strict, credential).status_code == 403  # Django's CSRF refusal
    assert strict.get(f"/apps/{world.personal.pk}/credentials/{credential.pk}/reveal").status_code == 302
    credential.refresh_from_db()
    assert credential.secret and credential.secret_shown_at is None


def test_a_reveal_whose_page_fails_keeps_the_secret(world, provider, admin, tyk_dashboard, monkeypatch):
    """The secret is wiped in the transaction that renders its page: if rendering fails, it is not lost."""
    from forecourt.live.developer import views

    credential = granted(provider, admin, world.personal)
    real = views._render

    def broken(request, view, *args, **kwargs):
        if view == "credential_secret":
            raise RuntimeError("the page broke")
        return real(request, view, *args, **kwargs)

    monkeypatch.setattr(views, "_render", broken)
    owner = client_for(world.alice, raise_request_exception=False)
    assert reveal(owner, credential).status_code == 500
    credential.refresh_from_db()
    assert credential.secret and credential.secret_shown_at is None
    monkeypatch.setattr(views, "_render", real)
    assert credential.secret in text(reveal(owner, credential))


def test_a_pending_credential_says_so_and_cannot_be_revealed(world, provider, admin, tyk_dashboard):
    item = Product.objects.get(provider=provider, name="Payments Product")
    item.published = True
    item.save()
    plan = Plan.objects.get(provider=provider, name="Free Plan")
    request = access.submit_request(world.personal, factories.catalogue([item], [plan]), plan, [item], world.alice)
    access.approve(request, admin)
    Job.objects.filter(name__startswith="notify.").delete()
    tyk_dashboard.down()
    queue.run_next("test")  # provisioning records the credential, then fails at the gateway
    tyk_dashboard.heal()
    credential = Credential.objects.get(access_request=request)
    assert credential.status == "pending"
    owner = client_for(world.alice)
    page = text(owner.get(f"/apps/{world.personal.pk}"))
    assert "Approved: provisioning pending" in page and "being created at the gateway" in page
    assert "Show it now" not in page
    assert reveal(owner, credential).status_code == 302
    credential.refresh_from_db()
    assert credential.secret


def test_rotating_asks_first_and_shows_the_new_key_once_it_is_active(world, provider, admin, tyk_dashboard):
    old = granted(provider, admin, world.org)
    owner = client_for(world.alice)
    reveal(owner, old)
    confirm = owner.get(f"/apps/{world.org.pk}/credentials/{old.pk}/rotate")
    assert confirm.status_code == 200 and "keeps working" in text(confirm)
    assert Credential.objects.filter(app=world.org).count() == 1
    response = owner.post(f"/apps/{world.org.pk}/credentials/{old.pk}/rotate")
    assert response.status_code == 302
    new = Credential.objects.get(replaces=old)
    assert new.status == "pending"
    page = text(owner.get(f"/apps/{world.org.pk}"))
    assert "Being replaced" in page and "Show it now" not in page
    # Rotating twice is refused with a message, and changes nothing.
    owner.post(f"/apps/{world.org.pk}/credentials/{old.pk}/rotate")
    assert Credential.objects.filter(app=world.org).count() == 2
    run_jobs()
    new.refresh_from_db()
    old.refresh_from_db()
    assert (new.status, old.status) == ("active", "revoked")
    assert list(tyk_dashboard.hashed_keys) == [new.provider_reference]
    key = new.secret
    response = reveal(owner, new)
    assert key in text(response)
    assert key not in text(owner.get(f"/apps/{world.org.pk}"))


def test_revoking_asks_first_then_removes_the_key(world, provider, admin, tyk_dashboard):
    credential = granted(provider, admin, world.personal)
    admin_client = client_for(world.boss)  # a consumer-admin of the organisation may revoke it
    confirm = admin_client.get(f"/apps/{world.personal.pk}/credentials/{credential.pk}/revoke")
    assert confirm.status_code == 200 and "cannot be undone" in text(confirm)
    assert admin_client.post(f"/apps/{world.personal.pk}/credentials/{credential.pk}/revoke").status_code == 302
    credential.refresh_from_db()
    assert credential.status == "revoking"
    run_jobs()
    credential.refresh_from_db()
    assert credential.status == "revoked" and tyk_dashboard.hashed_keys == {}
    page = text(client_for(world.alice).get(f"/apps/{world.personal.pk}"))
    assert "Revoked credentials (1)" in page and "Show it now" not in page
    again = admin_client.get(f"/apps/{world.personal.pk}/credentials/{credential.pk}/revoke")
    assert again.status_code == 302  # nothing to confirm any more


def revoked(provider, admin, app: App) -> Credential:
    """A credential of `app` that its owner revoked on the app's page."""
    credential = granted(provider, admin, app)
    owner = client_for(app.owner)
    assert owner.post(f"/apps/{app.pk}/credentials/{credential.pk}/revoke").status_code == 302
    run_jobs()
    credential.refresh_from_db()
    assert credential.status == "revoked"
    return credential


def reissue_path(credential: Credential) -> str:
    return f"/apps/{credential.app_id}/access-requests/{credential.access_request_id}/reissue"


def test_a_revoked_credential_of_an_approved_request_is_reissued_in_one_step(world, provider, admin, tyk_dashboard):
    old = revoked(provider, admin, world.team)
    owner = client_for(world.alice)
    page = text(owner.get(f"/apps/{world.team.pk}"))
    assert "No credentials yet" not in page and "still approved, but its credential was revoked" in page
    assert f'action="{reissue_path(old)}"' in page and "Issue a new credential" in page
    # Teammates see the state, not the button.
    assert "Issue a new credential" not in text(client_for(world.bob).get(f"/apps/{world.team.pk}"))

    assert owner.get(reissue_path(old)).status_code == 405  # a POST only
    assert client_for(world.alice, enforce_csrf_checks=True).post(reissue_path(old)).status_code == 403
    done = owner.post(reissue_path(old))
    assert done.status_code == 302 and done["Location"] == f"/apps/{world.team.pk}#credentials"
    new = Credential.objects.exclude(pk=old.pk).get(access_request=old.access_request)
    assert new.status == "pending" and Job.objects.filter(name="access.activate").exists()
    assert AuditEntry.objects.filter(object_type="access.accessrequest", object_id=str(old.access_request_id),
                                     actor=world.alice, note=f"credential re-issued: credential #{new.pk}").exists()
    # Twice is once: the request has a live credential now.
    again = owner.post(reissue_path(old))
    assert again.status_code == 302 and Credential.objects.filter(access_request=old.access_request).count() == 2
    run_jobs()
    new.refresh_from_db()
    assert new.status == "active" and new.provider_reference in tyk_dashboard.hashed_keys
    assert any(e.message.get("ID") == new.pk for e in Event.objects.filter(name="CredentialRegistered"))
    page = text(owner.get(f"/apps/{world.team.pk}"))
    assert "Show it now" in page and "Issue a new credential" not in page


def test_only_managers_reissue_and_only_for_approved_requests(world, provider, admin, tyk_dashboard):
    old = revoked(provider, admin, world.team)
    for other in (world.bob, world.carol, world.mallory, world.globex_boss):  # see it or not: never manage
        assert client_for(other).post(reissue_path(old)).status_code == 404
    assert Credential.objects.filter(access_request=old.access_request).count() == 1
    # Another app's request under this app's id is a 404 too.
    other_request = factories.pending_request(world.alice)
    assert client_for(world.alice).post(
        f"/apps/{world.team.pk}/access-requests/{other_request.pk}/reissue").status_code == 404
    # A consumer-admin of the organisation manages it.
    assert client_for(world.boss).post(reissue_path(old)).status_code == 302
    assert Credential.objects.filter(access_request=old.access_request, status="pending").count() == 1

    rejected = factories.pending_request(world.alice)
    access.reject(rejected, admin, "No.")
    response = client_for(world.alice).post(f"/apps/{rejected.app_id}/access-requests/{rejected.pk}/reissue",
                                            follow=True)
    assert "Only approved requests get credentials; this one is rejected." in text(response)
    assert not rejected.credentials.exists()
    with pytest.raises(ValidationError):
        credential_service.reissue(rejected, world.alice)


def test_a_credential_an_admin_revoked_is_not_reissued_by_the_consumer(world, provider, admin, tyk_dashboard):
    credential = granted(provider, admin, world.team)
    credential_service.revoke(credential, admin)  # in the Admin Portal, say
    run_jobs()
    owner = client_for(world.alice)
    page = text(owner.get(f"/apps/{world.team.pk}"))
    assert "An administrator revoked this credential" in page and "Issue a new credential" not in page
    assert "No credentials yet" not in page
    refused = owner.post(reissue_path(credential), follow=True)
    assert "An administrator revoked this credential" in text(refused)
    assert Credential.objects.filter(access_request=credential.access_request).count() == 1


def test_no_reissue_for_an_app_whose_owner_was_deactivated(world, provider, admin, tyk_dashboard):
    old = revoked(provider, admin, world.team)
    world.alice.is_active = False
    world.alice.save()
    boss = client_for(world.boss)  # a consumer-admin still manages the app
    assert "Issue a new credential" not in text(boss.get(f"/apps/{world.team.pk}"))
    assert "owner&#39;s account is deactivated" in text(boss.post(reissue_path(old), follow=True))
    assert Credential.objects.filter(access_request=old.access_request).count() == 1


def test_deleting_an_app_revokes_its_credentials_at_the_gateway(world, provider, admin, tyk_dashboard):
    granted(provider, admin, world.org)
    assert len(tyk_dashboard.hashed_keys) == 1
    client_for(world.alice).post(f"/apps/{world.org.pk}/delete")
    run_jobs()
    assert tyk_dashboard.hashed_keys == {} and not Credential.objects.exists()


def test_an_oauth_client_shows_its_id_redirect_url_and_secret_once(world, provider, admin, tyk_dashboard):
    world.personal.redirect_urls = "https://shop.example.com/callback\nhttps://other.example.com/cb"
    world.personal.save()
    credential = granted(provider, admin, world.personal, product="Accounts Product")
    assert credential.type == "oauth2-client"
    secret, client_id = credential.secret, credential.provider_reference
    owner = client_for(world.alice)
    page = text(owner.get(f"/apps/{world.personal.pk}"))
    assert client_id in page and "https://shop.example.com/callback" in page and secret not in page
    shown = text(reveal(owner, credential))
    assert secret in shown and client_id in shown and "https://shop.example.com/callback" in shown
    assert secret not in text(owner.get(f"/apps/{world.personal.pk}"))


def test_a_key_credential_never_shows_its_gateway_id(world, provider, admin, tyk_dashboard):
    """For Tyk keys the key's ID is the key: the pages show only the hint."""
    credential = granted(provider, admin, world.org)
    reveal(client_for(world.alice), credential)
    for user in (world.alice, world.carol, world.boss):
        for path in ("/dashboard", f"/apps/{world.org.pk}", f"/apps/{world.org.pk}/credentials/{credential.pk}/rotate"):
            response = client_for(user).get(path)
            assert credential.provider_reference not in text(response), (user.email, path)


# -- constant query counts -----------------------------------------------------------------------

def _populate(owner: User, count: int, catalogue, plan, product) -> None:
    for i in range(count):
        app = factories.app(owner, name=f"Bulk {owner.pk}-{i}", visibility=App.Visibility.ORGANISATION)
        request = access.submit_request(app, catalogue, plan, [product], owner)
        Credential.objects.create(app=app, access_request=request, provider_reference=f"k{app.pk}",
                                  secret="s", secret_hint="abcd", status="active")


@pytest.mark.parametrize("path", ["/dashboard", "/apps"])
def test_dashboard_and_app_list_run_a_constant_number_of_queries(world, path):
    catalogue, plan, (product,) = _offer()
    Team.objects.filter(pk=world.red.pk).update(name="Red")
    client = client_for(world.bob)

    def count() -> int:
        client.get(path)  # warm up: session, theme
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200
        return len(queries)

    _populate(world.alice, 1, catalogue, plan, product)
    few = count()
    _populate(world.alice, 6, catalogue, plan, product)
    assert count() == few
    _populate(world.carol, 3, catalogue, plan, product)
    assert count() == few


def test_app_page_runs_a_constant_number_of_queries(world):
    catalogue, plan, (product,) = _offer()
    client = client_for(world.alice)
    path = f"/apps/{world.org.pk}"

    def count() -> int:
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    def add() -> None:
        request = access.submit_request(world.org, catalogue, plan, [product], world.alice)
        Credential.objects.create(app=world.org, access_request=request, provider_reference=f"k{request.pk}",
                                  secret="s", secret_hint="abcd", status="active")

    add()
    few = count()
    for _ in range(5):
        add()
    assert count() == few


# -- the theme -------------------------------------------------------------------------------------

def test_the_default_theme_validates_with_the_developer_pages():
    _name, problems = validate_target("default")
    assert problems == [], problems


def test_pages_get_plain_data_only(world, monkeypatch):
    """themes.render refuses models: render each page and let it check (TypeError otherwise)."""
    client = client_for(world.alice)
    _offer()
    for path in ("/dashboard", "/apps", "/apps/new", f"/apps/{world.org.pk}", f"/apps/{world.org.pk}/edit",
                 f"/apps/{world.org.pk}/delete", "/apps/request-access"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert re.search(r"<title>[^<]+</title>", text(response))


def test_audiences_of_a_team_only(world):
    """A private catalogue for team Red: bob sees it, carol (Blue) does not."""
    private = Catalogue.objects.create(name="Red only", visibility=Catalogue.Visibility.PRIVATE)
    product = factories.product(published=True)
    private.products.add(product)
    private.plans.add(factories.plan())
    CatalogueAudience.objects.create(catalogue=private, organisation=world.acme, team=world.red)
    assert client_for(world.bob).get(f"/apps/request-access?product={product.slug}").status_code == 200
    assert client_for(world.carol).get(f"/apps/request-access?product={product.slug}").status_code == 404
    assert client_for(world.carol).get(f"/apps/request-access?catalogue={private.pk}").status_code == 404
