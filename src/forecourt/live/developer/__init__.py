"""Live Portal: developer pages.

The dashboard, "My apps" (create, edit, delete), requesting access to products for an app, and
the app's credentials (shown once, rotated, revoked). Who sees which app is decided by
forecourt.access.visibility; what each view gets is documented in docs/themes.md.
"""

from django.utils.translation import gettext_lazy

from forecourt.themes import menus


def register_menus() -> None:
    """Add this area's pages to the Live Portal menus (forecourt.themes.menus.add)."""
    menus.add("primary", gettext_lazy("Dashboard"), "dashboard", order=800, show="signed-in")
    menus.add("primary", gettext_lazy("My apps"), "apps", order=810, show="signed-in")
