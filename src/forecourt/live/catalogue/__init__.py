"""Live Portal: catalogue pages."""


def register_menus() -> None:
    """Add this area's pages to the Live Portal menus (forecourt.themes.menus.add)."""
    from forecourt.themes import menus

    menus.add("primary", "Catalogue", "catalogue", order=10)
