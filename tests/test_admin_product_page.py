"""A product's edit page lists its APIs and getting-started documents, with links to edit each and to
add one to this product; saving from there comes back to the product."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forecourt.catalog import services as catalog
from forecourt.catalog.models import ProductAPI, ProductDoc

from . import factories

pytestmark = pytest.mark.django_db


def _section(body: str, heading: str) -> str:
    match = re.search(rf'<section class="related"[^>]*>\s*<div class="heading">\s*<h2[^>]*>{heading}</h2>'
                      r"(.*?)</section>", body, re.DOTALL)
    assert match, f"no section {heading!r}"
    return match.group(1)


def test_product_page_lists_its_apis_and_docs(client, admin):
    client.force_login(admin)
    product, other = factories.product(), factories.product()
    with_doc = ProductAPI.objects.create(product=product, name="Pets v1", api_id="pets-1", listen_path="/pets/",
                                         auth_type="authToken", oas_document='{"openapi": "3.0.3"}')
    ProductAPI.objects.create(product=product, name="Stores", api_id="stores-9", listen_path="/stores/")
    ProductAPI.objects.create(product=other, name="Someone else's API")
    doc = ProductDoc.objects.create(product=product, title="Second steps", position=2)
    ProductDoc.objects.create(product=product, title="First steps", position=1)

    body = client.get(f"/portal-admin/products/{product.pk}/").content.decode()
    apis = _section(body, "APIs")
    rows = re.findall(r"<tr>(.*?)</tr>", apis, re.DOTALL)
    cells = [[unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td>(.*?)</td>", r, re.DOTALL)]
             for r in rows if "<td>" in r]
    assert cells == [["Pets v1", "pets-1", "/pets/", "authToken", "Yes"],
                     ["Stores", "stores-9", "/stores/", "—", "No"]]
    back = f"next=%2Fportal-admin%2Fproducts%2F{product.pk}%2F"
    assert f'href="/portal-admin/product-apis/{with_doc.pk}/?{back}"' in apis
    assert f'href="/portal-admin/product-apis/new/?product={product.pk}&amp;{back}"' in apis
    assert "Someone else" not in body

    docs = _section(body, "Getting-started documents")
    assert docs.index("First steps") < docs.index("Second steps")
    assert f'href="/portal-admin/product-docs/{doc.pk}/?{back}"' in docs
    assert f'href="/portal-admin/product-docs/new/?product={product.pk}&amp;{back}"' in docs


def test_a_product_without_apis_says_so(client, admin):
    client.force_login(admin)
    product = factories.product()
    body = client.get(f"/portal-admin/products/{product.pk}/").content.decode()
    assert "None yet." in _section(body, "APIs")
    assert "None yet." in _section(body, "Getting-started documents")


def test_has_document_is_one_annotation_without_loading_documents(admin):
    product = factories.product()
    ProductAPI.objects.create(product=product, name="A", oas_document="x" * 10_000)
    ProductAPI.objects.create(product=product, name="B")
    with CaptureQueriesContext(connection) as ctx:
        apis = list(catalog.apis_of(product))
        listed = [(api.name, api.has_document) for api in apis]
    assert listed == [("A", True), ("B", False)]
    assert len(ctx.captured_queries) == 1
    assert all("oas_document" in api.get_deferred_fields() for api in apis)  # the documents were not read


def test_product_page_queries_do_not_grow_with_apis(client, admin):
    client.force_login(admin)
    client.get("/portal-admin/")
    product = factories.product()

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/portal-admin/products/{product.pk}/").status_code == 200
        return len(ctx.captured_queries)

    ProductAPI.objects.create(product=product, name="One")
    ProductDoc.objects.create(product=product, title="One")
    count()  # what is read once per content revision (the languages offered) is not counted
    few = count()
    ProductAPI.objects.bulk_create(ProductAPI(product=product, name=f"API {i}") for i in range(60))
    ProductDoc.objects.bulk_create(ProductDoc(product=product, title=f"Doc {i}") for i in range(60))
    assert count() == few


def test_add_link_presets_the_product_and_saving_returns_to_it(client, admin):
    client.force_login(admin)
    product, other = factories.product(), factories.product()
    page = f"/portal-admin/products/{product.pk}/"
    form = client.get(f"/portal-admin/product-docs/new/?product={product.pk}&next={page}").content.decode()
    assert re.search(rf'<option value="{product.pk}" selected>', form)
    assert not re.search(rf'<option value="{other.pk}" selected>', form)

    response = client.post(f"/portal-admin/product-docs/new/?product={product.pk}&next={page}",
                           {"product": product.pk, "title": "Quick start", "position": 1, "content": "Hi"})
    assert response.status_code == 302 and response["Location"] == page
    assert ProductDoc.objects.get(title="Quick start").product == product


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/portal-admin/", "/elsewhere/",
                                    "https://evil.example/portal-admin/"])
def test_next_outside_the_admin_portal_is_ignored(client, admin, target):
    client.force_login(admin)
    product = factories.product()
    response = client.post(f"/portal-admin/product-docs/new/?next={target}",
                           {"product": product.pk, "title": "Quick start", "position": 1})
    assert response.status_code == 302 and response["Location"] == "/portal-admin/product-docs/"


def test_presets_take_only_single_choices_and_are_checked_when_posted(client, admin):
    client.force_login(admin)
    # An unknown product in the link preselects nothing, and posting it is refused with a message.
    form = client.get("/portal-admin/product-docs/new/?product=999999&title=Injected").content.decode()
    assert " selected>" not in form.split('name="product"')[1].split("</select>")[0].replace(
        '<option value="" selected>', "")
    assert "Injected" not in form
    response = client.post("/portal-admin/product-docs/new/", {"product": 999999, "title": "X", "position": 1})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not ProductDoc.objects.exists()
