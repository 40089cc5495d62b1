"""The Admin Portal's text is marked for translation (issue 21): with a language active, its pages
show the catalogue's words, from templates, from the registry built at import (gettext_lazy) and from
the views' messages (gettext); plural forms come from the catalogue, not from English's "+s". With no
language chosen the pages stay as they were: the other Admin Portal tests assert their English.

The catalogue here is a few entries written as a .mo file by the test itself, so this test needs no
gettext tools and does not depend on the shipped catalogues' wording.
"""

import struct
from pathlib import Path

import pytest
from django.utils import translation

from forecourt.accounts.models import User
from forecourt.providers.models import Provider

from .conftest import PASSWORD

WORDS = {
    "Dashboard": "Übersicht",
    "Set up your portal": "Portal einrichten",
    "Administration": "Verwaltung",
    "Themes": "Designs",
    "Status": "Zustand",
    "You are signed out.": "Sie sind abgemeldet.",
    "Add %(name)s": "%(name)s hinzufügen",
    # Translators' plural forms: a singular and a plural that English would not make with "+s".
    ("%(count)s new user", "%(count)s new users"): ("ein neuer Nutzer (%(count)s)", "%(count)s neue Nutzer"),
}


def _mo(entries: dict) -> bytes:
    """A GNU .mo file of `entries` (msgid -> msgstr; a (singular, plural) key -> (form 0, form 1))."""
    catalogue = {"": "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n"}
    for key, value in entries.items():
        if isinstance(key, tuple):
            catalogue["\0".join(key)] = "\0".join(value)
        else:
            catalogue[key] = value
    keys = sorted(catalogue)
    ids = [k.encode() for k in keys]
    strs = [catalogue[k].encode() for k in keys]
    start = 7 * 4 + 16 * len(keys)
    offsets, blob = [], b""
    for data in ids + strs:
        offsets.append((len(data), start + len(blob)))
        blob += data + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0)
    table = b"".join(struct.pack("<2I", *pair) for pair in offsets)
    return header + table + blob


@pytest.fixture
def german(tmp_path: Path, settings, client):
    """The test's German catalogue, asked for by every request of `client` (the language middleware
    chooses per request: Accept-Language here, as no one signed in has saved a language)."""
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.mo").write_bytes(_mo(WORDS))
    settings.LOCALE_PATHS = [str(tmp_path)]  # Django's test signals drop the cached catalogues
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    with translation.override("de"):
        yield


@pytest.fixture
def signed_in(client, admin):
    assert client.login(username=admin.email, password=PASSWORD)
    return client


def test_the_dashboard_speaks_the_active_language(german, signed_in):
    html = signed_in.get("/portal-admin/").content.decode()
    assert '<html lang="de" dir="ltr">' in html
    assert "<h1>Übersicht</h1>" in html and "Portal einrichten" in html
    # The sidebar's section shows its title, and the links the template adds under the
    # Administration section (by its key, not its words) are still there.
    section = html.split("<h2>Verwaltung</h2>", 1)[1].split("<h2>", 1)[0]
    assert "/portal-admin/themes/" in section and ">Designs</a>" in section


def test_plural_forms_come_from_the_catalogue(german, signed_in, db):
    User.objects.create_user("one@example.com", PASSWORD)
    html = signed_in.get("/portal-admin/").content.decode()
    # Two users joined today (the admin and this one): the catalogue's plural, in the chart's summary.
    assert "2 neue Nutzer" in html


def test_column_labels_made_at_import_follow_the_language_of_each_request(german, signed_in):
    Provider.objects.create(name="Gateway", url="https://dashboard.example.com", secret="s")
    html = signed_in.get("/portal-admin/providers/?sort=name").content.decode()
    assert ">Zustand<" in html
    assert "provider hinzufügen" in html  # a sentence with a placeholder (the name is the model's, not marked)
    assert ">Status<" in signed_in.get("/portal-admin/providers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_messages_are_translated(german, signed_in):
    response = signed_in.post("/portal-admin/sign-out/", follow=True)
    assert "Sie sind abgemeldet." in response.content.decode()


def test_without_a_language_the_words_are_english(signed_in):
    html = signed_in.get("/portal-admin/").content.decode()
    assert '<html lang="en" dir="ltr">' in html and "<h1>Dashboard</h1>" in html
