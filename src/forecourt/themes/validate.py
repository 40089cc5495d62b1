"""Validation: check a theme's message catalogues (themes/catalogues.py), render every template of
it against sample data in every language the portal offers, and report each error with its file and
line (and the languages it fails in, when not all). Uploads run it and refuse a theme that fails;
`forecourt theme validate` runs it from the command line; `forecourt verify` and theme upgrades can run
it too.

Pages that need data of their own add it to SAMPLE_PAGES (keyed by view), so that their
templates are validated with what they will really get. E-mails get theirs from the list of
e-mails, which notify registers (`use_mail_samples`, in notify/apps.py): notify renders its mail
with the themes engine, so it is above themes (ARCHITECTURE.md, "Layers") and themes does not
import it.
"""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.urls import get_resolver
from django.utils import translation

import forecourt
from forecourt.i18n import languages, negotiation

from . import catalogues, paths, storage
from .archive import BadArchive, unpack
from .context import asset_helper, csrf_helpers, url_helper
from .loader import ThemeLoader
from .manifest import BadManifest
from .rendering import describe, layout_for, render_template
from .sandbox import PortalSandbox
from .sources import DirectorySource, ThemeSource

SAMPLE_USER = {"id": 1, "email": "dev@example.com", "first_name": "Dana", "last_name": "Developer",
               "name": "Dana Developer", "role": "consumer-admin", "is_admin": False,
               "organisation": {"id": 1, "name": "Example Organisation"}}
SAMPLE_BLOCKS = {
    "HeaderTitle": {"name": "HeaderTitle", "content": "Sample title"},
    "HeaderDescription": {"name": "HeaderDescription", "content": "Some *Markdown* with a [link](https://example.com)."},
}
SAMPLE_PAGES: dict[str, dict[str, Any]] = {
    "views/error.html": {"error": {"status": 404, "title": "Page not found", "message": "There is no page here."}},
}
SAMPLE_MAIL: dict[str, Any] = {"to": "dev@example.com", "user": SAMPLE_USER, "portal_url": "https://portal.example.com/"}


def _no_mail_sample(template: str) -> dict[str, Any]:
    return {}


_mail_sample: Callable[[str], dict[str, Any]] = _no_mail_sample


def use_mail_samples(sample: Callable[[str], dict[str, Any]]) -> None:
    """`sample("mailers/NAME.html")` gives the data an e-mail's templates are validated with
    (notify.values.sample, registered by notify/apps.py)."""
    global _mail_sample
    _mail_sample = sample


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    languages: tuple[str, ...] = ()  # the languages it fails in, when not in every language rendered

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        only = f"in {', '.join(self.languages)} only: " if self.languages else ""
        return f"{where}: {only}{self.message}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sample_language(code: str, offered: Sequence[str]) -> dict[str, Any]:
    """What a page's `language` is when it is rendered in `code` (i18n/switcher.py's shape)."""
    return {"code": code, "dir": languages.direction(code), "switch_url": "/i18n/language",
            "offered": [{"code": c, "name": languages.BY_CODE[c].name if c in languages.BY_CODE else c,
                         "current": c == code} for c in offered]}


SAMPLE_LANGUAGE = sample_language("en", ("en", "de"))


def sample_context(source: ThemeSource, template: str, language: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "portal": {"version": forecourt.__version__, "theme": {"name": source.name, "version": source.manifest.version},
                   "preview": None, "sign_up": True},
        "user": SAMPLE_USER,
        "menus": {"primary": [{"label": "Home", "url": "/", "active": True, "children": []},
                              {"label": "Docs", "url": "/docs", "active": False,
                               "children": [{"label": "Guide", "url": "/docs/guide", "active": False,
                                             "children": []}]}],
                  "footer": [{"label": "Terms", "url": "/terms", "active": False, "children": []}]},
        "messages": [{"level": "success", "text": "Sample message."}],
        "request_path": "/",
        "language": language or SAMPLE_LANGUAGE,
        "page": {"title": "Sample page"},
        "blocks": SAMPLE_BLOCKS,
        "url": url_helper(),
        "asset": asset_helper(source),
        "csp_nonce": "sample-nonce",
        "scripts": {"htmx": "/static/live/vendor/htmx/htmx.min.js",
                    "chart": "/static/live/vendor/chart/chart.umd.min.js",
                    "usage_chart": "/static/live/usage-chart.js"},
        **csrf_helpers(None),
    }
    if template.startswith("mailers/"):
        data.update(SAMPLE_MAIL)
        data.update(_mail_sample(template))
    data.update(SAMPLE_PAGES.get(template, {}))
    data["layout"] = layout_for(source, template)
    return data


def load_urlconf() -> None:
    """Import the URLconf and build its reverse tables now, before the first render.

    Templates reverse URLs (`url()`, `asset()`); the first reverse of a process imports every
    urls module and fills Django's tables, which can take longer than a render may. That cost is
    the portal's, not the theme's, so it must not count against the sandbox's time limit.
    """
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports the URLconf
    for _prefix, child in resolver.namespace_dict.values():
        child.reverse_dict  # noqa: B018 - fills the namespace's reverse table


def offered_languages() -> tuple[str, ...]:
    """The languages the portal offers (its general settings): those a theme is validated in."""
    return negotiation.offer().offered


def validate(source: ThemeSource, offered: Sequence[str] | None = None) -> list[Problem]:
    """Every problem found in the theme's message catalogues and rendering its own templates in each
    language in `offered` (default: the portal's offer). Empty: the theme is fine.

    Each language, since a theme's text differs by language: a translation, a template that includes
    a partial named after the language. A problem found in every language is reported once; one found
    in some only names them."""
    load_urlconf()
    default = storage.bundled()
    loaded = catalogues.load(source)
    problems = [Problem(p.file, p.line, p.message) for p in loaded.problems]
    # A fresh environment, not the cached one: a staged upload has no revision of its own yet.
    env = PortalSandbox(ThemeLoader([source] if source is default else [source, default]),
                        translations=loaded.translations)
    rendered_in = tuple(offered) if offered is not None else offered_languages()
    templates = [p for p in source.paths() if paths.is_template(p)]
    for path in source.manifest.referenced():
        if path not in templates:
            problems.append(Problem("theme.json", None, f"names {path}, which the theme does not have"))
    for template in templates:
        failed: dict[tuple[str, int | None, str], list[str]] = {}
        for code in rendered_in:
            with translation.override(code):
                try:
                    render_template(env, template, sample_context(source, template, sample_language(code, rendered_in)))
                except Exception as exc:
                    _theme, file, line, message = describe(exc, template)
                    failed.setdefault((file, line, message.split(": ", 1)[1] if ": " in message else message),
                                      []).append(code)
        for (file, line, message), codes in failed.items():
            problems.append(Problem(file, line, message, () if len(codes) == len(rendered_in) else tuple(codes)))
    return problems


class StagedSource(ThemeSource):
    """An upload that is not stored yet, so it can be validated first."""

    kind = "uploaded"

    def __init__(self, manifest: Any, files: dict[str, bytes]) -> None:
        super().__init__(manifest.name, manifest, "staged")
        self.files = files

    def file(self, path: str) -> bytes | None:
        return self.files.get(path)

    def paths(self) -> list[str]:
        return sorted(self.files)


def validate_target(target: str, offered: Sequence[str] | None = None) -> tuple[str, list[Problem]]:
    """Validate a theme given as a folder, a zip file or the name of a theme the portal has, in each
    language of `offered` (default: the portal's offer). Returns (theme name, problems); a theme that
    cannot even be read is one problem."""
    path = Path(target)
    try:
        source: ThemeSource
        if path.is_dir():
            source = DirectorySource(path, "folder")
        elif path.is_file():
            with path.open("rb") as file:
                unpacked = unpack(file, path.stat().st_size)
            source = StagedSource(unpacked.manifest, unpacked.files)
        else:
            found = storage.source(target)
            if found is None:
                return target, [Problem(target, None, "no such theme, folder or zip file")]
            source = found
    except BadManifest as exc:
        return target, [Problem("theme.json", None, error.removeprefix("theme.json: ")) for error in exc.errors]
    except BadArchive as exc:
        return target, [Problem(target, None, error) for error in exc.errors]
    except OSError as exc:
        return target, [Problem(target, None, f"cannot be read: {exc}")]
    return source.name, validate(source, offered)
