"""Passkeys (WebAuthn) as a second factor: registering several, naming and removing them, and using
one at the second step of signing in (accounts.mfa's pending sign-in).

Every signature and every field of the browser's answer is checked by Duo's py_webauthn, never here;
this module keeps the challenge (in the session, one per ceremony, spent by its first answer), names
the relying party (the host the request came to) and stores the credentials. A passkey's signature
counter must go up when the authenticator keeps one (a cloned key is refused by py_webauthn).
"""

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from forecourt.audit import services as audit

from .models import Passkey, User

REGISTERING = "forecourt.passkeys.registering"
SIGNING_IN = "forecourt.passkeys.signing-in"
MAX_PASSKEYS = 20
CREDENTIAL_ID_MAX = 700  # Passkey.credential_id's max_length
RP_NAME = "Forecourt developer portal"
REFUSED = "That passkey could not be checked. Try again, or use a code from your authenticator app."


@dataclass(frozen=True)
class Site:
    """The relying party: the host (without port) the browser is on, and its origin."""

    rp_id: str
    origin: str


def site_of(request: HttpRequest) -> Site:
    """The relying party of this request: its host (checked against ALLOWED_HOSTS by get_host()) without
    the port, and the origin the browser reports (scheme, host and port)."""
    host = request.get_host()
    name = host[1:host.index("]")] if host.startswith("[") else host.rsplit(":", 1)[0]
    return Site(rp_id=name.lower(), origin=f"{request.scheme}://{host}")


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in Passkey.objects.filter(user=user)]


def registration_options(user: User, site: Site, session: SessionBase) -> str:
    """The options for navigator.credentials.create(), as JSON; the challenge is kept in the session."""
    if Passkey.objects.filter(user=user).count() >= MAX_PASSKEYS:
        raise ValidationError(f"You have {MAX_PASSKEYS} passkeys: remove one first.")
    options = generate_registration_options(
        rp_id=site.rp_id, rp_name=RP_NAME, user_name=user.email, user_id=f"forecourt-user-{user.pk}".encode(),
        user_display_name=user.get_full_name() or user.email, exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED))
    session[REGISTERING] = {"user": user.pk, "challenge": bytes_to_base64url(options.challenge)}
    return options_to_json(options)


def register(user: User, site: Site, session: SessionBase, name: str, credential: dict[str, Any]) -> Passkey:
    """Check the browser's answer to registration_options (py_webauthn) and keep the passkey."""
    state = session.pop(REGISTERING, None)
    name = name.strip()[:100] or "Passkey"
    if not isinstance(state, dict) or state.get("user") != user.pk:
        raise ValidationError("Start adding the passkey again.")
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=base64url_to_bytes(state["challenge"]),
            expected_rp_id=site.rp_id, expected_origin=site.origin)
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:  # binascii.Error is a ValueError
        raise ValidationError("The browser's answer could not be checked. Try again.") from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if len(credential_id) > CREDENTIAL_ID_MAX:
        raise ValidationError("This authenticator's credential is too long to keep.")
    try:
        with transaction.atomic():
            passkey = Passkey.objects.create(
                user=user, name=name, credential_id=credential_id,
                public_key=bytes_to_base64url(verified.credential_public_key), sign_count=verified.sign_count)
            audit.record(user, "other", user, note=f"Passkey “{name}” added (second factor)")
    except IntegrityError:
        raise ValidationError("This passkey is registered already.") from None
    return passkey


def rename(user: User, pk: int, name: str) -> None:
    name = name.strip()[:100]
    if not name:
        raise ValidationError("Give the passkey a name.")
    with transaction.atomic():
        if not Passkey.objects.filter(user=user, pk=pk).update(name=name):
            raise ValidationError("No such passkey.")
        audit.record(user, "other", user, note=f"Passkey renamed “{name}”")


def remove(user: User, pk: int) -> None:
    with transaction.atomic():
        passkey = Passkey.objects.filter(user=user, pk=pk).first()
        if passkey is None:
            raise ValidationError("No such passkey.")
        passkey.delete()
        audit.record(user, "other", user, note=f"Passkey “{passkey.name}” removed")


def authentication_options(user: User, site: Site, session: SessionBase) -> str:
    """The options for navigator.credentials.get() at the second step (the pending user's passkeys)."""
    options = generate_authentication_options(rp_id=site.rp_id, allow_credentials=_descriptors(user),
                                              user_verification=UserVerificationRequirement.PREFERRED)
    session[SIGNING_IN] = {"user": user.pk, "challenge": bytes_to_base64url(options.challenge)}
    return options_to_json(options)


def check_assertion(user: User, site: Site, session: SessionBase, credential: Any) -> bool:
    """Whether the browser's answer is a valid signature of one of `user`'s passkeys over the session's
    challenge (spent by this answer, right or wrong). Moves the passkey's counter on."""
    state = session.pop(SIGNING_IN, None)
    if not isinstance(state, dict) or state.get("user") != user.pk or not isinstance(credential, dict):
        return False
    passkey = Passkey.objects.filter(user=user, credential_id=str(credential.get("id", ""))[:CREDENTIAL_ID_MAX]).first()
    if passkey is None:
        return False
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=base64url_to_bytes(state["challenge"]),
            expected_rp_id=site.rp_id, expected_origin=site.origin,
            credential_public_key=base64url_to_bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count)
    except (WebAuthnException, ValueError, TypeError, KeyError):
        return False
    # Conditional: of two answers with the same counter, one moves it on (a counter of 0 means none is kept).
    moved = Passkey.objects.filter(pk=passkey.pk, sign_count=passkey.sign_count).update(
        sign_count=verified.new_sign_count, last_used_at=timezone.now())
    return bool(moved)


def listed(user: User) -> list[dict[str, Any]]:
    """A user's passkeys as plain data for their account pages (no key material)."""
    return [{"id": p.pk, "name": p.name, "created": p.created_at, "last_used": p.last_used_at}
            for p in Passkey.objects.filter(user=user)]


def parse_body(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("Send JSON.") from None
    if not isinstance(data, dict):
        raise ValidationError("Send a JSON object.")
    return data
