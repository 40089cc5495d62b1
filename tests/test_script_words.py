"""Every page that loads a script which shows words of its own gives it those words in the page's language
(issue 21). A script cannot carry translations (the strict CSP allows no inline script, and a static
file is the same for everyone), so the page passes them as data: a `<script type="application/json">`
element (never run) or `data-*` attributes, which the script reads.

Each page is rendered in the pseudo-locale (tests/support/pseudo_locale.py, standing in for "de"): the
default theme's every template with the validator's sample data (so a page the theme adds is checked
too), and the Admin Portal's forms. For each script a page loads, the words it is given must all be
pseudo text (placeholders aside); a script this test does not know fails it, so a new one is decided.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from forecourt.adminportal.registry import RESOURCES
from forecourt.themes import paths, storage
from forecourt.themes.loader import ThemeLoader
from forecourt.themes.rendering import render_template
from forecourt.themes.sandbox import PortalSandbox
from forecourt.themes.validate import load_urlconf, sample_context

from .support import pseudo_locale

pytestmark = pytest.mark.one_engine

# A script's file name -> where its page puts its words: ("json", element id) for a JSON data element,
# ("attributes", CSS-like (tag, attribute that marks it), [attributes]) for data-* attributes.
WORDS: dict[str, tuple[Any, ...]] = {
    "multiselect.js": ("json", "words-multiselect"),
    "try-it.js": ("json", "try-it-words"),
    "openapi-lite.js": ("json", "openapi-lite-words"),
    "usage-chart.js": ("attributes", "id", "usage-chart", ["data-ok", "data-client-errors", "data-server-errors"]),
    "try-it-callback.js": ("attributes", "data-try-it-callback", None, ["data-none"]),
    "copy.js": ("attributes", "data-copy", None, ["data-copied", "data-copy-failed"]),
    "passkey.js": ("attributes", "data-passkey-error", None, ["data-refused", "data-not-used"]),
    "asyncapi-start.js": ("attributes", "data-asyncapi", None, ["data-failed"]),
    "graphiql-start.js": ("attributes", "data-graphiql", None, ["data-no-endpoint"]),
}
# Scripts that show no words of their own (or only the page's: dashboard.js writes days and numbers
# with Intl for <html lang>), and vendored libraries.
NO_WORDS = frozenset({"theme-init.js", "theme-toggle.js", "scheme.js", "bulk.js", "plan_quota.js", "dashboard.js",
                      "sso-continue.js"})
VENDORED = re.compile(r"/vendor/")


class _Page(HTMLParser):
    """The scripts a page loads, its JSON data elements, and every element's attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.json: dict[str, str] = {}
        self.elements: list[dict[str, str | None]] = []
        self._json_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append(attributes)
        if tag == "script" and attributes.get("src"):
            self.scripts.append(str(attributes["src"]))
        if tag == "script" and attributes.get("type") == "application/json" and attributes.get("id"):
            self._json_id = str(attributes["id"])

    def handle_data(self, data: str) -> None:
        if self._json_id:
            self.json[self._json_id] = self.json.get(self._json_id, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._json_id = None


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return [value] if isinstance(value, str) else []


def _not_pseudo(texts: list[str]) -> list[str]:
    """The texts that are not pseudo text: an ASCII letter left once placeholders are taken out."""
    return [t for t in texts if pseudo_locale.OPEN not in t or re.search(r"[A-Za-z]", pseudo_locale.KEPT.sub("", t))]


def _words_given(page: _Page, script: str) -> list[str]:
    kind, *where = WORDS[script]
    if kind == "json":
        assert where[0] in page.json, f"{script} is loaded without its words (#{where[0]})"
        return _strings(json.loads(page.json[where[0]]))
    marker, value, names = where
    holders = [e for e in page.elements if marker in e and (value is None or e[marker] == value)]
    assert holders, f"{script} is loaded without the element that holds its words ([{marker}])"
    found = [str(e.get(name) or "") for e in holders for name in names]
    assert all(found), f"{script}'s words are missing: {names}"
    return found


def _check(rendered: str, where: str, seen: set[str]) -> None:
    page = _Page()
    page.feed(rendered)
    for src in page.scripts:
        if VENDORED.search(src):
            continue
        script = src.rsplit("/", 1)[-1].split("?")[0]
        assert script in WORDS or script in NO_WORDS, f"{where} loads {script}: say where its words come from"
        if script in WORDS:
            seen.add(script)
            assert _not_pseudo(_words_given(page, script)) == [], f"{where}: {script}'s words are not all translated"


def _theme_pages() -> list[tuple[str, dict[str, Any]]]:
    """Every template of the default theme with its sample data; the API docs page also with the light
    renderer (for documents too large for the others), which brings its own words."""
    source = storage.bundled()
    pages = [(t, sample_context(source, t)) for t in source.paths() if paths.is_template(t)
             and t.startswith("views/")]
    docs = sample_context(source, "views/api_docs.html")
    pages.append(("views/api_docs.html (lite)", {**docs, "renderer": {
        "name": "lite", "script_url": "/static/live/openapi-lite/openapi-lite.js",
        "style_url": "/static/live/openapi-lite/openapi-lite.css"}}))
    return pages


@pytest.mark.django_db  # the admin's forms read rows; the theme reads nothing but its files
def test_every_page_gives_its_scripts_their_words_in_its_language(client, admin, tmp_path):
    load_urlconf()
    env = PortalSandbox(ThemeLoader([storage.bundled()]))
    seen: set[str] = set()
    client.force_login(admin)
    with pseudo_locale.active(tmp_path, "de"):
        for name, context in _theme_pages():
            _check(render_template(env, name.split(" ")[0], context), name, seen)
        for slug in [resource.slug for resource in RESOURCES]:
            response = client.get(f"/portal-admin/{slug}/new/", HTTP_ACCEPT_LANGUAGE="de")
            if response.status_code == 200:
                assert '<html lang="de"' in response.content.decode()
                _check(response.content.decode(), f"/portal-admin/{slug}/new/", seen)
    # The pages above load every script with words but the passkey ones (their own tests sign in).
    assert seen >= set(WORDS) - {"passkey.js"}, set(WORDS) - seen


def test_the_check_sees_english_words():
    page = '<script type="application/json" id="try-it-words">{"sending": "Sending…"}</script>' \
           '<script type="module" src="/static/live/try-it.js"></script>'
    with pytest.raises(AssertionError, match="not all translated"):
        _check(page, "a page", set())
    with pytest.raises(AssertionError, match="without its words"):
        _check('<script src="/static/live/try-it.js"></script>', "a page", set())
    with pytest.raises(AssertionError, match="say where its words come from"):
        _check('<script src="/static/live/new-widget.js"></script>', "a page", set())
