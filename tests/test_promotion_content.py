"""Configuration as code for the general settings, custom attributes, pages, menus and the blog:
each kind exports, reads back and plans nothing; a change plans as exactly that field, applies
through the audited forms (the note names the file) and re-plans nothing; pruning deletes only what
may go; the SMTP password travels by reference only; a dangling reference is refused at its line."""

import datetime as dt
import json

import pytest
import yaml

from forecourt.accounts.models import CustomAttribute, UserAttributeValue
from forecourt.audit.models import AuditEntry
from forecourt.blog.models import Category, Post
from forecourt.catalog.models import Tag
from forecourt.content.models import ContentBlock, MenuItem, Page
from forecourt.portalconfig.models import PortalSettings
from forecourt.promotion import export, reading, schema
from forecourt.promotion.apply import apply
from forecourt.promotion.errors import ConfigRefused
from forecourt.promotion.plan import make_plan

from . import factories

pytestmark = pytest.mark.django_db

PASSWORD = "smtp-pa55word-that-must-never-show"


def exported(kind):
    """The kind's exported file, as data."""
    files = export.export(only=[kind]).files
    assert list(files) == [f"{kind}.yaml"]
    return yaml.safe_load(files[f"{kind}.yaml"])


def source(kind, value, name=None):
    text = export.dump({"version": 1, kind: value}) if not isinstance(value, str) else value
    return reading.read_texts({name or f"{kind}.yaml": text})


def round_trip_plan(kind):
    return make_plan(reading.read_texts(export.export(only=[kind]).files))


def changes(plan):
    return [(c.action, c.kind.name, c.key, sorted(c.fields)) for c in plan.changes]


def notes_since(count):
    return [e.note for e in AuditEntry.objects.order_by("pk")[count:]]


def refused(src, **kwargs):
    with pytest.raises(ConfigRefused) as caught:
        make_plan(src, **kwargs)
    return caught.value.problems


# --- settings ----------------------------------------------------------------------------------------

def test_settings_without_their_row_export_defaults_plan_nothing_and_apply_makes_the_row():
    assert not PortalSettings.objects.exists()
    value = exported("settings")["settings"]
    assert value["smtp_port"] == 587 and value["smtp_password"] is None and value["allowed_email_domains"] == []
    assert round_trip_plan("settings").empty
    assert not PortalSettings.objects.exists()  # the plan wrote nothing

    value["smtp_host"] = "mail.example.com"
    src = source("settings", value)
    assert changes(make_plan(src)) == [("update", "settings", "", ["smtp_host"])]
    before = AuditEntry.objects.count()
    apply(src)
    row = PortalSettings.objects.get()
    assert row.pk == 1 and row.smtp_host == "mail.example.com"  # the row PortalSettings.load() reads
    assert PortalSettings.load().smtp_host == "mail.example.com"
    assert any("settings.yaml" in note for note in notes_since(before))
    assert make_plan(src).empty


def test_a_settings_change_plans_applies_and_audits_only_that_field():
    PortalSettings.objects.create(pk=1, smtp_host="old.example.com", allowed_email_domains="example.com\nexample.org")
    value = exported("settings")["settings"]
    assert value["allowed_email_domains"] == ["example.com", "example.org"]
    assert round_trip_plan("settings").empty

    value["allowed_email_domains"] = ["example.com"]
    value["admin_password_sign_in"] = "super-admins"
    src = source("settings", value)
    plan = make_plan(src)
    assert changes(plan) == [("update", "settings", "", ["admin_password_sign_in", "allowed_email_domains"])]
    before = AuditEntry.objects.count()
    apply(src)
    row = PortalSettings.objects.get(pk=1)
    assert row.allowed_email_domains == "example.com" and row.admin_password_sign_in == "super-admins"
    entry = AuditEntry.objects.order_by("pk")[before:].get()
    assert entry.action == "update" and "settings.yaml" in entry.note
    assert set(entry.changes) == {"allowed_email_domains", "admin_password_sign_in"}
    assert make_plan(src).empty


def test_the_smtp_password_is_exported_by_reference_only_and_applied_from_the_environment(monkeypatch):
    PortalSettings.objects.create(pk=1, smtp_host="mail.example.com", smtp_password=PASSWORD)
    files = export.export().files
    assert all(PASSWORD not in text for text in files.values())
    value = yaml.safe_load(files["settings.yaml"])["settings"]
    assert value["smtp_password"] == {"env": "FORECOURT_SETTINGS_SMTP_PASSWORD"}

    monkeypatch.setenv("FORECOURT_SETTINGS_SMTP_PASSWORD", PASSWORD)
    assert round_trip_plan("settings").empty  # the same password: nothing to do

    new_password = "a-new-smtp-secret-from-the-pipeline"
    monkeypatch.setenv("FORECOURT_SETTINGS_SMTP_PASSWORD", new_password)
    src = source("settings", value)
    plan = make_plan(src)
    assert changes(plan) == [("update", "settings", "", ["smtp_password"])]
    shown = plan.as_text() + json.dumps(plan.as_json())
    assert PASSWORD not in shown and new_password not in shown
    before = AuditEntry.objects.count()
    apply(src)
    assert PortalSettings.objects.get(pk=1).smtp_password == new_password
    entries = json.dumps([(e.note, e.changes) for e in AuditEntry.objects.order_by("pk")[before:]])
    assert "settings.yaml" in entries and new_password not in entries and PASSWORD not in entries
    assert make_plan(src).empty

    value["smtp_password"] = None  # the file says there is none: removed
    apply(source("settings", value))
    assert PortalSettings.objects.get(pk=1).smtp_password == ""


def test_a_settings_file_without_the_smtp_password_keeps_it(monkeypatch):
    PortalSettings.objects.create(pk=1, smtp_password=PASSWORD, allowed_email_domains="example.com")
    monkeypatch.delenv("FORECOURT_SETTINGS_SMTP_PASSWORD", raising=False)
    # Domains written as a person might: the same as stored, so nothing to do.
    src = source("settings", {"allowed_email_domains": ["@Example.COM"]})
    assert make_plan(src).empty
    src = source("settings", {"smtp_host": "relay.example.com"})
    assert changes(make_plan(src)) == [("update", "settings", "", ["smtp_host"])]
    apply(src)
    row = PortalSettings.objects.get(pk=1)
    assert row.smtp_host == "relay.example.com" and row.smtp_password == PASSWORD


def test_an_smtp_password_in_clear_is_refused_at_its_line():
    text = "version: 1\nsettings:\n  smtp_host: mail.example.com\n  smtp_password: " + PASSWORD + "\n"
    problems = refused(source("settings", text))
    assert [(p.file, p.line) for p in problems] == [("settings.yaml", 4)]
    assert "in clear" in problems[0].reason and PASSWORD not in str(problems[0])


def test_a_settings_value_the_form_refuses_changes_nothing():
    value = exported("settings")["settings"]
    value["smtp_port"] = 70000
    with pytest.raises(ConfigRefused) as caught:
        apply(source("settings", value))
    assert "smtp_port" in str(caught.value) and "65535" in str(caught.value)
    assert not PortalSettings.objects.exists()


# --- custom attributes --------------------------------------------------------------------------

def attribute(identifier, **fields):
    return CustomAttribute.objects.create(identifier=identifier, name=identifier.title(), **fields)


def test_custom_attributes_round_trip_with_type_and_behaviour_by_name():
    attribute("industry", type=CustomAttribute.Type.DROPDOWN, dropdown_values="Banking, Retail",
              behaviour=CustomAttribute.Behaviour.VIEW)
    attribute("employees", type=CustomAttribute.Type.NUMBER)
    items = exported("custom_attributes")["custom_attributes"]
    assert [i["identifier"] for i in items] == ["employees", "industry"]
    industry = items[1]
    assert industry["type"] == "dropdown" and industry["behaviour"] == "view"
    assert industry["dropdown_values"] == ["Banking", "Retail"]
    assert round_trip_plan("custom_attributes").empty

    # The JSON Schema names the allowed values, and refuses another at its line.
    properties = schema.document()["properties"]["custom_attributes"]["items"]["properties"]
    assert properties["type"]["enum"] == ["string", "dropdown", "boolean", "number"]
    assert properties["behaviour"]["enum"] == ["edit", "view", "hidden"]
    text = export.dump({"version": 1, "custom_attributes": [{**industry, "type": "colour"}]})
    problems = refused(source("custom_attributes", text))
    assert len(problems) == 1 and problems[0].line == text.splitlines().index("  type: colour") + 1

    industry["behaviour"] = "hidden"
    industry["dropdown_values"] = ["Banking", "Retail", "Energy"]
    src = source("custom_attributes", items)
    assert changes(make_plan(src)) == [("update", "custom_attributes", "industry", ["behaviour", "dropdown_values"])]
    before = AuditEntry.objects.count()
    apply(src)
    saved = CustomAttribute.objects.get(identifier="industry")
    assert saved.behaviour == CustomAttribute.Behaviour.HIDDEN and saved.dropdown_values == "Banking, Retail, Energy"
    assert notes_since(before) == ["forecourt apply custom_attributes.yaml"]
    assert make_plan(src).empty


def test_a_new_attribute_is_created_and_prune_deletes_an_unmentioned_one_without_values():
    attribute("old")
    items = [{"identifier": "tier", "name": "Tier", "type": "boolean"}]
    src = source("custom_attributes", items)
    plan = make_plan(src, prune=True)
    assert [(c.action, c.key) for c in plan.changes] == [("create", "tier"), ("delete", "old")]
    apply(src, prune=True)
    assert list(CustomAttribute.objects.values_list("identifier", "type")) == [("tier", CustomAttribute.Type.BOOLEAN)]
    assert make_plan(src, prune=True).empty


def test_pruning_an_attribute_users_have_values_for_is_refused():
    kept = attribute("region")
    UserAttributeValue.objects.create(user=factories.consumer(), attribute=kept, value="EU")
    attribute("tier")
    problems = refused(source("custom_attributes", [{"identifier": "tier"}]), prune=True)
    assert len(problems) == 1 and "consumers' data" in problems[0].reason
    assert CustomAttribute.objects.filter(identifier="region").exists()
    # An empty list mentions the kind too: pruning would delete every attribute.
    assert len(refused(source("custom_attributes", []), prune=True)) == 1


# --- pages ------------------------------------------------------------------------------------------

def page(path, **fields):
    return Page.objects.create(path=path, title=fields.pop("title", path), **fields)


def test_pages_with_blocks_round_trip_and_a_block_change_is_exactly_that():
    about = page("/about", status=Page.Status.PUBLISHED)
    ContentBlock.objects.create(page=about, name="Header", position=1, content="# About\n\nUs.\n")
    ContentBlock.objects.create(page=about, name="Body", position=2, content="Text")
    page("/draft")
    items = exported("pages")["pages"]
    assert [i["path"] for i in items] == ["/", "/about", "/draft"]  # the home page comes with the portal
    assert [b["name"] for b in items[1]["blocks"]] == ["Header", "Body"]
    assert round_trip_plan("pages").empty

    items[1]["blocks"][1]["content"] = "New text"
    src = source("pages", items)
    assert changes(make_plan(src)) == [("update", "pages.blocks", "/about/Body", ["content"])]
    before = AuditEntry.objects.count()
    apply(src)
    assert ContentBlock.objects.get(page=about, name="Body").content == "New text"
    assert notes_since(before) == ["forecourt apply pages.yaml"]
    assert make_plan(src).empty


def test_a_new_page_is_created_with_its_blocks_and_prune_deletes_an_unmentioned_page():
    page("/gone")
    items = [{"path": "/new", "title": "New", "status": "published",
              "blocks": [{"name": "Intro", "position": 0, "content": "Hello"}]}]
    src = source("pages", items)
    plan = make_plan(src, prune=True)
    assert [(c.action, c.kind.name, c.key) for c in plan.changes] == [
        ("create", "pages", "/new"), ("create", "pages.blocks", "/new/Intro"), ("delete", "pages", "/"),
        ("delete", "pages", "/gone")]
    apply(src, prune=True)
    assert list(Page.objects.values_list("path", flat=True)) == ["/new"]
    assert ContentBlock.objects.get(page__path="/new").content == "Hello"
    assert make_plan(src, prune=True).empty


# --- menus ------------------------------------------------------------------------------------------

def make_menu():
    docs = page("/docs", status=Page.Status.PUBLISHED)
    top = MenuItem.objects.create(menu="primary", label="Docs", page=docs, position=20)
    MenuItem.objects.create(menu="primary", label="Status", url="https://status.example.com", position=5,
                            parent=top, visibility=MenuItem.Visibility.SIGNED_IN)
    MenuItem.objects.create(menu="footer", label="Legal", url="/legal", position=1)


def test_menus_export_as_trees_and_round_trip():
    make_menu()
    menus = exported("menus")["menus"]
    assert menus == [
        {"menu": "footer", "items": [{"label": "Legal", "url": "/legal", "position": 1, "visibility": "always"}]},
        {"menu": "primary", "items": [{"label": "Docs", "page": "/docs", "position": 20, "visibility": "always",
                                       "items": [{"label": "Status", "url": "https://status.example.com",
                                                  "position": 5, "visibility": "signed-in"}]}]},
    ]
    assert round_trip_plan("menus").empty
    # Into a portal without them: made, and exported again the same.
    src = source("menus", menus)
    MenuItem.objects.all().delete()
    assert changes(make_plan(src)) == [("create", "menus", "footer", ["items"]),
                                       ("create", "menus", "primary", ["items"])]
    apply(src)
    assert exported("menus")["menus"] == menus
    # Written by hand with the defaults left out and in another order: the same menu.
    short = [{"menu": "footer", "items": [{"label": "Legal", "url": "/legal", "position": 1}]}]
    assert make_plan(source("menus", short)).empty


def test_a_changed_menu_is_replaced_through_the_audited_form_and_others_are_left_alone():
    make_menu()
    menus = exported("menus")["menus"]
    primary = menus[1]
    primary["items"][0]["items"][0]["label"] = "Service status"
    primary["items"].append({"label": "Blog", "url": "/blog", "position": 30})
    src = source("menus", [primary])
    plan = make_plan(src)
    assert changes(plan) == [("update", "menus", "primary", ["items"])]
    before = AuditEntry.objects.count()
    footer_item = MenuItem.objects.get(menu="footer")
    apply(src)
    entries = AuditEntry.objects.order_by("pk")[before:]
    assert {e.note for e in entries} == {"forecourt apply menus.yaml"}
    assert sorted((e.action, e.object_type) for e in entries) == (
        [("create", "content.menuitem")] * 3 + [("delete", "content.menuitem")] * 2)
    child = MenuItem.objects.get(label="Service status")
    assert child.parent.label == "Docs" and child.parent.page.path == "/docs" and child.menu == "primary"
    assert MenuItem.objects.get(menu="footer") == footer_item  # not in the file, not touched
    assert make_plan(src).empty

    # Prune: a menu the file does not mention loses its items.
    apply(src, prune=True)
    assert not MenuItem.objects.filter(menu="footer").exists()


def test_a_menu_item_leading_to_a_missing_page_is_refused_at_its_line():
    make_menu()
    text = ("version: 1\nmenus:\n- menu: primary\n  items:\n  - label: Docs\n    page: /docs\n"
            "    items:\n    - label: Gone\n      page: /nowhere\n")
    problems = refused(source("menus", text))
    assert [(p.file, p.line) for p in problems] == [("menus.yaml", 9)]
    assert "'/nowhere'" in problems[0].reason
    # The page given in the same configuration is enough.
    both = text + "pages:\n- path: /nowhere\n  title: Somewhere\n  status: published\n"
    apply(reading.read_texts({"site.yaml": both}))
    assert MenuItem.objects.get(label="Gone").page.path == "/nowhere"


def test_a_menu_item_the_form_refuses_changes_nothing():
    make_menu()
    text = ("version: 1\nmenus:\n- menu: primary\n  items:\n  - label: Docs\n    page: /docs\n"
            "  - label: Both\n    page: /docs\n    url: /elsewhere\n")
    with pytest.raises(ConfigRefused) as caught:
        apply(source("menus", text))
    assert "items.1.url" in str(caught.value) and "not both" in str(caught.value)
    assert [(p.file, p.line) for p in caught.value.problems] == [("menus.yaml", 9)]  # the item's url
    assert MenuItem.objects.filter(menu="primary").count() == 2


# --- the blog ---------------------------------------------------------------------------------------

def post(path, **fields):
    return Post.objects.create(path=path, title=fields.pop("title", path.title()), content="Text",
                               published_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC), **fields)


def test_categories_and_posts_round_trip_and_a_change_is_exactly_that():
    news = Category.objects.create(name="News")
    Category.objects.create(name="Releases")
    first = post("first-post", status=Post.Status.PUBLISHED, lede="Short", author_name="Ann")
    first.categories.add(news)
    first.tags.add(Tag.objects.create(name="Payments", folded="payments"))
    assert [c["name"] for c in exported("post_categories")["post_categories"]] == ["News", "Releases"]
    items = exported("posts")["posts"]
    assert items == [{"path": "first-post", "title": "First-Post", "lede": "Short", "content": "Text",
                      "author_name": "Ann", "status": "published", "published_at": "2026-03-01T09:30:00+00:00",
                      "categories": ["News"], "tags": ["Payments"], "translations": {}}]
    assert round_trip_plan("post_categories").empty and round_trip_plan("posts").empty
    # A date written another way, lists in another order and a tag in another case are the same values.
    items[0]["published_at"] = "2026-03-01T10:30+01:00"
    items[0]["tags"] = ["payments"]
    assert make_plan(source("posts", items)).empty

    items[0]["title"] = "The first post"
    items[0]["categories"] = ["Releases", "News"]
    items[0]["tags"] = ["Payments", "Onboarding"]
    src = source("posts", items)
    assert changes(make_plan(src)) == [("update", "posts", "first-post", ["categories", "tags", "title"])]
    before = AuditEntry.objects.count()
    apply(src)
    first.refresh_from_db()
    assert first.title == "The first post"
    assert sorted(c.name for c in first.categories.all()) == ["News", "Releases"]
    assert sorted(t.name for t in first.tags.all()) == ["Onboarding", "Payments"]
    assert notes_since(before) == ["forecourt apply posts.yaml"]
    assert make_plan(src).empty


def test_a_new_post_in_a_new_category_and_prune_deletes_an_unmentioned_post():
    post("old-post")
    text = ("version: 1\npost_categories:\n- name: Guides\nposts:\n- path: how-to\n  title: How to\n"
            "  status: published\n  published_at: '2026-04-02T08:00:00+00:00'\n  categories: [Guides]\n")
    src = reading.read_texts({"blog.yaml": text})
    plan = make_plan(src, prune=True)
    assert [(c.action, c.key) for c in plan.changes] == [
        ("create", "Guides"), ("create", "how-to"), ("delete", "old-post")]
    apply(src, prune=True)
    made = Post.objects.get()
    assert made.path == "how-to" and made.published_at == dt.datetime(2026, 4, 2, 8, tzinfo=dt.UTC)
    assert [c.name for c in made.categories.all()] == ["Guides"]
    assert make_plan(src, prune=True).empty


def test_a_post_in_a_missing_category_is_refused_at_its_line():
    text = "version: 1\nposts:\n- path: lost\n  title: Lost\n  categories:\n  - News\n  - Nowhere\n"
    Category.objects.create(name="News")
    problems = refused(source("posts", text))
    assert [(p.file, p.line) for p in problems] == [("posts.yaml", 7)]
    assert "post_categories 'Nowhere'" in problems[0].reason
    assert not Post.objects.exists()


def test_a_date_written_without_quotes_is_read_as_written(db):
    """YAML would make `2026-04-02T08:00:00Z` a timestamp; the file means the text, as export quotes it."""
    text = ("version: 1\npost_categories:\n- name: Guides\nposts:\n- path: dated\n  title: Dated\n"
            "  status: published\n  published_at: 2026-04-02T08:00:00Z\n  categories: [Guides]\n")
    apply(reading.read_texts({"posts.yaml": text}))
    assert Post.objects.get(path="dated").published_at == dt.datetime(2026, 4, 2, 8, tzinfo=dt.UTC)
    assert make_plan(reading.read_texts({"posts.yaml": text})).empty
