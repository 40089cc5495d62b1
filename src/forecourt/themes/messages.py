"""`forecourt theme messages FOLDER LANG`: a theme author's catalogue, made from the theme's own templates.

The marked text of the theme's templates (`_()`, `gettext()`, `ngettext()`, `pgettext()`, `{% trans %}`)
is extracted with Jinja2's Babel extractor, set up as the sandbox parses templates (the i18n extension,
new-style gettext: the same msgids the page will look up), and merged into
`locale/<lang>/LC_MESSAGES/<domain>.po` of the folder: new text added untranslated, translations kept,
text no longer in the templates kept as obsolete (`#~`), as scripts/messages.py does for the portal.

A text the portal's own catalogue already translates gets a comment saying how: leaving its msgstr
empty keeps the portal's translation, filling it in overrides it for this theme. Only the theme's own
templates are read; the default theme's, which the theme does not override, are the portal's to translate.
"""

import io
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract
from babel.messages.pofile import PoFileError, read_po, write_po
from django.utils import translation
from jinja2 import TemplateSyntaxError

from forecourt.i18n import languages

from . import paths
from .catalogues import use_plural_forms
from .sources import ThemeSource

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "npgettext": ((1, "c"), 2, 3)}
COMMENT_TAGS = ("Translators:",)
# The sandbox's Jinja2 set-up (sandbox.PortalSandbox), as scripts/messages.py reads the default theme.
EXTRACTOR = "jinja2.ext:babel_extract"
JINJA_OPTIONS = {"extensions": "jinja2.ext.loopcontrols", "newstyle_gettext": "true", "silent": "false"}
PORTAL_NOTE = "The portal translates this as: "
DEFAULT_DOMAIN = "messages"


class MessagesRefused(ValueError):
    """The catalogue cannot be made (said as is)."""


@dataclass
class Made:
    path: str
    messages: int = 0
    translated: int = 0  # by the theme's catalogue
    by_portal: int = 0  # left empty, the portal's translation applies
    obsolete: int = 0
    new: list[str] = field(default_factory=list)


def template(source: ThemeSource) -> Catalog:
    """Every text the theme's own templates mark, with where (file:line)."""
    catalog = Catalog(fuzzy=False)
    for path in source.paths():
        if not paths.is_template(path):
            continue
        content = source.file(path) or b""
        try:
            found = list(extract(EXTRACTOR, io.BytesIO(content), KEYWORDS, COMMENT_TAGS, dict(JINJA_OPTIONS)))
        except TemplateSyntaxError as exc:
            raise MessagesRefused(f"{path}:{exc.lineno}: {exc.message}") from None
        for lineno, message, comments, context in found:
            catalog.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    return catalog


def _portal_translation(message: Message, language: str) -> str | None:
    """How the portal's own catalogue translates a message in `language`, or None."""
    with translation.override(language):
        if isinstance(message.id, (tuple, list)):
            singular, plural = message.id[0], message.id[1]
            got = (translation.npgettext(message.context, singular, plural, 1) if message.context
                   else translation.ngettext(singular, plural, 1))
            return got if got != singular else None
        got = translation.pgettext(message.context, message.id) if message.context else translation.gettext(message.id)
    return got if got != message.id else None


def make(source: ThemeSource, root: Path, language: str, domain: str = DEFAULT_DOMAIN) -> Made:
    """Write (or bring up to date) the folder theme's catalogue for `language`."""
    if not languages.is_shipped(language):
        raise MessagesRefused(f"{language!r} is not a language this portal ships ({', '.join(languages.CODES)})")
    relative = f"{paths.LOCALE}/{language}/LC_MESSAGES/{domain}.po"
    try:
        paths.clean(relative)
    except paths.BadPath as exc:
        raise MessagesRefused(f"--domain: {exc}") from None
    fresh = template(source)
    target = root / relative
    if target.is_file():
        try:
            with target.open("rb") as handle:
                catalog = read_po(handle, locale=language, domain=domain, abort_invalid=True)
        except PoFileError as exc:
            raise MessagesRefused(f"{relative}:{exc.lineno + 1}: cannot be read: {exc}") from None
    else:
        catalog = Catalog(locale=language, domain=domain, project=source.name, version=source.manifest.version,
                          fuzzy=False)
        use_plural_forms(catalog, language)
    before = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}
    catalog.update(fresh, no_fuzzy_matching=True, update_creation_date=False)
    made = Made(relative, obsolete=len(catalog.obsolete))
    for message in catalog:
        if not message.id:
            continue
        made.messages += 1
        key = (message.id if isinstance(message.id, str) else message.id[0], message.context)
        if key not in before:
            made.new.append(key[0])
        message.auto_comments = [c for c in message.auto_comments if not c.startswith(PORTAL_NOTE)]
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        if any(strings):
            made.translated += 1
        portal = _portal_translation(message, language)
        if portal is not None:
            message.auto_comments.append(f"{PORTAL_NOTE}{portal!r} (leave msgstr empty to keep it)")
            if not any(strings):
                made.by_portal += 1
    out = io.BytesIO()
    write_po(out, catalog, sort_output=True, include_lineno=True, ignore_obsolete=False, width=76)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(out.getvalue())
    return made
