"""Invitations by consumer-admins: an e-mailed, one-time link into the inviter's organisation and
team, and the account its invitee makes by following it. Channel-free rules taking plain values
(the Live Portal's "My organisation" and invitation pages call them).
"""

import hashlib
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from forecourt.notify import email
from forecourt.webhooks import events

from . import attributes, notices, registration, throttle
from .models import CustomAttribute, Invitation, Role, Team, User
from .signup import live_link

INVITATION_DAYS = 7


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def can_manage_organisation(user: Any) -> bool:
    """A consumer-admin of an organisation other than the Default Organisation (which holds
    every self-registered developer: nobody manages it from the Live Portal)."""
    return (getattr(user, "is_authenticated", False) and user.is_active and user.role == Role.CONSUMER_ADMIN
            and user.organisation_id is not None and not user.organisation.is_default)


def invite(actor: User, address: str, first_name: str, last_name: str, role: str, team: Team,
           base_url: str) -> Invitation:
    """Invite `address` into the actor's organisation and `team`, by e-mail.

    Only a consumer-admin of that organisation may (ValidationError otherwise). Whether the
    address already has an account is not checked here (that would tell the inviter); the
    invitee finds out when following the link.
    """
    if not can_manage_organisation(actor):
        raise ValidationError("Only an organisation's admins can invite people into it.")
    if team.organisation_id != actor.organisation_id:
        raise ValidationError("That team is not one of your organisation's.")
    if role not in (Role.CONSUMER_TEAM_MEMBER, Role.CONSUMER_ADMIN):
        raise ValidationError("Invite people as team members or organisation admins.")
    _check_rules(address)
    _count_invitation(actor)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=address, first_name=first_name, last_name=last_name, role=role,
            organisation_id=actor.organisation_id, team=team, digest=_digest(token), invited_by=actor,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS))
        _send_invitation(invitation, token, actor, base_url)
    return invitation


def resend_invitation(actor: User, invitation: Invitation, base_url: str) -> None:
    """A new link (the old one stops working) and a fresh expiry, e-mailed again."""
    if not can_manage_organisation(actor) or invitation.organisation_id != actor.organisation_id:
        raise ValidationError("Only an organisation's admins can resend its invitations.")
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has been accepted.")
    _count_invitation(actor)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation.digest = _digest(token)
        invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
        invitation.invited_by = actor
        invitation.save(update_fields=["digest", "expires_at", "invited_by"])
        _send_invitation(invitation, token, actor, base_url)


def _count_invitation(actor: User) -> None:
    if not throttle.Attempt((throttle.INVITES, str(actor.pk))).take():
        raise ValidationError("You have sent many invitations in a short time: try again later.")


def revoke_invitation(actor: User, invitation: Invitation) -> None:
    if not can_manage_organisation(actor) or invitation.organisation_id != actor.organisation_id:
        raise ValidationError("Only an organisation's admins can withdraw its invitations.")
    invitation.delete()


def _send_invitation(invitation: Invitation, token: str, actor: User, base_url: str) -> None:
    events.emit("RegisterInvite", {
        "ID": invitation.pk, "Email": invitation.email, "Role": invitation.role,
        "OrganisationID": invitation.organisation_id, "TeamID": invitation.team_id, "InvitedBy": actor.email,
        "ExpiresAt": invitation.expires_at.isoformat()})
    email.send([invitation.email], "invite", {
        "user_name": f"{invitation.first_name} {invitation.last_name}".strip(),
        "inviter_name": actor.get_full_name(),
        "organisation_name": invitation.organisation.name,
        "team_name": invitation.team.name,
        "accept_url": live_link(base_url, "accept_invite", token=token),
        "expires_days": INVITATION_DAYS,
    })


def invitation_for(token: str) -> Invitation | None:
    """The pending invitation a link's token opens, if its inviter may still invite into that
    organisation; None for an unknown, expired, accepted or withdrawn one."""
    if not token or len(token) > 100:
        return None
    invitation = (Invitation.objects.select_related("organisation", "team", "invited_by")
                  .filter(digest=_digest(token), accepted_at__isnull=True, expires_at__gt=timezone.now()).first())
    if invitation is None:
        return None
    inviter = invitation.invited_by
    if inviter is None or not can_manage_organisation(inviter) or inviter.organisation_id != invitation.organisation_id:
        return None
    return invitation


def _check_rules(address: str) -> None:
    """The registration rules (accounts.registration), as one message: the invitation pages show
    non-field errors."""
    try:
        registration.check_may_register(address, registration.Path.INVITATION)
    except ValidationError as exc:
        raise ValidationError(exc.messages) from None


def address_taken(address: str) -> bool:
    return User.objects.filter(email__iexact=address).exists()


def accept_invitation(invitation: Invitation, first_name: str, last_name: str, password: str,
                      attribute_values: Mapping[CustomAttribute, object] | None = None, *,
                      language: str = "") -> User:
    """Make the invitee's account (active: the link proved the address) in the invitation's
    organisation and team, with the custom attributes the sign-up form asks for (checked as
    sign-up checks them: an invitee is asked the same); the invitation is spent. ValidationError
    if it was spent meanwhile, the address has an account or an attribute's value is refused
    (nothing is made then). The password is hashed before the transaction opens. `language` is the one
    the invitee asked for on the invitation's page (i18n.negotiation.asked_for), saved on the account."""
    _check_rules(invitation.email)  # the settings may have changed since it was sent
    checked = attributes.check(attribute_values or {}, {}, attributes.Channel.SIGN_UP, complete=True)
    if checked.problems:
        raise ValidationError([f"{a.name}: {m}" for a, m in checked.problems.items()])
    password_hash = make_password(password)
    with transaction.atomic():
        spent = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
            accepted_at=timezone.now())
        if not spent:
            raise ValidationError("This invitation has already been used.")
        try:
            with transaction.atomic():
                user = User.objects.create_user(invitation.email, password_hash=password_hash, first_name=first_name,
                                                last_name=last_name, role=invitation.role,
                                                organisation_id=invitation.organisation_id, language=language)
        except IntegrityError:
            raise ValidationError("An account already uses this e-mail address.") from None
        user.teams.add(invitation.team)
        attributes.store(user, checked.values)
        notices.user_event("UserRegistered", user, Via="invitation")
    return user
