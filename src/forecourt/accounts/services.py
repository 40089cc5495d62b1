"""Rules about accounts, shared by the Admin Portal, the Admin API and the CLI."""

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, ngettext

from forecourt.audit import services as audit
from forecourt.notify import email
from forecourt.wording import counted_in

from . import notices, signals, tokens
from .models import ADMIN_ROLES, InviteCode, Organisation, Role, Team, User

DEFAULT_ORGANISATION = "Default Organisation"
DEFAULT_TEAM = "Default Team"


class AlreadyBootstrapped(Exception):
    """The portal already has a super-admin: bootstrap happens once."""


@dataclass
class BootstrapResult:
    user: User
    organisation: Organisation
    team: Team
    api_token: str


def ensure_default_organisation() -> tuple[Organisation, Team]:
    """The Default Organisation and its Default Team, created if missing (idempotent)."""
    # get_or_create re-reads after losing an insert race to another process.
    organisation, _ = Organisation.objects.get_or_create(is_default=True, defaults={"name": DEFAULT_ORGANISATION})
    team, _ = Team.objects.get_or_create(organisation=organisation, is_default=True, defaults={"name": DEFAULT_TEAM})
    return organisation, team


def is_bootstrapped() -> bool:
    return User.objects.filter(role=Role.SUPER_ADMIN).exists()


def validate_new_admin(email: str, password: str, first_name: str = "", last_name: str = "") -> list[str]:
    """Every problem with these bootstrap details, as messages; empty when they are fine."""
    errors: list[str] = []
    try:
        validate_email(email)
    except ValidationError:
        errors.append("username must be a valid e-mail address")
    if len(email) > 254:
        errors.append("username must be at most 254 characters")
    for label, value in (("first_name", first_name), ("last_name", last_name)):
        if len(value) > 150:
            errors.append(f"{label} must be at most 150 characters")
    candidate = User(email=email, first_name=first_name, last_name=last_name)
    try:
        password_validation.validate_password(password, candidate)
    except ValidationError as exc:
        errors.extend(f"password: {m}" for m in exc.messages)
    return errors


def bootstrap(email: str, password: str, first_name: str = "", last_name: str = "") -> BootstrapResult:
    """Create the first super-admin, the Default Organisation and Default Team, and an API token.

    Raises ValidationError for bad details and AlreadyBootstrapped when a super-admin exists;
    in both cases nothing is written.
    """
    email = email.strip().lower()
    problems = validate_new_admin(email, password, first_name, last_name)
    if problems:
        raise ValidationError(problems)
    password_hash = make_password(password)  # before the transaction: hashing takes a while
    with transaction.atomic():
        # Serialise concurrent bootstraps on the Default Organisation row.
        organisation, team = ensure_default_organisation()
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        if is_bootstrapped():
            raise AlreadyBootstrapped("the portal is already bootstrapped: a super-admin exists")
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError([f"a user with the e-mail {email} already exists"])
        user = User.objects.create_user(
            email, password_hash=password_hash, first_name=first_name, last_name=last_name,
            role=Role.SUPER_ADMIN, organisation=organisation,
        )
        user.teams.add(team)
        token = tokens.issue(user)
    return BootstrapResult(user, organisation, team, token)


# --- organisations and teams ----------------------------------------------------------------

def save_organisation(organisation: Organisation, actor: User) -> Organisation:
    """Save an organisation (its fields as the caller set them); a new one gets its Default Team at once."""
    creating = organisation.pk is None
    organisation.save()
    team, created = Team.objects.get_or_create(organisation=organisation, is_default=True,
                                               defaults={"name": DEFAULT_TEAM})
    if created:
        audit.record(actor, "create", team, note=f"the Default Team of {organisation}")
    if creating:
        notices.organisation_registered(organisation)
    return organisation


def organisation_delete_blockers(organisation: Organisation, actor: User) -> list[str]:
    if organisation.is_default:
        return [gettext("The Default Organisation cannot be deleted.")]
    reasons = []
    users = organisation.users.count()
    if users:
        reasons.append(counted_in(ngettext(
            "It has %(count)s user: move them to another organisation or delete them first.",
            "It has %(count)s users: move them to another organisation or delete them first.", users), users))
    apps = organisation.apps.count()
    if apps:
        reasons.append(counted_in(ngettext("It owns %(count)s app: delete them first.",
                                            "It owns %(count)s apps: delete them first.", apps), apps))
    return reasons


def team_delete_blockers(team: Team, actor: User) -> list[str]:
    if team.is_default:
        return [gettext("An organisation's Default Team cannot be deleted.")]
    members = team.members.count()
    if members:
        return [counted_in(ngettext("It has %(count)s member: move them to another team first.",
                                      "It has %(count)s members: move them to another team first.", members),
                             members)]
    return []


# --- users ----------------------------------------------------------------------------------

def membership_problems(role: str, organisation: Organisation | None, teams: list[Team]) -> dict[str, str]:
    """Field -> message for a role / organisation / teams combination that does not fit."""
    problems: dict[str, str] = {}
    if role in (Role.CONSUMER_ADMIN, Role.CONSUMER_TEAM_MEMBER) and organisation is None:
        problems["organisation"] = gettext("Consumers belong to an organisation.")
    if organisation is not None:
        strangers = [t.name for t in teams if t.organisation_id != organisation.pk]
        if strangers:
            problems["teams"] = gettext("Not teams of %(organisation)s: %(teams)s.") % {
                "organisation": organisation, "teams": ", ".join(strangers)}
    elif teams:
        problems["teams"] = gettext("Choose an organisation for these teams.")
    return problems


def _other_active_super_admins(user: User) -> bool:
    return User.objects.filter(role=Role.SUPER_ADMIN, is_active=True).exclude(pk=user.pk).exists()


def role_change_problems(user: User, new_role: str, new_active: bool, actor: User) -> list[str]:
    """Refuse changes that would lock every super-admin out (or the actor out of their own account),
    and admin accounts managed by anyone but a super-admin (no provider-admin promotes themselves)."""
    problems = []
    touches_admin = new_role in ADMIN_ROLES or (
        user.pk is not None and User.objects.filter(pk=user.pk, role__in=ADMIN_ROLES).exists())
    if touches_admin and actor.role != Role.SUPER_ADMIN:
        problems.append(gettext("Only super-admins can create or change admin accounts."))
    was_super = user.pk and User.objects.filter(pk=user.pk, role=Role.SUPER_ADMIN, is_active=True).exists()
    still_super = new_role == Role.SUPER_ADMIN and new_active
    if was_super and not still_super and not _other_active_super_admins(user):
        problems.append(gettext("This is the last active super-admin: make someone else super-admin first."))
    if user.pk and user.pk == actor.pk and not new_active:
        problems.append(gettext("You cannot deactivate your own account."))
    return problems


def save_user(user: User, actor: User, *, teams: Iterable[Team] | None = None) -> User:
    """Save a user (its fields as the caller set them) and, unless None, make `teams` their teams;
    a new one gets no password until they set one by e-mail."""
    if user.pk is None:
        user.set_unusable_password()
    creating = user.pk is None
    was_active = not creating and User.objects.filter(pk=user.pk, is_active=True).exists()
    with transaction.atomic():
        user.save()
        if teams is not None:
            user.teams.set(teams)
        if was_active and not user.is_active:
            signals.user_deactivated.send(sender=User, user=user, actor=actor)
        if not creating and was_active != user.is_active:
            notices.activation_changed(user, user.is_active)
    return user


def user_delete_blockers(user: User, actor: User) -> list[str]:
    if user.pk == actor.pk:
        return [gettext("You cannot delete your own account.")]
    if user.role in ADMIN_ROLES and actor.role != Role.SUPER_ADMIN:
        return [gettext("Only super-admins can delete admin accounts.")]
    if user.role == Role.SUPER_ADMIN and user.is_active and not _other_active_super_admins(user):
        return [gettext("This is the last active super-admin.")]
    apps = user.apps.count()
    if apps:
        return [counted_in(ngettext(
            "They own %(count)s app: delete or hand over the apps first, or deactivate the user instead.",
            "They own %(count)s apps: delete or hand over the apps first, or deactivate the user instead.",
            apps), apps)]
    return []


def set_active(user: User, active: bool, actor: User) -> None:
    problems = role_change_problems(user, user.role, active, actor)
    if problems:
        raise ValidationError(problems)
    if user.is_active == active:
        return
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record(actor, "activate" if active else "deactivate", user, {"is_active": [not active, active]})
        if not active:
            signals.user_deactivated.send(sender=User, user=user, actor=actor)
        notices.activation_changed(user, active)


ADMIN_RESET_PAGE = "adminportal:password_reset_confirm"
LIVE_RESET_PAGE = "live:password_reset"


def reset_page_for(user: User) -> str:
    """The page a password link opens for this user: the Admin Portal's for admins, the Live
    Portal's for consumers (who cannot use the Admin Portal)."""
    return ADMIN_RESET_PAGE if user.role in ADMIN_ROLES else LIVE_RESET_PAGE


def send_password_reset(user: User, actor: User | None, base_url: str, url_name: str | None = None) -> None:
    """E-mail the user a one-time link to set a new password (valid PASSWORD_RESET_TIMEOUT).

    `url_name` is the page the link opens; by default `reset_page_for(user)`, so a reset that an
    admin sends a consumer leads to the Live Portal. The Live Portal's own "Forgotten your
    password?" passes its page ("live:password_reset") for everyone.
    """
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse(url_name or reset_page_for(user), kwargs={"uidb64": uid, "token": token})
    with transaction.atomic():
        email.send([user.email], "password_reset", {
            "user_name": user.get_full_name(),
            "reset_url": base_url.rstrip("/") + path,
            "expires_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        })
        notices.user_event("PasswordReset", user, RequestedBy="admin" if actor is not None else "user")
        if actor is not None:
            audit.record(actor, "other", user, note="password reset e-mail sent")


def set_team_members(team: Team, user_ids: list[int], actor: User) -> None:
    """Make exactly `user_ids` the members of `team`; each must be in the team's organisation."""
    wanted = set(user_ids)
    users = list(User.objects.filter(pk__in=wanted))
    problems = []
    unknown = wanted - {u.pk for u in users}
    if unknown:
        problems.append(f"no such users: {', '.join(str(i) for i in sorted(unknown))}")
    strangers = [u.email for u in users if u.organisation_id != team.organisation_id]
    if strangers:
        problems.append(f"not in the organisation {team.organisation}: {', '.join(strangers)}")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        before = sorted(team.members.values_list("pk", flat=True))
        team.members.set(users)
        after = sorted(wanted)
        if before != after:
            audit.record(actor, "update", team, {"members": [before, after]})


def invite_code_sign_up_path(code: InviteCode) -> str:
    """The Live Portal's sign-up page with `code` filled in (the page reads `?invite_code=`): the
    link an admin shares, so that the consumer need not find where a code is entered."""
    return reverse("live:sign_up") + "?" + urlencode({"invite_code": code.code})
