"""Multi-factor sign-in: THE rules of the second factor, for both portals (and, later, a single
sign-on callback: whatever proved who the user is calls `after_first_factor`, and the second step
is the same).

The second step: after the password, a user with a second factor (or one who must have one) is not
signed in. The session holds a *pending* sign-in (the user's ID and when it started), valid for
PENDING_FOR; only a right TOTP code or an unused recovery code turns it into a signed-in session
(`finish`, through Django's `login`, which gives the session a new key). Codes are counted against
the user and the client like passwords (accounts.throttle: MFA_ACCOUNT, MFA_CLIENT), before they are
checked. The Admin API's token never passes through here: API calls never ask for a factor.

TOTP codes are checked by pyotp (RFC 6238, 30-second steps, one step either side for clocks that
drift); the step of the last accepted code is kept, so a code (or an older one) is never accepted
twice. The secret is encrypted at rest (ops.crypto) and shown only while it is being enrolled.
Recovery codes are random, shown once, kept as SHA-256 digests and spent by one conditional UPDATE.
Passkeys (accounts.passkeys, checked by py_webauthn) are the other second factor, counted the same way.
"""

import base64
import hashlib
import io
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
import segno
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from forecourt.audit import services as audit
from forecourt.notify import email
from forecourt.portalconfig.models import PortalSettings

from . import passkeys, throttle
from .models import Passkey, RecoveryCode, TotpDevice, User
from .signup import live_link

PENDING = "forecourt.mfa.pending"
PENDING_FOR = timedelta(minutes=5)
BACKEND = "django.contrib.auth.backends.ModelBackend"
RECOVERY_CODES = 10
ISSUER = "Forecourt"
WRONG_CODE = ("That code is not right, or has been used already. "
              "Enter the current code from your app, or a recovery code.")
EXPIRED = "Your sign-in took too long. Sign in again."


# --- what a user has and must have ----------------------------------------------------------

@dataclass(frozen=True)
class Factors:
    totp: bool
    passkeys: int
    recovery_codes_left: int

    @property
    def any(self) -> bool:
        return self.totp or self.passkeys > 0


def factors(user: User) -> Factors:
    totp = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
    keys = Passkey.objects.filter(user=user).count()
    left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() if totp or keys else 0
    return Factors(totp=totp, passkeys=keys, recovery_codes_left=left)


def is_required(user: User, settings: PortalSettings | None = None) -> bool:
    """Whether the general settings require a second factor of this user (admins and consumers apart)."""
    settings = settings or PortalSettings.load()
    return bool(settings.require_mfa_admins if user.is_admin else settings.require_mfa_consumers)


# --- the pending sign-in ----------------------------------------------------------------------

def after_first_factor(request: HttpRequest, user: User) -> str:
    """Called once the password (or, later, an identity provider) has proved who `user` is.

    Returns "signed-in" (no second factor needed: the session is signed in now), "verify" (the
    session holds a pending sign-in awaiting a code) or "enrol" (a second factor is required and
    the user has none: pending, they set one up first).
    """
    has = factors(user).any
    if not has and not is_required(user):
        login(request, user, backend=BACKEND)
        return "signed-in"
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        logout(request)  # whoever this session was signed in as, it is not any more (as login() would do)
    else:
        request.session.cycle_key()  # a new session key for the half-signed state, as login() gives one
    request.session[PENDING] = {"user": user.pk, "at": time.time(), "enrol": not has}
    return "verify" if has else "enrol"


def pending_user(request: HttpRequest) -> User | None:
    """The user of the session's pending sign-in, if it has not expired and the account may still sign in."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > PENDING_FOR.total_seconds():
        request.session.pop(PENDING, None)
        return None
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
    return user


def pending_enrolment(request: HttpRequest) -> bool:
    pending = request.session.get(PENDING)
    return isinstance(pending, dict) and bool(pending.get("enrol"))


def finish(request: HttpRequest, user: User) -> None:
    request.session.pop(PENDING, None)
    login(request, user, backend=BACKEND)


FRESH_CODES = "forecourt.mfa.fresh_codes"


def finish_enrolment_with_passkey(request: HttpRequest, user: User) -> None:
    """A pending sign-in that had to set up a second factor did, with a passkey (accounts.passkeys
    checked it): recovery codes are made for it, and the session is signed in. The codes wait in the
    session for the one page that shows them (`take_fresh_codes`), since the passkey's answer is a
    script's request that cannot show a page itself."""
    codes = new_recovery_codes(user)
    finish(request, user)
    request.session[FRESH_CODES] = codes


def take_fresh_codes(request: HttpRequest) -> list[str]:
    """The recovery codes `finish_enrolment_with_passkey` made, once: the next call answers none."""
    codes = request.session.pop(FRESH_CODES, None)
    return [str(c) for c in codes] if isinstance(codes, list) else []


def verify_pending(request: HttpRequest, user: User, code: str) -> tuple[bool, int]:
    """Check a TOTP or recovery code of the pending user, throttled like passwords: (accepted, seconds
    to wait). An accepted code signs the session in. Each outcome is in the audit log."""
    return _second_step(request, user, lambda: check_code(user, code))


def verify_pending_passkey(request: HttpRequest, user: User, site: "passkeys.Site",
                           credential: Any) -> tuple[bool, int]:
    """The same for a passkey's answer to `passkeys.authentication_options` (py_webauthn checks it)."""
    return _second_step(request, user, lambda: "a passkey" if passkeys.check_assertion(
        user, site, request.session, credential) else None)


def _second_step(request: HttpRequest, user: User, check: Callable[[], str | None]) -> tuple[bool, int]:
    attempt = throttle.Attempt((throttle.MFA_ACCOUNT, str(user.pk)),
                               (throttle.MFA_CLIENT, throttle.client_address(request)))
    wait = attempt.begin()
    if wait:
        return False, wait
    try:
        how = check()
    except BaseException:
        attempt.keep()
        raise
    if how is None:
        wait = attempt.keep()
        audit.record(user, "other", user, note="Second factor refused at sign-in"
                     + (" (locked for a while)" if wait else ""))
        return False, wait
    attempt.release()
    throttle.clear(throttle.MFA_ACCOUNT, str(user.pk))
    with transaction.atomic():
        audit.record(user, "other", user, note=f"Signed in with {how}")
    finish(request, user)
    return True, 0


def check_code(user: User, code: str) -> str | None:
    """What accepted `code` ("an authenticator app code" or "a recovery code"), or None. A TOTP code is
    six digits; anything else is tried as a recovery code."""
    cleaned = "".join(code.split())
    if cleaned.isdigit() and len(cleaned) == 6:
        device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
        if device is not None and _accept_totp(device, cleaned):
            return "an authenticator app code"
        return None
    if use_recovery_code(user, cleaned):
        return "a recovery code"
    return None


def _matching_step(secret: str, code: str) -> int | None:
    """The time step whose code `code` is (this step, or one either side), checked by pyotp."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    for offset in (0, -1, 1):
        moment = now + offset * totp.interval
        if totp.verify(code, for_time=moment):
            return totp.timecode(moment)
    return None


def _accept_totp(device: TotpDevice, code: str) -> bool:
    step = _matching_step(device.secret, code)
    if step is None:
        return False
    # One conditional UPDATE: of two requests with the same code, only one moves last_step on.
    return bool(TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step))


# --- enrolment ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows, once: the secret in text, and as a QR code (an SVG data URL)."""

    secret: str
    uri: str
    qr_svg_data_url: str


def start_totp(user: User) -> Enrolment:
    """A new, unconfirmed authenticator secret for `user` (replacing an earlier unconfirmed one). A
    user who has a confirmed app removes it first (ValidationError)."""
    if TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
        raise ValidationError("You already have an authenticator app. Remove it first to set up another.")
    secret = pyotp.random_base32()
    TotpDevice.objects.update_or_create(user=user, defaults={"secret": secret, "confirmed_at": None, "last_step": 0,
                                                             "created_at": timezone.now()})
    return enrolment(user)


def enrolment(user: User) -> Enrolment:
    """The unconfirmed secret's enrolment details (while it is being set up, and only then)."""
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise ValidationError("Start setting up the authenticator app again.")
    uri = pyotp.TOTP(device.secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, xmldecl=False, svgns=True)
    data_url = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return Enrolment(secret=device.secret, uri=uri, qr_svg_data_url=data_url)


def confirm_totp(user: User, code: str) -> list[str]:
    """Confirm the unconfirmed secret with a first right code; returns the new recovery codes (shown
    once). ValidationError for a wrong code: nothing counts until a code proves the app has the secret."""
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise ValidationError("Start setting up the authenticator app again.")
    cleaned = "".join(code.split())
    step = _matching_step(device.secret, cleaned) if cleaned.isdigit() and len(cleaned) == 6 else None
    if step is None:
        raise ValidationError("That code is not right. Enter the code your app shows now.")
    with transaction.atomic():
        if not TotpDevice.objects.filter(pk=device.pk, confirmed_at__isnull=True).update(
                confirmed_at=timezone.now(), last_step=step):
            raise ValidationError("Start setting up the authenticator app again.")
        codes = _new_recovery_codes(user)
        audit.record(user, "other", user, note="Authenticator app added (second factor)")
    return codes


def remove_totp(user: User) -> None:
    """Remove the app; the recovery codes go with it unless passkeys remain (they are their fallback too)."""
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        if not Passkey.objects.filter(user=user).exists():
            RecoveryCode.objects.filter(user=user).delete()
        audit.record(user, "other", user, note="Authenticator app removed (second factor)")


# --- recovery codes -----------------------------------------------------------------------------

def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    codes = [f"{secrets.token_hex(5)[:5]}-{secrets.token_hex(5)[:5]}" for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, digest=_digest(code)) for code in codes])
    return codes


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working); shown once."""
    if not factors(user).any:
        raise ValidationError("Set up an authenticator app or a passkey first.")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit.record(user, "other", user, note="New recovery codes made (the old ones no longer work)")
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    if not code or len(code) > 40:
        return False
    return bool(RecoveryCode.objects.filter(user=user, digest=_digest(code), used_at__isnull=True)
                .update(used_at=timezone.now()))


# --- reset by a super-admin ---------------------------------------------------------------------

def reset(user: User, actor: Any, base_url: str = "") -> None:
    """Remove every second factor of `user` (lost phone): super-admins only, audited, and the user is
    told by e-mail (someone who reset it without them would otherwise go unnoticed)."""
    if not getattr(actor, "is_authenticated", False) or actor.role != "super-admin":
        raise ValidationError("Only a super admin can reset a user's second factor.")
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        Passkey.objects.filter(user=user).delete()
        audit.record(actor, "other", user, note="Second factor reset by a super admin")
        email.send([user.email], "mfa_reset", {"user_name": user.get_full_name(),
                                                "sign_in_url": live_link(base_url, "sign_in")})
