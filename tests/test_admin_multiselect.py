"""The searchable multi-select of the Admin Portal's forms, without a browser: what it renders, that
its choices cost the same queries for 10 items as for 200, and that its page loads its script under
the strict CSP. The browser behaviour is in tests/test_admin_forms_browser.py."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forecourt.accounts.models import Organisation, Team
from forecourt.adminportal.widgets import SearchableMultiSelect
from forecourt.catalog.models import Plan, Product
from forecourt.resources.forms import CatalogueForm, UserForm

from . import factories

pytestmark = pytest.mark.django_db


def _choices(count: int) -> None:
    batch = factories.n()
    Product.objects.bulk_create(Product(name=f"p{batch}-{i}", display_name=f"Product {batch}-{i}",
                                        slug=f"p-{batch}-{i}") for i in range(count))
    Plan.objects.bulk_create(Plan(name=f"pl{batch}-{i}", display_name=f"Plan {batch}-{i}") for i in range(count))
    organisation = Organisation.objects.create(name=f"Org {batch}")
    Team.objects.bulk_create(Team(organisation=organisation, name=f"Team {i}") for i in range(count))


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def test_every_multiple_choice_field_is_searchable():
    assert [name for name, f in CatalogueForm().fields.items() if isinstance(f.widget, SearchableMultiSelect)] \
        == ["products", "plans", "audiences"]
    assert [name for name, f in UserForm().fields.items() if isinstance(f.widget, SearchableMultiSelect)] \
        == ["teams"]


@pytest.mark.parametrize("url", ["/portal-admin/catalogues/new/", "/portal-admin/catalogues/{pk}/",
                                 "/portal-admin/users/new/"])
def test_form_queries_do_not_grow_with_choices(client, admin, url):
    client.force_login(admin)
    client.get("/portal-admin/")  # the start-up check and the session's first stamp are not counted
    _choices(10)
    catalogue = factories.catalogue(Product.objects.all()[:3], Plan.objects.all()[:2])
    url = url.format(pk=catalogue.pk)
    client.get(url)  # what is read once per content revision (the languages offered) is not counted
    few = queries_for(client, url)
    _choices(190)
    assert queries_for(client, url) == few
    assert few <= 12


def test_chosen_items_come_first_each_with_its_label(client, admin):
    client.force_login(admin)
    products = [factories.product(display_name=name) for name in ("Alpha", "Bravo", "Charlie", "Delta")]
    catalogue = factories.catalogue([products[2], products[3]])
    body = client.get(f"/portal-admin/catalogues/{catalogue.pk}/").content.decode()
    listed = re.search(r'<div class="multiselect-options" data-multiselect id="id_products">(.*?)</div>', body,
                       re.DOTALL)
    assert listed
    options = re.findall(r'<label class="multiselect-option" for="(id_products_\d+)"><input type="checkbox" '
                         r'name="products" value="(\d+)" id="\1"( checked)?> (\w+)</label>', listed.group(1))
    assert [(name, bool(checked)) for _, _, checked, name in options] == [
        ("Charlie", True), ("Delta", True), ("Alpha", False), ("Bravo", False)]
    assert {int(value) for _, value, _, _ in options} == {p.pk for p in products}
    assert '<fieldset class="multiselect"><legend>Products</legend>' in body


def test_a_failed_post_keeps_what_was_chosen(client, admin):
    client.force_login(admin)
    first, second = factories.product(display_name="First"), factories.product(display_name="Second")
    response = client.post("/portal-admin/catalogues/new/",
                           {"name": "", "visibility": "public", "products": [second.pk]})
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(rf'value="{second.pk}" id="id_products_\d+" checked> Second', body)
    assert re.search(rf'value="{first.pk}" id="id_products_\d+"> First', body)


def test_the_script_is_the_pages_own_with_its_nonce(client, admin):
    client.force_login(admin)
    response = client.get("/portal-admin/catalogues/new/")
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.content.decode(), re.DOTALL)
    # Its words, in the page's language, are data: a JSON element, which is never run (CSP has no say).
    words = [(attrs, text) for attrs, text in scripts if attrs == ' id="words-multiselect" type="application/json"']
    assert len(words) == 1 and json.loads(words[0][1])["none"] == "nothing matches"
    assert [s for s in scripts if s not in words] == [
        (' src="/static/adminportal/scheme.js"', ""),  # base.html's colour scheme, from 'self'
        (f' src="/static/adminportal/multiselect.js" nonce="{nonce}" defer', "")]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    script = client.get("/static/adminportal/multiselect.js")
    try:
        assert script.status_code == 200 and b"data-multiselect" in b"".join(script.streaming_content)
    finally:
        script.close()
