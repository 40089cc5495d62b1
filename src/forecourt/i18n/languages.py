"""The languages Forecourt ships, each named in its own language (what a switcher shows to someone who
may not read the current one), and which are written right to left.

THE list: settings.LANGUAGES is made from it, the general settings offer only these, and a saved
preference or a switcher's choice outside it is refused. Imports no Django settings, so settings.py
can read it.
"""

from dataclasses import dataclass

from django.conf import settings  # lazy: read only when direction() is called, after settings.py
from django.conf.locale import LANG_INFO


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in its own language
    bidi: bool  # written right to left (Django's LANG_INFO, which settings.LANGUAGES_BIDI follows)

    @property
    def direction(self) -> str:
        """The `dir` attribute of a page in this language."""
        return "rtl" if self.bidi else "ltr"


def _shipped(*names: tuple[str, str]) -> tuple[Language, ...]:
    return tuple(Language(code, name, bool(LANG_INFO[code]["bidi"])) for code, name in names)


SHIPPED = _shipped(("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español"), ("ja", "日本語"))
CODES = tuple(language.code for language in SHIPPED)
DEFAULT = "en"  # the portal's default language until an admin chooses another
BY_CODE = {language.code: language for language in SHIPPED}


def is_shipped(code: object) -> bool:
    return isinstance(code, str) and code in BY_CODE


def django_languages() -> list[tuple[str, str]]:
    """settings.LANGUAGES."""
    return [(language.code, language.name) for language in SHIPPED]


def direction(code: str) -> str:
    """"rtl" or "ltr" for a language code the portal offers (settings.LANGUAGES; any other: "ltr").

    Django's settings are the one source, read at call time: settings.LANGUAGES_BIDI, asked about the
    language without its region as translation.get_language_bidi() does, so `dir` always agrees with
    what Django itself says of the active language (and a test that takes a language for one written
    right to left, with override_settings, is believed everywhere at once). Language.bidi above is the
    same fact from LANG_INFO, which Django's LANGUAGES_BIDI is made from.
    """
    if not isinstance(code, str) or code not in dict(settings.LANGUAGES):
        return "ltr"
    return "rtl" if code.split("-", maxsplit=1)[0] in settings.LANGUAGES_BIDI else "ltr"
