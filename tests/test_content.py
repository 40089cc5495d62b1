"""Pages, content blocks and menus: serving (routes win, drafts 404), the path, template and block
rules, sanitised Markdown, the home page's blocks, menus with visibility and children, the Admin
Portal, the Admin API (/pages, /menu-items) and query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forecourt.audit.models import AuditEntry
from forecourt.content import rules, seeded
from forecourt.content.forms import MenuItemForm, PageForm
from forecourt.content.models import ContentBlock, MenuItem, Page
from forecourt.themes import menus, storage

from . import themes_support as ts
from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def page(path="/about-us", title="About us", status=Page.Status.PUBLISHED, template="page", **blocks) -> Page:
    item = Page.objects.create(path=path, title=title, status=status, template=template)
    for n, (name, content) in enumerate(blocks.items()):
        ContentBlock.objects.create(page=item, name=name, content=content, position=n)
    return item


def page_form(**data):
    return PageForm(data={"title": "T", "path": "/t", "template": "page", "status": "published", **data})


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


# Serving


def test_a_published_page_is_served_at_its_path_with_its_blocks_in_order(client):
    page(Intro="# Welcome\n\nHello *there*.", Outro="Bye.")
    response = client.get("/about-us")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<title>" in body and "About us" in body
    assert "<h1>Welcome</h1>" in body and "<em>there</em>" in body
    assert body.index('id="block-Intro"') < body.index('id="block-Outro"')


def test_drafts_unknown_paths_and_other_methods_answer_the_themed_404(client):
    page(status=Page.Status.DRAFT, Intro="Secret draft")
    response = client.get("/about-us")
    assert response.status_code == 404 and "Secret draft" not in response.content.decode()
    assert "Page not found" in response.content.decode()
    assert client.get("/nothing-here").status_code == 404
    page(path="/published", Intro="x")
    assert client.post("/published").status_code in (403, 404)  # no CSRF token, and pages are not forms
    assert client.get("/published/").status_code == 404  # the path exactly


def test_routes_win_and_append_slash_still_redirects(client):
    page(path="/catalogue-products-guide", Intro="guide")
    Page.objects.filter(pk=page(path="/x", Intro="x").pk).update(path="/catalogue-products")  # past the rules
    response = client.get("/catalogue-products")
    assert response.status_code == 200 and "guide" not in response.content.decode()
    assert 'id="block-Intro"' not in response.content.decode()
    redirect = client.get("/portal-admin")
    assert redirect.status_code == 301 and redirect["Location"] == "/portal-admin/"
    assert client.get("/catalogue-products-guide").status_code == 200


def test_block_markdown_is_sanitised(client):
    page(Body='Hi <script>alert(1)</script> <img src="x" onerror="alert(2)"> [x](javascript:alert(3))',
         Title="<b>bold</b>")
    body = client.get("/about-us").content.decode()
    assert "<script>alert(1)" not in body and "onerror" not in body and "javascript:" not in body


def test_a_page_with_a_template_the_theme_lost_falls_back_to_page(client, caplog):
    item = page(Intro="still here")
    Page.objects.filter(pk=item.pk).update(template="gone")
    response = client.get("/about-us")
    assert response.status_code == 200 and "still here" in response.content.decode()
    assert any("gone" in r.getMessage() for r in caplog.records)


def test_a_page_can_use_a_template_of_the_active_theme(client):
    files = ts.theme_files(views__landing_DOT_html="{% extends layout %}{% block content %}"
                                                         "<div id=landing>{{ blocks.Pitch.content|markdown }}"
                                                         "</div>{% endblock %}")
    import json

    manifest = json.loads(files["theme.json"])
    manifest["templates"].append({"name": "Landing", "template": "landing", "layout": "site_layout"})
    files["theme.json"] = json.dumps(manifest).encode()
    ts.store(files)
    storage.activate("acme", None)
    assert "landing" in rules.available_templates()
    assert page_form(template="landing").is_valid()
    page(template="landing", Pitch="**Fast**")
    assert "<div id=landing><p><strong>Fast</strong></p>" in client.get("/about-us").content.decode()


# Home


def test_home_uses_the_seeded_home_page_and_its_blocks(client):
    home = Page.objects.get(path="/")  # seeded by the migration
    assert (home.template, home.status) == ("home", Page.Status.PUBLISHED)
    assert "Build with our APIs" in client.get("/").content.decode()
    for name, content in (("HeaderTitle", "Our *shiny* APIs"), ("HeaderDescription", "Read **this**.")):
        block = ContentBlock.objects.get(page=home, name=name)
        block.content = content
        block.save()  # as the Admin Portal and the Admin API do (a new content revision: the page cache)
    body = client.get("/").content.decode()
    assert "Our *shiny* APIs" in body and "<strong>this</strong>" in body  # the title is text, not Markdown


NEW_HEADLINE = "Rockets for everyone"


def headline_theme():
    """A theme whose home falls back on its own headline, like the default theme does."""
    return ts.theme_files(views__home_DOT_html=(
        "{% extends layout %}{% block content %}{% include 'partials/preview_bar.html' %}"
        "<h1>{{ blocks.HeaderTitle.content if blocks.HeaderTitle else '"
        + NEW_HEADLINE + "' }}</h1><p id=intro>{{ blocks.HeaderDescription.content if blocks.HeaderDescription "
        "else 'Our own words' }}</p>{% endblock %}"))


def test_a_themes_own_headline_shows_while_the_seeded_blocks_are_untouched(client):
    ts.store(headline_theme())
    storage.activate("acme", None)
    body = client.get("/").content.decode()
    assert f"<h1>{NEW_HEADLINE}</h1>" in body and "<p id=intro>Our own words</p>" in body
    assert "Build with our APIs" not in body


def test_a_block_an_admin_changed_wins_over_the_themes_headline(signed_in, client):
    ts.store(headline_theme())
    storage.activate("acme", None)
    block = ContentBlock.objects.get(page__path="/", name="HeaderTitle")
    response = signed_in.post(f"/portal-admin/content-blocks/{block.pk}/", {
        "page": block.page_id, "name": "HeaderTitle", "content": "Launch with us", "position": block.position})
    assert response.status_code == 302, response.content
    body = client.get("/").content.decode()
    assert "<h1>Launch with us</h1>" in body and NEW_HEADLINE not in body
    assert "<p id=intro>Our own words</p>" in body  # the description is still the seeded one: the theme's
    block.refresh_from_db()
    block.content = seeded.HOME_BLOCKS["HeaderTitle"]  # typed back to the seeded words: the theme's again
    block.save()
    assert f"<h1>{NEW_HEADLINE}</h1>" in client.get("/").content.decode()


def test_the_preview_banner_says_where_the_words_come_from(signed_in):
    ts.store(headline_theme())
    assert signed_in.post("/portal-admin/themes/acme/preview/").status_code == 302
    body = signed_in.get("/").content.decode()
    assert f"<h1>{NEW_HEADLINE}</h1>" in body and "The words on this page are the theme" in body
    ContentBlock.objects.filter(page__path="/", name="HeaderTitle").update(content="Launch with us")
    body = signed_in.get("/").content.decode()
    assert "<h1>Launch with us</h1>" in body
    assert "The words of HeaderTitle on this page are content blocks that admins changed" in body


def test_the_seeded_words_are_the_ones_the_migration_seeded():
    import importlib

    migration = importlib.import_module("forecourt.content.migrations.0002_home_page")
    assert dict(migration.BLOCKS) == seeded.HOME_BLOCKS
    assert seeded.untouched("/", "HeaderTitle", "Build with our APIs")
    assert not seeded.untouched("/about-us", "HeaderTitle", "Build with our APIs")
    assert not seeded.untouched("/", "HeaderTitle", "Build with our APIs!")


def test_home_falls_back_when_the_home_page_is_a_draft_or_gone(client):
    Page.objects.filter(path="/").update(status=Page.Status.DRAFT, title="Draft home")
    ContentBlock.objects.filter(page__path="/", name="HeaderTitle").update(content="Draft title")
    body = client.get("/").content.decode()
    assert "Build with our APIs" in body and "Draft title" not in body
    Page.objects.filter(path="/").delete()
    assert client.get("/").status_code == 200


def test_home_query_count(client, django_assert_max_num_queries):
    client.get("/")
    with django_assert_max_num_queries(3):  # the theme, the page with its blocks, the menus
        assert client.get("/").status_code == 200


# Rules


@pytest.mark.parametrize("path", ["/about-us", "/docs/getting-started", "/v1.2/notes_x", "/a~b", "/"])
def test_good_paths(path):
    assert rules.check_path(path) == path


@pytest.mark.parametrize(("path", "why"), [
    ("about", "starts with /"), ("/about/", "does not end with /"), ("/About", "lower-case"),
    ("/a//b", "lower-case"), ("/../etc/passwd", "lower-case"), ("/a/./b", "lower-case"), ("/a/../b", "lower-case"),
    ("/.hidden", "lower-case"), ("/a b", "lower-case"), ("/a%2e%2e", "lower-case"), ("/a\\b", "lower-case"),
    ("/a?b=1", "lower-case"), ("/" + "a" * 255, "at most"),
    ("/portal-admin", "taken"), ("/portal-admin/x", "taken"), ("/portal-api", "taken"), ("/assets/x.css", "taken"),
    ("/static/x", "taken"), ("/live", "taken"), ("/ready", "taken"), ("/catalogue-products", "taken"),
    ("/catalogue-products/new-thing", "taken"), ("/auth/password/login", "taken"), ("/auth/other", "taken"),
    ("/apps", "taken"), ("/apps/guide", "taken"), ("/dashboard", "taken"), ("/my-account", "taken"),
])
def test_bad_paths_are_refused_with_a_reason(path, why):
    form = page_form(path=path)
    assert not form.is_valid()
    assert why in " ".join(form.errors["path"])


def test_paths_are_unique():
    page(path="/about-us")
    form = page_form(path="/about-us")
    assert not form.is_valid() and "Another page" in form.errors["path"][0]
    assert PageForm(data={"title": "T", "path": "/about-us", "template": "page", "status": "draft"},
                    instance=Page.objects.get(path="/about-us")).is_valid()


@pytest.mark.parametrize("template", ["error", "../views/home", "views/page", "nope", "", "page.html", "a" * 65])
def test_bad_templates_are_refused(template):
    form = page_form(template=template)
    assert not form.is_valid() and "template" in form.errors


def test_page_and_home_are_templates():
    assert {"page", "home"} <= set(rules.available_templates())
    assert page_form(template="home").is_valid()


# Menus


def labels(entries):
    return [e["label"] for e in entries]


def test_database_items_merge_with_the_built_in_ones_by_position():
    about = page(Intro="x")
    MenuItem.objects.create(label="About", page=about, position=20)
    MenuItem.objects.create(label="First", url="/first", position=0)  # a tie with Home: built-in first
    MenuItem.objects.create(label="Status", url="https://status.example.com", menu="footer")
    out = menus.for_page("/about-us", signed_in=False)
    assert labels(out["primary"]) == ["Home", "First", "Catalogue", "About"]
    assert [e["active"] for e in out["primary"]] == [False, False, False, True]
    assert out["footer"] == [{"label": "Status", "url": "https://status.example.com", "active": False,
                              "children": []}]


def test_an_item_with_a_built_in_url_replaces_it_and_hidden_removes_it():
    MenuItem.objects.create(label="APIs", url="/catalogue-products", position=5)
    MenuItem.objects.create(label="Home", url="/", visibility="hidden")
    assert labels(menus.for_page("/", signed_in=False)["primary"]) == ["APIs"]


def test_visibility_children_and_drafts():
    docs = MenuItem.objects.create(label="Docs", url="/docs-home", position=50)
    MenuItem.objects.create(label="Guide", page=page(path="/docs-guide", Intro="x"), parent=docs, position=2)
    MenuItem.objects.create(label="Members", url="/members", parent=docs, position=1, visibility="signed-in")
    MenuItem.objects.create(label="Join", url="/join", position=60, visibility="signed-out")
    MenuItem.objects.create(label="Draft", page=page(path="/draft", status=Page.Status.DRAFT), position=70)
    visitor = menus.for_page("/docs-guide", signed_in=False)["primary"]
    assert labels(visitor) == ["Home", "Catalogue", "Docs", "Join"]
    assert visitor[2]["active"] and labels(visitor[2]["children"]) == ["Guide"]
    assert visitor[2]["children"][0] == {"label": "Guide", "url": "/docs-guide", "active": True, "children": []}
    member = menus.for_page("/other", signed_in=True)["primary"]
    assert "Join" not in labels(member) and "Dashboard" in labels(member)
    docs_entry = next(e for e in member if e["label"] == "Docs")
    assert labels(docs_entry["children"]) == ["Members", "Guide"] and not docs_entry["active"]


def test_menus_reach_the_pages_and_a_theme_can_draw_children(client):
    MenuItem.objects.create(label="Parent item", url="/p", position=50)
    MenuItem.objects.create(label="Child item", url="/p/c", parent=MenuItem.objects.get(label="Parent item"))
    default_header = client.get("/").content.decode()
    assert "Parent item" in default_header
    assert '<ul class="submenu">' in default_header and '<a href="/p/c">Child item</a>' in default_header
    header = ("{% for item in menus.primary %}<a href='{{ item.url }}'>{{ item.label }}</a>"
              "{% for child in item.children %}<i>{{ child.label }}</i>{% endfor %}{% endfor %}")
    ts.store(partials__header_DOT_html=header)
    storage.activate("acme", None)
    assert "<i>Child item</i>" in client.get("/").content.decode()


@pytest.mark.parametrize(("data", "field", "message"), [
    ({}, "page", "Choose the page"),
    ({"url": "/x", "page": "PAGE"}, "url", "not both"),
    ({"url": "javascript:alert(1)"}, "url", "http"),
    ({"url": "//evil.example.com"}, "url", "http"),
    ({"url": "/a b"}, "url", "spaces"),
    ({"url": "/x", "parent": "CHILD"}, "parent", "top-level item"),
    ({"url": "/x", "parent": "FOOTER"}, "parent", "another menu"),
])
def test_menu_item_rules(data, field, message):
    target = page(Intro="x")
    top = MenuItem.objects.create(label="Top", url="/top")
    child = MenuItem.objects.create(label="Child", url="/c", parent=top)
    footer = MenuItem.objects.create(label="Foot", url="/f", menu="footer")
    values = {"PAGE": target.pk, "CHILD": child.pk, "FOOTER": footer.pk}
    data = {k: values.get(v, v) for k, v in data.items()}
    form = MenuItemForm(data={"menu": "primary", "label": "New", "position": 1, "visibility": "always", **data})
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_an_item_with_children_stays_at_the_top():
    top = MenuItem.objects.create(label="Top", url="/top")
    MenuItem.objects.create(label="Child", url="/c", parent=top)
    other = MenuItem.objects.create(label="Other", url="/o")
    form = MenuItemForm(instance=top, data={"menu": "primary", "label": "Top", "url": "/top", "position": 1,
                                            "visibility": "always", "parent": other.pk})
    assert not form.is_valid() and "children of its own" in form.errors["parent"][0]


def test_page_query_count_does_not_grow_with_the_menus(client):
    item = page(Intro="x")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/about-us").status_code == 200
        return len(ctx.captured_queries)

    client.get("/about-us")
    MenuItem.objects.create(label="One", page=item)
    small = count()
    for i in range(20):
        top = MenuItem.objects.create(label=f"Top {i}", page=page(path=f"/p{i}", Intro="x"), position=i)
        MenuItem.objects.create(label=f"Child {i}", url=f"/c{i}", parent=top)
    assert count() == small


# Admin Portal


@pytest.fixture
def signed_in(client, admin):
    assert client.post("/portal-admin/sign-in/", {"username": admin.email, "password": PASSWORD}).status_code == 302
    return client


def test_admin_portal_creates_and_edits_pages_blocks_and_menu_items(signed_in, admin):
    nav = signed_in.get("/portal-admin/").content.decode()
    assert "Content" in nav and "/portal-admin/pages/" in nav and "/portal-admin/menu-items/" in nav
    for slug in ("pages", "content-blocks", "menu-items"):
        assert signed_in.get(f"/portal-admin/{slug}/new/").status_code == 200
    offered = signed_in.get("/portal-admin/pages/new/").content.decode()  # names the templates to choose from
    assert re.search(r"\bhome, ([a-z_]+, )*page\b", offered), "home and page are among the templates offered"
    response = signed_in.post("/portal-admin/pages/new/", {"title": "About", "path": "/about", "template": "page",
                                                           "status": "published"})
    assert response.status_code == 302
    about = Page.objects.get(path="/about")
    response = signed_in.post("/portal-admin/content-blocks/new/", {"page": about.pk, "name": "Body",
                                                                    "position": 0, "content": "Hello **you**"})
    assert response.status_code == 302
    assert "<strong>you</strong>" in signed_in.get("/about").content.decode()
    response = signed_in.post("/portal-admin/content-blocks/new/", {"page": about.pk, "name": "body",
                                                                    "position": 1, "content": "again"})
    assert response.status_code == 200 and "has a block called body" in response.content.decode()

    response = signed_in.post(f"/portal-admin/pages/{about.pk}/", {"title": "About", "path": "/portal-admin/x",
                                                                   "template": "page", "status": "published"})
    assert response.status_code == 200 and "taken by the portal" in response.content.decode()
    response = signed_in.post(f"/portal-admin/pages/{about.pk}/", {"title": "About us", "path": "/about-us",
                                                                   "template": "page", "status": "published"})
    assert response.status_code == 302 and signed_in.get("/about-us").status_code == 200

    response = signed_in.post("/portal-admin/menu-items/new/", {"menu": "primary", "label": "About us",
                                                                "page": about.pk, "position": 20,
                                                                "visibility": "always", "url": ""})
    assert response.status_code == 302
    assert "About us</a>" in signed_in.get("/").content.decode()
    listing = signed_in.get("/portal-admin/content-blocks/?of_page=" + str(about.pk)).content.decode()
    assert "Body" in listing
    assert signed_in.get("/portal-admin/menu-items/").status_code == 200

    # A page in a menu cannot be deleted; the audit log has every change.
    response = signed_in.post(f"/portal-admin/pages/{about.pk}/delete/")
    assert response.status_code == 409 and Page.objects.filter(pk=about.pk).exists()
    kinds = set(AuditEntry.objects.values_list("object_type", "action"))
    assert {("content.page", "create"), ("content.page", "update"), ("content.contentblock", "create"),
            ("content.menuitem", "create")} <= kinds


# Admin API


def test_api_pages_crud_with_content_blocks(api):
    body = ok(api("post", "/pages", {"Title": "About", "Path": "/about-us", "Template": "page",
                                     "AllowFormSubmission": False, "PageTypeID": 1}))
    assert (body["Title"], body["Path"], body["Template"], body["Status"], body["ContentBlocks"]) == (
        "About", "/about-us", "page", "draft", [])
    page_id = body["ID"]
    block = ok(api("post", f"/pages/{page_id}/content-blocks", {"Name": "HeaderDescription", "Content": "Hi *x*"}))
    assert (block["PageID"], block["Name"], block["Content"], block["Position"]) == (
        page_id, "HeaderDescription", "Hi *x*", 0)
    second = ok(api("post", f"/pages/{page_id}/content-blocks", {"Name": "More"}))
    assert second["Position"] == 1 and second["Content"] == ""
    assert [b["Name"] for b in ok(api("get", f"/pages/{page_id}/content-blocks"))] == ["HeaderDescription", "More"]
    assert ok(api("get", f"/pages/{page_id}/content-blocks/{block['ID']}")) == block

    updated = ok(api("put", f"/pages/{page_id}", {"Status": "Published"}))
    assert updated["Status"] == "published" and updated["Path"] == "/about-us"
    assert [b["Name"] for b in updated["ContentBlocks"]] == ["HeaderDescription", "More"]
    changed = ok(api("put", f"/pages/{page_id}/content-blocks/{block['ID']}", {"Content": "New"}))
    assert changed["Content"] == "New" and changed["Name"] == "HeaderDescription"

    assert any(p["Path"] == "/about-us" for p in ok(api("get", "/pages")))
    assert ok(api("get", f"/pages/{page_id}"))["ContentBlocks"][0]["Content"] == "New"
    ok(api("delete", f"/pages/{page_id}/content-blocks/{second['ID']}"))
    assert api("get", f"/pages/{page_id}/content-blocks/{second['ID']}").status_code == 404
    ok(api("delete", f"/pages/{page_id}"))
    assert api("get", f"/pages/{page_id}").status_code == 404
    assert not ContentBlock.objects.filter(page_id=page_id).exists()


def test_api_page_validation_errors(api):
    def errors(response):
        assert response.status_code == 422, response.content
        return " ".join(response.json()["errors"])

    assert "Path:" in errors(api("post", "/pages", {"Title": "x", "Path": "/portal-api/x"}))
    assert "Path:" in errors(api("post", "/pages", {"Title": "x", "Path": "/../../etc"}))
    assert "Template:" in errors(api("post", "/pages", {"Title": "x", "Path": "/x", "Template": "error"}))
    assert "Status:" in errors(api("post", "/pages", {"Title": "x", "Path": "/x", "Status": "gone"}))
    assert "Title:" in errors(api("post", "/pages", {"Path": "/x"}))
    assert "Bogus" in errors(api("post", "/pages", {"Title": "x", "Path": "/x", "Bogus": 1}))
    page_id = ok(api("post", "/pages", {"Title": "x", "Path": "/x"}))["ID"]
    assert "Path:" in errors(api("post", "/pages", {"Title": "y", "Path": "/x"}))
    assert "Name:" in errors(api("post", f"/pages/{page_id}/content-blocks", {"Name": "bad name"}))
    ok(api("post", f"/pages/{page_id}/content-blocks", {"Name": "Body"}))
    assert "Name:" in errors(api("post", f"/pages/{page_id}/content-blocks", {"Name": "BODY"}))
    assert api("post", "/pages/999999/content-blocks", {"Name": "X"}).status_code == 404
    other = ok(api("post", "/pages", {"Title": "z", "Path": "/z"}))["ID"]
    block_id = ContentBlock.objects.get(page_id=page_id).pk
    assert api("get", f"/pages/{other}/content-blocks/{block_id}").status_code == 404


def test_api_menu_items(api):
    page_id = ok(api("post", "/pages", {"Title": "About", "Path": "/about-us", "Status": "published"}))["ID"]
    item = ok(api("post", "/menu-items", {"Title": "About", "PageID": page_id, "Position": 20}))
    assert (item["Menu"], item["URL"], item["Path"], item["Visibility"], item["ParentID"]) == (
        "primary", "/about-us", "", "always", None)
    child = ok(api("post", "/menu-items", {"Title": "Status", "Path": "https://status.example.com",
                                           "ParentID": item["ID"], "Visibility": "signed-in"}))
    assert child["ParentID"] == item["ID"] and child["PageID"] is None
    moved = ok(api("put", f"/menu-items/{item['ID']}", {"Path": "/elsewhere"}))
    assert (moved["PageID"], moved["URL"]) == (None, "/elsewhere")
    back = ok(api("put", f"/menu-items/{item['ID']}", {"PageID": page_id}))
    assert (back["PageID"], back["Path"]) == (page_id, "")
    assert [i["Title"] for i in ok(api("get", "/menu-items", menu="primary"))] == ["About", "Status"]
    assert ok(api("get", "/menu-items", menu="footer")) == []

    assert api("delete", f"/pages/{page_id}").status_code == 409  # still in a menu
    bad = api("post", "/menu-items", {"Title": "x", "Path": "javascript:alert(1)"})
    assert bad.status_code == 422 and "Path:" in bad.json()["errors"][0]
    bad = api("post", "/menu-items", {"Title": "x", "Path": "/x", "ParentID": child["ID"]})
    assert bad.status_code == 422 and "ParentID:" in bad.json()["errors"][0]
    assert api("post", "/menu-items", {"Title": "x"}).status_code == 422
    assert api("post", "/menu-items", {"Title": "x", "Path": "/x", "Visibility": "sometimes"}).status_code == 422

    ok(api("delete", f"/menu-items/{item['ID']}"))
    assert not MenuItem.objects.exists()  # the child went with it
    ok(api("delete", f"/pages/{page_id}"))


def test_api_lists_run_a_constant_number_of_queries(api):
    def count(path):
        with CaptureQueriesContext(connection) as ctx:
            ok(api("get", path))
        return len(ctx.captured_queries)

    first = page(path="/first", Intro="x")
    MenuItem.objects.create(label="First", page=first)
    count("/pages")  # the token's first use is recorded once
    small = [count("/pages"), count(f"/pages/{first.pk}"), count("/menu-items")]
    for i in range(15):
        item = page(path=f"/more-{i}", A="a", B="b")
        MenuItem.objects.create(label=f"M{i}", page=item)
        ContentBlock.objects.create(page=first, name=f"Extra{i}")
    assert [count("/pages"), count(f"/pages/{first.pk}"), count("/menu-items")] == small


# Migrations


def test_the_home_page_seed_is_reversible(transactional_db):
    from django.core.management import call_command

    call_command("migrate", "content", "0001", verbosity=0)
    assert not Page.objects.filter(path="/").exists()
    call_command("migrate", verbosity=0)  # every app: going back unapplied the ones built on content (site search)
    assert list(Page.objects.get(path="/").blocks.values_list("name", flat=True)) == [
        "HeaderTitle", "HeaderDescription"]
