"""A theme's own message catalogues (issue 21): `locale/<lang>/LC_MESSAGES/<domain>.po`, any domain
name, one or several files per language.

Why: the default theme's text is translated by the portal's catalogues (src/forecourt/locale), but a
theme that adds a sentence has nobody to translate it, and a theme may want another wording of a
default text in one language. So a theme's templates look their text up in the theme's catalogue for
the active language first, then in the portal's (`ThemeTranslations`): the same `_()`, `gettext()`,
`ngettext()`, `pgettext()` and `{% trans %}` that the sandbox installs, with one lookup in front.

Checked (`load`) where the templates are: on upload and by `forecourt theme validate` (a problem
refuses the upload, named with its file and line), and read by Babel, strictly: a language the portal
ships (i18n.languages), UTF-8, every line well formed (Babel alone reads an unterminated string as if
it were closed), the Language header if any is the folder's, the plural forms as many as the portal's
own catalogue for that language has, and each translation's %-placeholders the msgid's (new-style
gettext formats every translation with the template's keyword arguments: a placeholder the template
does not give is an error on the page, in that language only).

Compiled once per theme revision in each process, with the theme's environment (loader.environment):
each language's files merged into one Babel catalogue, written as a .mo and read back by the standard
library's GNUTranslations, whose fallback is the portal's translation in Django's active language.
Never per request, and nothing is stored but the .po the admin uploaded (a download gives back what
was uploaded). A stored theme was checked at upload; a folder theme's bad catalogue is left out (logged
with its file and line) and its text falls back to the portal's.

Thread safety: a ThemeTranslations is built whole before its environment is shared and only read
after; the language is Django's, which is per thread. Two themes (the active one and an admin's
preview) have two environments, so two ThemeTranslations, in one process.
"""

import gettext as gnu
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError, read_po
from django.conf import settings
from django.utils import translation

from forecourt.i18n import languages

from . import paths

if TYPE_CHECKING:
    from .sources import ThemeSource

PORTAL_DOMAIN = "django"


@dataclass(frozen=True)
class CatalogueProblem:
    file: str
    line: int | None
    message: str


# --- the plural forms a language has -------------------------------------------------------------------

_PLURAL_FORMS = re.compile(r"\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*$")


@cache
def plural_forms(language: str) -> tuple[int, str]:
    """(number of forms, expression) of `language`: those of the portal's own compiled catalogue, so a
    theme's translations and the portal's choose the same form for a number; CLDR's (Babel's) for a
    language the portal has no catalogue for (English, the source language)."""
    for folder in settings.LOCALE_PATHS:
        try:
            shipped = gnu.translation(PORTAL_DOMAIN, str(folder), languages=[language])
        except OSError:
            continue
        match = _PLURAL_FORMS.match(shipped.info().get("plural-forms", ""))
        if match:
            return int(match[1]), match[2]
    found = get_plural(language)
    return found.num_plurals, found.plural_expr


def use_plural_forms(catalog: Catalog, language: str) -> None:
    """Give a new catalogue the portal's Plural-Forms for `language` (Babel reads them from the header)."""
    count, expression = plural_forms(language)
    catalog.mime_headers = [("Plural-Forms", f"nplurals={count}; plural={expression};")]


# --- placeholders ----------------------------------------------------------------------------------------

_SPEC = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])")
_NUMBERS = frozenset("diueEfFgG")  # each takes an int or a float
_ANY = frozenset("sra")  # each takes any value


@dataclass
class Placeholders:
    named: dict[str, str] = field(default_factory=dict)  # name: conversion
    positional: list[str] = field(default_factory=list)
    stray: list[int] = field(default_factory=list)  # offsets of a '%' that starts no placeholder


def placeholders(text: str) -> Placeholders:
    """The %-placeholders of a text as Python's `%` operator reads them."""
    found = Placeholders()
    at = text.find("%")
    while at != -1:
        match = _SPEC.match(text, at)
        if match is None:
            found.stray.append(at)
            at = text.find("%", at + 1)
            continue
        kind = match["type"]
        if kind != "%" or match["name"] is not None:
            if match["name"] is not None:
                found.named[match["name"]] = kind
            else:
                found.positional.append(kind)
        at = text.find("%", match.end())
    return found


def _compatible(given: str, wanted: str) -> bool:
    """Whether a translation's conversion `given` takes what the msgid's `wanted` is given."""
    return given == wanted or given in _ANY or (given in _NUMBERS and wanted in _NUMBERS)


def _shown(name: str, kind: str) -> str:
    return f"%({name}){kind}"


def placeholder_problem(message: Message) -> str | None:
    """What is wrong with a translated message's placeholders, or None."""
    ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
    strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    wanted = Placeholders()
    for msgid in ids:
        found = placeholders(msgid)
        wanted.named.update(found.named)
        wanted.positional = wanted.positional or found.positional
    for string in strings:
        got = placeholders(string or "")
        if got.stray:
            return "has a '%' that starts no placeholder: write %% for a percent sign"
        if got.named and got.positional:
            return "mixes named and positional placeholders"
        for name, kind in got.named.items():
            if name not in wanted.named:
                have = ", ".join(_shown(n, k) for n, k in wanted.named.items()) or "none"
                return f"uses {_shown(name, kind)}, which the msgid does not have (it has: {have})"
            if not _compatible(kind, wanted.named[name]):
                return f"uses {_shown(name, kind)} where the msgid has {_shown(name, wanted.named[name])}"
        if got.positional and (len(got.positional) != len(wanted.positional) or not all(
                _compatible(g, w) for g, w in zip(got.positional, wanted.positional, strict=True))):
            return (f"has the positional placeholders {' '.join('%' + k for k in got.positional)}; "
                    f"the msgid has {' '.join('%' + k for k in wanted.positional) or 'none'}")
    return None


# --- reading and checking one file ---------------------------------------------------------------------

_KEYWORD_LINE = re.compile(r"(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(.*)")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_HEADER = re.compile(r'^"(Language|Plural-Forms|Content-Type):\s*(.*?)(?:\\n)?"\s*$', re.MULTILINE)


def _syntax(text: str) -> Iterator[tuple[int, str]]:
    """Lines Babel would misread: a keyword without a quoted string, a string not closed, or a '"' inside
    one not written \\". (Other lines Babel refuses itself, with their number.)"""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword = _KEYWORD_LINE.fullmatch(line)
        quoted = keyword[2] if keyword else line
        if keyword and not quoted.startswith('"'):
            yield number, f"{keyword[1]} must be followed by a quoted string"
        elif quoted.startswith('"') and not _QUOTED.fullmatch(quoted):
            yield number, 'a string that is not closed, or a \'"\' inside it not written \\"'


def _header_problems(text: str, language: str, expected: int) -> Iterator[tuple[int, str]]:
    for match in _HEADER.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        name, value = match[1], match[2].strip()
        if name == "Language" and value and value.replace("-", "_").split("_")[0] != language:
            yield line, f"its Language header says {value!r}, but it is in locale/{language}/"
        elif name == "Plural-Forms":
            forms = _PLURAL_FORMS.match(value)
            if forms is None:
                yield line, "its Plural-Forms header is not 'nplurals=N; plural=EXPRESSION;'"
            elif int(forms[1]) != expected:
                yield line, (f"its Plural-Forms header has {forms[1]} forms; {language} has {expected} "
                             f"(the portal's: nplurals={expected}; plural={plural_forms(language)[1]};)")
        elif name == "Content-Type":
            charset = value.partition("charset=")[2].strip().lower()
            if charset not in ("", "utf-8", "utf8", "charset", "ascii", "us-ascii"):
                yield line, f"is declared {charset}: a theme's catalogues are UTF-8"


def translated(message: Message) -> bool:
    """Whether a message has a translation to use: not the header, not fuzzy, every form filled."""
    if not message.id or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    return any(strings)


def read(path: str, content: bytes) -> tuple[Catalog | None, list[CatalogueProblem]]:
    """A catalogue file read and checked: (the catalogue, or None when it cannot be read; its problems)."""
    language = paths.catalogue_language(path)
    if language is None:
        return None, [CatalogueProblem(path, None, "is not locale/<language>/LC_MESSAGES/<domain>.po")]
    if not languages.is_shipped(language):
        return None, [CatalogueProblem(path, None, f"{language!r} is not a language this portal ships "
                                                   f"({', '.join(languages.CODES)})")]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        return None, [CatalogueProblem(path, line, "is not UTF-8 text: save it as UTF-8")]
    expected = plural_forms(language)[0]
    problems = [CatalogueProblem(path, line, message) for line, message in _syntax(text)]
    problems += [CatalogueProblem(path, line, message) for line, message in _header_problems(text, language, expected)]
    if problems:
        return None, problems
    domain = path.rsplit("/", 1)[1].removesuffix(".po")
    try:
        catalog = read_po(io.BytesIO(content), locale=language, domain=domain, abort_invalid=True, charset="utf-8")
    except PoFileError as exc:
        return None, [CatalogueProblem(path, exc.lineno + 1, f"cannot be read: {str(exc).rsplit(' on ', 1)[0]}")]
    except (ValueError, TypeError, LookupError) as exc:  # Babel's header parsing
        return None, [CatalogueProblem(path, None, f"cannot be read: {exc}")]
    for message in catalog:
        if not translated(message):
            continue
        found = _message_problem(message, expected)
        if found:
            msgid = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
            problems.append(CatalogueProblem(path, message.lineno, f"the translation of {msgid!r} {found}"))
    return catalog, problems


def _message_problem(message: Message, expected: int) -> str | None:
    if isinstance(message.id, (tuple, list)):
        strings = list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]
        filled = [s for s in strings if s]
        if len(strings) != expected or len(filled) != expected:
            return f"has {len(filled)} plural form(s); the language has {expected}"
    elif isinstance(message.string, (tuple, list)):
        return "has plural forms, but its msgid has no msgid_plural"
    return placeholder_problem(message)


# --- compiling ---------------------------------------------------------------------------------------------

class _Portal(gnu.NullTranslations):
    """What a theme's catalogue lacks: the portal's own translation, in Django's active language."""

    def gettext(self, message: str) -> str:
        return translation.gettext(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return translation.ngettext(msgid1, msgid2, n)

    def pgettext(self, context: str, message: str) -> str:
        return translation.pgettext(context, message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return translation.npgettext(context, msgid1, msgid2, n)


PORTAL = _Portal()


@dataclass(frozen=True)
class ThemeTranslations:
    """A theme's compiled catalogues: one GNUTranslations per language (the portal's behind each)."""

    by_language: Mapping[str, gnu.NullTranslations]

    def active(self) -> gnu.NullTranslations:
        """The translations of Django's active language: the theme's, else the portal's."""
        language = translation.get_language()
        if not language:
            return PORTAL
        found = self.by_language.get(language) or self.by_language.get(language.split("-", 1)[0])
        return found if found is not None else PORTAL


def gettext_callables(translations: ThemeTranslations | None) -> dict[str, Callable[..., str]]:
    """The functions the sandbox's i18n extension calls: Django's, with the theme's catalogue first."""
    if translations is None:
        return {"gettext": translation.gettext, "ngettext": translation.ngettext,
                "pgettext": translation.pgettext, "npgettext": translation.npgettext}

    def gettext(message: str) -> str:
        return translations.active().gettext(message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return translations.active().ngettext(singular, plural, n)

    def pgettext(context: str, message: str) -> str:
        return translations.active().pgettext(context, message)

    def npgettext(context: str, singular: str, plural: str, n: int) -> str:
        return translations.active().npgettext(context, singular, plural, n)

    return {"gettext": gettext, "ngettext": ngettext, "pgettext": pgettext, "npgettext": npgettext}


def _compiled(language: str, messages: list[Message]) -> gnu.GNUTranslations:
    catalog = Catalog(locale=language, domain="theme", fuzzy=False)
    use_plural_forms(catalog, language)
    for message in messages:
        catalog.add(message.id, message.string, context=message.context)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    result = gnu.GNUTranslations(compiled)
    result.add_fallback(PORTAL)
    return result


@dataclass
class Loaded:
    translations: ThemeTranslations | None  # None: the theme has no usable catalogue
    problems: list[CatalogueProblem]


def _key(message: Message) -> tuple[Any, str | None]:
    return message.id, message.context


def load(source: "ThemeSource") -> Loaded:
    """Read, check and compile every catalogue of a theme. A file with a problem is left out."""
    files = source.catalogues()
    if not files:
        return Loaded(None, [])
    problems: list[CatalogueProblem] = []
    kept: dict[str, dict[tuple[Any, str | None], tuple[str, Message]]] = {}
    for path, content in sorted(files.items()):
        catalog, found = read(path, content)
        problems += found
        if catalog is None or found:
            continue
        language = paths.catalogue_language(path) or ""
        messages = kept.setdefault(language, {})
        for message in catalog:
            if not translated(message):
                continue
            before = messages.get(_key(message))
            if before is not None and before[1].string != message.string:
                problems.append(CatalogueProblem(path, message.lineno, f"translates {_msgid(message)!r} "
                                                 f"differently from {before[0]}"))
                continue
            messages[_key(message)] = (path, message)
    by_language = {language: _compiled(language, [message for _path, message in messages.values()])
                   for language, messages in kept.items() if messages}
    return Loaded(ThemeTranslations(by_language) if by_language else None, problems)


def _msgid(message: Message) -> str:
    return message.id[0] if isinstance(message.id, (tuple, list)) else message.id
