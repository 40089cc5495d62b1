"""Encryption at rest for secrets the portal must read back (a provider's API key, SMTP password).

Passwords and tokens that only need checking are hashed instead; this is for values Forecourt
has to send somewhere. The key is `EncryptionKey` (PORTAL_ENCRYPTION_KEY) when configured,
a comma-separated list to rotate (the first encrypts, all decrypt); otherwise a key generated
once and kept in the database, which protects a leaked column but not a whole-database dump:
production installations should configure the key and keep it outside the database backups.
"""

import base64
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.db import models

from forecourt import configuration

from .models import InstanceSecret
from .secret import load_or_create

_PREFIX = "fc1:"  # marks encrypted values, so plain ones (written before encryption) are still read
_box: MultiFernet | None = None


class DecryptionError(Exception):
    """A stored secret cannot be decrypted: the encryption key changed or the value is damaged."""


def _fernet_key(passphrase: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(passphrase.encode()).digest())


def _keys() -> list[str]:
    configured = [k.strip() for k in configuration.get().encryption_key.split(",") if k.strip()]
    if configured:
        return configured
    return [generated_key()]


def generated_key() -> str:
    """The key generated once and kept in the database (used when none is configured)."""
    return load_or_create(InstanceSecret.ENCRYPTION_KEY, lambda: secrets.token_urlsafe(32))


def box() -> MultiFernet:
    global _box
    if _box is None:
        _box = MultiFernet([Fernet(_fernet_key(k)) for k in _keys()])
    return _box


def reset() -> None:
    """Forget the cached key (tests, key rotation in a running process)."""
    global _box
    _box = None


def encrypt(value: str) -> str:
    if not value:
        return value
    return _PREFIX + box().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not value or not value.startswith(_PREFIX):
        return value
    try:
        return box().decrypt(value[len(_PREFIX):].encode()).decode()
    except InvalidToken:
        raise DecryptionError("a stored secret cannot be decrypted: was PORTAL_ENCRYPTION_KEY changed?") from None


if TYPE_CHECKING:  # generic in django-stubs only: at run time TextField takes no type argument
    _TextField = models.TextField[str, str]
else:
    _TextField = models.TextField


class EncryptedTextField(_TextField):
    """A text column whose value is encrypted in the database and plain in Python."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt(value) if isinstance(value, str) else value
