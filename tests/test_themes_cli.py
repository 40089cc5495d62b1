"""`forecourt theme validate`: every template rendered against sample data, each error with its
file and line, exit status 1 on error, --json."""

import json
import os
import subprocess
import sys

import pytest

from forecourt.themes.validate import validate_target

from . import themes_support as ts

BROKEN_HOME = "{% extends layout %}\n{% block content %}\n{{ cycler.__init__.__globals__ }}\n{% endblock %}"


@pytest.fixture
def run(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "TYK_PORTAL_"))}
    env["PORTAL_DATADIR"] = str(tmp_path)

    def run(*args: str):
        return subprocess.run([sys.executable, "-m", "forecourt", "theme", "validate", *args], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)

    return run


def write_folder(root, files):
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)
    return root


def test_validate_a_good_folder_and_the_default_theme(run, tmp_path):
    folder = write_folder(tmp_path / "acme", ts.theme_files())
    result = run(str(folder))
    assert result.returncode == 0, result.stderr
    assert "acme: every template renders" in result.stdout
    assert run("default").returncode == 0


def test_validate_reports_file_and_line_and_fails(run, tmp_path):
    folder = write_folder(tmp_path / "acme", ts.theme_files(views__home_DOT_html=BROKEN_HOME,
                                                            partials__x_DOT_html="line one\n{% for %}"))
    result = run(str(folder))
    assert result.returncode == 1
    assert "acme: views/home.html:3: SecurityError" in result.stderr
    assert "acme: partials/x.html:2: TemplateSyntaxError" in result.stderr
    report = json.loads(run(str(folder), "--json").stdout)
    assert report["ok"] is False and report["theme"] == "acme"
    assert any(p["file"] == "views/home.html" and p["line"] == 3 for p in report["problems"])


def test_validate_a_zip(run, tmp_path):
    good = tmp_path / "good.zip"
    good.write_bytes(ts.make_zip(ts.theme_files()))
    assert run(str(good)).returncode == 0
    bad = tmp_path / "bad.zip"
    bad.write_bytes(ts.make_zip(ts.theme_files(layouts__site_layout_DOT_html=None)))
    result = run(str(bad), "--json")
    assert result.returncode == 1
    assert "not in the zip" in json.loads(result.stdout)["problems"][0]["message"]


def test_validate_a_bad_manifest(run, tmp_path):
    folder = write_folder(tmp_path / "acme", ts.theme_files(theme_DOT_json=b'{"name": "acme"}'))
    result = run(str(folder))
    assert result.returncode == 1 and "theme.json: 'version' is required" in result.stderr


@pytest.mark.django_db
def test_validate_a_stored_theme_by_name():
    ts.store(views__home_DOT_html=BROKEN_HOME)
    name, problems = validate_target("acme")
    assert name == "acme" and [(p.file, p.line) for p in problems] == [("views/home.html", 3)]
    assert validate_target("nope")[1][0].message == "no such theme, folder or zip file"


BAD_DE = 'msgid "Welcome, %(name)s"\nmsgstr "Willkommen, %(nom)s"\n'
PER_LANGUAGE_HOME = ('{% extends layout %}{% block content %}{{ _("Welcome, %(name)s", name="Dana") }}\n'
                     '{% include "partials/legal_" ~ language.code ~ ".html" %}{% endblock %}')


def test_validate_renders_in_every_language_and_reports_catalogues(run, tmp_path):
    legal = {f"partials/legal_{code}.html": b"<p>legal</p>" for code in ("en", "de", "es", "ja")}  # no fr
    folder = write_folder(tmp_path / "acme", {**ts.theme_files(views__home_DOT_html=PER_LANGUAGE_HOME), **legal,
                                              "locale/de/LC_MESSAGES/acme.po": BAD_DE.encode()})
    result = run(str(folder))
    assert result.returncode == 1
    assert ("acme: locale/de/LC_MESSAGES/acme.po:1: the translation of 'Welcome, %(name)s' uses %(nom)s, which the "
            "msgid does not have (it has: %(name)s)") in result.stderr
    assert "acme: views/home.html:2: in fr only: TemplateNotFound: partials/legal_fr.html" in result.stderr
    report = json.loads(run(str(folder), "--json").stdout)
    assert report["languages"] == ["en", "de", "fr", "es", "ja"]
    assert {(p["file"], tuple(p["languages"])) for p in report["problems"]} == {
        ("locale/de/LC_MESSAGES/acme.po", ()), ("views/home.html", ("fr",))}


def test_validate_says_which_languages_it_rendered(run, tmp_path):
    result = run(str(write_folder(tmp_path / "acme", ts.theme_files())))
    assert "acme: every template renders (in en, de, fr, es, ja)" in result.stdout


def test_theme_messages_writes_and_updates_a_catalogue(tmp_path):
    home = ('{% extends layout %}{% block content %}<h1>{{ _("Welcome to Acme") }}</h1>{{ _("Search") }}'
            '{% trans count=2 %}{{ count }} gadget{% pluralize %}{{ count }} gadgets{% endtrans %}{% endblock %}')
    folder = write_folder(tmp_path / "acme", ts.theme_files(views__home_DOT_html=home))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "TYK_PORTAL_"))}
    env["PORTAL_DATADIR"] = str(tmp_path)

    def messages(*args: str):
        return subprocess.run([sys.executable, "-m", "forecourt", "theme", "messages", *args], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)

    result = messages(str(folder), "de", "--domain", "acme")
    assert result.returncode == 0, result.stderr
    assert ("wrote locale/de/LC_MESSAGES/acme.po: 3 message(s), 0 translated by the theme, 1 left to the portal's "
            "translation, 2 to translate") in result.stdout
    po = folder / "locale/de/LC_MESSAGES/acme.po"
    text = po.read_text()
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in text
    assert "#. The portal translates this as: 'Suchen' (leave msgstr empty to keep it)\n" in text
    assert 'msgid "%(count)s gadget"\nmsgid_plural "%(count)s gadgets"' in text
    po.write_text(text.replace('msgid "Welcome to Acme"\nmsgstr ""', 'msgid "Welcome to Acme"\nmsgstr "Willkommen"'))
    (folder / "views/home.html").write_text(home.replace("Search", "Find"))
    result = messages(str(folder), "de", "--domain", "acme")
    assert "1 translated by the theme" in result.stdout and "  new: 'Find'" in result.stdout
    text = po.read_text()
    assert 'msgstr "Willkommen"' in text and '#~ msgid "Search"' in text
    assert run_validate_ok(folder, env)
    assert messages(str(folder), "pt").returncode == 2


def run_validate_ok(folder, env) -> bool:
    return subprocess.run([sys.executable, "-m", "forecourt", "theme", "validate", str(folder)], env=env,
                          capture_output=True, text=True, timeout=120, check=False).returncode == 0
