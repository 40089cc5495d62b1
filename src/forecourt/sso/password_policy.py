"""THE rule of who may still sign in with a password once admins sign in through single sign-on.

`PortalSettings.admin_password_sign_in` says which admins keep their password: "all", "super-admins"
(to break glass when the IdP is down) or "none". It applies only while an admins' SSO profile is
enabled: without one, a password is every admin's only way in, whatever the setting says, so it can
never lock every admin out. Consumers are never concerned; the Admin API's tokens never pass here.

Both portals' password sign-in pages call `refusal` after the password has proved right (the Live
Portal's signs admins in too: one session for both portals), so the rule cannot be passed by signing
in on the other page.
"""

from forecourt.accounts.models import Role, User
from forecourt.portalconfig.models import PortalSettings

from . import signin


def refusal(user: User) -> str:
    """Why `user` may not sign in with a password, in words for the sign-in page; "" when they may."""
    if not user.is_admin:
        return ""
    setting = PortalSettings.load().admin_password_sign_in
    if setting == "all" or (setting == "super-admins" and user.role == Role.SUPER_ADMIN):
        return ""
    profiles = signin.enabled_profiles(for_admins=True)
    if not profiles:
        return ""
    names = ", ".join(p.name for p in profiles)
    return (f"Admins sign in with single sign-on here, not with a password: use the {names} button on the "
            "Admin Portal's sign-in page.")
