"""The message catalogues (src/forecourt/locale, scripts/messages.py, docs/translating.md): current with the
code, each language's translations well-formed and complete, and what Django reads at run time."""

import contextlib
import gettext
import importlib.util
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "messages.py"

# The languages shipped, with the plural rule each catalogue declares. French counts 0 and 1 as singular;
# French and Spanish keep gettext's two forms (CLDR's third, for round millions, is left out: docs/translating.md).
PLURAL_FORMS = {"de": (2, "(n != 1)"), "es": (2, "(n != 1)"), "fr": (2, "(n > 1)"), "ja": (1, "0")}


def _load_script():
    spec = importlib.util.spec_from_file_location("forecourt_messages_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


messages = _load_script()
CATALOGUES = messages.Catalogues()


def run(package: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The script on another package, in this process (test_the_catalogues_are_current runs it as make does)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = messages.main(["--package", str(package), *args])
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


# --- the tree's catalogues ---------------------------------------------------------------------------

def test_the_catalogues_are_current():
    """What `make lint` runs: the template is what the code marks, every language has every text, and
    every .mo is its .po compiled. On failure it says what to run."""
    result = subprocess.run([sys.executable, str(SCRIPT), "check"], capture_output=True, text=True, check=False,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_the_shipped_languages_and_their_plural_rules():
    assert CATALOGUES.languages() == sorted(PLURAL_FORMS)
    for language, (count, expression) in PLURAL_FORMS.items():
        catalogue = CATALOGUES.read(language)
        assert (catalogue.num_plurals, catalogue.plural_expr) == (count, expression), language


@pytest.mark.parametrize("language", sorted(PLURAL_FORMS))
def test_translations_keep_the_placeholders_and_have_every_plural_form(language):
    """Babel's checkers (python-format placeholders, the header's number of plural forms) and {name} fields."""
    assert messages.translation_problems(CATALOGUES.read(language)) == []


@pytest.mark.parametrize("language", sorted(PLURAL_FORMS))
def test_every_text_is_translated(language):
    """No empty translation, no fuzzy one (a guess `update` made from a similar text, not yet reviewed)."""
    untranslated = [
        m.id for m in CATALOGUES.read(language)
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, (tuple, list)) else m.string))]
    assert untranslated == []


@pytest.mark.parametrize("language", sorted(PLURAL_FORMS))
def test_django_reads_the_compiled_catalogue_of_each_language(language):
    (locale_dir,) = settings.LOCALE_PATHS
    found = gettext.find("django", str(locale_dir), [translation.to_locale(language)])
    assert found == str(CATALOGUES.po_path(language).with_suffix(".mo"))


# --- the script, on copies -----------------------------------------------------------------------------

def _copy_of_the_package(target: Path) -> Path:
    """The package's sources the script reads, and its catalogues, under `target`."""
    for path, _method, _options in CATALOGUES.sources():
        copy = target / path.relative_to(CATALOGUES.package)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    shutil.copytree(CATALOGUES.locale, target / "locale")
    return target


def test_check_fails_on_a_new_marked_text_and_on_a_stale_compiled_catalogue(tmp_path):
    package = _copy_of_the_package(tmp_path / "forecourt")
    assert run(package, "check").returncode == 0
    view = package / "adminportal" / "views.py"
    view.write_text(view.read_text() + '\n\nNEW = gettext_lazy("A text marked after the catalogues were made")\n')
    mo = package / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
    mo.write_bytes(mo.read_bytes() + b"\0")
    result = run(package, "check")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    new = "'A text marked after the catalogues were made'"
    assert any(line.endswith("/django.pot is stale: run `scripts/messages.py extract`, then `update`")
               for line in lines), lines
    assert any(line.startswith(f"  new: {new} (adminportal/views.py:") for line in lines), lines
    for language in PLURAL_FORMS:
        assert any(line.startswith(f"{language}: missing {new}") for line in lines), lines
    assert any(line.startswith("fr: ") and line.endswith("/fr/LC_MESSAGES/django.mo is stale: "
                                                        "run `scripts/messages.py compile`") for line in lines)
    for command in ("extract", "update", "compile"):
        assert run(package, command).returncode == 0
    assert run(package, "check").returncode == 0


SOURCES = {
    "app/views.py": (
        "from django.utils.translation import gettext as _, ngettext, npgettext, pgettext_lazy\n\n\n"
        "def view(n):\n"
        "    # Translators: the button that signs a user in\n"
        '    a = _("Sign in")\n'
        '    b = ngettext("%(count)s key", "%(count)s keys", n) % {"count": n}\n'
        '    c = pgettext_lazy("month", "May")\n'
        '    d = npgettext("api", "{n} call", "{n} calls", n)\n'
        "    return a, b, c, d\n"),
    "app/templates/app/page.html": (
        "{% load i18n %}\n"
        '<h1>{% translate "Sign in" %}</h1>\n'
        "{# Translators: the dashboard's greeting #}\n"
        "<p>{% blocktranslate trimmed with name=user.name %}\n"
        "  Hello {{ name }}, welcome\n"
        "{% endblocktranslate %}</p>\n"),
    "themes/default/views/home.html": (
        '<h1>{{ _("Welcome %(name)s", name=user) }}</h1>\n'
        "{% for x in y %}{% break %}{% endfor %}\n"
        "{% trans count=n %}One product{% pluralize %}{{ count }} products{% endtrans %}\n"),
    "themes/history/old.html": '{{ _("Only in an old snapshot") }}\n',
}


def _make_package(target: Path) -> Path:
    for name, text in SOURCES.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text)
    assert run(target, "extract").returncode == 0
    assert run(target, "init", "fr", "--plural-forms", "nplurals=2; plural=(n > 1);").returncode == 0
    assert run(target, "init", "ja").returncode == 0
    assert run(target, "compile").returncode == 0
    return target


def _entries(package: Path, language: str | None = None) -> dict:
    cats = messages.Catalogues(package)
    return messages.entries(cats.read(language) if language else cats.read_template())


def test_extraction_reads_python_django_templates_and_the_theme(tmp_path):
    package = _make_package(tmp_path)
    template = _entries(package)
    assert sorted(template, key=str) == sorted([
        ("%(count)s key", None), ("Hello %(name)s, welcome", None), ("May", "month"), ("One product", None),
        ("Sign in", None), ("Welcome %(name)s", None), ("{n} call", "api")], key=str)
    assert template["%(count)s key", None].id == ("%(count)s key", "%(count)s keys")
    assert template["One product", None].id == ("One product", "%(count)s products")
    assert template["Sign in", None].auto_comments == ["Translators: the button that signs a user in"]
    assert template["Hello %(name)s, welcome", None].auto_comments == ["Translators: the dashboard's greeting"]
    assert template["Sign in", None].locations == [("app/templates/app/page.html", None), ("app/views.py", None)]
    assert _entries(package, "ja")["%(count)s key", None].string == ("",)  # one form in Japanese
    # Where `check` says a text is, the template's own line (templatize keeps them).
    cats = messages.Catalogues(package)
    cats.template()
    assert {f.where for f in cats.found if f.key == ("Hello %(name)s, welcome", None)} == {
        "app/templates/app/page.html:4"}
    assert {f.where for f in cats.found if f.key == ("One product", None)} == {"themes/default/views/home.html:3"}


def test_update_keeps_translations_and_marks_what_is_gone_obsolete(tmp_path):
    package = _make_package(tmp_path)
    po = package / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    po.write_text(po.read_text().replace('msgid "Sign in"\nmsgstr ""', 'msgid "Sign in"\nmsgstr "Se connecter"')
                  .replace('msgctxt "month"\nmsgid "May"\nmsgstr ""', 'msgctxt "month"\nmsgid "May"\nmsgstr "mai"'))
    views = package / "app" / "views.py"
    views.write_text(views.read_text().replace('pgettext_lazy("month", "May")', '"May"'))
    assert run(package, "extract").returncode == 0
    assert run(package, "update").returncode == 0
    assert _entries(package, "fr")["Sign in", None].string == "Se connecter"
    assert ("May", "month") not in _entries(package, "fr")
    assert '#~ msgctxt "month"\n#~ msgid "May"\n#~ msgstr "mai"' in po.read_text()
    # Marked again, it comes back translated.
    views.write_text(views.read_text().replace('c = "May"', 'c = pgettext_lazy("month", "May")'))
    assert run(package, "extract").returncode == 0
    assert run(package, "update").returncode == 0
    assert _entries(package, "fr")["May", "month"].string == "mai"
    assert "#~" not in po.read_text()
    # Nothing changes on a second run: the files are byte-stable (no dates, sorted).
    assert run(package, "compile").returncode == 0
    before = {p: p.read_bytes() for p in (package / "locale").rglob("*.*")}
    for command in ("extract", "update", "compile"):
        result = run(package, command)
        assert result.returncode == 0 and "wrote" not in result.stdout, (command, result.stdout)
    assert before == {p: p.read_bytes() for p in (package / "locale").rglob("*.*")}
    assert "Date" not in po.read_text() and "Generated-By" not in po.read_text()


def test_check_reports_broken_translations(tmp_path):
    package = _make_package(tmp_path)
    po = package / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    po.write_text(po.read_text()
                  .replace('"Welcome %(name)s"\nmsgstr ""', '"Welcome %(name)s"\nmsgstr "Bienvenue %(nom)s"')
                  .replace('msgid_plural "{n} calls"\nmsgstr[0] ""\nmsgstr[1] ""',
                           'msgid_plural "{n} calls"\nmsgstr[0] "{m} appel"\nmsgstr[1] "{n} appels"'))
    assert run(package, "compile").returncode == 0
    result = run(package, "check")
    assert result.returncode == 1
    assert "fr: 'Welcome %(name)s': unknown named placeholder 'nom'" in result.stderr
    assert "fr: '{n} call': unknown fields ['m'] (the msgid has ['n'])" in result.stderr
    # A translation with more plural forms than the language has is refused where it is.
    po.write_text(po.read_text().replace('msgstr[1] "{n} appels"', 'msgstr[1] "{n} appels"\nmsgstr[2] "x"'))
    result = run(package, "check")
    assert result.returncode == 1
    assert "fr/LC_MESSAGES/django.po line " in result.stderr and "num_plurals" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_refuses_what_it_cannot_make(tmp_path):
    package = _make_package(tmp_path)
    assert run(package, "init", "fr").returncode == 1  # exists: update merges into it
    assert run(package, "init", "french").returncode == 2
    assert run(package, "init", "xx").returncode == 2  # no such locale
    assert run(package, "init", "pt_BR", "--plural-forms", "two").returncode == 2
    assert not (package / "locale" / "pt_BR").exists() and not (package / "locale" / "xx").exists()
    assert run(tmp_path / "empty", "update").returncode == 1  # no template yet: extract first
