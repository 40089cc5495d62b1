"""The tags that select which policies a provider imports (Provider.policy_tags, e.g. "portal") are the
provider's business: the Live Portal's cards, product page, tag filter and search leave them out (and
so does what themes get); the Admin Portal and the Admin API keep them."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser

from forecourt.catalog.models import Catalogue
from forecourt.live.catalogue import data

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(db):
    provider = factories.provider()
    provider.policy_tags = ["portal", "Partner"]
    provider.save()
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    imported = factories.product(display_name="Weather", slug="weather", published=True, provider=provider,
                                 tags=["portal", "weather", "PARTNER"])
    own = factories.product(display_name="Maps", slug="maps", published=True, tags=["portal", "maps"])
    public.products.add(imported, own)
    return provider, imported, own


def tag_links(body: str) -> list[str]:
    return re.findall(r'<a class="chip tag" href="[^"]*">([^<]*)</a>', body)


def tag_choices(body: str) -> list[str]:
    select = re.search(r'<select name="tag">(.*?)</select>', body, re.DOTALL)
    return re.findall(r'<option value="([^"]+)"', select.group(1)) if select else []


def test_import_tags_are_not_shown_on_cards_filters_or_the_product_page(shelf, client):
    body = client.get("/catalogue-products").content.decode()
    assert sorted(tag_links(body)) == ["maps", "portal", "weather"]  # Maps has no provider: its "portal" is its own
    assert tag_choices(body) == ["maps", "portal", "weather"]
    context = data.catalogue_page(AnonymousUser(), data.Filters())  # what themes get
    assert context["choices"]["tags"] == ["maps", "portal", "weather"]
    assert {p["slug"]: p["tags"] for p in context["products"]} == {"maps": ["portal", "maps"], "weather": ["weather"]}
    assert data.product_page(AnonymousUser(), data.visible_product(AnonymousUser(), "weather"))["tags"] == ["weather"]
    page = client.get("/catalogue-products/weather").content.decode()
    assert tag_links(page) == ["weather"]
    assert "PARTNER" not in page


def test_import_tags_neither_filter_nor_match_a_search(shelf, client):
    def listed(query: str) -> list[str]:
        return re.findall(r'<article class="product-card" id="product-([^"]+)"',
                          client.get(f"/catalogue-products?{query}").content.decode())

    assert listed("tag=partner") == []
    assert listed("tag=portal") == ["maps"]
    assert listed("q=partner") == []
    assert listed("tag=weather") == ["weather"]


def test_the_admin_side_keeps_every_tag(shelf, client, admin, api):
    _, imported, _ = shelf
    assert data.public_tags(imported.tags, ["portal", "Partner"]) == ["weather"]
    assert data.public_tags(imported.tags, []) == ["portal", "weather", "PARTNER"]
    product = api("get", f"/products/{imported.pk}").json()
    assert product["Tags"] == ["portal", "weather", "PARTNER"]
    client.force_login(admin)
    form = client.get(f"/portal-admin/products/{imported.pk}/").content.decode()
    assert "portal, weather, PARTNER" in form
