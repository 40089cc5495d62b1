"""What a themed page does not redo on each render: compiled templates (bundled and stored themes,
across requests and threads), converted Markdown, reversed URLs (benchmarks/NOTES-render.md)."""

import threading

import pytest
from django.urls import set_script_prefix

from forecourt.themes import loader, storage
from forecourt.themes.loader import ThemeLoader
from forecourt.themes.sandbox import _rendered, markdown
from forecourt.themes.urls_names import reverse_live

from . import themes_support as ts

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources_read(monkeypatch):
    """The template sources the loader reads (each is a compile)."""
    read: list[str] = []
    real = ThemeLoader.get_source

    def get_source(self, environment, template):
        read.append(template)
        return real(self, environment, template)

    monkeypatch.setattr(ThemeLoader, "get_source", get_source)
    return read


@pytest.mark.parametrize("stored", [False, True], ids=["bundled", "stored"])
def test_templates_are_compiled_once_per_revision_across_requests_and_threads(client, sources_read, stored):
    loader.clear_cache()
    if stored:
        ts.store(name="acme", views__home_DOT_html="{% extends layout %}{% block content %}Acme home{% endblock %}")
        storage.activate("acme", None)
    first = client.get("/")
    assert first.status_code == 200 and (b"Acme home" in first.content) == stored
    assert "views/home.html" in sources_read
    sources_read.clear()

    statuses: list[int] = []

    def visit() -> None:
        from django.db import connection
        from django.test import Client

        try:
            statuses.append(Client().get("/").status_code)
        finally:
            connection.close()

    client.get("/")
    if not stored:  # SQLite's in-memory test database is not shared with other threads
        thread = threading.Thread(target=visit)
        thread.start()
        thread.join()
        assert statuses == [200]
    assert sources_read == []

    if stored:  # a new upload is a new revision: compiled again
        ts.store(name="acme", views__home_DOT_html="{% extends layout %}{% block content %}New{% endblock %}")
        assert b"New" in client.get("/").content
        assert "views/home.html" in sources_read


def test_markdown_is_converted_once_per_text(monkeypatch):
    _rendered.clear()
    calls: list[str] = []
    import markdown as markdown_lib

    real = markdown_lib.markdown
    monkeypatch.setattr(markdown_lib, "markdown", lambda text, **kw: calls.append(text) or real(text, **kw))
    first = markdown("# Hi\n\n<script>alert(1)</script> **bold**")
    again = markdown("# Hi\n\n<script>alert(1)</script> **bold**")
    other = markdown("# Other")
    assert first == again and "<strong>bold</strong>" in first and "<script" not in first
    assert "Other" in other and len(calls) == 2


def test_remembered_urls_follow_the_script_prefix():
    assert reverse_live("catalogue") == "/catalogue-products"
    set_script_prefix("/portal/")
    try:
        assert reverse_live("catalogue") == "/portal/catalogue-products"
        assert reverse_live("product", "x" * 400) == "/portal/catalogue-products/" + "x" * 400  # not kept, still right
    finally:
        set_script_prefix("/")
    assert reverse_live("catalogue") == "/catalogue-products"
    with pytest.raises(ValueError, match="not a Live Portal page name"):
        reverse_live("admin:index")


def test_an_uploaded_theme_is_read_once_per_content_revision(client):
    """Every page asks for the active theme: a stored one is read again only after a change."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from . import factories

    ts.store(name="acme", views__home_DOT_html="{% extends layout %}{% block content %}Acme one{% endblock %}")
    storage.activate("acme", None)
    client.force_login(factories.consumer())  # signed in: past the page cache, so the theme is asked for
    assert "Acme one" in client.get("/").content.decode()
    with CaptureQueriesContext(connection) as warm:
        assert "Acme one" in client.get("/").content.decode()
    assert not [q["sql"] for q in warm.captured_queries if "themes_theme" in q["sql"]]
    ts.store(name="acme", views__home_DOT_html="{% extends layout %}{% block content %}Acme two{% endblock %}")
    assert "Acme two" in client.get("/").content.decode()
