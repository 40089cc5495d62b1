"""An account's linked SSO identities as its owner's account page and an admin's user page show them,
and who may unlink one: the checks in front of `signin.unlink` (which does it, audited).

Why checks at all: an account made just in time has no password, so unlinking its last identity would
leave its owner no way in (their next SSO sign-in finds an unlinked account with their e-mail, which is
refused); and an admin account's sign-in is a super-admin's to change, as its role is.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError

from forecourt.accounts.models import Role, User

from . import signin
from .models import SsoIdentity, SsoProfile

ONLY_WAY_IN = ("You have no password for this portal yet, so this is your only way in: set one first (sign out, "
               "then “Forgotten your password?” on the sign-in page), then unlink.")
ADMINS_ONLY = "Only super-admins can change how an admin signs in."


@dataclass(frozen=True)
class SignInMethod:
    """One profile on the account page: linked or not, and where to link or unlink it."""

    profile: SsoProfile
    identity: SsoIdentity | None

    @property
    def linked_at(self) -> datetime | None:
        return self.identity.created_at if self.identity else None


def identities_of(user: User) -> list[SsoIdentity]:
    """The user's links, each with its profile (one query)."""
    return list(SsoIdentity.objects.filter(user=user).select_related("profile").order_by("profile__name", "pk"))


def sign_in_methods(user: User) -> list[SignInMethod]:
    """What a consumer's account page lists: every enabled consumers' profile, linked or not, and any
    other profile the account is still linked to (disabled since), which it can only unlink. Admins'
    accounts link admins' profiles, which the Live Portal does not offer: an empty list for them."""
    if user.is_admin:
        return []
    linked = {row.profile_id: row for row in identities_of(user)}
    methods = [SignInMethod(p, linked.pop(p.pk, None)) for p in signin.enabled_profiles(for_admins=False)]
    return methods + [SignInMethod(row.profile, row) for row in linked.values()]


def unlink_problems(row: SsoIdentity, actor: User) -> list[str]:
    """Why `actor` may not unlink `row`; empty when they may."""
    owner = row.user
    if actor.pk == owner.pk:
        others = SsoIdentity.objects.filter(user=owner).exclude(pk=row.pk).exists()
        return [] if owner.has_usable_password() or others else [ONLY_WAY_IN]
    if owner.is_admin and actor.role != Role.SUPER_ADMIN:
        return [ADMINS_ONLY]
    return []


def unlink(row: SsoIdentity, actor: User) -> None:
    """Unlink after the checks above allow it (ValidationError with the reason otherwise)."""
    problems = unlink_problems(row, actor)
    if problems:
        raise ValidationError(problems)
    signin.unlink(row, actor)
