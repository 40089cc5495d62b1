"""A theme's own message catalogues (issue 21): `locale/<lang>/LC_MESSAGES/*.po` checked on upload,
compiled once per theme revision, looked up before the portal's catalogues on pages and in e-mails;
`forecourt theme validate` renders every template in every language and reports catalogue problems."""

import io
import logging
import threading

import pytest
from django.utils import translation

from forecourt.notify.rendering import render as render_mail
from forecourt.themes import catalogues, loader, manifest, rendering, services, storage
from forecourt.themes.loader import ThemeLoader
from forecourt.themes.models import ThemeFile, ThemeState
from forecourt.themes.sandbox import PortalSandbox
from forecourt.themes.sources import DirectorySource
from forecourt.themes.validate import StagedSource, validate

from . import themes_support as ts

pytestmark = pytest.mark.django_db

HOME = """{% extends layout %}{% block content %}
<h1 class="acme">{{ _("Welcome to Acme") }}</h1>
<p class="acme-search">{{ _("Search") }}</p>
<p class="acme-count">{% trans count=3 %}{{ count }} gadget{% pluralize %}{{ count }} gadgets{% endtrans %}</p>
{% endblock %}"""

DE_PO = r'''# Acme's German text.
msgid ""
msgstr ""
"Language: de\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Welcome to Acme"
msgstr "Willkommen bei Acme"

# Overrides the portal's own "Suchen".
msgid "Search"
msgstr "Durchstöbern"

msgid "%(count)s gadget"
msgid_plural "%(count)s gadgets"
msgstr[0] "%(count)s Apparat"
msgstr[1] "%(count)s Apparate"

#, fuzzy
msgid "Developer Portal"
msgstr "Fuzzy: not used"
'''

WELCOME_SUBJECT = '{{ _("Welcome aboard the Acme portal") }}\n'
MAIL_PO = r'''msgid ""
msgstr ""
"Language: de\n"

msgid "Welcome aboard the Acme portal"
msgstr "Willkommen an Bord des Acme-Portals"
'''

PO = "locale/de/LC_MESSAGES/acme.po"


def acme_files(**overrides):
    files = ts.theme_files(views__home_DOT_html=HOME)
    files[PO] = DE_PO.encode()
    for path, content in overrides.items():
        if content is None:
            files.pop(path, None)
        else:
            files[path] = content if isinstance(content, bytes) else content.encode()
    return files


def staged(files) -> StagedSource:
    files = dict(files)
    return StagedSource(manifest.parse(files.pop("theme.json")), files)


def upload(files):
    data = ts.make_zip(files)
    return services.upload(io.BytesIO(data), len(data), None)


def refused(files) -> list[str]:
    with pytest.raises(services.UploadRefused) as caught:
        upload(files)
    return caught.value.errors


def page(client, language: str) -> str:
    return client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


@pytest.fixture
def acme_active():
    upload(acme_files())
    storage.activate("acme", None)


# --- pages ------------------------------------------------------------------------------------------------

def test_a_german_request_shows_the_themes_new_sentence_and_its_override(client, acme_active):
    body = page(client, "de")
    assert '<h1 class="acme">Willkommen bei Acme</h1>' in body
    assert '<p class="acme-search">Durchstöbern</p>' in body
    assert '<p class="acme-count">3 Apparate</p>' in body
    # The default theme's templates the theme lacks (the header) see the override too; text the theme's
    # catalogue does not have, or has only fuzzy, is the portal's German.
    assert "Durchstöbern" in body.split('<main', 1)[0] and "Suchen" not in body
    assert "Fuzzy" not in body and "Entwicklerportal" in body


def test_an_english_request_shows_the_english_text(client, acme_active):
    body = page(client, "en")
    assert '<h1 class="acme">Welcome to Acme</h1>' in body
    assert '<p class="acme-search">Search</p>' in body and '<p class="acme-count">3 gadgets</p>' in body


def test_a_french_request_falls_back_to_the_portals_catalogue(client, acme_active):
    body = page(client, "fr")
    assert '<h1 class="acme">Welcome to Acme</h1>' in body  # nobody translated it into French
    assert '<p class="acme-search">Rechercher</p>' in body  # the portal's French


def test_the_default_theme_is_unchanged_by_an_uploaded_themes_catalogue(client):
    upload(acme_files())  # stored, not active
    assert "Durchstöbern" not in page(client, "de") and "Suchen" in page(client, "de")


def test_an_admin_preview_and_the_active_theme_each_use_their_own_catalogue(client, admin, acme_active):
    other = acme_files(**{PO: DE_PO.replace("Durchstöbern", "Stöbern")})
    other["theme.json"] = other["theme.json"].replace(b'"acme"', b'"acme2"')
    upload(other)
    client.force_login(admin)
    assert '<p class="acme-search">Durchstöbern</p>' in page(client, "de")
    session = client.session
    session[rendering.PREVIEW_SESSION_KEY] = "acme2"
    session.save()
    assert '<p class="acme-search">Stöbern</p>' in page(client, "de")
    client.logout()
    assert '<p class="acme-search">Durchstöbern</p>' in page(client, "de")


def test_catalogues_are_compiled_once_per_revision_not_per_request(client, acme_active, monkeypatch):
    page(client, "de")
    calls = []
    real = catalogues.load
    monkeypatch.setattr(catalogues, "load", lambda source: calls.append(source) or real(source))
    for _ in range(3):
        page(client, "de")
    assert calls == []
    upload(acme_files(**{PO: DE_PO.replace("Durchstöbern", "Stöbern")}))  # a new revision (validated: staged)
    assert [source.kind for source in calls] == ["uploaded"] and calls[0].revision == "staged"
    for _ in range(3):
        assert '<p class="acme-search">Stöbern</p>' in page(client, "de")
    assert len(calls) == 2 and calls[1].revision == storage.source("acme").revision  # once for the new revision


def test_threads_rendering_in_different_languages_each_get_their_own(acme_active):
    source = storage.source("acme")
    env = rendering.environment_for(source)
    template = env.from_string('{{ _("Welcome to Acme") }}|{{ _("Search") }}')
    seen: dict[str, set[str]] = {"de": set(), "fr": set(), "en": set()}
    barrier = threading.Barrier(3)

    def run(language: str) -> None:
        with translation.override(language):
            barrier.wait()
            for _ in range(200):
                seen[language].add(template.render())

    threads = [threading.Thread(target=run, args=(code,)) for code in seen]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"de": {"Willkommen bei Acme|Durchstöbern"}, "fr": {"Welcome to Acme|Rechercher"},
                    "en": {"Welcome to Acme|Search"}}


def test_a_folder_themes_bad_catalogue_is_left_out_and_logged(tmp_path, caplog):
    for path, content in acme_files(**{PO: DE_PO.replace('"Durchstöbern"', '"Durchstöbern')}).items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(content)
    source = DirectorySource(tmp_path, "folder")
    loader.clear_cache()
    with caplog.at_level(logging.ERROR, logger="forecourt.themes"):
        env = rendering.environment_for(source)
    assert f"{PO}:13" in caplog.text and "this catalogue is not used" in caplog.text
    with translation.override("de"):
        assert env.from_string('{{ _("Search") }}').render() == "Suchen"  # the portal's


# --- e-mails ----------------------------------------------------------------------------------------------

def test_an_email_is_rendered_with_the_active_themes_catalogue():
    upload(acme_files(**{"mailers/welcome.subject.txt": WELCOME_SUBJECT, "locale/de/LC_MESSAGES/mail.po": MAIL_PO}))
    storage.activate("acme", None)
    sample = {"user_name": "Dana", "to": "dana@example.com", "portal_url": "https://portal.example.com/"}
    with translation.override("de"):
        german = render_mail("welcome", sample)
    assert german.subject == "Willkommen an Bord des Acme-Portals"
    assert render_mail("welcome", sample).subject == "Welcome aboard the Acme portal"
    with translation.override("fr"):
        assert render_mail("welcome", sample).subject == "Welcome aboard the Acme portal"


# --- upload checks ----------------------------------------------------------------------------------------

@pytest.fixture
def previous_theme():
    """acme 1.0.0 without a catalogue, active: what a refused upload must leave as it was."""
    upload(ts.theme_files())
    storage.activate("acme", None)
    return ThemeState.objects.get(pk=1).active, set(ThemeFile.objects.values_list("path", "sha256"))


def _unchanged(previous):
    assert (ThemeState.objects.get(pk=1).active, set(ThemeFile.objects.values_list("path", "sha256"))) == previous


def test_a_po_syntax_error_refuses_the_upload_naming_file_and_line(previous_theme, client):
    errors = refused(acme_files(**{PO: DE_PO.replace('msgstr "Willkommen bei Acme"', 'msgstr "Willkommen bei Acme')}))
    assert errors == [f"{PO}:9: a string that is not closed, or a '\"' inside it not written \\\""]
    _unchanged(previous_theme)
    assert "Acme home" in page(client, "de")


def test_a_po_babel_cannot_read_refuses_the_upload(previous_theme):
    errors = refused(acme_files(**{PO: DE_PO.replace('msgid "Search"', 'msgid "Search"\nnonsense here')}))
    assert errors == [f"{PO}:13: cannot be read: Unknown or misformatted keyword"]
    _unchanged(previous_theme)


def test_a_wrong_placeholder_refuses_the_upload(previous_theme):
    bad = DE_PO.replace('msgstr[1] "%(count)s Apparate"', 'msgstr[1] "%(anzahl)s Apparate"')
    errors = refused(acme_files(**{PO: bad}))
    assert errors == [(f"{PO}:15: the translation of '%(count)s gadget' uses %(anzahl)s, which the msgid does not "
                      "have (it has: %(count)s)")]
    _unchanged(previous_theme)


def test_an_unknown_language_refuses_the_upload(previous_theme):
    errors = refused(acme_files(**{PO: None, "locale/pt/LC_MESSAGES/acme.po": DE_PO.replace("Language: de", "")}))
    assert errors == ["locale/pt/LC_MESSAGES/acme.po: 'pt' is not a language this portal ships (en, de, fr, es, ja)"]
    _unchanged(previous_theme)


def test_the_wrong_number_of_plural_forms_refuses_the_upload(previous_theme):
    header = DE_PO.replace("nplurals=2; plural=(n != 1);", "nplurals=3; plural=(n != 1);")
    errors = refused(acme_files(**{PO: header}))
    assert errors == [(f"{PO}:6: its Plural-Forms header has 3 forms; de has 2 (the portal's: nplurals=2; "
                      "plural=(n != 1);)")]
    missing = DE_PO.replace('msgstr[1] "%(count)s Apparate"\n', "")
    assert refused(acme_files(**{PO: missing})) == [
        f"{PO}:15: the translation of '%(count)s gadget' has 1 plural form(s); the language has 2"]
    _unchanged(previous_theme)


def test_files_in_locale_other_than_catalogues_are_refused_and_compiled_ones_skipped():
    errors = refused(acme_files(**{"locale/de/notes.txt": "hello"}))
    assert errors == [("locale/de/notes.txt: locale/ holds message catalogues only, as "
                      "locale/<language>/LC_MESSAGES/<domain>.po")]
    result = upload(acme_files(**{"locale/de/LC_MESSAGES/acme.mo": b"\x00compiled"}))
    assert result.skipped == ["locale/de/LC_MESSAGES/acme.mo"]
    assert set(ThemeFile.objects.filter(path__startswith="locale/").values_list("path", flat=True)) == {PO}


# --- the checks one by one --------------------------------------------------------------------------------

def problems_of(po: str, path: str = PO) -> list[tuple[int | None, str]]:
    _catalog, found = catalogues.read(path, po.encode())
    return [(p.line, p.message) for p in found]


@pytest.mark.parametrize(("translation_", "problem"), [
    ("Hallo %(name)s", None),
    ("Hallo", None),  # a translation may leave a placeholder out
    ("Hallo %(nom)s", "uses %(nom)s, which the msgid does not have (it has: %(name)s)"),
    ("Hallo %(name)d", "uses %(name)d where the msgid has %(name)s"),
    ("100% Hallo %(name)s", "has a '%' that starts no placeholder: write %% for a percent sign"),
    ("100%% Hallo %(name)s", None),
    ("Hallo %s", "has the positional placeholders %s; the msgid has none"),
    ("%(name)s %s", "mixes named and positional placeholders"),
])
def test_named_placeholders(translation_, problem):
    po = f'msgid "Hello %(name)s"\nmsgstr "{translation_}"\n'
    assert problems_of(po) == ([] if problem is None else [(1, f"the translation of 'Hello %(name)s' {problem}")])


@pytest.mark.parametrize(("translation_", "ok"), [("%s und %s", True), ("%s", False), ("%d und %s", False),
                                                  ("%(a)s und %s", False)])
def test_positional_placeholders(translation_, ok):
    assert (problems_of(f'msgid "%s and %s"\nmsgstr "{translation_}"\n') == []) is ok


def test_a_placeholder_the_msgid_lacks_is_refused_even_when_the_msgid_has_none():
    assert problems_of('msgid "Hello"\nmsgstr "Hallo %(name)s"\n') == [
        (1, "the translation of 'Hello' uses %(name)s, which the msgid does not have (it has: none)")]


def test_lines_babel_would_misread_are_refused_with_their_number():
    assert problems_of('msgid "a"\nmsgstr b\n') == [(2, "msgstr must be followed by a quoted string")]
    assert problems_of('msgid "a"\nmsgstr ""\n"say "hi""\n') == [
        (3, "a string that is not closed, or a '\"' inside it not written \\\"")]
    assert problems_of('msgid "a"\nmsgstr ""\n"say \\"hi\\""\n#~ msgid "old"\n#~ msgstr "alt"\n') == []


def test_japanese_has_one_plural_form():
    po = 'msgid "%(num)d key"\nmsgid_plural "%(num)d keys"\nmsgstr[0] "%(num)d 個の鍵"\n'
    assert problems_of(po, "locale/ja/LC_MESSAGES/acme.po") == []
    assert problems_of(po) == [(1, "the translation of '%(num)d key' has 1 plural form(s); the language has 2")]


def test_the_language_header_must_be_the_folders():
    assert problems_of('msgid ""\nmsgstr ""\n"Language: fr\\n"\n') == [
        (3, "its Language header says 'fr', but it is in locale/de/")]
    assert problems_of('msgid ""\nmsgstr ""\n"Language: de_DE\\n"\n') == []


def test_a_catalogue_must_be_utf8():
    assert problems_of('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=ISO-8859-1\\n"\n') == [
        (3, "is declared iso-8859-1: a theme's catalogues are UTF-8")]
    _catalog, found = catalogues.read(PO, 'msgid "a"\nmsgstr "\xe4"\n'.encode("latin-1"))
    assert [(p.line, p.message) for p in found] == [(2, "is not UTF-8 text: save it as UTF-8")]


def test_two_files_of_one_language_that_disagree_are_refused():
    other = 'msgid "Search"\nmsgstr "Suche"\n'
    files = acme_files(**{"locale/de/LC_MESSAGES/zz.po": other})
    found = validate(staged(files), ("en",))
    assert [str(p) for p in found] == [f"locale/de/LC_MESSAGES/zz.po:1: translates 'Search' differently from {PO}"]


# --- validate in every language ---------------------------------------------------------------------------

def test_validate_passes_the_default_theme_in_every_shipped_language():
    assert validate(storage.bundled(), ("en", "de", "fr", "es", "ja")) == []


def test_validate_reports_a_template_that_breaks_in_one_language_only_naming_it():
    # A real way: a view that includes a partial per language, and the theme has no French one.
    home = ('{% extends layout %}{% block content %}{% include "partials/legal_" ~ language.code ~ ".html" %}'
            '{% endblock %}')
    files = acme_files(**{"views/home.html": home})
    for code in ("en", "de", "es", "ja"):
        files[f"partials/legal_{code}.html"] = f"<p>{code}</p>".encode()
    found = validate(staged(files), ("en", "de", "fr", "es", "ja"))
    assert [(p.file, p.languages) for p in found] == [("views/home.html", ("fr",))]
    assert str(found[0]).startswith("views/home.html:1: in fr only: TemplateNotFound: partials/legal_fr.html")


def test_a_problem_in_every_language_is_reported_once_without_languages():
    files = acme_files(**{"views/home.html": "{% extends layout %}{% block content %}{{ nope.x.y }}{% endblock %}"})
    found = validate(staged(files), ("en", "de", "fr"))
    assert [(p.file, p.languages) for p in found] == [("views/home.html", ())]


def test_a_translations_placeholder_values_are_escaped_and_its_own_markup_is_the_themes():
    po = 'msgid "Hello %(name)s"\nmsgstr "<em>Hallo</em> %(name)s"\n'
    source = staged(acme_files(**{PO: po}))
    env = PortalSandbox(ThemeLoader([source]), translations=catalogues.load(source).translations)
    with translation.override("de"):
        assert env.from_string('{{ _("Hello %(name)s", name="<b>Dana</b>") }}').render() == \
            "<em>Hallo</em> &lt;b&gt;Dana&lt;/b&gt;"
