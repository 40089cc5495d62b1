"""Values shown in the reader's way (issue 21): dates in e-mails in the recipient's language and time
zone, an e-mail's `<html lang dir>`, counts on pages grouped the page language's way, and `dir` read from
Django's LANGUAGES_BIDI (one source of right to left)."""

import re
import zoneinfo

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from forecourt.adminportal.counting import RowCount
from forecourt.i18n import languages
from forecourt.notify import values
from forecourt.notify.mailers import BY_NAME

pytestmark = pytest.mark.one_engine

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
LATE = "2027-01-31T20:00:00+00:00"  # already 1 February in Tokyo


def _render(name, context):
    from forecourt.notify.rendering import render

    return render(name, context)


@pytest.mark.parametrize(("language", "zone", "expected"), [
    ("en", None, "Jan. 31, 2027"),
    ("de", None, "31. Januar 2027"),
    ("fr", None, "31 janvier 2027"),
    ("es", None, "31 de enero de 2027"),
    ("ja", None, "2027年1月31日"),
    ("de", TOKYO, "1. Februar 2027"),  # the reader's day, not the server's
])
def test_a_date_is_shown_in_the_readers_language_and_zone(language, zone, expected):
    with translation.override(language), timezone.override(zone or zoneinfo.ZoneInfo("UTC")):
        assert values.shown_date(LATE) == expected
        assert values.shown_date("2027-01-31") == expected.replace("1. Februar", "31. Januar")  # a day has no zone


@pytest.mark.parametrize("bad", ["31/01/2027", "", "tomorrow", 20270131])
def test_a_date_that_is_not_one_is_refused(bad):
    with pytest.raises(ValueError, match="ISO"):
        values.shown_date(bad)


@pytest.mark.django_db  # the active theme's mailers are rendered
def test_the_expiry_emails_show_the_date_in_the_recipients_language():
    context = {**BY_NAME["credential_expiring"].sample, "expires_on": LATE}
    with translation.override("fr"), timezone.override(TOKYO):
        rendered = _render("credential_expiring", context)
        expired = _render("credential_expired", {**context, "days_left": 0})
    for text in (rendered.subject, rendered.text, rendered.html, expired.text, expired.html):
        assert "1 février 2027" in text and "2027-01" not in text


@pytest.mark.django_db
def test_the_email_layout_has_the_recipients_language_and_direction():
    context = BY_NAME["welcome"].sample
    with translation.override("ja"):
        assert '<html lang="ja" dir="ltr">' in _render("welcome", context).html
    with override_settings(LANGUAGES_BIDI=["de"]), translation.override("de"):
        assert '<html lang="de" dir="rtl">' in _render("welcome", context).html


def test_the_theme_validators_samples_are_what_an_email_gets():
    with translation.override("de"), timezone.override(zoneinfo.ZoneInfo("UTC")):
        data = values.sample("mailers/credential_expiring.html")
        assert data["expires_on"] == "31. Januar 2027"
        assert data["language"] == {"code": "de", "dir": "ltr"}
        assert values.sample("mailers/layout.html") == {"language": {"code": "de", "dir": "ltr"}}


@pytest.mark.parametrize(("language", "exact", "about", "capped"), [
    ("en", "1,234", "about 51,000", "10,000+"),
    ("de", "1.234", "etwa 51.000", "10.000+"),
    ("fr", "1\xa0234", "environ 51\xa0000", "10\xa0000+"),  # a no-break space
])
def test_counts_on_pages_are_grouped_the_languages_way(language, exact, about, capped):
    with translation.override(language):
        assert str(RowCount(1234)) == exact
        assert str(RowCount(51_000, exact=False, estimated=True)) == about
        assert str(RowCount(10_000, exact=False)) == capped


def test_direction_follows_djangos_languages_bidi():
    assert languages.direction("de") == "ltr"
    with override_settings(LANGUAGES_BIDI=["de"]), translation.override("de"):
        assert languages.direction("de") == "rtl" and translation.get_language_bidi()
    assert languages.direction("ar") == "ltr"  # right to left in Django, but no page is in it here
    assert not re.search("rtl", languages.direction("xx"))


def test_a_theme_writes_numbers_as_the_readers_language_does():
    """`|number` in a theme (the usage report's totals and days): grouped the reader's way, never guessed."""
    from django.utils import translation

    from forecourt.themes import storage
    from forecourt.themes.loader import ThemeLoader
    from forecourt.themes.sandbox import PortalSandbox

    sandbox = PortalSandbox(ThemeLoader([storage.bundled()]))
    template = sandbox.from_string("{{ big|number }} {{ half|number }} {{ none|number }} {{ text|number }}")
    seen = {}
    for language in ("en", "de", "fr", "ja"):
        with translation.override(language):
            seen[language] = template.render(big=1234567, half=2.5, none=None, text="x")
    assert seen["en"] == "1,234,567 2.5 None x"
    assert seen["de"] == "1.234.567 2,5 None x"
    assert seen["fr"].replace("\u202f", " ").replace("\xa0", " ") == "1 234 567 2,5 None x"
    assert seen["ja"] == "1,234,567 2.5 None x"
