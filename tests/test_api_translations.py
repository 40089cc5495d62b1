"""The Admin API's `Translations` (issue 21, part 4): every translatable resource answers its
translations under the API's own field names, takes them in its bodies (merged over the stored ones
language by language, by the forms' one rule), refuses what may not be stored with a 422 naming
`Translations` and changing nothing, audits the change, and the Live Portal then shows a German
reader the German text, field by field."""

import json
from pathlib import Path

import pytest

from forecourt.audit.models import AuditEntry
from forecourt.blog.models import Category, Post
from forecourt.catalog.models import Catalogue, Plan, Product, ProductDoc
from forecourt.content.models import ContentBlock, MenuItem, Page

from . import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def errors_of(response):
    assert response.status_code == 422, response.content
    return response.json()["errors"]


# Each resource: how to make one (its API path), its model, and two of its translatable API fields
# with the model field each stands for.


def _product(api):
    return f"/products/{ok(api('post', '/products', {'Name': 'Payments', 'Description': 'Pay'}), 201)['ID']}"


def _product_doc(api):
    product = factories.product()
    doc = ok(api("post", f"/products/{product.pk}/docs", {"Title": "Sign up", "Content": "Make an app."}), 201)
    return f"/products/{product.pk}/docs/{doc['ID']}"


def _plan(api):
    return f"/plans/{ok(api('post', '/plans', {'Name': 'gold', 'DisplayName': 'Gold', 'Description': 'Big'}))['ID']}"


def _catalogue(api):
    return f"/catalogues/{ok(api('post', '/catalogues', {'Name': 'Partners', 'VisibilityStatus': 'Public'}))['ID']}"


def _page(api):
    return f"/pages/{ok(api('post', '/pages', {'Title': 'About', 'Path': f'/about-{factories.n()}'}))['ID']}"


def _content_block(api):
    page = ok(api("post", "/pages", {"Title": "About", "Path": f"/about-{factories.n()}"}))
    block = ok(api("post", f"/pages/{page['ID']}/content-blocks", {"Name": "intro", "Content": "Hello"}))
    return f"/pages/{page['ID']}/content-blocks/{block['ID']}"


def _menu_item(api):
    return f"/menu-items/{ok(api('post', '/menu-items', {'Title': 'Help', 'Path': '/help'}))['ID']}"


def _post(api):
    body = {"Title": "Ten tips", "Path": "ten-tips", "Lede": "Short.", "Content": "# Hi", "Status": "published"}
    if Post.objects.filter(path="ten-tips").exists():
        body["Path"] = f"tips-{factories.n()}"
    return f"/posts/{ok(api('post', '/posts', body), 201)['ID']}"


RESOURCES = {
    "products": (_product, Product, {"DisplayName": "display_name", "Description": "description"}),
    "product docs": (_product_doc, ProductDoc, {"Title": "title", "Content": "content"}),
    "plans": (_plan, Plan, {"DisplayName": "display_name", "Description": "description"}),
    "catalogues": (_catalogue, Catalogue, {"Name": "name"}),
    "pages": (_page, Page, {"Title": "title"}),
    "content blocks": (_content_block, ContentBlock, {"Content": "content"}),
    "menu items": (_menu_item, MenuItem, {"Title": "label"}),
    "posts": (_post, Post, {"Title": "title", "Lede": "lede"}),
}


def _stored(model, path):
    return model.objects.get(pk=int(path.rsplit("/", 1)[1])).translations


@pytest.fixture(params=list(RESOURCES), ids=list(RESOURCES))
def resource(request, api):
    make, model, fields = RESOURCES[request.param]
    return make(api), model, fields


def test_translations_put_are_answered_under_the_apis_names_and_stored_under_the_models(api, resource):
    path, model, fields = resource
    assert ok(api("get", path))["Translations"] == {}  # none yet
    sent = {"fr": {api_name: f"{api_name} (fr)" for api_name in fields},
            "de": {api_name: f"{api_name} (de)" for api_name in fields}}
    put = ok(api("put", path, {"Translations": sent}))
    expected = {"de": sent["de"], "fr": sent["fr"]}  # languages in the order Forecourt ships them
    assert put["Translations"] == expected
    assert list(put["Translations"]) == ["de", "fr"]
    assert ok(api("get", path))["Translations"] == expected
    assert _stored(model, path) == {code: {fields[name]: text for name, text in texts.items()}
                                    for code, texts in expected.items()}


def test_languages_sent_replace_those_left_out_are_kept_and_empty_ones_are_removed(api, resource):
    path, model, fields = resource
    first = next(iter(fields))
    ok(api("put", path, {"Translations": {"de": {first: "Deutsch"}}}))
    assert ok(api("put", path, {"Translations": {"fr": {first: "Français"}}}))["Translations"] == {
        "de": {first: "Deutsch"}, "fr": {first: "Français"}}  # de kept
    # A body without Translations (another field changed, or none) keeps them all.
    assert ok(api("put", path, {}))["Translations"] == {"de": {first: "Deutsch"}, "fr": {first: "Français"}}
    assert ok(api("put", path, {"Translations": None}))["Translations"]["de"] == {first: "Deutsch"}
    # A language sent replaces that language's texts as a whole.
    if len(fields) > 1:
        second = list(fields)[1]
        replaced = ok(api("put", path, {"Translations": {"de": {second: "Nur das"}}}))["Translations"]
        assert replaced["de"] == {second: "Nur das"}
    assert ok(api("put", path, {"Translations": {"de": {}}}))["Translations"] == {"fr": {first: "Français"}}
    assert list(_stored(model, path)) == ["fr"]
    # An empty text is no translation: the reader sees the default text.
    assert ok(api("put", path, {"Translations": {"fr": {first: "  "}}}))["Translations"] == {}


def _refusals(fields, limit_of):
    first = next(iter(fields))
    return {
        "an unknown field": ({"de": {"Nope": "x"}}, "“Nope” cannot be translated"),
        "a field that is not translatable": ({"de": {"ID": "x"}}, "“ID” cannot be translated"),
        "a form field's name": ({"de": {fields[first]: "x"}}, f"“{fields[first]}” cannot be translated"),
        "a text that is not text": ({"de": {first: 5}}, "Translations.de." + first),
        "a language that is not an object": ({"de": "Hallo"}, "Translations.de"),
        "no object at all": ("Hallo", "Translations"),
        "a language Forecourt does not ship": ({"xx": {first: "x"}}, "“xx” is not a language this portal can show"),
        "the default language": ({"en": {first: "x"}}, "“en” is the portal's default language"),
        "a text too long": ({"de": {first: "x" * (limit_of(first) + 1)}},
                            f"The “de” text of {first} is longer than {limit_of(first)} characters"),
        "a NUL character": ({"de": {first: "a\x00b"}}, "Translations.de." + first),
    }


REFUSALS = list(_refusals({"Title": "title"}, lambda name: 1))


@pytest.mark.parametrize("case", REFUSALS)
def test_what_may_not_be_stored_is_a_422_naming_translations_and_changes_nothing(api, resource, case):
    path, model, fields = resource
    first = next(iter(fields))
    ok(api("put", path, {"Translations": {"fr": {first: "Français"}}}))
    before = ok(api("get", path))
    translated = _translated_fields(path)
    sent, message = _refusals(fields, lambda name: translated.limits[name])[case]
    # A valid language beside the bad one, and another field's change, are not kept either.
    body = {"Translations": {"de": {first: "Deutsch"}, **sent} if isinstance(sent, dict) else sent}
    errors = errors_of(api("put", path, body))
    assert any(error.startswith("Translations") and message in error for error in errors), errors
    assert ok(api("get", path)) == before
    assert _stored(model, path) == {"fr": {fields[first]: "Français"}}


def _translated_fields(path):
    """The router's TranslatedFields for `path` (the limits the API checks)."""
    from forecourt.api.routers import catalogues, menus, pages, plans, posts, products

    if "/docs/" in path:
        return products.DOC_TRANSLATED
    if "/content-blocks/" in path:
        return pages.BLOCK_TRANSLATED
    return {"products": products.TRANSLATED, "plans": plans.TRANSLATED, "catalogues": catalogues.TRANSLATED,
            "pages": pages.PAGE_TRANSLATED, "menu-items": menus.TRANSLATED,
            "posts": posts.TRANSLATED}[path.split("/")[1]]


def test_a_new_object_may_be_created_with_translations_and_a_bad_one_is_not_created(api):
    body = {"Name": "Weather", "Translations": {"de": {"DisplayName": "Wetter"}}}
    created = ok(api("post", "/products", body), 201)
    assert created["Translations"] == {"de": {"DisplayName": "Wetter"}}
    errors = errors_of(api("post", "/products", {"Name": "Maps", "Translations": {"de": {"Name": "Karten"}}}))
    assert errors == ["Translations: “Name” cannot be translated (DisplayName, Description, Content can)."]
    assert not Product.objects.filter(name="Maps").exists()


def test_the_change_is_audited_as_a_change_of_the_objects_translations(api, admin):
    path = _plan(api)
    ok(api("put", path, {"Translations": {"de": {"DisplayName": "Gold (de)"}}}))
    entry = AuditEntry.objects.filter(object_type__icontains="plan", action="update").latest("pk")
    assert entry.actor == admin
    before, after = entry.changes["translations"]  # the audit log writes a mapping as its text
    assert "Gold (de)" in str(after) and "Gold (de)" not in str(before)
    assert set(entry.changes) <= {"translations", "updated_at"}  # nothing else changed
    count = AuditEntry.objects.count()
    ok(api("put", path, {"Translations": {"de": {"DisplayName": "Gold (de)"}}}))  # the same again: no change
    assert AuditEntry.objects.count() == count


def test_a_get_body_with_translations_put_back_unchanged_changes_nothing(api):
    for make, _, fields in RESOURCES.values():
        path = make(api)
        ok(api("put", path, {"Translations": {"de": dict.fromkeys(fields, "Deutsch")}}))
        before = ok(api("get", path))
        count = AuditEntry.objects.count()
        assert ok(api("put", path, before)) == before, path
        assert AuditEntry.objects.count() == count, path


def test_lists_answer_translations_too(api):
    product = ok(api("post", "/products", {"Name": "Weather"}), 201)
    assert [p["Translations"] for p in ok(api("get", "/products"))] == [{}]
    ok(api("put", f"/products/{product['ID']}", {"Translations": {"ja": {"DisplayName": "天気"}}}))
    assert [p["Translations"] for p in ok(api("get", "/products"))] == [{"ja": {"DisplayName": "天気"}}]
    plan = ok(api("post", "/plans", {"Name": "gold", "Translations": {"es": {"DisplayName": "Oro"}}}))
    assert [p["Translations"] for p in ok(api("get", "/plans"))] == [{"es": {"DisplayName": "Oro"}}]
    assert plan["Translations"] == {"es": {"DisplayName": "Oro"}}
    ok(api("post", "/catalogues", {"Name": "Open", "VisibilityStatus": "Public",
                                   "Translations": {"de": {"Name": "Offen"}}}))
    assert [c["Translations"] for c in ok(api("get", "/catalogues"))] == [{"de": {"Name": "Offen"}}]
    page = ok(api("post", "/pages", {"Title": "About", "Path": "/about-us", "Translations": {"de": {"Title": "Über"}}}))
    assert [p["Translations"] for p in ok(api("get", "/pages")) if p["ID"] == page["ID"]] == [{"de": {"Title": "Über"}}]
    block = ok(api("post", f"/pages/{page['ID']}/content-blocks",
                   {"Name": "intro", "Content": "Hi", "Translations": {"de": {"Content": "Hallo"}}}))
    assert ok(api("get", f"/pages/{page['ID']}"))["ContentBlocks"][0]["Translations"] == block["Translations"]
    assert block["Translations"] == {"de": {"Content": "Hallo"}}


def test_post_categories_answer_their_translations(api):
    news = Category.objects.create(name="News", translations={"de": {"name": "Neuigkeiten"}})
    post = ok(api("post", "/posts", {"Title": "Hi", "Path": "hi", "Categories": [news.pk]}), 201)
    assert post["Categories"][0]["Translations"] == {"de": {"Name": "Neuigkeiten"}}
    listed = ok(api("get", f"/posts/{post['ID']}/categories"))
    assert listed[0]["Translations"] == {"de": {"Name": "Neuigkeiten"}}
    # The post read with GET, its categories as objects with their translations, goes back unchanged.
    assert ok(api("put", f"/posts/{post['ID']}", post))["Categories"] == post["Categories"]


def test_the_live_portal_shows_a_german_reader_the_german_text_field_by_field(api, client):
    product = factories.product(display_name="Payments", slug="payments", description="Take payments.",
                                published=True)
    factories.catalogue([product])
    ok(api("put", f"/products/{product.pk}", {"Translations": {"de": {"DisplayName": "Zahlungen"}}}))
    german = client.get("/catalogue-products/payments", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Zahlungen" in german
    assert "Take payments." in german  # the description has no German version: the default text
    english = client.get("/catalogue-products/payments", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Zahlungen" not in english and "Payments" in english
    # The catalogue page's card too, and a later description translation joins in.
    ok(api("put", f"/products/{product.pk}",
           {"Translations": {"de": {"DisplayName": "Zahlungen", "Description": "Zahlungen annehmen."}}}))
    cards = client.get("/catalogue-products", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Zahlungen annehmen." in cards and "Take payments." not in cards


def test_the_live_portal_shows_a_translated_post_to_its_readers(api, client):
    path = _post(api)
    ok(api("put", path, {"Translations": {"fr": {"Title": "Dix astuces"}}}))
    assert "Dix astuces" in client.get("/blog/ten-tips", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = client.get("/blog/ten-tips", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Ten tips" in english and "Dix astuces" not in english


def test_the_document_marks_translations_as_forecourts_own_in_every_schema():
    schemas = json.loads((ROOT / "docs" / "openapi.json").read_text())["components"]["schemas"]
    for name in ("ProductSummary", "ProductOut", "ProductIn", "DocOut", "DocIn", "PlanSummary", "PlanOut", "PlanIn",
                 "CatalogueSummary", "CatalogueOut", "CatalogueIn", "PageSummary", "PageOut", "PageIn",
                 "ContentBlockOut", "ContentBlockIn", "MenuItemOut", "MenuItemIn", "PostOut", "PostIn",
                 "CategoryOut"):
        field = schemas[name]["properties"]["Translations"]
        assert field["description"].startswith("Forecourt's own"), name
        assert ("Translations" in schemas[name].get("required", [])) == name.endswith(("Out", "Summary")), name
