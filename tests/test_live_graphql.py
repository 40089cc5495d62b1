"""The Live Portal's GraphQL documentation: a product page lists its specifications (Tyk's spec details) and
links each API's and specification's GraphQL playground; the playground page carries the schema as an
introspection result (no request to the API), its policy allows the API's gateway and nothing else, and in
a real browser the vendored GraphiQL shows the schema's types in its docs explorer without a CSP violation."""

import json
import re
import shutil

import pytest
from graphql import build_client_schema

from forecourt.catalog.models import Catalogue, ProductAPI, ProductSpec
from forecourt.providers.models import Provider

from .support.tyk import tyk_dashboard
from .test_api_graphql_schemas import PEOPLE
from .test_live_catalogue import BROWSER_ARGS, CLEAN_OAS, audience, private, product

__all__ = ["tyk_dashboard"]
pytestmark = pytest.mark.django_db


def public() -> Catalogue:
    return Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)


def introspection_of(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="graphql-introspection">(.*?)</script>', page, re.DOTALL)
    assert found, page[:2000]
    return json.loads(found.group(1))


def test_the_product_page_lists_specifications_and_graphql_playgrounds(client):
    item = product("People", [public()], [{"name": "People API", "api_id": "people", "graphql_schema": PEOPLE}])
    spec = ProductSpec.objects.create(product=item, spec_alias="people-spec", name="People schema",
                                      graphql_schema=PEOPLE, oas_document=json.dumps(CLEAN_OAS))
    ProductSpec.objects.create(product=item, spec_alias="empty", name="Nothing yet")
    page = client.get(f"/catalogue-products/{item.slug}").content.decode()
    api = item.apis.get()
    assert f'href="/catalogue-products/{item.slug}/{api.pk}/graphql"' in page
    assert f'href="/catalogue-products/{item.slug}/specs/{spec.pk}/graphql"' in page
    assert f'href="/catalogue-products/{item.slug}/specs/{spec.pk}/docs"' in page
    assert "People schema" in page and "Nothing yet" in page and "No document yet." in page


def test_a_specifications_openapi_document_is_rendered_and_downloaded(client):
    item = product("People", [public()])
    spec = ProductSpec.objects.create(product=item, spec_alias="pets", name="Pets", oas_document=json.dumps(CLEAN_OAS))
    docs = client.get(f"/catalogue-products/{item.slug}/specs/{spec.pk}/docs")
    assert docs.status_code == 200
    assert f'/catalogue-products/{item.slug}/specs/{spec.pk}/openapi' in docs.content.decode()
    download = client.get(f"/catalogue-products/{item.slug}/specs/{spec.pk}/openapi")
    assert download.status_code == 200 and json.loads(download.content) == CLEAN_OAS
    assert download["Content-Disposition"].startswith("attachment") and "sandbox" in download["Content-Security-Policy"]


def test_the_playground_carries_the_schema_and_allows_only_the_gateway(client):
    provider = Provider.objects.create(name="Tyk", gateway_url="https://gateway.example.com")
    item = product("People", [public()], [{"name": "People API", "listen_path": "/people/", "graphql_schema": PEOPLE}],
                   provider=provider)
    api = item.apis.get()
    response = client.get(f"/catalogue-products/{item.slug}/{api.pk}/graphql")
    assert response.status_code == 200
    page = response.content.decode()
    schema = build_client_schema(introspection_of(page))
    assert {"Person", "Pet", "Query", "Mutation"} <= set(schema.type_map)
    assert 'data-endpoint="https://gateway.example.com/people/"' in page
    assert "/static/live/vendor/graphiql/graphiql.min.js" in page and "/static/live/graphiql-start.js" in page
    policy = response["Content-Security-Policy"]
    connect = next(d for d in policy.split(";") if d.strip().startswith("connect-src"))
    assert "https://gateway.example.com" in connect
    assert "unsafe-eval" not in policy
    tags = re.findall(r"<script\b[^>]*>", page)
    assert tags and all(" src=" in t or 'type="application/json"' in t for t in tags), tags  # no inline script


def test_a_specifications_playground_has_no_endpoint(client):
    item = product("People", [public()])
    spec = ProductSpec.objects.create(product=item, spec_alias="people", graphql_schema=PEOPLE)
    response = client.get(f"/catalogue-products/{item.slug}/specs/{spec.pk}/graphql")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-endpoint=""' in page and "no endpoint" in page
    connect = next(d for d in response["Content-Security-Policy"].split(";") if d.strip().startswith("connect-src"))
    assert connect.split()[1:] == ["'self'"]


def test_the_playground_of_a_hostile_description_stays_data(client):
    hostile = '"""</script><script>window.pwned = 1</script>"""\ntype Query { a: Int }\n'
    item = product("People", [public()])
    spec = ProductSpec.objects.create(product=item, spec_alias="people", graphql_schema=hostile)
    page = client.get(f"/catalogue-products/{item.slug}/specs/{spec.pk}/graphql").content.decode()
    assert "<script>window.pwned" not in page
    query = next(t for t in introspection_of(page)["__schema"]["types"] if t["name"] == "Query")
    assert query["description"].startswith("</script>")


def test_who_may_not_see_the_product_or_what_has_no_schema_is_a_404(client):
    hidden = product("Hidden", [private("Partners")], [{"name": "Secret", "graphql_schema": PEOPLE}])
    spec = ProductSpec.objects.create(product=hidden, spec_alias="s", graphql_schema=PEOPLE,
                                      oas_document=json.dumps(CLEAN_OAS))
    for path in (f"{hidden.apis.get().pk}/graphql", f"specs/{spec.pk}/graphql", f"specs/{spec.pk}/docs",
                 f"specs/{spec.pk}/openapi"):
        assert client.get(f"/catalogue-products/{hidden.slug}/{path}").status_code == 404
    shown = product("Shown", [public()], [{"name": "REST only"}])
    bare = ProductSpec.objects.create(product=shown, spec_alias="bare")
    for path in (f"{shown.apis.get().pk}/graphql", f"specs/{bare.pk}/graphql", f"specs/{bare.pk}/docs",
                 f"specs/{bare.pk}/openapi", f"specs/{spec.pk}/graphql"):
        assert client.get(f"/catalogue-products/{shown.slug}/{path}").status_code == 404


def test_an_audience_member_sees_the_playground(client):
    from . import factories

    partners = private("Partners")
    item = product("Partner people", [partners], [{"name": "People", "graphql_schema": PEOPLE}])
    user = factories.consumer()
    audience(partners, organisation=user.organisation)
    client.force_login(user)
    assert client.get(f"/catalogue-products/{item.slug}/{item.apis.get().pk}/graphql").status_code == 200


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.browser
def test_graphiql_shows_the_schemas_types_in_a_browser(live_server, transactional_db):
    """The vendored GraphiQL starts from the page's data (no inline script), shows the schema's types in its
    docs explorer, and the page's policy is never violated; a query without an endpoint is answered there."""
    from playwright.sync_api import sync_playwright

    item = product("People", [public()])
    spec = ProductSpec.objects.create(product=item, spec_alias="people", graphql_schema=PEOPLE)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: None if r.url.startswith((live_server.url, "blob:", "data:"))
                    else problems.append(f"request to {r.url}"))
            page.goto(f"{live_server.url}/catalogue-products/{item.slug}/specs/{spec.pk}/graphql")
            page.locator(".graphiql-doc-explorer").wait_for(timeout=30_000)
            explorer = page.locator(".graphiql-doc-explorer")
            for name in ("Person", "Pet", "Query", "Mutation"):
                explorer.get_by_text(name, exact=True).first.wait_for(timeout=10_000)
            explorer.get_by_text("Person", exact=True).first.click()
            explorer.get_by_text("pets", exact=True).first.wait_for(timeout=10_000)  # Person's fields
            page.locator(".graphiql-execute-button").click()  # the welcome query: no endpoint to send it to
            page.get_by_text("This schema has no endpoint: the playground").first.wait_for(timeout=10_000)
            page.wait_for_timeout(500)
        finally:
            browser.close()
    assert problems == []


def test_the_vendored_playground_is_served_from_the_portal(client):
    from forecourt.live.catalogue.views import GRAPHIQL_SCRIPTS, GRAPHIQL_STYLE

    for path in (*GRAPHIQL_SCRIPTS, GRAPHIQL_STYLE, "live/vendor/graphiql/LICENSE", "live/vendor/react/LICENSE"):
        response = client.get(f"/static/{path}")
        assert response.status_code == 200, path
        b"".join(response.streaming_content)


def test_a_tyk_graphql_apis_schema_comes_with_the_sync_and_the_portals_wins(tyk_dashboard, client, api, admin):
    """A Tyk GraphQL API's definition carries its SDL (`graphql.schema`): the sync copies it as the gateway's
    schema, which the playground shows until an admin gives the portal's own; a sync never touches that."""
    from forecourt.providers import sync

    from .support.tyk import ORG_ID, SECRET

    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                       policy_tags=["portal"], gateway_url="https://gateway.example.com")
    sync.sync(provider)
    graphql_api = ProductAPI.objects.get(api_id="graphql-api", product__name="GraphQL People Product")
    assert "type Person" in graphql_api.gateway_graphql_schema and graphql_api.graphql_schema == ""
    assert ProductAPI.objects.exclude(api_id="graphql-api").filter(gateway_graphql_schema="").exists()
    item = graphql_api.product
    item.published = True
    item.save()
    public().products.add(item)
    page = client.get(f"/catalogue-products/{item.slug}/{graphql_api.pk}/graphql")
    assert page.status_code == 200
    assert "Person" in {t["name"] for t in introspection_of(page.content.decode())["__schema"]["types"]}
    schema_path = f"/products/{item.pk}/api-details/graphql-api/graphql/schema"
    assert "type Person" in api("get", schema_path).content.decode()

    ProductAPI.objects.filter(pk=graphql_api.pk).update(graphql_schema=PEOPLE)
    sync.sync(provider)
    graphql_api.refresh_from_db()
    assert graphql_api.graphql_schema == PEOPLE and "type Person" in graphql_api.gateway_graphql_schema
    assert api("get", schema_path).content.decode() == PEOPLE
    client.force_login(admin)
    edit = client.get(f"/portal-admin/product-apis/{graphql_api.pk}/").content.decode()
    assert "Present: GraphQL schema, 2 types, 1 query." in edit


def test_a_new_specification_shows_on_a_cached_product_page(client):
    """Anonymous product pages are cached: a specification's change bumps the cache, as a product's does."""
    item = product("People", [public()])
    assert "Specifications" not in client.get(f"/catalogue-products/{item.slug}").content.decode()
    spec = ProductSpec.objects.create(product=item, spec_alias="people", name="People schema")
    assert "People schema" in client.get(f"/catalogue-products/{item.slug}").content.decode()
    spec.graphql_schema = PEOPLE
    spec.save()
    assert f"/specs/{spec.pk}/graphql" in client.get(f"/catalogue-products/{item.slug}").content.decode()
