"""Rendering Live Portal pages with the active theme: the home page, fallback to the default
theme's templates, runtime errors that never take the page down, start-up fallback, e-mails,
error pages, preview (admins only) and assets."""

import logging

import pytest

from forecourt import themes
from forecourt.themes import problems, rendering, storage
from forecourt.themes.models import ThemeState

from . import themes_support as ts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_problems():
    problems.reset_throttle()
    with rendering._warned_lock:
        rendering._warned.clear()


def activate(name="acme", **templates):
    ts.store(name=name, **templates)
    storage.activate(name, None)


def test_home_renders_the_default_theme(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Build with our APIs" in body and 'href="/assets/css/portal.css?v=' in body


def test_home_renders_the_active_theme_and_falls_back_for_missing_templates(client):
    activate()  # acme has no partials/header.html: the default theme's is used
    body = client.get("/").content.decode()
    assert "<h1>Acme home</h1>" in body and 'class="site-header"' in body


def test_runtime_error_falls_back_to_default_logs_file_and_line_and_shows_banner(client, admin, caplog):
    activate(views__home_DOT_html="{% extends layout %}{% block content %}\nok\n{{ user.name.nope() }}{% endblock %}")
    with caplog.at_level(logging.ERROR, logger="forecourt.themes"):
        response = client.get("/")
    assert response.status_code == 200
    assert "Build with our APIs" in response.content.decode()  # the default theme's home
    record = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert "views/home.html, line 3" in record.getMessage()
    assert record.template_file == "views/home.html" and record.template_line == 3
    state = ThemeState.objects.get(pk=1)
    assert state.problem_theme == "acme" and "views/home.html, line 3" in state.problem
    client.force_login(admin)
    page = client.get("/portal-admin/").content.decode()
    assert "theme-problem" in page and "views/home.html, line 3" in page


def test_security_error_at_run_time_falls_back(client):
    activate(views__home_DOT_html="{% extends layout %}{% block content %}{{ ''.__class__ }}{% endblock %}")
    response = client.get("/")
    assert response.status_code == 200 and "Build with our APIs" in response.content.decode()
    assert "SecurityError" in ThemeState.objects.get(pk=1).problem


def test_banner_writes_are_throttled(client, django_assert_max_num_queries):
    activate(views__home_DOT_html="{{ x.y.z() }}")
    client.get("/")
    with django_assert_max_num_queries(8):
        client.get("/")


def test_missing_active_theme_falls_back_with_a_warning_and_banner(client, caplog):
    ThemeState.objects.create(pk=1, active="vanished")
    with caplog.at_level(logging.WARNING, logger="forecourt.themes"):
        response = client.get("/")
    assert response.status_code == 200 and "Build with our APIs" in response.content.decode()
    assert any(r.levelno == logging.WARNING and "vanished" in r.getMessage() for r in caplog.records)
    assert ThemeState.objects.get(pk=1).problem_theme == "vanished"


def test_corrupt_active_theme_falls_back(client, caplog):
    theme = ts.store()
    storage.activate("acme", None)
    theme.manifest = {"name": "acme"}  # no version: corrupt
    theme.save()
    with caplog.at_level(logging.WARNING, logger="forecourt.themes"):
        assert "Build with our APIs" in client.get("/").content.decode()
    assert "theme.json is invalid" in ThemeState.objects.get(pk=1).problem


def test_theming_theme_setting_chooses_the_theme_until_an_admin_activates_one(client, monkeypatch):
    ts.store()
    monkeypatch.setattr(storage, "setting", lambda key: {"Theming.Theme": "acme"}.get(key, ""))
    assert "Acme home" in client.get("/").content.decode()
    storage.activate("default", None)
    assert "Acme home" not in client.get("/").content.decode()


def test_context_must_be_plain_data(rf, admin):
    request = rf.get("/")
    request.user = admin
    request.session = {}
    with pytest.raises(TypeError, match="plain data"):
        themes.render(request, "views/home.html", {"page": admin})
    with pytest.raises(TypeError):
        themes.render(request, "views/home.html", {"items": [object()]})


def test_page_view_renders_markdown_blocks(rf):
    request = rf.get("/about")
    request.session = {}
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = themes.render(request, "views/page.html", {
        "page": {"title": "About"},
        "blocks": {"Intro": {"name": "Intro", "content": "Hello **there** <script>x()</script>"}}})
    body = response.content.decode()
    assert "<h1>About</h1>" in body and "<strong>there</strong>" in body and "<script>x()" not in body


def test_error_pages_use_the_theme(client):
    activate()
    response = client.get("/no-such-page")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body and "<main>" in body  # acme's layout
    # Admin Portal and API paths keep their own error pages.
    assert "Page not found" not in client.get("/portal-admin/themes/x/y/z/").content.decode()


def test_render_mail_uses_the_theme_with_fallback():
    subject, text, html = themes.render_mail("test", {"to": "dev@example.com"})
    assert subject == "Test message from the developer portal"
    assert "sent to dev@example.com" in text and "sent to <strong>dev@example.com</strong>" in html
    activate(mailers__test_DOT_subject_DOT_txt="Acme says {{ to }} & hi")
    subject, text, _html = themes.render_mail("test", {"to": "a<b@example.com"})
    assert subject == "Acme says a<b@example.com & hi"  # text templates are not HTML-escaped
    with pytest.raises(ValueError):
        themes.render_mail("../x")


# Preview


def test_preview_is_for_admins_only(client, admin, consumer):
    ts.store()
    client.force_login(admin)
    response = client.post("/portal-admin/themes/acme/preview/")
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert "Acme home" in page.content.decode() and page["Cache-Control"] == "private, no-store"
    # Other visitors still see the active theme.
    from django.test import Client

    assert "Acme home" not in Client().get("/").content.decode()
    # A consumer whose session carries the flag does not get the preview.
    other = Client()
    other.force_login(consumer)
    session = other.session
    session[rendering.PREVIEW_SESSION_KEY] = "acme"
    session.save()
    assert "Acme home" not in other.get("/").content.decode()
    # A consumer cannot start a preview.
    assert other.post("/portal-admin/themes/acme/preview/").status_code == 404
    # The admin quits the preview.
    client.post("/portal-admin/themes/preview/exit/")
    assert "Acme home" not in client.get("/").content.decode()


def test_preview_shows_the_error_to_the_admin_without_a_banner(client, admin):
    ts.store(views__home_DOT_html="{{ x.y.z() }}")
    client.force_login(admin)
    client.post("/portal-admin/themes/acme/preview/")
    body = client.get("/").content.decode()
    assert "Build with our APIs" in body and "views/home.html, line 1" in body
    assert not ThemeState.objects.filter(problem__gt="").exists()


# Assets


def test_assets_have_caching_and_safety_headers(client):
    response = client.get("/assets/css/portal.css")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=300"
    assert "sandbox" in response["Content-Security-Policy"]
    etag = response["ETag"]
    again = client.get("/assets/css/portal.css", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    versioned = client.get(f"/assets/css/portal.css?v={storage.bundled().revision[:12]}")
    assert "immutable" in versioned["Cache-Control"]


def test_assets_of_the_active_theme_and_fallback(client):
    activate()
    assert client.get("/assets/css/acme.css").content == b"body { color: red; }"
    assert client.get("/assets/img/favicon.svg").status_code == 200  # from the default theme


@pytest.mark.parametrize("path", ["../theme.json", "..%2Ftheme.json", "css/../../theme.json", "%2Fetc%2Fpasswd",
                                  "views/home.html", ".hidden", "nope.css"])
def test_assets_refuse_traversal_and_unknown_files(client, path):
    activate()
    assert client.get(f"/assets/{path}").status_code == 404
    assert client.get("/assets/../theme.json").status_code == 404


def test_risky_asset_types_are_downloads_not_pages(client):
    files = ts.theme_files(assets__evil_DOT_html="<script>alert(1)</script>", assets__x_DOT_svg="<svg/>")
    ts.store(files)
    storage.activate("acme", None)
    html = client.get("/assets/evil.html")
    assert html["Content-Type"] == "application/octet-stream"
    assert html["Content-Disposition"].startswith("attachment")
    svg = client.get("/assets/x.svg")
    assert svg["Content-Type"] == "image/svg+xml" and "script-src" not in svg["Content-Security-Policy"]
    assert "default-src 'none'" in svg["Content-Security-Policy"]


def test_home_query_count_is_small(client, django_assert_max_num_queries):
    activate()
    client.get("/")
    with django_assert_max_num_queries(4):
        client.get("/")
