from typing import Any

from django.http import HttpRequest

import forecourt


def portal(request: HttpRequest) -> dict[str, Any]:
    """Values every Admin Portal page shows (the footer's version, first of all)."""
    return {"forecourt_version": forecourt.__version__}
