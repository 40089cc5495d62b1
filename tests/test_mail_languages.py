"""Every e-mail the portal sends, in every language it ships (issue 21).

The marked-ness check renders each mailer of notify/mailers.py (the list the theme validator uses,
with its sample data) -- subject, text body and HTML body -- with a pseudo catalogue standing in for
each shipped language: any English word left in it came from text nobody marked. Each mailer is
rendered with its sample and with the optional values left out (no name, no link, no products, one
day/hour), so both sides of every `{% if %}` in a template are seen.

The second test reads the real catalogues: every e-mail renders in every language, and its subject
is no longer the English one.
"""

import html
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from forecourt.notify import values
from forecourt.notify.mailers import MAILERS

from .support import pseudo_locale

SHIPPED = ("en", "de", "fr", "es", "ja")

# Rendering text: the database only hands over the active theme, read the same way on every engine
# (tests/test_notify*.py send e-mails on each). The SQLite run renders them all.
pytestmark = pytest.mark.one_engine

# What a mailer's context may leave out or make singular: the templates' other branches.
SPARSE = {"user_name": "", "sign_in_url": "", "products": [], "reason": "", "to": "", "app_url": "",
          "expires_hours": 1, "expires_days": 1, "days_left": 1}


def _variants(sample: dict[str, Any]) -> list[dict[str, Any]]:
    sparse = {**sample, **{key: value for key, value in SPARSE.items() if key in sample}}
    if "items" in sample:  # policy_unreadable: a plan besides the product, and so "policies"
        sparse["items"] = [*sample["items"], {**sample["items"][0], "kind": "plan", "name": "Gold"}]
    return [sample, sparse]


def _values(value: Any) -> Iterator[str]:
    """The sample's own text (names, addresses, reasons): the user's data, not the portal's words."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _values(item)
    elif isinstance(value, str) and value:
        yield value


def _render(name: str, context: dict[str, Any]) -> Any:
    from forecourt.notify.rendering import render

    return render(name, context)


def test_every_shipped_language_is_offered():
    assert set(SHIPPED) <= {code for code, _ in settings.LANGUAGES}


@pytest.mark.django_db  # the active theme's mailers are rendered
@pytest.mark.parametrize("language", SHIPPED)
@pytest.mark.parametrize("mailer", MAILERS, ids=lambda m: m.name)
def test_every_word_of_every_email_is_marked(mailer, language, tmp_path):
    with pseudo_locale.active(tmp_path, language):
        for context in _variants(mailer.sample):
            rendered = _render(mailer.name, context)
            # Dates as the language writes them (notify/values.py) are values too: Django's date formats hold
            # words of their own ("31 de enero de 2027") that are no catalogue's text.
            data = sorted(set(_values(context)) | set(_values(values.localised(mailer.name, context))))
            # Text parts are not HTML: escaped, a "<ada@example.com>" stays text for the reader.
            left = {
                "subject": pseudo_locale.untranslated(html.escape(rendered.subject), data=data),
                "text": pseudo_locale.untranslated(html.escape(rendered.text), data=data),
                "html": pseudo_locale.untranslated(rendered.html, data=data),
            }
            assert left == {"subject": [], "text": [], "html": []}, context
            assert pseudo_locale.OPEN in rendered.subject


def test_the_check_sees_an_unmarked_word(tmp_path):
    with pseudo_locale.active(tmp_path, "de"):
        marked = translation.gettext("Hello,")
    assert pseudo_locale.untranslated(html.escape(f"{marked}\n\nThanks")) == ["text: ⟦Ĥéļļö,⟧ Thanks"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", SHIPPED)
@pytest.mark.parametrize("mailer", MAILERS, ids=lambda m: m.name)
def test_every_email_renders_in_every_language(mailer, language):
    with translation.override(language):
        for context in _variants(mailer.sample):
            rendered = _render(mailer.name, context)
            assert rendered.subject.strip() and "\n" not in rendered.subject
            assert rendered.text.strip() and rendered.html.startswith("<!DOCTYPE html>")


@pytest.mark.django_db
@pytest.mark.parametrize("language", [code for code in SHIPPED if code != "en"])
@pytest.mark.parametrize("mailer", MAILERS, ids=lambda m: m.name)
def test_every_email_subject_is_translated(mailer, language):
    english = _render(mailer.name, mailer.sample)
    with translation.override(language):
        assert _render(mailer.name, mailer.sample).subject != english.subject
