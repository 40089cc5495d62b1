"""The only file paths a theme may have. Every path the server stores, loads or serves passes
through `clean()`, so an upload's own names never decide where anything goes."""

import re

FOLDERS = ("layouts", "views", "partials", "assets", "mailers", "locale")
TEMPLATE_FOLDERS = ("layouts", "views", "partials", "mailers")
TEMPLATE_SUFFIXES = (".html", ".txt")
MANIFEST = "theme.json"
LOCALE = "locale"
# A theme's message catalogue: locale/<lang>/LC_MESSAGES/<domain>.po (GNU gettext's layout, as Django's).
_CATALOGUE = re.compile(r"locale/(?P<language>[^/]+)/LC_MESSAGES/(?P<domain>[^/]+)\.po")
MAX_PATH = 255
MAX_DEPTH = 8
# One path component: starts with a letter or digit (no hidden files, no "..").
_COMPONENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+@-]{0,99}")


class BadPath(ValueError):
    pass


def clean(raw: str) -> str:
    """`raw` as a safe relative path ("views/home.html"), or BadPath saying why it is refused."""
    if not raw or len(raw) > MAX_PATH:
        raise BadPath(f"{raw[:80]!r}: a path must have 1 to {MAX_PATH} characters")
    if "\\" in raw or "\x00" in raw or any(ord(c) < 32 for c in raw):
        raise BadPath(f"{raw!r}: backslashes and control characters are not allowed in paths")
    if raw.startswith("/") or re.match(r"[A-Za-z]:", raw):
        raise BadPath(f"{raw!r}: absolute paths are not allowed")
    parts = raw.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise BadPath(f"{raw!r}: empty, '.' and '..' path components are not allowed")
    if len(parts) > MAX_DEPTH:
        raise BadPath(f"{raw!r}: nested more than {MAX_DEPTH} levels")
    for part in parts:
        if not _COMPONENT.fullmatch(part):
            raise BadPath(f"{raw!r}: {part!r} is not an allowed file or folder name "
                          "(letters, digits, '.', '_', '-', '+', '@'; not starting with '.')")
    return raw


def is_template(path: str) -> bool:
    return path.split("/", 1)[0] in TEMPLATE_FOLDERS and path.endswith(TEMPLATE_SUFFIXES)


def catalogue_language(path: str) -> str | None:
    """The language folder of a message catalogue's path ("de" for locale/de/LC_MESSAGES/acme.po), or
    None when `path` is not one. Whether the portal ships that language is checked with the catalogue."""
    match = _CATALOGUE.fullmatch(path)
    return match["language"] if match else None


def is_catalogue(path: str) -> bool:
    return catalogue_language(path) is not None


def template_name(raw: str) -> str:
    """A name a template may load ({% include %}, {% extends %}...): clean, and in a template folder."""
    path = clean(raw)
    if not is_template(path):
        raise BadPath(f"{raw!r}: templates are .html or .txt files under {', '.join(TEMPLATE_FOLDERS)}/")
    return path


def asset_name(raw: str) -> str:
    """The stored path of the asset served at /assets/<raw>."""
    return "assets/" + clean(raw)
