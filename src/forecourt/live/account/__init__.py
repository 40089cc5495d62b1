"""Live Portal: account pages. SAMPLES: sample context per view, for theme validation."""

from typing import Any

SAMPLES: dict[str, dict[str, Any]] = {}


def register_menus() -> None:
    """Add this area's pages to the Live Portal menus (forecourt.themes.menus.add)."""
