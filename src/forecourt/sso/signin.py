"""THE rules that turn a verified identity into an account (docs/sso.md).

Called by both protocols (OpenID Connect, SAML) once the library has checked the token or the
assertion, with plain values (`Identity`). Everything the portal decides about an SSO user is here:

- **Matching** is by the IdP's subject (`SsoIdentity`, unique per profile), never by e-mail: an IdP
  that lets users change their address must not hand one user another's account. An identity whose
  e-mail belongs to an account not linked to it is refused ("link_required"): its owner links it,
  signed in, from their account page, or an admin links it; both are audited (`link`).
- **Just in time**: an unknown subject gets an account unless the profile is for existing accounts
  only. A consumers' profile that makes accounts is the portal owner's explicit "yes" to its IdP's
  users, so sign-up being off does not stop it (accounts.registration, `Path.SSO`), but the
  portal's allowed e-mail domains do, as they stop invites. The profile's own constraints (domains, a
  required group) apply to everyone, every time.
- **Group mapping** is applied at every sign-in, from the groups of this sign-in only, so that every
  replica decides the same from the same answer: the first of the user's groups (in the IdP's order)
  that maps to a team decides the organisation, and the user gets every mapped team of it; teams the
  mapping does not name (given by an admin) are kept while the organisation stays. A user whose groups
  map to nothing keeps what they have (a new one gets the profile's default team). Roles: the highest
  mapped role of the audience, else the audience's default; the last active super-admin is never
  demoted by a sign-in.
- **Audiences** do not mix: a consumers' profile never signs an admin in (a consumer IdP must not open
  the Admin Portal), and an admins' profile signs in only accounts that are, or are mapped to be, admins.
"""

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from forecourt.accounts import notices, registration
from forecourt.accounts.models import ADMIN_ROLES, Organisation, Role, Team, User
from forecourt.accounts.services import ensure_default_organisation
from forecourt.audit import services as audit

from .identity import Identity, SignInRefused
from .models import SsoIdentity, SsoProfile, UsedAssertion

log = logging.getLogger(__name__)

# Lowest first: the highest mapped role wins.
CONSUMER_ROLES = (Role.CONSUMER_TEAM_MEMBER, Role.CONSUMER_ADMIN)
ADMIN_PROFILE_ROLES = (Role.PROVIDER_ADMIN, Role.SUPER_ADMIN)

LINK_REQUIRED = ("An account with this e-mail address already exists. Sign in with its password, then link "
                 "{profile} from your account page (or ask an admin to link it).")
NO_ACCOUNT = "{profile} signs in existing accounts only, and there is no account for you. Ask an admin for one."
INACTIVE = "This account is deactivated."
NO_EMAIL = "The identity provider did not say your e-mail address, which this portal needs."
NO_SUBJECT = "The identity provider did not say who you are."
WRONG_DOMAIN = "{profile} signs in addresses at {domains} only."
MISSING_GROUP = "{profile} signs in members of the {group} group only."
ADMIN_VIA_CONSUMERS = "Admin accounts sign in through an admins' sign-in, not {profile}."
NOT_ADMIN = "{profile} is for admins, and this account is not an admin's."
REPLAYED = "This sign-in answer was used already. Start again from the sign-in page."
ALREADY_LINKED = "This identity is linked to another account."
HAS_LINK = "This account is linked to another identity at {profile} already: unlink it first."


def enabled_profiles(for_admins: bool) -> list[SsoProfile]:
    """The profiles whose buttons a sign-in page shows (the Admin Portal's: admins'; the Live Portal's: consumers')."""
    action = SsoProfile.ActionType.ADMINS if for_admins else SsoProfile.ActionType.CONSUMERS
    return list(SsoProfile.objects.filter(enabled=True, action_type=action).order_by("name", "id"))


def refuse_replay(profile: SsoProfile, one_time_id: str, expires_at: datetime) -> None:
    """Record a SAML assertion's ID or an ID token's nonce as used; refuse it if it was, on any replica.

    The unique constraint decides, so two replicas given the same answer at once accept it once.
    Rows past their end are deleted here, the only writer (an expired answer is refused by its own
    time check before it gets here, so forgetting it cannot let it through).
    """
    now = timezone.now()
    UsedAssertion.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(profile=profile, assertion_id=one_time_id[:255], expires_at=expires_at)
    except IntegrityError:
        raise SignInRefused(REPLAYED, "replayed") from None


def _claims_check(profile: SsoProfile, identity: Identity) -> str:
    """The identity's e-mail, lower-case, once the profile's constraints allow it; else SignInRefused."""
    if not identity.subject.strip():
        raise SignInRefused(NO_SUBJECT, "no_subject")
    email = identity.email.strip().lower()
    if "@" not in email:
        raise SignInRefused(NO_EMAIL, "no_email")
    if profile.allowed_domains.strip():
        try:
            domains = registration.parse_domains(profile.allowed_domains)
        except ValidationError:
            domains = []  # the form refuses a bad value; an old row's stray text must not open the door
        domain = email.rpartition("@")[2].rstrip(".")
        if domain not in domains:
            raise SignInRefused(WRONG_DOMAIN.format(profile=profile.name, domains=", ".join(domains) or "(none)"),
                                "domain")
    if profile.required_group and profile.required_group not in identity.groups:
        raise SignInRefused(MISSING_GROUP.format(profile=profile.name, group=profile.required_group), "group")
    return email


def resolve_user(profile: SsoProfile, identity: Identity, *, language: str = "") -> User:
    """The account `identity` signs in to, made or updated by the profile's rules; else SignInRefused.

    One transaction: an account made just in time, its link and its mapped teams are made together,
    and a concurrent first sign-in of the same subject on another replica ends with the same account
    (the loser of the unique link finds the winner's). An account made here saves `language`, the one
    the person asked for on the sign-in request (i18n.negotiation.asked_for; "" for none).
    """
    email = _claims_check(profile, identity)
    with transaction.atomic():
        link = SsoIdentity.objects.select_related("user").filter(profile=profile, subject=identity.subject).first()
        if link is None:
            link = _new_link(profile, identity, email, language)
        user = link.user
        if not user.is_active:
            raise SignInRefused(INACTIVE, "inactive")
        _apply(profile, identity, user, email)
        SsoIdentity.objects.filter(pk=link.pk).update(last_sign_in_at=timezone.now())
    return user


def _new_link(profile: SsoProfile, identity: Identity, email: str, language: str = "") -> SsoIdentity:
    if User.objects.filter(email__iexact=email).exists():
        raise SignInRefused(LINK_REQUIRED.format(profile=profile.name), "link_required")
    if profile.existing_users_only:
        raise SignInRefused(NO_ACCOUNT.format(profile=profile.name), "no_account")
    if not profile.for_admins:
        try:
            registration.check_may_register(email, registration.Path.SSO)
        except ValidationError as error:
            raise SignInRefused(" ".join(m for msgs in error.message_dict.values() for m in msgs),
                                "registration") from None
    try:
        with transaction.atomic():
            user = _make_user(profile, identity, email, language)
            link = SsoIdentity.objects.create(profile=profile, subject=identity.subject, user=user,
                                              linked_by="just-in-time")
    except IntegrityError:
        # The same subject signed in a moment ago on another request or replica: theirs is the account.
        found = SsoIdentity.objects.select_related("user").filter(profile=profile, subject=identity.subject).first()
        if found is None:  # not the link that collided: the e-mail, taken in the meantime
            raise SignInRefused(LINK_REQUIRED.format(profile=profile.name), "link_required") from None
        return found
    audit.record(None, "create", user, note=f"Made just in time by SSO profile {profile.key}")
    notices.user_event("UserRegistered", user, Via="sso")
    return link


def _make_user(profile: SsoProfile, identity: Identity, email: str, language: str = "") -> User:
    """A new, active account without a password (the IdP vouches for it; its owner may set one by
    e-mail later), with the mapped role, organisation and teams."""
    role = _mapped_role(profile, identity) or (Role.PROVIDER_ADMIN if profile.for_admins else Role.CONSUMER_TEAM_MEMBER)
    organisation: Organisation | None = None
    teams: list[Team] = []
    if not profile.for_admins:
        organisation, teams = _mapped_teams(profile, identity)
        if organisation is None:
            default = _default_team(profile)
            organisation, teams = default.organisation, [default]
    user = User.objects.create_user(email, password=None, first_name=identity.first_name[:150],
                                    last_name=identity.last_name[:150], role=role, organisation=organisation,
                                    is_active=True, language=language)
    if teams:
        user.teams.set(teams)
    return user


def _default_team(profile: SsoProfile) -> Team:
    if profile.default_team_id is not None and profile.default_team is not None:
        return profile.default_team
    return ensure_default_organisation()[1]


def _mapped_teams(profile: SsoProfile, identity: Identity) -> tuple[Organisation | None, list[Team]]:
    """The organisation the first mapped group decides, and every mapped team of it."""
    mapping = profile.group_team_mapping if isinstance(profile.group_team_mapping, dict) else {}
    wanted_ids: list[int] = []
    for group in identity.groups:
        team_id = mapping.get(group)
        if team_id is None:
            continue
        try:
            wanted_ids.append(int(team_id))
        except (TypeError, ValueError):
            continue
    if not wanted_ids:
        return None, []
    teams = {t.pk: t for t in Team.objects.select_related("organisation").filter(pk__in=wanted_ids)}
    first = next((teams[i] for i in wanted_ids if i in teams), None)
    if first is None:  # every mapped team was deleted since: as if nothing mapped
        return None, []
    organisation = first.organisation
    chosen: list[Team] = []
    for team_id in wanted_ids:
        team = teams.get(team_id)
        if team is not None and team.organisation_id == organisation.pk and team not in chosen:
            chosen.append(team)
    return organisation, chosen


def _mapped_role(profile: SsoProfile, identity: Identity) -> str | None:
    mapping = profile.group_role_mapping if isinstance(profile.group_role_mapping, dict) else {}
    allowed = ADMIN_PROFILE_ROLES if profile.for_admins else CONSUMER_ROLES
    found = [str(mapping[g]) for g in identity.groups if mapping.get(g) in allowed]
    if not found:
        return None
    return max(found, key=lambda role: allowed.index(Role(role)))


def _apply(profile: SsoProfile, identity: Identity, user: User, email: str) -> None:
    """Bring the account in line with this sign-in's identity and groups; audit what changed."""
    if profile.for_admins:
        mapped = _mapped_role(profile, identity)
        if mapped is not None and mapped != user.role and not _last_super_admin(user, mapped):
            _save(user, {"role": mapped}, profile)
        if user.role not in ADMIN_ROLES:
            raise SignInRefused(NOT_ADMIN.format(profile=profile.name), "not_admin")
        _refresh_names(profile, identity, user, email)
        return
    if user.role in ADMIN_ROLES:
        raise SignInRefused(ADMIN_VIA_CONSUMERS.format(profile=profile.name), "admin_via_consumers")
    changes: dict[str, object] = {}
    mapped_role = _mapped_role(profile, identity)
    if profile.group_role_mapping:
        role = mapped_role or Role.CONSUMER_TEAM_MEMBER
        if role != user.role:
            changes["role"] = role
    organisation, teams = _mapped_teams(profile, identity)
    if changes:
        _save(user, changes, profile)
    if organisation is not None:
        _set_teams(profile, user, organisation, teams)
    _refresh_names(profile, identity, user, email)


def _last_super_admin(user: User, new_role: str) -> bool:
    """Whether a mapped role would demote the last active super-admin (then it is not applied)."""
    if user.role != Role.SUPER_ADMIN or new_role == Role.SUPER_ADMIN:
        return False
    if User.objects.filter(role=Role.SUPER_ADMIN, is_active=True).exclude(pk=user.pk).exists():
        return False
    log.warning("sso: kept the last active super-admin's role although their groups map to a lower one",
                extra={"user_id": user.pk})
    return True


def _set_teams(profile: SsoProfile, user: User, organisation: Organisation, mapped: list[Team]) -> None:
    """The mapped teams in the mapped organisation; teams the mapping does not name are kept while the
    organisation stays (an admin gave them), and go with the old organisation when it changes."""
    mapping_team_ids = set()
    for value in (profile.group_team_mapping or {}).values():
        try:
            mapping_team_ids.add(int(value))
        except (TypeError, ValueError):
            continue
    current = list(user.teams.all())
    before = sorted(t.pk for t in current)
    if user.organisation_id == organisation.pk:
        kept = [t for t in current if t.pk not in mapping_team_ids and t.organisation_id == organisation.pk]
    else:
        kept = []
    wanted = kept + [t for t in mapped if t not in kept]
    if user.organisation_id != organisation.pk:
        _save(user, {"organisation": organisation}, profile)
    after = sorted(t.pk for t in wanted)
    if before != after:
        user.teams.set(wanted)
        audit.record(None, "update", user, {"teams": [before, after]},
                     note=f"Group mapping of SSO profile {profile.key}")


def _save(user: User, changes: dict[str, object], profile: SsoProfile) -> None:
    before = audit.snapshot(user)
    for field, value in changes.items():
        setattr(user, field, value)
    user.save(update_fields=list(changes))
    audit.record(None, "update", user, audit.diff(before, audit.snapshot(user)),
                 note=f"Sign-in through SSO profile {profile.key}")


def _refresh_names(profile: SsoProfile, identity: Identity, user: User, email: str) -> None:
    """Names follow the IdP; so does the e-mail address, unless another account has it."""
    changes: dict[str, object] = {}
    if identity.first_name and identity.first_name[:150] != user.first_name:
        changes["first_name"] = identity.first_name[:150]
    if identity.last_name and identity.last_name[:150] != user.last_name:
        changes["last_name"] = identity.last_name[:150]
    if email != user.email and not User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        changes["email"] = email
    if changes:
        _save(user, changes, profile)


def link(profile: SsoProfile, identity: Identity, user: User, actor: User) -> SsoIdentity:
    """Link `identity` to the existing account `user` (its owner, signed in, proved the IdP's identity
    too; or an admin decided it). Audited on the user; refused if either side is linked already."""
    _claims_check(profile, identity)
    if profile.for_admins != user.is_admin:
        raise SignInRefused(NOT_ADMIN.format(profile=profile.name) if profile.for_admins
                            else ADMIN_VIA_CONSUMERS.format(profile=profile.name), "audience")
    with transaction.atomic():
        if SsoIdentity.objects.filter(profile=profile, subject=identity.subject).exists():
            raise SignInRefused(ALREADY_LINKED, "already_linked")
        if SsoIdentity.objects.filter(profile=profile, user=user).exists():
            raise SignInRefused(HAS_LINK.format(profile=profile.name), "has_link")
        try:
            with transaction.atomic():
                row = SsoIdentity.objects.create(profile=profile, subject=identity.subject, user=user,
                                                 linked_by="admin" if actor.pk != user.pk else "linked")
        except IntegrityError:
            raise SignInRefused(ALREADY_LINKED, "already_linked") from None
        audit.record(actor, "other", user, {"sso": [None, f"{profile.key}:{identity.subject}"]},
                     note=f"Linked to SSO profile {profile.key}")
    return row


def unlink(row: SsoIdentity, actor: User) -> None:
    """Remove an account's link to an IdP identity; its next SSO sign-in is treated as a stranger's."""
    with transaction.atomic():
        user = row.user
        key = row.profile.key
        label = f"{key}:{row.subject}"
        row.delete()
        audit.record(actor, "other", user, {"sso": [label, None]}, note=f"Unlinked from SSO profile {key}")
