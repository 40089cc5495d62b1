"""Live Portal: account pages.

Sign in and out, sign up (with an invite code, or approval), account activation, forgotten
passwords, invitations by consumer-admins, "My account" and "My organisation" with
organisation requests. The context each view gets is documented in docs/themes.md.
"""

from django.utils.translation import gettext_lazy

from forecourt.themes import menus


def register_menus() -> None:
    """Add this area's pages to the Live Portal menus (forecourt.themes.menus.add). Sign in, sign
    up, "My account" and sign out are in the default theme's header (partials/header.html)."""
    menus.add("primary", gettext_lazy("My organisation"), "my_organisation", order=900, show="signed-in")
