"""Which page paths, templates and block names are allowed (the forms call these)."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import Resolver404, get_resolver, resolve
from django.utils.translation import gettext as _

from forecourt.themes import storage
from forecourt.themes.rendering import load

# Lower-case segments of letters, digits and . _ ~ - , each starting with a letter or digit (so no
# "." or ".." segments, no empty ones, no hidden names); "/" alone is the home page.
PATH = re.compile(r"/(?:[a-z0-9][a-z0-9._~-]*(?:/[a-z0-9][a-z0-9._~-]*)*)?")
MAX_PATH = 255
# Prefixes that are never pages, whatever the URLconf says (health checks are answered by middleware).
RESERVED = frozenset({"portal-admin", "portal-api", "assets", "static", "live", "ready", "media"})
TEMPLATE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
NOT_PAGE_TEMPLATES = frozenset({"error", "blog", "blog_post"})  # views that need a context of their own
BLOCK_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def route_prefixes() -> set[str]:
    """The first path segment of every route of the site (portal-admin, catalogue-products, apps...):
    a page may not live under any of them, so that a route added there later never hides it."""
    prefixes = set(RESERVED)

    def walk(patterns: list[Any]) -> None:
        for pattern in patterns:
            text = str(pattern.pattern).lstrip("^")
            first = text.split("/", 1)[0]
            if first and re.fullmatch(r"[A-Za-z0-9._~-]+", first):
                prefixes.add(first.lower())
            elif not first and hasattr(pattern, "url_patterns"):  # an include() at the root: the Live Portal
                walk(pattern.url_patterns)

    walk(get_resolver().url_patterns)
    return prefixes


def _routed(path: str) -> bool:
    for candidate in (path, path + "/"):
        try:
            resolve(candidate)
        except Resolver404:
            continue
        return True
    return False


def check_path(raw: str) -> str:
    """`raw` as a page path, or ValidationError saying why not."""
    path = (raw or "").strip()
    if not path.startswith("/"):
        raise ValidationError(_("A path starts with /, e.g. /about-us."))
    if len(path) > MAX_PATH:
        raise ValidationError(_("A path has at most %(count)s characters.") % {"count": MAX_PATH})
    if path != "/" and path.endswith("/"):
        raise ValidationError(_("A path does not end with / (use /about-us, not /about-us/)."))
    if not PATH.fullmatch(path):
        raise ValidationError(_("A path is made of lower-case letters, digits, '-', '_', '.' and '~' between "
                                "slashes, each part starting with a letter or digit (no '..', no '//')."))
    if path == "/":
        return path  # the home page: the home view serves this page when it exists
    first = path[1:].split("/", 1)[0]
    if first in route_prefixes() or _routed(path):
        raise ValidationError(_("%(path)s is taken by the portal's own pages (/%(first)s...): choose another path.")
                              % {"path": path, "first": first})
    return path


def default_templates() -> set[str]:
    """The page templates of the default theme (every theme has them: it falls back to them)."""
    return {e.template for e in storage.bundled().manifest.templates} - NOT_PAGE_TEMPLATES


def available_templates() -> list[str]:
    """The views a page can use: those named in the active theme's theme.json or the default theme's."""
    names: set[str] = set()
    for source in (load(storage.configured_active()), storage.bundled()):
        names.update(entry.template for entry in source.manifest.templates)
    return sorted(n for n in names if TEMPLATE.fullmatch(n) and n not in NOT_PAGE_TEMPLATES)


def check_template(raw: str) -> str:
    name = (raw or "").strip()
    if not TEMPLATE.fullmatch(name):
        raise ValidationError(_("A template is a view's name: letters, digits, '_' and '-' (e.g. page)."))
    choices = available_templates()
    if name not in choices:
        raise ValidationError(_("The active theme has no page template %(name)s; choose one of: %(choices)s.")
                              % {"name": repr(name), "choices": ", ".join(choices)})
    return name


def check_block_name(raw: str) -> str:
    name = (raw or "").strip()
    if not BLOCK_NAME.fullmatch(name):
        raise ValidationError(_("A block name is a letter or '_' followed by letters, digits or '_' "
                                "(e.g. HeaderDescription), at most 64 characters."))
    return name
