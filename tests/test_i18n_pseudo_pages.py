"""No page of either portal shows text that no catalogue reaches (issue 21, part 7): each main page,
requested in the pseudo-locale (standing in for "de", as a browser asking for German would get it),
shows only pseudo text, the user's data, and the entries of ALLOWED below.

The portal is the sample one the accessibility run seeds (tests/support/sample_portal.py), and the Admin
Portal's pages come from its registry, so a new resource or a new page there is checked here too. What
the database holds is the user's data, not interface text (translated content is a later round): every
text column's value is left out, except columns with choices, whose labels are interface text.
"""

from __future__ import annotations

import re
import zoneinfo

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import reverse

from .support import pseudo_locale, sample_portal
from .support.pseudo_locale import untranslated

# The words on a page do not depend on the engine that stored its data (every view's own tests run on
# each engine): the SQLite run walks the pages.
pytestmark = pytest.mark.one_engine


# Text still shown unmarked, each with why it is not marked yet. Keep it short: a new unmarked text
# fails the test; mark it instead of adding it here.
ALLOWED: dict[str | re.Pattern[str], str] = {
    # Choices whose labels are names or identifiers, the same in every language.
    re.compile(r"^(?:Keycloak|Gluu|Okta|web|native|browser|service|POST|PUT|STARTTLS|TLS \(SMTPS\))$"):
        "names of products, protocols and HTTP methods, and Okta's app types (identifiers): choices' labels",
    re.compile(r'\{"[^{}]*\}'): "a JSON example in a help text: code, the same in every language",
    re.compile(r"(?<=: )(?:[a-z_]+, )+[a-z_]+(?=\.)"):
        "the names a help text lists (OAuth grant and response types, the theme's views): identifiers",
    re.compile(r"^(?:[a-z_]+, )+[a-z_]+$"): "the fields an audit entry changed, by name: identifiers",
    re.compile(r"^(?:default|The Forecourt developers)$|(?<=Ðöŵñļöåð )default"):
        "the built-in theme's manifest: its name and author",
    re.compile(r"“[^”]*”"): "a document's own title, quoted: the user's data",
    re.compile(r"^(?:test|invite)$"): "e-mail templates' names (identifiers) in the e-mail log's filter",
    re.compile(r"\S[^⟦⟧]*…"): "a list cell's value cut short: the user's data",
    "Forecourt": "the product's name",
    **dict.fromkeys(zoneinfo.available_timezones(), "time-zone names: IANA identifiers"),
}

# Shown values that are not words of the interface: numbers with units, codes, addresses, versions.
FIRST = [
    re.compile(r"https?://[^\s\"]+"),
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"logos/[\w.-]+"),  # an uploaded file's name
]
NOT_WORDS = [
    re.compile(r"\b[0-9a-f]{4,}\b"),  # key hints, ids
    re.compile(r"\b[1-5]xx\b"),  # HTTP status classes
    re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b"),  # identifiers: webhook events (AccessRequestCreated)
    re.compile(r"\b[a-z]+(?:[_.][a-z0-9]+)+\b"),  # identifiers: e-mail templates, content types, grants
    re.compile(r"\b(?:JSON|JWT|HMAC|OAuth 2\.0|OpenID Connect|SAML 2\.0|OpenAPI)\b"),  # names of standards
    re.compile(r"\A[A-Z]\Z"),  # a product's initial, standing in for a missing logo
    re.compile(r"\b\d+\.\d+\.\d+(?:\.?(?:dev|a|b|rc)\d+)?\b"),  # the portal's version
]
MARKDOWN = re.compile(r"`[^`]*`|[*_`]+|^\s*(?:#+|\d+\.|[-*])\s+", re.MULTILINE)


def _pieces(value: str) -> list[str]:
    """A Markdown value as its rendered text shows it: line by line, without markers or code."""
    return [p.strip() for p in MARKDOWN.sub("\n", value).splitlines() if len(p.strip()) > 1]


def _data(*, words: bool = False) -> list[str | re.Pattern[str]]:
    """Every text value the database holds (names, descriptions, e-mails, content), but no choice codes."""
    values: set[str] = set()
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField)) and not f.choices]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if isinstance(value, str) and len(value.strip()) > 2:
                    values.update([value.strip(), *_pieces(value)])
    if words:  # search results: excerpts of the values, cut around the words searched for
        values.update(w for v in list(values) for w in re.findall(r"[A-Za-z][\w'-]+", v))
    # The language switcher names each language in itself (<option lang="de">Deutsch</option>).
    values.update(name for _, name in settings.LANGUAGES)
    values.update(a for a in ALLOWED if isinstance(a, str))
    # One pattern, whole words only, tried where each text begins: the longest values, then the patterns
    # (addresses, the allowed ones), then the short values. So a value such as "password" does not cut an
    # identifier (password_reset) or a plan's limits into text that looks like words.
    ordered = sorted(values, key=len, reverse=True)
    patterns = [p.pattern for p in (*FIRST, *(a for a in ALLOWED if not isinstance(a, str)))]
    alternatives = "|".join([*(re.escape(v) for v in ordered if len(v) >= 20), *patterns,
                             *(re.escape(v) for v in ordered if len(v) < 20)])
    whole = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")
    return [whole, *NOT_WORDS]


def _visit(client, pages: list[tuple[str, str]]) -> list[str]:
    problems = []
    data, words = _data(), _data(words=True)
    for name, path in pages:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="de")
        if response.status_code >= 400 and name != "not-found":
            problems.append(f"{name} ({path}): HTTP {response.status_code}")
            continue
        html = response.content.decode()
        shown = untranslated(html, data=words if name.startswith("search") else data)
        problems += [f"{name} ({path}) {found}" for found in shown]
    return problems


@pytest.fixture
def portal(admin):
    return sample_portal.seed(admin)


@pytest.fixture
def pseudo_de(tmp_path):
    with pseudo_locale.active(tmp_path, "de"):
        yield


def test_live_portal_pages_show_no_unmarked_text(portal, pseudo_de, client):
    product = portal["product"]
    pages = sample_portal.live_public_pages(portal)
    pages += [("search", reverse("live:search") + "?q=weather"), ("not-found", "/no-such-page")]
    problems = _visit(client, pages)
    client.force_login(portal["lead"])
    signed_in = sample_portal.live_signed_in_pages(portal)
    signed_in += [("app-usage", reverse("live:app_usage", args=[portal["app"].pk])),
                  ("usage", reverse("live:organisation_usage")),
                  ("search-signed-in", reverse("live:search") + f"?q={product.slug}")]
    problems += _visit(client, signed_in)
    assert not problems, "\n".join(problems)


def test_admin_portal_pages_show_no_unmarked_text(portal, admin, pseudo_de, client):
    pages, missing = sample_portal.admin_pages()
    assert not missing, f"the sample portal has nothing to edit for: {', '.join(missing)}"
    pages.append(("usage", reverse("adminportal:usage")))
    client.force_login(admin)
    problems = _visit(client, pages)
    assert not problems, "\n".join(problems)


def test_the_run_finds_unmarked_text(portal, pseudo_de, client, monkeypatch):
    """The check itself: a page's English shows up (here, with the pseudo catalogue gone)."""
    html = client.get(reverse("live:sign_in"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert not untranslated(html, data=_data())
    with pseudo_locale.translation.override("en"):
        html = client.get(reverse("live:sign_in"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert any("Sign in" in found for found in untranslated(html, data=_data()))
