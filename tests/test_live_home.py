"""The Live Portal's home page with the default theme: featured products (only those the visitor may
see, by the catalogue's own visibility rules; by name, capped, in a fixed number of queries), the page
cache kept right when a product is (un)featured, the three steps to a key with each visitor's next
one, and the admin-editable blocks with the theme's words when they are absent."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forecourt.access.models import Credential
from forecourt.accounts.models import User
from forecourt.catalog.models import Catalogue, CatalogueAudience, Product
from forecourt.content.models import ContentBlock, Page
from forecourt.live.catalogue import data, home
from forecourt.pagecache.middleware import HIT_HEADER
from forecourt.portalconfig.models import PortalSettings

from . import factories

pytestmark = pytest.mark.django_db


def featured_on(client: Client) -> list[str]:
    """The featured products' slugs the home page shows, in order."""
    response = client.get("/")
    assert response.status_code == 200, response.content[:300]
    body = response.content.decode()
    section = re.search(r'<section class="home-section featured".*?</section>', body, re.DOTALL)
    return re.findall(r'<article class="product-card" id="product-([^"]+)"', section.group(0)) if section else []


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def featured_product(name: str, catalogue: Catalogue, **fields) -> Product:
    item = factories.product(**{"display_name": name, "slug": name.lower(), "published": True, "featured": True,
                                **fields})
    catalogue.products.add(item)
    return item


@pytest.fixture
def shelves(db):
    """A public catalogue and a private one whose audience is one organisation."""
    insiders = factories.organisation("Insiders")
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    secret = Catalogue.objects.create(name="Partners", visibility=Catalogue.Visibility.PRIVATE)
    CatalogueAudience.objects.create(catalogue=secret, organisation=insiders)
    return public, secret, insiders


def test_featured_products_show_only_to_those_who_may_see_them(shelves, client):
    public, secret, insiders = shelves
    featured_product("Weather", public)
    featured_product("Ledger", secret)  # featured, but in a private catalogue
    featured_product("Draft", public, published=False)
    featured_product("Gone", public, hidden_by_sync=True)
    factories.product(display_name="Plain", slug="plain", published=True).catalogues.add(public)  # not featured
    insider = factories.consumer(insiders)
    outsider = factories.consumer(factories.organisation("Outsiders"))

    assert featured_on(client) == ["weather"]
    assert featured_on(client_for(outsider)) == ["weather"]
    assert featured_on(client_for(insider)) == ["ledger", "weather"]
    assert "Ledger" not in client.get("/").content.decode()


def test_no_featured_products_no_section(shelves, client):
    public, _secret, _insiders = shelves
    factories.product(display_name="Plain", slug="plain", published=True).catalogues.add(public)
    body = client.get("/").content.decode()
    assert "Featured APIs" not in body and 'class="home-section featured"' not in body


def test_featured_products_by_name_capped_in_a_fixed_number_of_queries(shelves):
    public, _secret, _insiders = shelves
    plan = factories.plan(display_name="Gold")
    public.plans.add(plan)
    for name in ("Kilo", "Alpha", "Hotel"):
        featured_product(name, public)
    anonymous = AnonymousUser()
    with CaptureQueriesContext(connection) as few:
        cards = data.featured(anonymous)
    assert [c["slug"] for c in cards] == ["alpha", "hotel", "kilo"]
    assert [p["name"] for p in cards[0]["plans"]] == ["Gold"]

    for name in ("Zulu", "Bravo", "Echo", "Mike", "Golf", "Yankee"):
        featured_product(name, public)
    with CaptureQueriesContext(connection) as many:
        cards = data.featured(anonymous)
    assert [c["slug"] for c in cards] == ["alpha", "bravo", "echo", "golf", "hotel", "kilo"]
    assert len(cards) == data.FEATURED_MAX
    assert len(many.captured_queries) == len(few.captured_queries)


def test_featuring_a_product_shows_at_once_through_the_page_cache(shelves, client):
    public, _secret, _insiders = shelves
    item = factories.product(display_name="Weather", slug="weather", published=True)
    public.products.add(item)
    client.get("/")
    assert client.get("/").headers.get(HIT_HEADER) == "hit"  # the home page is cached for visitors
    assert featured_on(client) == []

    item.featured = True
    item.save()
    response = client.get("/")
    assert response.headers.get(HIT_HEADER) != "hit"
    assert featured_on(client) == ["weather"]

    item.featured = False
    item.save()
    assert featured_on(client) == []


def test_signed_in_users_featured_cards_follow_changes(shelves):
    public, _secret, insiders = shelves
    user = factories.consumer(insiders)
    browser = client_for(user)
    item = featured_product("Weather", public)
    assert featured_on(browser) == ["weather"]
    item.display_name = "Weather Pro"
    item.save()
    assert "Weather Pro" in browser.get("/").content.decode()  # the cached cards are the revision's
    public.products.remove(item)
    assert featured_on(browser) == []


def states(steps: list[dict]) -> list[str]:
    return [s["state"] for s in steps]


def test_the_steps_to_a_key_show_each_visitors_next_step(shelves, client):
    # A visitor: sign up first (or sign in, when sign-up is off); the developer pages wait.
    body = client.get("/").content.decode()
    assert "Get a key in three steps" in body
    assert re.search(r'<li class="step step-current" aria-current="step">.*?'
                     r'href="/auth/password/register">Sign up</a>', body, re.DOTALL)
    assert 'href="/dashboard"' not in body  # not linked before signing in
    settings = PortalSettings.load()
    settings.allow_sign_up = False
    settings.save()
    body = client.get("/").content.decode()
    assert 'class="button" href="/auth/password/login">Sign in</a>' in body

    user = factories.consumer()
    assert states(home.steps(user)) == ["done", "current", "todo"]
    assert home.steps(user)[1]["url"] == "/apps/new"  # no app yet: make one
    request = factories.pending_request(owner=user)
    steps = home.steps(user)
    assert states(steps) == ["done", "done", "current"]
    assert "waiting for approval" in steps[2]["text"]
    Credential.objects.create(app=request.app, access_request=request, provider_reference="key-1",
                              secret_hint="wxyz", status=Credential.Status.ACTIVE)
    request.status = request.Status.APPROVED
    request.save()
    assert states(home.steps(user)) == ["done", "done", "done"]
    body = client_for(user).get("/").content.decode()
    assert body.count('class="step step-done"') == 3


def home_page() -> Page:
    return Page.objects.get(path="/")


def test_blocks_fall_back_to_the_themes_words(db, client):
    ContentBlock.objects.filter(page__path="/").delete()
    body = client.get("/").content.decode()
    assert "<h1 id=\"hero-title\">Build with our APIs</h1>" in body
    assert "Why build with us" in body
    assert '<form class="hero-search" method="get" action="/catalogue-products" role="search">' in body
    assert 'name="q"' in body


def test_admins_blocks_replace_the_words_and_are_sanitised(db, client):
    page = home_page()
    for position, (name, content) in enumerate((
            ("HeaderTitle", "Payments for everyone"),
            ("Highlights", "## What you get\n\n- **Fast** <script>alert(1)</script>"),
            ("CallToAction", "[Talk to us](https://example.com/sales)"),
            ("FeaturedTitle", "Start here"))):
        ContentBlock.objects.update_or_create(page=page, name=name, defaults={"content": content, "position": position})
    body = client.get("/").content.decode()
    assert "Payments for everyone</h1>" in body
    assert "<h2>What you get</h2>" in body and "<strong>Fast</strong>" in body and "Why build with us" not in body
    assert "<script>alert" not in body
    assert 'href="https://example.com/sales"' in body
