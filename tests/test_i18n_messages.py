"""The sentences Python builds for a page are in the reader's language too (issue 21): forms' errors (SSO
profiles, OAuth client types, webhooks, pages, menus, blog posts, plans, users), the registration rules a
sign-up form shows, an OpenAPI document's problems, and the About page's findings (configuration warnings,
backup problems, the rolling-upgrade summary, the data-version words).

Each is checked in German (what a browser asking for "de" gets) and, for the About page, in the
pseudo-locale, where any text no catalogue reaches shows. What is data stays English: the same messages
with English active (the Admin API, the command line) are checked unchanged in their own tests.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

import forecourt
from forecourt import configuration
from forecourt.accounts import registration
from forecourt.accounts import services as accounts
from forecourt.catalog import documents
from forecourt.configuration.said import Said
from forecourt.lifecycle import dataversion, releases, rolling
from forecourt.portalconfig.models import PortalSettings

from .support import pseudo_locale
from .support.pseudo_locale import untranslated

pytestmark = pytest.mark.django_db

ABOUT = "/portal-admin/about/"


def _form_errors(form) -> str:
    assert not form.is_valid()
    return " ".join(" ".join(e) for e in form.errors.values())


def _refusal(check, value) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        check(value)
    return refused.value.messages


def test_admin_forms_refuse_in_the_reader_s_language():
    from forecourt.blog import services as blog
    from forecourt.content.forms import MenuItemForm, PageForm, check_url
    from forecourt.oauth.forms import ClientTypeForm
    from forecourt.sso.forms import SsoProfileForm
    from forecourt.webhooks.forms import WebhookForm

    with translation.override("de"):
        sso = _form_errors(SsoProfileForm(data={"key": "", "name": "", "action_type": "consumers",
                                                "protocol": "oidc", "group_role_mapping": '{"a": "boss"}'}))
        client_type = _form_errors(ClientTypeForm(data={"name": " ", "grant_types": "nonsense"}))
        webhook = _form_errors(WebhookForm(data={"name": "w", "url": "https://example.com/hook", "method": "POST",
                                                 "timeout": 10, "headers": '{"Host": "x"}'}))
        page = _form_errors(PageForm(data={"title": "T", "path": "about-us", "template": "page",
                                           "status": "draft"}))
        menu = _form_errors(MenuItemForm(data={"menu": "main", "label": "Home", "position": 0,
                                               "visibility": "all"}))
        post = " ".join(_refusal(blog.check_category_name, "") + _refusal(blog.check_path, "Not A Path"))
        url = " ".join(_refusal(check_url, "//evil.example"))
    assert "Ein Profil braucht eine ID" in sso and "Ein Profil braucht einen Namen" in sso
    assert "das keine Rolle ist" in sso and "A profile needs" not in sso
    assert "Unbekannter Grant-Typ nonsense: Verwenden Sie " in client_type
    assert "Das Portal setzt Host selbst." in webhook
    assert "Ein Pfad beginnt mit /" in page and "A path starts" not in page
    assert "Wählen Sie die Seite" in menu
    assert "Eine Kategorie braucht einen Namen." in post and "Kleinbuchstaben und Ziffern" in post
    assert "Geben Sie einen Pfad dieses Portals" in url
    # With English active (the Admin API, the command line) the same rules say what they always said.
    with translation.override("en"):
        assert "A profile needs a name" in _form_errors(SsoProfileForm(data={"name": "", "protocol": "oidc"}))


def test_an_admin_portal_page_shows_a_form_s_error_in_german(client, admin):
    client.force_login(admin)
    body = client.post("/portal-admin/sso-profiles/new/", {"key": "", "name": "", "protocol": "oidc",
                                                           "action_type": "consumers"},
                       HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Ein Profil braucht einen Namen: Er ist die Beschriftung der Anmeldeschaltfläche." in body
    assert "A profile needs a name" not in body


def test_registration_rules_and_account_blockers_speak_the_reader_s_language(admin):
    settings = PortalSettings.load()
    settings.allow_sign_up, settings.allowed_email_domains = True, "example.com"
    settings.save()
    with translation.override("fr"):
        with pytest.raises(Exception) as refused:
            registration.check_may_register("a@elsewhere.org", registration.Path.SIGN_UP)
        with pytest.raises(Exception) as bad_domain:
            registration.parse_domains("not a domain!")
        blockers = accounts.user_delete_blockers(admin, admin)
    assert refused.value.message_dict["email"] == [
        "Les comptes de ce portail sont réservés aux adresses de example.com."]
    assert bad_domain.value.messages[0].startswith("«\u00a0")  # French quotes, French spaces
    assert blockers == ["Vous ne pouvez pas supprimer votre propre compte."]
    # The constant the tests and the English pages compare with is still the English sentence.
    assert registration.SIGN_UP_OFF == "This portal does not take new registrations."


def test_an_openapi_document_s_problems_are_translated_with_their_lines():
    with translation.override("de"):
        with pytest.raises(documents.InvalidDocument) as refused:
            documents.check('{"swagger": "2.0", "info": {}}')
        assert refused.value.messages == [
            ('Zeile 1, Spalte 2: dies ist ein Swagger-2.0-Dokument; das Portal nimmt OpenAPI 3.0 oder 3.1 an: '
             'Konvertieren Sie es zuerst (z. B. mit "Convert to OpenAPI 3" im Swagger Editor)')]
    with pytest.raises(documents.InvalidDocument) as english:
        documents.check("")
    assert english.value.messages == ["the document is empty"]


def test_configuration_warnings_stay_english_text_and_can_be_said_in_german(tmp_path):
    config = configuration.load(environ={"PORTAL_NO_SUCH_SETTING": "1", "PORTAL_DATADIR": str(tmp_path)},
                                cwd=tmp_path)
    [warning] = [w for w in config.warnings if "NO_SUCH" in w]
    assert isinstance(warning, Said)
    assert warning == "unknown setting PORTAL_NO_SUCH_SETTING in the environment is ignored"
    with translation.override("de"):
        assert warning.in_language(translation.gettext) == (
            "die unbekannte Einstellung PORTAL_NO_SUCH_SETTING in der Umgebung wird ignoriert")


def test_the_rolling_summary_and_data_words_follow_the_active_language():
    verdict = rolling.Verdict(migrations=["catalog.0042_x", "catalog.0043_y"], derived=["search index"])
    with translation.override("es"):
        assert verdict.summary().startswith("puede hacerse de forma escalonada")
        assert dataversion.data_words("0.4.0") == "datos de la 0.4.0"
    assert verdict.summary().startswith("can roll: the release serving now keeps working")
    assert dataversion.data_words(None) == "data of no release's schema"


def _recorded_archive(path, created, version, migrations):
    from forecourt.lifecycle import archive, backup_records

    manifest = {"format": archive.FORMAT, "format_version": 1, "forecourt_version": version,
                "dialect": "postgres", "created_at": created.isoformat(), "files": {}, "migrations": migrations}
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = archive.write_archive(path, manifest, path.parent, [])
    assert backup_records.record(path, manifest, digest, path.stat().st_size) is None
    return path


def test_the_about_page_shows_no_untranslated_finding(client, admin, tmp_path, monkeypatch):
    """An unknown setting, a recorded backup that is gone, and a backup named by its data: in the
    pseudo-locale, the findings and the backup line are pseudo text around the values (paths, names)."""
    now = datetime.now(UTC)
    kept = _recorded_archive(tmp_path / "b" / "kept.tar.gz", now - timedelta(hours=2), "0.5.0",
                             dict(releases.get("0.4.0").migrations))
    gone = _recorded_archive(tmp_path / "b" / "gone.tar.gz", now - timedelta(hours=1), forecourt.__version__,
                             dict(releases.get("0.4.0").migrations))
    gone.unlink()
    config = configuration.load(environ={"PORTAL_NO_SUCH_SETTING": "1", "PORTAL_DATADIR": str(tmp_path),
                                         "PORTAL_PUBLIC_URL": "https://portal.example.com"}, cwd=tmp_path)
    monkeypatch.setattr(configuration, "get", lambda: config)
    client.force_login(admin)
    with pseudo_locale.active(tmp_path / "locale", "de"):
        body = client.get(ABOUT, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    shown = body[body.index('<dd id="backup">'):body.index('<h2', body.index('id="findings"'))]
    assert "PORTAL_NO_SUCH_SETTING" in shown and str(gone) in shown and "0.4.0" in shown
    values = [str(kept), str(gone), "PORTAL_NO_SUCH_SETTING", "postgres", forecourt.__version__, "0.5.0", "0.4.0",
              re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"),
              re.compile(r"\b(?:[a-z_]+, )+[a-z_]+\b")]  # the apps whose schema moved: identifiers
    assert untranslated(shown, data=values) == []
