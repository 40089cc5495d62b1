"""The Live Portal's catalogue pages: who sees which catalogues and products (and gets 404 for the
rest, by any URL), search, filters and paging, the product page, API documentation with either
renderer, the OpenAPI document download, logos, query counts, and the pages in a real browser."""

import dataclasses
import json
import re
import shutil

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forecourt.accounts.models import Role, Team, User
from forecourt.catalog import search
from forecourt.catalog.models import Catalogue, CatalogueAudience, Plan, Product, ProductAPI, ProductDoc, ProductSpec
from forecourt.catalog.services import visible_catalogues, visible_products
from forecourt.themes import storage, validate

from . import csp_support, factories

pytestmark = pytest.mark.django_db

OAS = {"openapi": "3.0.3",
       "info": {"title": "Pets", "version": "1.0",
                "description": "Hi <script>window.pwned = 1</script><img src=\"data:,\" onerror=\"window.pwned = 2\">"},
       "servers": [{"url": "https://gateway.example.com/pets"}],
       "paths": {"/pets": {"get": {"summary": "List the pets", "operationId": "listPets",
                                   "responses": {"200": {"description": "The pets"}}}}}}
OAS_YAML = "openapi: 3.0.3\ninfo:\n  title: Yaml pets\n  version: '1'\npaths: {}\n"


def product(name: str, catalogues=(), apis=(), **fields) -> Product:
    item = factories.product(**{"display_name": name, "slug": name.lower().replace(" ", "-"), "published": True,
                                **fields})
    for catalogue in catalogues:
        catalogue.products.add(item)
    for api in apis:
        ProductAPI.objects.create(product=item, **api)
    return item


def audience(catalogue: Catalogue, organisation=None, team: Team | None = None) -> None:
    CatalogueAudience.objects.create(catalogue=catalogue, organisation=organisation or team.organisation, team=team)


def private(name: str) -> Catalogue:
    return Catalogue.objects.create(name=name, visibility=Catalogue.Visibility.PRIVATE)


def slugs(response) -> list[str]:
    """The products a catalogue page lists, in order."""
    import re

    assert response.status_code == 200, response.content[:300]
    return re.findall(r'<article class="product-card" id="product-([^"]+)"', response.content.decode())


@pytest.fixture
def world(db):
    """Catalogues and products covering every case of the visibility rule, and users to see them."""
    acme, other = factories.organisation("Acme"), factories.organisation("Other")
    acme_team, acme_ops = factories.team(acme, "Builders"), factories.team(acme, "Ops")
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    for_acme, for_ops, for_nobody = private("Acme only"), private("Ops only"), private("Nobody")
    audience(for_acme, organisation=acme)
    audience(for_ops, team=acme_ops)
    api = {"name": "Pets API", "auth_type": "authToken", "oas_document": json.dumps(OAS)}
    products = {
        "open": product("Open", [public], [api]),
        "acme": product("Acme deal", [for_acme], [api]),
        "ops": product("Ops tools", [for_ops], [api]),
        "secret": product("Secret", [for_nobody], [api]),
        "draft": product("Draft", [public], [api], published=False),
        "gone": product("Gone", [public], [api], hidden_by_sync=True),
        "loose": product("Loose", [], [api]),
    }
    users = {
        "builder": factories.consumer(acme),  # Acme's Default Team
        "operator": factories.consumer(acme),
        "outsider": factories.consumer(other),
        "admin": User.objects.create_user("boss@example.com", "a-long-passphrase", role=Role.PROVIDER_ADMIN),
    }
    users["builder"].teams.add(acme_team)
    users["operator"].teams.add(acme_ops)
    return {"products": products, "users": users, "catalogues": {"public": public, "acme": for_acme,
                                                                  "ops": for_ops, "nobody": for_nobody}}


EXPECTED = {
    None: {"open"},
    "builder": {"open", "acme"},
    "operator": {"open", "acme", "ops"},
    "outsider": {"open"},
    "admin": {"open", "acme", "ops", "secret"},
}


def sign_in(client, world, who):
    if who is not None:
        client.force_login(world["users"][who])


# -- the visibility rule -----------------------------------------------------------------------------

@pytest.mark.parametrize("who", list(EXPECTED))
def test_visible_products_and_catalogues(world, who):
    from django.contrib.auth.models import AnonymousUser

    user = world["users"][who] if who else AnonymousUser()
    names = {k for k, p in world["products"].items() if p in visible_products(user)}
    assert names == EXPECTED[who]
    catalogues = {"open": "Public", "acme": "Acme only", "ops": "Ops only", "secret": "Nobody"}
    assert {c.name for c in visible_catalogues(user)} == {catalogues[k] for k in EXPECTED[who]}
    assert {p.slug for p in visible_products(None)} == {"open"}


def test_inactive_users_see_only_public_catalogues(world):
    operator = world["users"]["operator"]
    operator.is_active = False
    assert {p.slug for p in visible_products(operator)} == {"open"}


def test_a_user_leaving_a_team_or_organisation_loses_its_catalogues(world):
    operator = world["users"]["operator"]
    operator.teams.clear()
    assert {p.slug for p in visible_products(operator)} == {"open", "acme-deal"}
    operator.organisation = world["users"]["outsider"].organisation
    operator.save()
    assert {p.slug for p in visible_products(operator)} == {"open"}


def test_a_product_in_a_public_and_a_private_catalogue_is_listed_once(world, client):
    world["catalogues"]["acme"].products.add(world["products"]["open"])
    client.force_login(world["users"]["builder"])
    assert slugs(client.get("/catalogue-products")) == ["acme-deal", "open"]


@pytest.mark.parametrize("who", list(EXPECTED))
def test_every_page_shows_only_what_the_user_may_see(world, client, who):
    sign_in(client, world, who)
    listed = slugs(client.get("/catalogue-products"))
    assert {k for k, p in world["products"].items() if p.slug in listed} == EXPECTED[who]
    for key, item in world["products"].items():
        api = item.apis.get()
        status = 200 if key in EXPECTED[who] else 404
        for url in (f"/catalogue-products/{item.slug}", f"/catalogue-products/{item.slug}/{api.pk}/docs",
                    f"/catalogue-products/{item.slug}/{api.pk}/openapi"):
            response = client.get(url)
            assert response.status_code == status, (who, key, url)
            if status == 404:
                body = response.content.decode()
                assert item.display_name not in body and "Pets API" not in body
                assert "Page not found" in body  # the themed 404, the same as for an unknown address


def test_an_api_is_only_reached_through_its_own_product(world, client):
    open_product, secret = world["products"]["open"], world["products"]["secret"]
    secret_api = secret.apis.get()
    # The secret product's API, asked for under a product the visitor can see.
    assert client.get(f"/catalogue-products/{open_product.slug}/{secret_api.pk}/docs").status_code == 404
    assert client.get(f"/catalogue-products/{open_product.slug}/{secret_api.pk}/openapi").status_code == 404
    for url in ("/catalogue-products/nope", "/catalogue-products/nope/1/docs", "/catalogue-products/open/999999/docs",
                "/catalogue-products/open/999999/openapi", "/catalogue-products/open/x/docs",
                "/catalogue-products/open/logo"):
        assert client.get(url).status_code == 404, url


def test_an_api_without_a_document_has_no_docs_page(world, client):
    api = ProductAPI.objects.create(product=world["products"]["open"], name="Bare", auth_type="jwt")
    page = client.get("/catalogue-products/open").content.decode()
    assert "Bare" in page and f"/{api.pk}/docs" not in page
    assert client.get(f"/catalogue-products/open/{api.pk}/docs").status_code == 404
    assert client.get(f"/catalogue-products/open/{api.pk}/openapi").status_code == 404


def test_pages_answer_only_get_and_head(world, client):
    assert client.post("/catalogue-products").status_code == 405
    assert client.head("/catalogue-products/open").status_code == 200


# -- search, filters and pages ----------------------------------------------------------------------

@pytest.fixture
def shelf(db):
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    partners = Catalogue.objects.create(name="Partners", visibility=Catalogue.Visibility.PUBLIC)
    product("Payments", [public], [{"name": "Charges", "auth_type": "authToken"}],
            description="Take card payments.", tags=["Money", "cards"])
    product("Weather", [public, partners], [{"name": "Forecast", "auth_type": "oauth2"}],
            description="Rain or shine, in Zürich too.", tags=["climate"])
    product("Maps", [partners], [{"name": "Tiles", "auth_type": "jwt"}, {"name": "Geo", "auth_type": "oauth2"}],
            description="Where things are.", tags=["geo", "money"])
    product("Guides", [public], [], description="How-to articles.", documentation_only=True)
    return {"public": public, "partners": partners}


# Committed rows: MariaDB's FULLTEXT indexes see a row only once its transaction commits.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("query", "expected"), [
    ("", ["guides", "maps", "payments", "weather"]),
    ("q=pay", ["payments"]),
    ("q=PAYMENTS", ["payments"]),
    ("q=zürich", ["weather"]),  # Unicode, without regard to case
    ("q=ZÜRICH", ["weather"]),
    ("q=card+take", ["payments"]),  # every word, anywhere
    ("q=climate", ["weather"]),  # tags are searched
    ("q=nothing-like-it", []),
    ("tag=money", ["maps", "payments"]),  # tags match without regard to case
    ("tag=geo&q=where", ["maps"]),
    ("auth=oauth2", ["maps", "weather"]),
    ("auth=jwt&tag=money", ["maps"]),
    ("auth=nope", []),
])
def test_search_and_filters(shelf, client, query, expected):
    assert slugs(client.get(f"/catalogue-products?{query}")) == expected


def test_filter_by_catalogue(shelf, client):
    assert slugs(client.get(f"/catalogue-products?catalogue={shelf['partners'].pk}")) == ["maps", "weather"]
    assert slugs(client.get(f"/catalogue-products?catalogue={shelf['public'].pk}&auth=oauth2")) == ["weather"]
    hidden = private("Hidden")
    product("Hush", [hidden])
    # A catalogue the visitor cannot see lists nothing, like one that does not exist.
    assert slugs(client.get(f"/catalogue-products?catalogue={hidden.pk}")) == []
    assert slugs(client.get("/catalogue-products?catalogue=999999")) == []
    assert slugs(client.get("/catalogue-products?catalogue=abc")) == ["guides", "maps", "payments", "weather"]


def test_filter_choices_are_only_what_the_user_can_see(shelf, client):
    hidden = private("Hidden catalogue")
    product("Hush", [hidden], [{"name": "Quiet", "auth_type": "hmac"}], tags=["whisper"])
    page = client.get("/catalogue-products").content.decode()
    for shown in ('<option value="oauth2">OAuth 2.0</option>', '<option value="jwt">JWT</option>',
                  '<option value="climate">climate</option>', f'<option value="{shelf["partners"].pk}">Partners'):
        assert shown in page
    for hidden_text in ("Hidden catalogue", "whisper", "hmac", "HMAC", "Hush"):
        assert hidden_text not in page


def test_selected_filters_are_kept_in_the_form(shelf, client):
    page = client.get(f"/catalogue-products?q=rain&auth=oauth2&tag=climate&catalogue={shelf['public'].pk}")
    body = page.content.decode()
    assert 'name="q" value="rain"' in body
    assert '<option value="oauth2" selected>' in body and '<option value="climate" selected>' in body
    assert f'<option value="{shelf["public"].pk}" selected>' in body


def test_search_text_is_escaped(shelf, client):
    body = client.get('/catalogue-products?q="><script>alert(1)</script>').content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_pages_of_twenty(db, client):
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    for i in range(45):
        product(f"Item {i:02d}", [public], tags=["odd" if i % 2 else "even"])
    first = client.get("/catalogue-products")
    assert slugs(first) == [f"item-{i:02d}" for i in range(20)]
    body = first.content.decode()
    assert "45 products" in body and "Page 1 of 3" in body and 'href="/catalogue-products?page=2"' in body
    assert slugs(client.get("/catalogue-products?page=3")) == [f"item-{i:02d}" for i in range(40, 45)]
    assert slugs(client.get("/catalogue-products?page=99")) == [f"item-{i:02d}" for i in range(40, 45)]
    assert slugs(client.get("/catalogue-products?page=0")) == slugs(first)
    odd = client.get("/catalogue-products?tag=odd&page=2")
    assert slugs(odd) == [f"item-{i:02d}" for i in range(41, 45, 2)]
    body = odd.content.decode()
    assert "22 products" in body and 'href="/catalogue-products?tag=odd"' in body  # back to page 1


def test_catalogue_card_content(db, client):
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    gold = Plan.objects.create(name="gold", display_name="Gold", rate_limit=10, rate_per=1, quota_unlimited=False,
                               quota_max=5000, quota_renewal_seconds=86400)
    gone = Plan.objects.create(name="gone", display_name="Gone plan", hidden_by_sync=True)
    public.plans.add(gold, gone)
    item = product("Payments", [public], [{"name": "Charges", "auth_type": "authToken"}],
                   description="Take <b>card</b> payments.", tags=["cards"])
    ProductDoc.objects.create(product=item, title="Second step", position=2)
    ProductDoc.objects.create(product=item, title="First step", position=1)
    body = client.get("/catalogue-products").content.decode()
    assert "Take &lt;b&gt;card&lt;/b&gt; payments." in body  # the summary is plain text
    # A card sums a product up: its plans counted (the hidden one left out), the auth types of its APIs,
    # its tags as chips; the APIs, plans and documents themselves are on its page.
    card = re.search(r'<article class="product-card" id="product-payments">.*?</article>', body, re.DOTALL).group(0)
    assert '<span class="plan-count">1 plan</span>' in card and "Gone plan" not in body
    assert "Authentication: </span>Auth token</span>" in card
    assert '<a class="chip tag" href="/catalogue-products?tag=cards">cards</a>' in card
    assert 'class="monogram small m' in card and "<img" not in card  # no logo: a monogram, no image request
    page = client.get("/catalogue-products/payments").content.decode()
    assert page.index("First step") < page.index("Second step")
    assert "<td data-label=\"Rate limit\">10 requests per second</td>" in page
    assert "<td data-label=\"Quota\">5,000 requests per day</td>" in page
    assert '<a href="/catalogue-products">Catalogue</a>' in client.get("/").content.decode()  # in the menu


# -- the product page --------------------------------------------------------------------------------

def test_product_page_content_is_sanitised_and_docs_are_in_order(db, client):
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    basic = Plan.objects.create(name="basic", display_name="Basic")
    public.plans.add(basic)
    item = product("Payments", [public], [{"name": "Charges", "auth_type": "oauth2", "listen_path": "/pay/",
                                           "oas_document": json.dumps(OAS)}],
                   content="## Overview\n\n<script>alert('content')</script>\n\n[click](javascript:alert(1)) "
                           "<img src=x onerror=alert(2)> **bold**")
    for position, title in ((3, "Third"), (1, "First"), (2, "Second")):
        ProductDoc.objects.create(product=item, title=title, position=position,
                                  content=f"{title} *doc* <script>alert('{title}')</script>")
    body = client.get("/catalogue-products/payments").content.decode()
    assert "<h2>Overview</h2>" in body and "<strong>bold</strong>" in body
    assert "<script>alert" not in body and "javascript:" not in body and "onerror" not in body
    assert body.index(">First</h3>") < body.index(">Second</h3>") < body.index(">Third</h3>")
    assert "First <em>doc</em>" in body
    assert "Charges" in body and "OAuth 2.0" in body and "<code>/pay/</code>" in body
    api = item.apis.get()
    assert f'href="/catalogue-products/payments/{api.pk}/docs"' in body
    assert f'href="/catalogue-products/payments/{api.pk}/openapi" download' in body
    assert "<strong>Basic</strong>" in body and '<td data-label="Rate limit">100 requests per minute</td>' in body
    assert '<td data-label="Quota">No quota</td>' in body
    # A visitor is asked to sign in first, and comes back to the request.
    assert ('href="/auth/password/login?next=/apps/request-access%3Fproduct%3Dpayments">Sign in to request access</a>'
            in body)
    assert "window.pwned" not in body  # the OpenAPI document is never part of a page


def test_documentation_only_products_have_no_request_access(db, client):
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    product("Guides", [public], documentation_only=True)
    body = client.get("/catalogue-products/guides").content.decode()
    assert "Request access" not in body and "Documentation only" in body


def test_product_page_plans_come_from_catalogues_the_user_sees(world, client):
    shared = world["products"]["acme"]
    world["catalogues"]["public"].products.add(shared)
    world["catalogues"]["public"].plans.add(Plan.objects.create(name="free", display_name="Free"))
    world["catalogues"]["acme"].plans.add(Plan.objects.create(name="deal", display_name="Acme plan"))
    body = client.get("/catalogue-products/acme-deal").content.decode()
    assert "Free" in body and "Acme plan" not in body and "Acme only" not in body
    client.force_login(world["users"]["builder"])
    body = client.get("/catalogue-products/acme-deal").content.decode()
    assert "Free" in body and "Acme plan" in body and "Acme only" in body


def test_logo_is_served_for_visible_products_only(world, client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    for key in ("open", "secret"):
        world["products"][key].logo.save(f"{key}.png", ContentFile(png))
    response = client.get("/catalogue-products/open/logo")
    assert response.status_code == 200 and b"".join(response.streaming_content) == png
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert 'src="/catalogue-products/open/logo"' in client.get("/catalogue-products").content.decode()
    assert client.get("/catalogue-products/secret/logo").status_code == 404
    client.force_login(world["users"]["admin"])
    response = client.get("/catalogue-products/secret/logo")
    assert response.status_code == 200 and b"".join(response.streaming_content) == png
    # A logo that is not an image the portal serves, or whose file is gone, is not served.
    world["products"]["open"].logo.name = "logos/page.html"
    world["products"]["open"].save()
    assert client.get("/catalogue-products/open/logo").status_code == 404
    assert 'src="/catalogue-products/open/logo"' not in client.get("/catalogue-products").content.decode()
    world["products"]["secret"].logo.storage.delete(world["products"]["secret"].logo.name)
    assert client.get("/catalogue-products/secret/logo").status_code == 404


# -- API documentation -------------------------------------------------------------------------------

@pytest.fixture
def renderer(settings):
    def use(name):
        settings.CONFIG = dataclasses.replace(settings.CONFIG, product_doc_renderer=name)
    return use


@pytest.fixture
def pets(db):
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    item = product("Pets", [public], [{"name": "Pets API", "auth_type": "authToken", "oas_document": json.dumps(OAS)},
                                      {"name": "Yaml API", "auth_type": "authToken", "oas_document": OAS_YAML}])
    return item, item.apis.get(name="Pets API"), item.apis.get(name="Yaml API")


def test_docs_page_with_stoplight_elements(pets, client, renderer):
    _, api, _ = pets
    renderer("stoplight")
    response = client.get(f"/catalogue-products/pets/{api.pk}/docs")
    body = response.content.decode()
    document_url = f"/catalogue-products/pets/{api.pk}/openapi"
    assert f'<elements-api apiDescriptionUrl="{document_url}"' in body
    assert '<script src="/static/live/vendor/elements/web-components.min.js" defer></script>' in body
    assert 'href="/static/live/vendor/elements/styles.min.css"' in body
    assert "redoc" not in body.lower()
    assert "window.pwned" not in body and "List the pets" not in body  # fetched by the renderer, never inlined
    # The renderer's bundle, and the theme's own colour-scheme scripts (files of its assets, never inline)
    scripts = re.findall(r"<script[^>]*>", body)
    assert [s for s in scripts if "/assets/js/theme-" not in s] == [
        '<script src="/static/live/vendor/elements/web-components.min.js" defer>']
    assert len(scripts) == 3
    csp = response["Content-Security-Policy"]
    assert re.search(r"script-src 'self' 'nonce-[^' ]+'(;|$)", csp) and "unsafe-eval" not in csp  # any order
    assert csp_support.directives(csp)["connect-src"] == ["'self'"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


def test_docs_page_with_redoc(pets, client, renderer):
    _, api, _ = pets
    renderer("redoc")
    body = client.get(f"/catalogue-products/pets/{api.pk}/docs").content.decode()
    assert f'<redoc spec-url="/catalogue-products/pets/{api.pk}/openapi" sanitize="true"></redoc>' in body
    assert '<script src="/static/live/vendor/redoc/redoc.standalone.js" defer></script>' in body
    assert "elements" not in body


def test_elements_may_try_the_api_on_the_providers_gateway(pets, client, renderer):
    item, api, _ = pets
    item.provider = factories.provider()
    item.provider.gateway_url = "https://gateway.example.com:8443/some/path"
    item.provider.save()
    item.save()
    renderer("stoplight")
    csp = client.get(f"/catalogue-products/pets/{api.pk}/docs")["Content-Security-Policy"]
    assert csp_support.directives(csp)["connect-src"] == ["'self'", "https://gateway.example.com:8443"]
    renderer("redoc")  # no "Try it" in Redoc
    csp = client.get(f"/catalogue-products/pets/{api.pk}/docs")["Content-Security-Policy"]
    assert csp_support.directives(csp)["connect-src"] == ["'self'"]


def test_the_docs_name_the_gateway_as_the_server_and_the_page_shows_it(pets, client):
    item, api, yaml_api = pets
    api.listen_path = "/pets/"
    api.save()
    docs, document = f"/catalogue-products/pets/{api.pk}/docs", f"/catalogue-products/pets/{api.pk}/openapi"
    # No gateway URL: nothing shown, the document as stored.
    assert "Call it at" not in client.get(docs).content.decode()
    assert client.get(document).content.decode() == api.oas_document
    item.provider = factories.provider()
    item.provider.gateway_url = "https://gateway.example.com:8443/"
    item.provider.save()
    item.save()
    page = client.get(docs).content.decode()
    assert 'Call it at <code class="gateway-url">https://gateway.example.com:8443/pets/</code> (Auth token)' in page
    served = json.loads(client.get(document).content)
    assert served["servers"] == [{"url": "https://gateway.example.com:8443/pets/", "description": "The API gateway"}]
    assert served["paths"] == json.loads(api.oas_document)["paths"]
    # YAML is served as stored (no YAML parser among the dependencies); its page still shows the address.
    assert client.get(f"/catalogue-products/pets/{yaml_api.pk}/openapi").content.decode() == yaml_api.oas_document


def test_vendored_renderers_are_served_from_the_portal(client):
    for path in ("live/vendor/redoc/redoc.standalone.js", "live/vendor/elements/web-components.min.js",
                 "live/vendor/elements/styles.min.css", "live/vendor/redoc/LICENSE", "live/vendor/elements/LICENSE",
                 "live/vendor/htmx/htmx.min.js", "live/vendor/htmx/LICENSE"):
        response = client.get(f"/static/{path}")
        assert response.status_code == 200, path
        b"".join(response.streaming_content)


@pytest.mark.parametrize(("which", "kind", "content_type"), [
    ("json", "json", "application/json"), ("yaml", "yaml", "application/yaml; charset=utf-8")])
def test_openapi_document_download(pets, client, which, kind, content_type):
    _, json_api, yaml_api = pets
    api = json_api if which == "json" else yaml_api
    response = client.get(f"/catalogue-products/pets/{api.pk}/openapi")
    assert response.status_code == 200
    assert response.content.decode() == api.oas_document  # as stored, byte for byte
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="pets-{api.pk}.{kind}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].endswith("sandbox")
    page = client.get(f"/catalogue-products/pets/{api.pk}/docs").content.decode()
    assert f"Download the OpenAPI document ({kind.upper()})" in page


def test_renderer_setting_from_the_environment(tmp_path):
    from forecourt.configuration import load

    assert load(environ={}, cwd=tmp_path)["ProductDocRenderer"] == "stoplight"  # Tyk's default
    assert load(environ={"PORTAL_DOCRENDERER": "redoc"}, cwd=tmp_path)["ProductDocRenderer"] == "redoc"


# -- constant query counts ---------------------------------------------------------------------------

def queries_for(client, url: str) -> int:
    """The queries of rendering `url` (the page and its fragments not cached), with what a worker
    reads once per content revision (menus, the active theme) already read."""
    from django.core.cache import cache

    from forecourt.pagecache import store

    client.get(url)
    cache.clear()
    store.reset()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def stock(catalogue: Catalogue, count: int, start: int = 0) -> None:
    """`count` published products with two APIs, two docs and the catalogue's plans."""
    products = Product.objects.bulk_create(
        Product(name=f"p{i}", display_name=f"Bulk {i:04d}", slug=f"bulk-{i}", published=True, tags=[f"t{i % 7}"])
        for i in range(start, start + count))
    catalogue.products.add(*products)
    ProductAPI.objects.bulk_create(ProductAPI(product=p, name=f"API {j}", auth_type=("authToken", "jwt")[j],
                                              oas_document="{}") for p in products for j in (0, 1))
    ProductDoc.objects.bulk_create(ProductDoc(product=p, title=f"Doc {j}", position=j)
                                   for p in products for j in (0, 1))
    search.index_products(p.pk for p in products)  # bulk_create sends no signals (as the sync does)


@pytest.mark.django_db(transaction=True)  # MariaDB's FULLTEXT indexes see committed rows only
@pytest.mark.parametrize("who", [None, "operator"])
def test_catalogue_query_count_does_not_grow_with_products(world, client, who):
    sign_in(client, world, who)
    client.get("/")  # the session's first activity stamp is not counted
    client.get("/catalogue-products?q=warm")  # nor once-per-process reads (MariaDB's minimum word size)
    public, ops = world["catalogues"]["public"], world["catalogues"]["ops"]
    for catalogue in (public, ops):
        catalogue.plans.add(*Plan.objects.bulk_create(Plan(name=f"{catalogue.pk}-{i}", display_name=f"P{i}")
                                                      for i in range(3)))
    stock(public, 5)
    small = queries_for(client, "/catalogue-products")
    stock(public, 60, start=100)
    stock(ops, 30, start=500)
    large = queries_for(client, "/catalogue-products")
    assert large == small, f"{small} queries with a few products, {large} with ~100"
    # The menus and the active theme are read once per content revision (not counted: read already).
    # Signed in, the session, the user and their organisation, and on a miss of the page cache's
    # fragment the visible catalogues (its key): 4 more.
    assert small <= (9 if who is None else 13), small
    assert queries_for(client, "/catalogue-products?page=3&q=bulk&auth=jwt") == small


def test_product_page_query_count_does_not_grow_with_docs_and_apis(world, client):
    client.force_login(world["users"]["operator"])
    client.get("/")
    item = world["products"]["ops"]
    small = queries_for(client, f"/catalogue-products/{item.slug}")
    ProductAPI.objects.bulk_create(ProductAPI(product=item, name=f"More {i}", oas_document="{}") for i in range(30))
    ProductDoc.objects.bulk_create(ProductDoc(product=item, title=f"More {i}", position=i) for i in range(30))
    ProductSpec.objects.bulk_create(ProductSpec(product=item, spec_alias=f"s{i}", oas_document="{}",
                                                graphql_schema="type Query { a: Int }") for i in range(30))
    for catalogue in world["catalogues"].values():
        catalogue.products.add(item)
        catalogue.plans.add(*Plan.objects.bulk_create(Plan(name=f"{catalogue.pk}-{i}", display_name=f"P{i}")
                                                      for i in range(5)))
    assert queries_for(client, f"/catalogue-products/{item.slug}") == small
    assert small <= 10, small  # 10 since its specifications are listed (one query for all of them)


# -- the default theme --------------------------------------------------------------------------------

def test_the_default_theme_still_validates():
    mine = ("views/catalogue.html", "views/product.html", "views/api_docs.html", "views/graphql_docs.html",
            "partials/catalogue_")
    assert [p for p in validate.validate(storage.bundled()) if p.file.startswith(mine)] == []
    assert all(f"{v}" in validate.SAMPLE_PAGES for v in mine[:4])


# -- in a real browser ---------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]
# Redoc's sidebar always tries its vendor's badge from a CDN; the page's policy blocks it (nothing is fetched).
KNOWN_BLOCKED = ("https://cdn.redoc.ly/redoc/logo-mini.svg",)


CLEAN_OAS = {**OAS, "info": {"title": "Pets", "version": "1.0", "description": "All about *pets*."}}


@pytest.mark.browser
@pytest.mark.parametrize("name", ["redoc", "stoplight"])
def test_renderers_show_the_document_in_a_browser_without_running_its_scripts(live_server, transactional_db,
                                                                                renderer, name):
    """With a clean document, the page's policy lets the renderer do all it needs (no violation, no
    error); with a hostile one, nothing of the document runs (the renderer sanitises, the policy
    blocks what is left)."""
    from playwright.sync_api import sync_playwright

    renderer(name)
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    item = product("Pets", [public], [
        {"name": "Clean", "auth_type": "authToken", "oas_document": json.dumps(CLEAN_OAS)},
        {"name": "Hostile", "auth_type": "authToken", "oas_document": json.dumps(OAS)}])
    base = f"{live_server.url}/catalogue-products/{item.slug}"
    clean, hostile = item.apis.get(name="Clean").pk, item.apis.get(name="Hostile").pk
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: None if r.url.startswith((live_server.url, "blob:", "data:"))
                    else problems.append(f"request to {r.url}"))
            page.goto(f"{base}/{clean}/docs")
            page.get_by_text("List the pets").first.wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            clean_problems = [p for p in problems if not any(known in p for known in KNOWN_BLOCKED)]
            problems.clear()
            page.goto(f"{base}/{hostile}/docs")
            page.get_by_text("List the pets").first.wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            pwned = page.evaluate("window.pwned")
            handlers = page.evaluate("document.querySelectorAll('[onerror], script:not([src])').length")
        finally:
            browser.close()
    assert clean_problems == []
    assert pwned is None and handlers == 0
    unknown = [p for p in problems if not any(known in p for known in KNOWN_BLOCKED)]
    assert [p for p in unknown if "request to" in p or "Content Security Policy" not in p] == []


@pytest.mark.parametrize(("seconds", "words"), [(1, "second"), (60, "minute"), (90, "90 seconds"), (3600, "hour"),
                                                (7200, "2 hours"), (86400, "day"), (2592000, "30 days"),
                                                (604800, "week"), (0, "period")])
def test_plan_periods_read_in_plain_words(seconds, words):
    from forecourt.catalog.models import period_in_words

    assert period_in_words(seconds) == words
