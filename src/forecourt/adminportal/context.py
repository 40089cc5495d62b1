from typing import Any

from django.http import HttpRequest

import forecourt


def portal(request: HttpRequest) -> dict[str, Any]:
    """Values every Admin Portal page shows: the footer's version and the navigation (no queries)."""
    from .registry import RESOURCES, SECTIONS

    nav = [(section, [r for r in RESOURCES if r.section == section]) for section in SECTIONS]
    return {"forecourt_version": forecourt.__version__, "nav": nav}
