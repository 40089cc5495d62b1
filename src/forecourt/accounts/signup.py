"""Signing up for the Live Portal, activating the new account, and what a sign-in or a password
reset request is told. Channel-free rules: they take plain values (`SignUp`, addresses, tokens),
never a form or a request; the Live Portal's account pages (live/account/views.py) call them.

What a visitor is told never depends on whether an e-mail address has an account: sign-up
with a registered address e-mails its owner instead of making a second account, and new
accounts cannot be used before their owner has either been approved by an admin or confirmed
the address with an e-mailed link. A wrong password gets the same answer for every address;
the right password of an account that cannot sign in yet is told why (`inactive_account_notice`).
That answer needs the password, but whoever has just signed up with an address knows the
password they chose: signing up, then in, tells them whether the address was free (a registered
one gives the generic answer). The owner of a free address gets the welcome e-mail, and the admins
the account to approve, so such probing shows.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from forecourt.notify import email
from forecourt.portalconfig.models import PortalSettings

from . import attributes, notices, registration, throttle
from .models import CustomAttribute, InviteCode, Role, User
from .services import LIVE_RESET_PAGE, ensure_default_organisation, send_password_reset

INVITE_CODE_UNUSABLE = _("This invite code cannot be used: it is unknown, has expired or has been used up.")


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """One-time links that confirm a new account's address and activate it.

    The hash covers `is_active` and `last_login`: activating the account (which signs its owner
    in) spends the link, and a later deactivation by an admin does not revive it.
    """

    key_salt = "forecourt.live.account.ActivationTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        login = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        return f"{user.pk}{user.password}{login}{timestamp}{user.is_active}{user.email}"


activation_tokens = ActivationTokenGenerator()


def live_link(base_url: str, name: str, **kwargs: str) -> str:
    """An absolute link to the Live Portal page `name` (its e-mails' links)."""
    return base_url.rstrip("/") + reverse(f"live:{name}", kwargs=kwargs or None)


def _uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


# --- invite codes ---------------------------------------------------------------------------

def _usable_codes(now: datetime) -> QuerySet[InviteCode]:
    return InviteCode.objects.filter(is_active=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)).filter(Q(max_uses=0) | Q(uses__lt=F("max_uses")))


def usable_invite_code(code: str) -> InviteCode | None:
    if not code or len(code) > 64:
        return None
    return _usable_codes(timezone.now()).select_related("team").filter(code=code).first()


def _spend_invite_code(code: str) -> InviteCode:
    """Count one use of `code`, atomically (two sign-ups cannot both take its last use)."""
    spent = _usable_codes(timezone.now()).filter(code=code).update(uses=F("uses") + 1)
    if not spent:
        raise ValidationError({"invite_code": INVITE_CODE_UNUSABLE})
    return InviteCode.objects.select_related("organisation", "team").get(code=code)


# --- sign-up --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignUp:
    email: str
    first_name: str
    last_name: str
    password: str
    invite_code: str = ""
    # The custom attributes the sign-up form shows (accounts.attributes, Channel.SIGN_UP), as entered.
    attributes: Mapping[CustomAttribute, object] = field(default_factory=dict)
    # The language the visitor asked for (i18n.negotiation.asked_for), saved on the new account; "" for none.
    language: str = ""


def next_step(invite_code: str) -> str:
    """What a sign-up leads to, as the visitor is told: "confirm" (an e-mailed link activates the
    account) or "review" (an admin approves it). It depends on the settings and the invite code,
    never on the address."""
    if invite_code or PortalSettings.load().auto_approve_registrations:
        return "confirm"
    return "review"


def sign_up(details: SignUp, base_url: str) -> str:
    """Register a consumer, or, if the address has an account, e-mail its owner instead.

    The new account is inactive: with an invite code or auto-approval its owner activates it
    with an e-mailed link; otherwise an admin approves it. Returns `next_step()`. Raises
    ValidationError({"invite_code": ...}) if the invite code was used up in the meantime, and
    ValidationError({identifier: ...}) for custom attribute values the sign-up form may not take, and
    ValidationError({"email": ...}) when the registration rules refuse it (accounts.registration).
    """
    registration.check_may_register(
        details.email, registration.Path.INVITE_CODE if details.invite_code else registration.Path.SIGN_UP)
    checked = attributes.check(details.attributes, {}, attributes.Channel.SIGN_UP, complete=True)
    if checked.problems:
        raise ValidationError({a.identifier: m for a, m in checked.problems.items()})
    step = next_step(details.invite_code)
    settings = PortalSettings.load()
    # Hashed before the transaction, which on SQLite holds the only write lock (a hash takes ~20 ms
    # of CPU). Hashed whether or not the address is free, so the time taken says nothing about it.
    password_hash = make_password(details.password)
    with transaction.atomic():
        existing = User.objects.filter(email__iexact=details.email).first()
        if existing is None:
            invite = _spend_invite_code(details.invite_code) if details.invite_code else None
            if invite is not None:
                organisation, team = invite.organisation, invite.team
            else:
                organisation, team = ensure_default_organisation()
            try:
                with transaction.atomic():
                    user = User.objects.create_user(
                        details.email, password_hash=password_hash, first_name=details.first_name,
                        last_name=details.last_name, role=Role.CONSUMER_TEAM_MEMBER,
                        organisation=organisation, is_active=False, language=details.language)
            except IntegrityError:  # registered a moment ago by a concurrent request
                existing = User.objects.get(email__iexact=details.email)
                if invite is not None:
                    InviteCode.objects.filter(pk=invite.pk).update(uses=F("uses") - 1)
            else:
                user.teams.add(team)
                attributes.store(user, checked.values)
                notices.user_event("UserRegistered", user, Via="invite code" if invite else "sign-up")
                _welcome(user, step, base_url, settings)
                return step
        # The same work as a new account (the password hash above, an e-mail), so the time taken says nothing.
        if throttle.Attempt((throttle.SIGN_UP_ACCOUNT, details.email)).take():
            email.send([existing.email], "account_exists", {
                "user_name": existing.get_full_name(),
                "sign_in_url": live_link(base_url, "sign_in"),
                "reset_url": live_link(base_url, "password_forgotten"),
            })
    return step


def _welcome(user: User, step: str, base_url: str, settings: PortalSettings) -> None:
    if step == "confirm":
        email.send([user.email], "account_confirm", {
            "user_name": user.get_full_name(),
            "activate_url": live_link(base_url, "activate", uidb64=_uid(user),
                                      token=activation_tokens.make_token(user)),
            "expires_hours": _reset_hours(),
        })
        return
    email.send([user.email], "welcome", {"user_name": user.get_full_name()})
    if settings.admin_notification_address:
        email.send([settings.admin_notification_address], "account_awaiting_approval", {
            "user_name": user.get_full_name(), "user_email": user.email,
            "admin_url": base_url.rstrip("/") + reverse("adminportal:user_actions", kwargs={"pk": user.pk}),
        })


def _reset_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


def user_for_link(uidb64: str, token: str, generator: PasswordResetTokenGenerator) -> User | None:
    """The user an e-mailed link (uid + token) is for, if the token is valid for them now."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=pk).first()
    if user is None or not generator.check_token(user, token):
        return None
    return user


def activate(user: User) -> None:
    """Activate an account whose owner followed its activation link (no e-mail: they are here)."""
    with transaction.atomic():
        if User.objects.filter(pk=user.pk, is_active=False).update(is_active=True):
            user.is_active = True
            notices.activation_changed(user, True, email_user=False)
    user.is_active = True


# --- signing in -----------------------------------------------------------------------------

NOT_ACTIVE_YET = ("Your account is waiting for an administrator's approval, or, if we e-mailed you an activation "
                  "link, for you to follow it. We will e-mail you when you can sign in.")
DEACTIVATED = "Your account has been deactivated. If you think this is a mistake, contact the portal's administrators."


def inactive_account_notice(address: str, password: str) -> str:
    """After a failed sign-in: what to tell someone who gave the RIGHT password of an account that
    cannot sign in (one that waits for approval or activation, or a deactivated one); "" otherwise.

    Called for every failed sign-in, and it always checks one password hash (a throw-away one when
    the address has no inactive account), so a wrong password takes as long, and gets the same
    answer, whether the address is unknown, active or inactive. An account that never signed in is
    taken to be waiting; one that has signed in before was deactivated.
    """
    candidate = User.objects.filter(email__iexact=address, is_active=False).first()
    if candidate is None:
        make_password(password)
        return ""
    if not candidate.check_password(password):
        return ""
    return NOT_ACTIVE_YET if candidate.last_login is None else DEACTIVATED


# --- password reset -------------------------------------------------------------------------

def request_password_reset(address: str, client: str, base_url: str) -> None:
    """E-mail a reset link if `address` belongs to an active account; nothing otherwise.

    Silently limited per address and per client, so the form cannot be used to flood a
    mailbox. The caller tells the visitor the same thing in every case.
    """
    if not throttle.Attempt((throttle.RESET_CLIENT, client), (throttle.RESET_ACCOUNT, address)).take():
        return
    user = User.objects.filter(email__iexact=address, is_active=True).first()
    if user is not None:
        send_password_reset(user, None, base_url, url_name=LIVE_RESET_PAGE)
