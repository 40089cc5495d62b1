"""A pseudo-locale for the tests: every marked text visibly transformed, so that text nobody marked shows.

`build()` writes, in a folder of the test's own, a compiled catalogue in which each text of the portal's
template (src/forecourt/locale/django.pot) and of Django's own catalogues (its form errors, month names,
"a.m.") is translated into its pseudo form: `Sign in` becomes `⟦Šîĝñ îñ⟧`. Placeholders (`%(name)s`, `%s`,
`%d`, `%%`, `{name}`), HTML tags and entities are left as they are, so the pseudo text formats and renders
like a real translation. `active()` makes that catalogue the one Django reads, for the language LANGUAGE,
or for a shipped language's code where a request may choose only those (`active(tmp_path, "de")`).

`untranslated(html)` then lists the visible text of a rendered page that is NOT pseudo: every ASCII letter
of a marked text has been replaced, so what still has one came from nowhere a catalogue reaches (or is the
user's data: pass it in `data`, or mark its element translate="no" as HTML provides).

The catalogue is never shipped: it is made in a temporary folder for the test that asks for it, and its
language is registered only by `active()`. It reads the committed template, so a text marked in the code
but not yet extracted (`scripts/messages.py check` fails then too) shows as untranslated.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import django
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.test import override_settings
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "src" / "forecourt" / "locale" / "django.pot"

LANGUAGE = "en-xa"  # English, "pseudo" region XA (as Android and Chromium name theirs): Django's en formats
OPEN, CLOSE = "⟦", "⟧"  # where a marked text begins and ends: shows text cut short or glued together

_LOWER = "åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýž"
_UPPER = "ÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ"
PSEUDO_LETTERS = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", _LOWER + _UPPER)

# What a translation must keep as it is: %-placeholders (Python's conversion syntax, with %%; not its space
# flag, so that "100% sure" is text), {name} fields (str.format), HTML tags and character references.
KEPT = re.compile(
    r"%(?:\([^)]*\))?[#0+\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]"
    r"|\{[^{}]*\}"
    r"|<[^<>]+>"
    r"|&(?:#\d+|#x[0-9a-fA-F]+|\w+);"
)


def pseudo(text: str) -> str:
    """A text in its pseudo form: letters replaced, placeholders, tags and entities kept, in ⟦ ⟧."""
    out, last = [], 0
    for match in KEPT.finditer(text):
        out += [text[last:match.start()].translate(PSEUDO_LETTERS), match.group()]
        last = match.end()
    out.append(text[last:].translate(PSEUDO_LETTERS))
    return OPEN + "".join(out) + CLOSE


def _django_catalogues() -> list[Path]:
    """Django's own English catalogues (its core's and its installed apps'): the texts Django marks."""
    found = [Path(django.__file__).parent / "conf" / "locale" / "en" / "LC_MESSAGES" / "django.po"]
    found += [Path(app.path) / "locale" / "en" / "LC_MESSAGES" / "django.po" for app in apps.get_app_configs()]
    return [p for p in found if p.is_file()]


def build(directory: Path, language: str = LANGUAGE, *, template: Path = TEMPLATE,
          with_django: bool = True) -> Path:
    """Write the pseudo catalogue for `language` under `directory` (a LOCALE_PATHS entry); return it."""
    pseudo_catalogue = Catalog(locale="en", domain="django", fuzzy=False)  # header: UTF-8, 2 plural forms
    sources = [template, *(_django_catalogues() if with_django else [])]
    for source in sources:
        with source.open("rb") as handle:
            for message in read_po(handle):
                if not message.id:
                    continue
                string = tuple(pseudo(i) for i in message.id) if message.pluralizable else pseudo(message.id)
                pseudo_catalogue.add(message.id, string, context=message.context)
    target = directory / translation.to_locale(language) / "LC_MESSAGES" / "django.mo"
    target.parent.mkdir(parents=True, exist_ok=True)
    out = io.BytesIO()
    write_mo(out, pseudo_catalogue)
    target.write_bytes(out.getvalue())
    return directory


@contextmanager
def active(directory: Path, language: str = LANGUAGE, *, right_to_left: bool = False,
           **kwargs: object) -> Iterator[str]:
    """Django reads the pseudo catalogue (and only it) for `language`, which LANGUAGES offers; and that
    language is active. Made in `directory` (the test's tmp_path); `kwargs` go to build(). With
    `right_to_left`, Django takes the language for one written right to left (LANGUAGES_BIDI), so a page
    can be checked for dir="rtl" and its layout mirrored, with every text still readable."""
    build(directory, language, **kwargs)  # type: ignore[arg-type]
    languages = list(settings.LANGUAGES)
    if language not in dict(languages):
        languages.append((language, "Pseudo"))
    bidi = list(settings.LANGUAGES_BIDI)
    if right_to_left:
        bidi.append(language.split("-", maxsplit=1)[0])  # Django asks about the language without its region
    # override_settings clears Django's loaded catalogues when LOCALE_PATHS changes, on entry and on exit.
    with override_settings(LOCALE_PATHS=[directory], LANGUAGES=languages, LANGUAGES_BIDI=bidi), \
            translation.override(language):
        yield language


# --- finding text that is not pseudo ---------------------------------------------------------------

SKIPPED = frozenset({"script", "style", "code", "pre", "kbd", "samp", "textarea"})  # not interface text
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr"})
SHOWN_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "aria-description")
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})
_ASCII_LETTER = re.compile(r"[A-Za-z]")


class _TextFinder(HTMLParser):
    def __init__(self, data: list[str | re.Pattern[str]]) -> None:
        super().__init__(convert_charrefs=True)
        self.data = data
        self.open: list[tuple[str, bool]] = []  # open elements, each with whether its text is skipped
        self.found: list[str] = []

    def skipping(self) -> bool:
        return bool(self.open) and self.open[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        skipped = self.skipping() or tag in SKIPPED or attributes.get("translate") == "no"
        if not skipped:
            shown = [a for a in SHOWN_ATTRIBUTES if attributes.get(a)]
            if tag == "input" and (attributes.get("type") or "").lower() in BUTTON_INPUTS:
                shown.append("value")
            for name in shown:
                self.check(str(attributes[name]), f"<{tag} {name}>")
        if tag not in VOID:
            self.open.append((tag, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        names = [name for name, _ in self.open]
        if tag in names:  # close it and whatever the page left open inside it
            del self.open[len(names) - 1 - names[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        if not self.skipping():
            self.check(data, f"<{self.open[-1][0]}>" if self.open else "text")

    def check(self, text: str, where: str) -> None:
        shown = " ".join(text.split())
        rest = shown
        for item in self.data:
            rest = item.sub(" ", rest) if isinstance(item, re.Pattern) else rest.replace(item, " ")
        if _ASCII_LETTER.search(rest):
            self.found.append(f"{where}: {shown}")


def untranslated(html: str, data: Iterable[str | re.Pattern[str]] = ()) -> list[str]:
    """The visible text of a page rendered in the pseudo-locale that is not pseudo, each as
    "<element>: text" (or "<element attribute>: text" for a title, alt, placeholder, aria-label or a
    button's value). Left out: scripts, styles, code, pre, kbd, samp, text areas, elements marked
    translate="no", and `data` (the user's values on the page: texts, or patterns), wherever they appear."""
    by_length = sorted(data, key=lambda d: -len(d) if isinstance(d, str) else 0)  # "Ann Lee" before "Ann"
    finder = _TextFinder([d for d in by_length if not isinstance(d, str) or d])
    finder.feed(html)
    finder.close()
    return finder.found
