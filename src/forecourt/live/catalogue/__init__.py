"""Live Portal: catalogue pages."""

from forecourt.themes import menus


def register_menus() -> None:
    """Add this area's pages to the Live Portal menus (forecourt.themes.menus.add)."""
    menus.add("primary", "Catalogue", "catalogue", order=10)
