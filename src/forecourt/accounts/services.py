"""Rules about accounts, shared by the Admin Portal, the Admin API and the CLI."""

from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from . import tokens
from .models import Organisation, Role, Team, User

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
    with transaction.atomic():
        # Serialise concurrent bootstraps on the Default Organisation row.
        organisation, team = ensure_default_organisation()
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        if is_bootstrapped():
            raise AlreadyBootstrapped("the portal is already bootstrapped: a super-admin exists")
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError([f"a user with the e-mail {email} already exists"])
        user = User.objects.create_user(
            email, password, first_name=first_name, last_name=last_name,
            role=Role.SUPER_ADMIN, organisation=organisation,
        )
        user.teams.add(team)
        token = tokens.issue(user)
    return BootstrapResult(user, organisation, team, token)
