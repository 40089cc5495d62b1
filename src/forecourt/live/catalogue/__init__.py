"""Live Portal: catalogue pages."""

from django.utils.translation import gettext_lazy

from forecourt.themes import menus


def register_menus() -> None:
    """Add this area's pages to the Live Portal menus (forecourt.themes.menus.add)."""
    menus.add("primary", gettext_lazy("Catalogue"), "catalogue", order=10)
