from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

import forecourt
from forecourt.i18n import switcher
from forecourt.themes import problems

from .registry import RESOURCES, SECTION_TITLES, SECTIONS


def portal(request: HttpRequest) -> dict[str, Any]:
    """Values every Admin Portal page shows: the footer's version, the navigation and the language
    switcher (no queries but the content revision's, which i18n's middleware has read already)."""
    user = getattr(request, "user", None)
    super_admin = getattr(user, "role", None) == "super-admin"
    # (key, title, resources): the template tests the key ("Administration"), shows the title.
    nav = [(section, SECTION_TITLES[section],
            [r for r in RESOURCES if r.section == section and (super_admin or not r.super_admin_only)])
           for section in SECTIONS]
    return {"forecourt_version": forecourt.__version__, "nav": nav, "theme_problem": _theme_problem(request),
            "language": switcher.data()}


def _theme_problem(request: HttpRequest) -> Any:
    """The Live Portal theme's last problem, for the banner on every admin page (one query, made
    only when a signed-in admin's page shows it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "is_admin", False):
        return None
    return SimpleLazyObject(lambda: problems.current() or {})
