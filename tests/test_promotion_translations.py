"""Configuration as code carries translations (issue 21, part 4): every translatable kind exports its
`translations` ({language: {field: text}}, the file's field names), plans nothing on its own export,
applies them through the forms (so by the one rule, audited) and round-trips byte for byte; a file
gives the whole state (a language it leaves out is removed), leaving the field out keeps them, and
what may not be stored is refused at its line before anything is written."""

import json
from pathlib import Path

import pytest
import yaml

from forecourt.audit.models import AuditEntry
from forecourt.blog.models import Category, Post
from forecourt.catalog.models import Catalogue, Plan, Product, ProductDoc
from forecourt.content.models import ContentBlock, MenuItem, Page
from forecourt.promotion import export, reading, schema
from forecourt.promotion.apply import apply
from forecourt.promotion.errors import ConfigRefused
from forecourt.promotion.plan import make_plan

from . import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
KINDS = ["products", "plans", "catalogues", "pages", "menus", "post_categories", "posts"]


@pytest.fixture
def portal():
    """One object of every translatable kind, each with translations."""
    product = factories.product(slug="payments", name="payments", display_name="Payments", description="Pay.",
                                translations={"de": {"display_name": "Zahlungen"},
                                              "fr": {"description": "Payer."}})
    ProductDoc.objects.create(product=product, title="Quick start", content="Call it.", position=1,
                              translations={"de": {"title": "Schnellstart", "content": "Ruf es auf."}})
    plan = factories.plan(name="gold", display_name="Gold", translations={"ja": {"display_name": "ゴールド"}})
    Catalogue.objects.create(name="Partners", visibility=Catalogue.Visibility.PUBLIC,
                             translations={"es": {"name": "Socios"}}).plans.set([plan])
    page = Page.objects.create(title="About", path="/about-us", template="page",
                               translations={"de": {"title": "Über uns"}})
    ContentBlock.objects.create(page=page, name="intro", content="Hello", position=0,
                                translations={"de": {"content": "Hallo"}})
    MenuItem.objects.create(menu="primary", label="About", page=page, position=50,
                            translations={"fr": {"label": "À propos"}})
    news = Category.objects.create(name="News", translations={"de": {"name": "Neuigkeiten"}})
    post = Post.objects.create(title="Ten tips", path="ten-tips", lede="Short.", content="# Hi",
                               translations={"de": {"title": "Zehn Tipps", "lede": "Kurz."}})
    post.categories.set([news])
    return {"product": product, "page": page, "post": post}


def exported(kind):
    return yaml.safe_load(export.export(only=[kind]).files[f"{kind}.yaml"])[kind]


def about_page():
    """The fixture's page as exported (the portal has its built-in pages too)."""
    return next(p for p in exported("pages") if p["path"] == "/about-us")


def source(kind, value):
    return reading.read_texts({f"{kind}.yaml": export.dump({"version": 1, kind: value})})


def changes(plan):
    return [(c.action, c.kind.name, c.key, sorted(c.fields)) for c in plan.changes]


def problems_of(src):
    with pytest.raises(ConfigRefused) as caught:
        make_plan(src)
    return caught.value.problems


def test_every_translatable_kind_exports_its_translations_under_the_files_field_names(portal):
    [product] = exported("products")
    assert product["translations"] == {"de": {"display_name": "Zahlungen"}, "fr": {"description": "Payer."}}
    assert product["docs"][0]["translations"] == {"de": {"content": "Ruf es auf.", "title": "Schnellstart"}}
    assert exported("plans")[0]["translations"] == {"ja": {"display_name": "ゴールド"}}
    assert exported("catalogues")[0]["translations"] == {"es": {"name": "Socios"}}
    page = about_page()
    assert page["translations"] == {"de": {"title": "Über uns"}}
    assert page["blocks"][0]["translations"] == {"de": {"content": "Hallo"}}
    assert exported("menus")[0]["items"][0]["translations"] == {"fr": {"label": "À propos"}}
    assert exported("post_categories")[0]["translations"] == {"de": {"name": "Neuigkeiten"}}
    assert exported("posts")[0]["translations"] == {"de": {"lede": "Kurz.", "title": "Zehn Tipps"}}
    # An object without any exports {} (a menu item: nothing, so a menu reads as before).
    factories.plan(name="silver", display_name="Silver")
    assert [p["translations"] for p in exported("plans")] == [{"ja": {"display_name": "ゴールド"}}, {}]
    for kind in KINDS:
        assert make_plan(reading.read_texts(export.export(only=[kind]).files)).empty, kind


def test_translations_round_trip_byte_for_byte_through_plan_and_apply(portal):
    files = export.export(only=KINDS).files
    # Another portal's state: the same objects, their translations lost (the menu item: a new label).
    for model in (Product, ProductDoc, Plan, Catalogue, Page, ContentBlock, Category, Post):
        model.objects.update(translations={})
    MenuItem.objects.update(translations=None)
    plan = make_plan(reading.read_texts(files))
    assert sorted((c.kind.name, c.key, sorted(c.fields)) for c in plan.changes) == [
        ("catalogues", "Partners", ["translations"]),
        ("menus", "primary", ["items"]),
        ("pages", "/about-us", ["translations"]),
        ("pages.blocks", "/about-us/intro", ["translations"]),
        ("plans", "gold", ["translations"]),
        ("post_categories", "News", ["translations"]),
        ("posts", "ten-tips", ["translations"]),
        ("products", "payments", ["translations"]),
        ("products.docs", "payments/Quick start", ["translations"]),
    ]
    before = AuditEntry.objects.count()
    apply(reading.read_texts(files))
    assert export.export(only=KINDS).files == files
    assert make_plan(reading.read_texts(files)).empty
    audited = AuditEntry.objects.order_by("pk")[before:]
    assert sum("translations" in e.changes for e in audited) >= 8  # each object's change, audited
    assert all(".yaml" in e.note for e in audited)
    assert Product.objects.get().translations == {"de": {"display_name": "Zahlungen"},
                                                  "fr": {"description": "Payer."}}


def test_a_file_gives_the_whole_state_and_leaving_the_field_out_keeps_them(portal):
    [product] = exported("products")
    product["translations"] = {"fr": {"description": "Payer en ligne.", "display_name": "  Paiements  "}}
    src = source("products", [product])
    assert changes(make_plan(src)) == [("update", "products", "payments", ["translations"])]
    apply(src)
    stored = Product.objects.get().translations
    assert stored == {"fr": {"display_name": "Paiements", "description": "Payer en ligne."}}  # de removed, trimmed
    assert make_plan(src).empty  # the trimmed text compares as stored
    # Left out: kept, whatever else changes.
    del product["translations"]
    product["description"] = "Take payments."
    src = source("products", [product])
    assert changes(make_plan(src)) == [("update", "products", "payments", ["description"])]
    apply(src)
    assert Product.objects.get().translations == stored
    # Empty, or null: none.
    product["translations"] = None
    apply(source("products", [product]))
    assert Product.objects.get().translations == {}
    assert make_plan(source("products", [{**product, "translations": {}}])).empty


def test_a_menu_items_translations_are_part_of_the_menu(portal):
    [menu] = exported("menus")
    menu["items"][0]["translations"] = {"de": {"label": "Über uns"}}
    src = source("menus", [menu])
    assert changes(make_plan(src)) == [("update", "menus", "primary", ["items"])]
    apply(src)
    assert MenuItem.objects.get().translations == {"de": {"label": "Über uns"}}
    assert make_plan(src).empty


@pytest.mark.parametrize(("translations", "reason"), [
    ({"xx": {"title": "x"}}, "translations"),
    ({"de": {"path": "x"}}, "translations.de: "),
    ({"de": {"title": 5}}, "translations.de.title"),
    ({"de": "Hallo"}, "translations.de"),
    ({"en": {"title": "x"}}, "“en” is the portal's default language"),
    ({"de": {"title": "x" * 256}}, "longer than 255 characters"),
])
def test_translations_that_may_not_be_stored_are_refused_at_their_line_and_change_nothing(portal, translations,
                                                                                         reason):
    page = about_page()
    page["translations"] = {"fr": {"title": "À propos"}, **translations}
    text = export.dump({"version": 1, "pages": [page]})
    problems = problems_of(reading.read_texts({"pages.yaml": text}))
    assert any(reason in p.reason for p in problems), problems
    assert all(p.line is not None and p.line >= text.splitlines().index("  translations:") + 1 for p in problems)
    with pytest.raises(ConfigRefused):
        apply(reading.read_texts({"pages.yaml": text}))
    assert Page.objects.get(path="/about-us").translations == {"de": {"title": "Über uns"}}


def test_the_shipped_schema_describes_translations_for_every_translatable_kind():
    shipped = json.loads((ROOT / "src" / "forecourt" / "promotion" / "config-schema.json").read_text())
    assert shipped == schema.document()
    items = {kind: shipped["properties"][kind]["items"]["properties"] for kind in KINDS}

    def fields_of(properties):
        field = properties["translations"]
        field = next((f for f in field.get("anyOf", [field]) if f.get("type") == "object"), field)
        assert field["propertyNames"]["enum"] == ["en", "de", "fr", "es", "ja"]
        return sorted(field["additionalProperties"]["properties"])

    assert fields_of(items["products"]) == ["content", "description", "display_name"]
    assert fields_of(items["products"]["docs"]["items"]["properties"]) == ["content", "title"]
    assert fields_of(items["plans"]) == ["description", "display_name"]
    assert fields_of(items["catalogues"]) == ["name"]
    assert fields_of(items["pages"]) == ["title"]
    assert fields_of(items["pages"]["blocks"]["items"]["properties"]) == ["content"]
    assert fields_of(items["menus"]["items"]["items"]["properties"]) == ["label"]
    assert fields_of(items["post_categories"]) == ["name"]
    assert fields_of(items["posts"]) == ["content", "lede", "title"]
