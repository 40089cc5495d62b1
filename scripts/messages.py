#!/usr/bin/env python3
"""Forecourt's message catalogues, without GNU gettext: Babel extracts, merges and compiles.

    scripts/messages.py extract        write src/forecourt/locale/django.pot from the marked text
    scripts/messages.py update         merge it into every language's django.po (translations kept,
                                       text no longer marked kept as obsolete `#~` entries)
    scripts/messages.py compile        write each django.mo beside its django.po
    scripts/messages.py check          exit 1, listing why, when any of the above would change a file,
                                       or a translation's placeholders or plural forms are wrong
                                       (`make lint` runs it)
    scripts/messages.py init LANG      start a new language's django.po (docs/translating.md)

Why Babel rather than Django's makemessages: makemessages runs GNU xgettext, a system program that
neither the wheel nor a developer's virtual environment brings, and it cannot read the themes' Jinja2
templates. At run time Django reads the committed .mo files (Babel is a run-time dependency for another
reason: themes' own catalogues are checked and compiled with it, forecourt/themes/catalogues.py).

Three kinds of source, each with the extractor that understands it:
- Python (all of src/forecourt): Babel's own Python extractor, with Django's function names;
- the Django templates (`templates/` of each app): `templatize()`, exactly what makemessages runs,
  turns `{% translate %}`, `{% blocktranslate %}` and `{{ _("...") }}` into Python calls, with the
  template's line numbers kept, and Babel's Python extractor reads those;
- the default theme (themes/default, Jinja2): Jinja2's own Babel extractor, with the sandbox's extensions
  and its new-style gettext.

Every file this writes is byte-stable: entries sorted by message, references by file without line numbers
(moving code does not make the catalogues stale; `check` still names the lines), and no header that changes
by itself (creation and revision dates, Babel's version). So `check` can compare bytes.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.checkers import num_plurals, python_format
from babel.messages.extract import extract, extract_python
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError, read_po, write_po
from django.utils.translation.template import templatize
from jinja2.ext import babel_extract

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "forecourt"
DOMAIN = "django"

# Django's translation functions, as Babel's keyword specifications (argument positions; "c" the context).
KEYWORDS: dict[str, Any] = {
    "_": None, "gettext": None, "gettext_lazy": None, "gettext_noop": None,
    "ngettext": (1, 2), "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2), "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3), "npgettext_lazy": ((1, "c"), 2, 3),
}
# A Python module without one of these strings calls none of KEYWORDS.
MAY_MARK = re.compile(rb"gettext|(?<!\w)_\s*\(")
# `{# Translators: ... #}` and `# Translators: ...` reach the translator beside the text.
COMMENT_TAGS = ("Translators:",)
# The theme sandbox's Jinja2 set-up (themes/sandbox.py: PortalSandbox), so its templates parse the same.
JINJA_OPTIONS = {"extensions": "jinja2.ext.loopcontrols", "newstyle_gettext": "true", "silent": "false"}
TEMPLATE_SUFFIXES = (".html", ".txt")

# Headers Babel would write that change by themselves (dates, Babel's version): left out, so that the
# files change only when their messages do; for the same reason Project-Id-Version names no release.
# Django needs only Content-Type and Plural-Forms.
VOLATILE_HEADERS = frozenset({"POT-Creation-Date", "PO-Revision-Date", "Generated-By"})
HEADER_COMMENT = "# Forecourt's interface text.\n# This file is distributed under the same licence as Forecourt."
PROJECT = "Forecourt"
TEAM = "The Forecourt developers"

PYTHON_BRACES = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


class StableCatalog(Catalog):
    """A Babel catalogue whose header holds no date and no Babel version (see VOLATILE_HEADERS)."""

    @property  # type: ignore[override]
    def mime_headers(self) -> list[tuple[str, str]]:
        headers = []
        for name, value in super().mime_headers:
            if name in VOLATILE_HEADERS or value == "EMAIL@ADDRESS":  # Babel's placeholder: no address
                continue
            headers.append((name, PROJECT if name == "Project-Id-Version" else value))
        return headers

    @mime_headers.setter
    def mime_headers(self, value: Iterable[tuple[str, str]]) -> None:
        self._set_mime_headers(value)


def stable(catalog: Catalog) -> StableCatalog:
    """The catalogue Babel's read_po made, written without its volatile headers (same object)."""
    catalog.__class__ = StableCatalog
    return catalog  # type: ignore[return-value]


# --- extraction --------------------------------------------------------------------------------------

def extract_django(fileobj: Any, keywords: Mapping[str, Any], comment_tags: Collection[str],
                   options: Mapping[str, Any]) -> Iterator[Any]:
    """A Django template's marked text: what makemessages sees (templatize), read as Python by Babel."""
    code = templatize(fileobj.read().decode("utf-8"))
    yield from extract_python(io.BytesIO(code.encode("utf-8")), keywords, comment_tags, {"encoding": "utf-8"})


Method = Callable[..., Iterator[Any]] | str


def method_for(relative: Path) -> tuple[Method, dict[str, str]] | None:
    """Which extractor reads a file of the package (by its path inside it), or None for none."""
    parts = relative.parts
    if parts[0] == "locale" or "__pycache__" in parts or parts[:2] == ("themes", "history"):
        return None
    if relative.suffix == ".py":
        return "python", {"encoding": "utf-8"}
    if relative.suffix in TEMPLATE_SUFFIXES:
        if parts[:2] == ("themes", "default"):
            return babel_extract, dict(JINJA_OPTIONS)
        if "templates" in parts[:-1]:
            return extract_django, {}
    return None


@dataclass(frozen=True)
class Found:
    """One marked text where it was found (file and line), for the template and for `check`'s report."""

    key: tuple[str, str | None]  # (msgid, context): how a catalogue knows an entry
    where: str


@dataclass
class Catalogues:
    """The catalogues of one package: sources under `package`, catalogues in `package`/locale."""

    package: Path = PACKAGE
    found: list[Found] = field(default_factory=list)  # each marked text's places, by the last template()

    @property
    def locale(self) -> Path:
        return self.package / "locale"

    @property
    def template_path(self) -> Path:
        return self.locale / f"{DOMAIN}.pot"

    def po_path(self, language: str) -> Path:
        return self.locale / language / "LC_MESSAGES" / f"{DOMAIN}.po"

    def languages(self) -> list[str]:
        """The shipped languages: those with a catalogue (adding one is `init`)."""
        return sorted(p.parent.parent.name for p in self.locale.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))

    def sources(self) -> Iterator[tuple[Path, Method, dict[str, str]]]:
        for path in sorted(self.package.rglob("*")):
            if path.is_file():
                chosen = method_for(path.relative_to(self.package))
                if chosen is not None:
                    yield path, *chosen

    def template(self) -> StableCatalog:
        """The template (.pot) from the sources as they are now."""
        catalog = StableCatalog(project=PROJECT, version="", copyright_holder=TEAM, msgid_bugs_address="",
                                header_comment=HEADER_COMMENT, fuzzy=False)
        self.found = []
        for path, method, options in self.sources():
            relative = path.relative_to(self.package).as_posix()
            data = path.read_bytes()
            if method == "python" and not MAY_MARK.search(data):
                continue  # no call to any of KEYWORDS: tokenising hundreds of such modules is most of the time
            extracted = list(extract(method, io.BytesIO(data), KEYWORDS, COMMENT_TAGS, options))
            for lineno, message, comments, context in extracted:
                catalog.add(message, None, [(relative, lineno)], auto_comments=comments, context=context)
                msgid = message[0] if isinstance(message, (tuple, list)) else message
                self.found.append(Found((msgid, context), f"{relative}:{lineno}"))
        return catalog

    def read(self, language: str) -> StableCatalog:
        path = self.po_path(language)
        with path.open("rb") as handle:
            try:
                return stable(read_po(handle, locale=language, domain=DOMAIN, abort_invalid=True))
            except PoFileError as error:  # a hand-edited catalogue Babel cannot read: say which
                raise PoFileError(f"{shown(path)} line {error.lineno}: {error}", error.catalog, error.line,
                                  error.lineno) from error

    def read_template(self) -> StableCatalog:
        with self.template_path.open("rb") as handle:
            return stable(read_po(handle, domain=DOMAIN, abort_invalid=True))


def render_po(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, sort_output=True, include_lineno=False, ignore_obsolete=False, width=76)
    return out.getvalue()


def render_mo(catalog: Catalog) -> bytes:
    """The compiled catalogue: translated, not fuzzy entries only (what Django would use anyway)."""
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def shown(path: Path) -> str:
    """A path as a developer would type it: relative to the current folder when it is under it."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"wrote {shown(path)}")
    return True


def merged(catalog: StableCatalog, template: Catalog) -> StableCatalog:
    """A language's catalogue brought up to the template: new text added untranslated, translations kept,
    text no longer marked kept as obsolete, and an obsolete text marked again brought back with its
    translation (Babel's update alone would add it untranslated). No fuzzy guesses from similar texts:
    when the e-mails were marked, most of Babel's guesses were wrong ("A credential has expired" was
    offered "Alle Zugangsdaten"), and an empty entry is plainer to a translator than a wrong one."""
    for key, message in list(catalog.obsolete.items()):
        if template.get(message.id, context=message.context) is not None:
            del catalog.obsolete[key]
            catalog[message.id] = message
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    return catalog


def key_of(message: Message) -> tuple[str, str | None]:
    msgid = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
    return msgid, message.context


def entries(catalog: Catalog) -> dict[tuple[str, str | None], Message]:
    return {key_of(m): m for m in catalog if m.id}


# --- the commands ------------------------------------------------------------------------------------

def cmd_extract(cats: Catalogues) -> int:
    write_if_changed(cats.template_path, render_po(cats.template()))
    return 0


def cmd_update(cats: Catalogues) -> int:
    if not cats.template_path.is_file():
        print(f"{shown(cats.template_path)} is missing: run `scripts/messages.py extract` first", file=sys.stderr)
        return 1
    template = cats.read_template()
    for language in cats.languages():
        write_if_changed(cats.po_path(language), render_po(merged(cats.read(language), template)))
    return 0


def cmd_compile(cats: Catalogues) -> int:
    for language in cats.languages():
        write_if_changed(cats.po_path(language).with_suffix(".mo"), render_mo(cats.read(language)))
    return 0


def cmd_init(cats: Catalogues, language: str, plural_forms: str | None) -> int:
    path = cats.po_path(language)
    if path.exists():
        print(f"{shown(path)} exists: `update` merges new text into it", file=sys.stderr)
        return 1
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2}|_[A-Z][a-z]{3})?", language):
        print(f"{language!r}: give a language as Django's locale directories name it (pt_BR, zh_Hans)",
              file=sys.stderr)
        return 2
    if not cats.template_path.is_file():
        print(f"{shown(cats.template_path)} is missing: run `scripts/messages.py extract` first", file=sys.stderr)
        return 1
    try:
        Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        print(f"{language!r}: Babel knows no such locale", file=sys.stderr)
        return 2
    if plural_forms:
        match = re.fullmatch(r"\s*nplurals=(\d+);\s*plural=(.+?);?\s*", plural_forms)
        if not match:
            print("--plural-forms: write it as 'nplurals=2; plural=(n != 1);'", file=sys.stderr)
            return 2
        nplurals, expr = int(match[1]), match[2]
    else:
        nplurals, expr = get_plural(language)
    catalog = StableCatalog(locale=language, domain=DOMAIN, project=PROJECT, version="",
                            copyright_holder=TEAM, msgid_bugs_address="", header_comment=HEADER_COMMENT,
                            last_translator=TEAM, language_team=TEAM, fuzzy=False)
    catalog._num_plurals, catalog._plural_expr = nplurals, expr  # Babel's own fields for the header
    write_if_changed(path, render_po(merged(catalog, cats.read_template())))
    return 0


def translation_problems(catalog: Catalog) -> list[str]:
    """What is wrong with a language's translations, whichever are done: placeholders that differ from
    the msgid's (Babel's checker for %-formats, and {name} fields), and a wrong number of plural forms."""
    problems = []
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue
        for check in (num_plurals, python_format, brace_fields):
            try:
                check(catalog, message)
            except Exception as error:  # noqa: BLE001 -- Babel's TranslationError and friends, reported
                problems.append(f"{catalog.locale}: {key_of(message)[0]!r}: {error}")
    return problems


def brace_fields(catalog: Catalog | None, message: Message) -> None:
    """`{name}` fields (str.format) of each translation are the msgid's (when the msgid has any)."""
    ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
    strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    wanted = {f for msgid in ids for f in PYTHON_BRACES.findall(msgid) if f}
    if not wanted:
        return
    for string in strings:
        got = {f for f in PYTHON_BRACES.findall(string) if f}
        if string and not got <= wanted:
            raise ValueError(f"unknown fields {sorted(got - wanted)} (the msgid has {sorted(wanted)})")


def problems(cats: Catalogues) -> list[str]:
    """Every reason `check` fails, each with what to run."""
    found: list[str] = []
    fresh = cats.template()
    if not cats.template_path.is_file() or cats.template_path.read_bytes() != render_po(fresh):
        found.append(f"{shown(cats.template_path)} is stale: run `scripts/messages.py extract`, then `update`")
        old = entries(cats.read_template()) if cats.template_path.is_file() else {}
        for item in cats.found:
            if item.key not in old:
                found.append(f"  new: {item.key[0]!r} ({item.where})")
        for key in sorted(set(old) - entries(fresh).keys(), key=str):
            found.append(f"  no longer marked: {key[0]!r}")
    wanted = entries(fresh)
    for language in cats.languages():
        try:
            catalog = cats.read(language)
        except PoFileError as error:
            found.append(str(error))
            continue
        have = entries(catalog)
        where = {item.key: item.where for item in cats.found}
        for key in sorted(wanted.keys() - have.keys(), key=str):
            found.append(f"{language}: missing {key[0]!r} ({where.get(key, '?')}): run `scripts/messages.py update`")
        for key in sorted(have.keys() - wanted.keys(), key=str):
            found.append(f"{language}: {key[0]!r} is no longer marked: run `scripts/messages.py update`")
        found.extend(translation_problems(catalog))
        mo = cats.po_path(language).with_suffix(".mo")
        if not mo.is_file() or mo.read_bytes() != render_mo(catalog):
            found.append(f"{language}: {shown(mo)} is stale: run `scripts/messages.py compile`")
    return found


def cmd_check(cats: Catalogues) -> int:
    found = problems(cats)
    if found:
        print("The message catalogues are not current:", *found, sep="\n", file=sys.stderr)
        return 1
    print(f"message catalogues current: {len(entries(cats.read_template()))} messages, "
          f"languages {', '.join(cats.languages())}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", type=Path, default=PACKAGE, help="the package folder (default: src/forecourt)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("extract", "update", "compile", "check"):
        commands.add_parser(name)
    init = commands.add_parser("init", help="start a new language's catalogue")
    init.add_argument("language", help="as Django's locale folders name it: de, pt_BR, zh_Hans")
    init.add_argument("--plural-forms", help="the Plural-Forms header, when CLDR's (Babel's) is not the one wanted")
    args = parser.parse_args(argv)
    cats = Catalogues(args.package.resolve())
    try:
        if args.command == "init":
            return cmd_init(cats, args.language, args.plural_forms)
        command = {"extract": cmd_extract, "update": cmd_update, "compile": cmd_compile, "check": cmd_check}
        return command[args.command](cats)
    except PoFileError as error:  # where, not a traceback
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
