"""Recording admin changes. Every service that changes something on an admin's behalf calls this.

The actor is any Django user (`Actor`: AbstractBaseUser, the base of accounts.User): audit is below
accounts and the packages that record changes (ARCHITECTURE.md, "Layers"), so it imports none of them.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict
from django.utils.crypto import salted_hmac

from .models import AuditEntry

# Fields written as "********" (changed or not), and fields left out of the audit log altogether.
_SECRET_FIELDS = {"secret", "smtp_password", "digest", "initial_access_token", "oidc_client_secret"}
_SKIPPED_FIELDS = {"id", "password", "last_login"}
_MASK = "********"

Actor = AbstractBaseUser  # who made a change: accounts.User, typed by its Django base

# The note of every entry written inside a `noting()` block, after the entry's own note if it has one
# ("theme uploaded; forecourt apply themes.yaml"): where the change came from is never lost.
_block_note: ContextVar[str] = ContextVar("forecourt_audit_note", default="")


@contextmanager
def noting(note: str) -> Iterator[None]:
    """Give every entry recorded inside the block this note (where the change came from:
    "forecourt apply products.yaml"), after any note of its own, so the services that record keep
    their signatures."""
    token = _block_note.set(note)
    try:
        yield
    finally:
        _block_note.reset(token)


def object_type(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):  # a JSON column (an object's translations): kept as JSON, not its repr
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, FieldFile):  # str() of an empty one raises
        return value.name or ""
    return str(value)


def masked(value: Any) -> str:
    """A secret as the audit log shows it: masked, with a keyed fingerprint so that a change of
    secret shows as a change (the fingerprint reveals nothing without the instance secret)."""
    if not value:
        return ""
    return f"{_MASK} ({salted_hmac('forecourt.audit.secret', str(value)).hexdigest()[:8]})"


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's field values as JSON-able data, secrets masked, for before/after comparison."""
    data = model_to_dict(obj)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _SKIPPED_FIELDS:
            continue
        if key in _SECRET_FIELDS:
            out[key] = masked(value)
        elif isinstance(value, list):
            out[key] = sorted(_jsonable(v) for v in value)
        else:
            out[key] = _jsonable(value)
    extra = getattr(obj, "audit_extra", None)
    if callable(extra):
        out.update(extra())
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record(actor: Actor | None, action: str, obj: models.Model, changes: dict[str, list[Any]] | None = None,
           note: str = "") -> AuditEntry:
    """Write one audit entry; call it in the transaction of the change it describes."""
    return AuditEntry.objects.create(
        actor_id=actor.pk if actor is not None and actor.pk else None,  # by key: audit imports no accounts
        actor_email=getattr(actor, actor.get_email_field_name()) if actor is not None else "",
        action=action,
        object_type=object_type(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        changes=changes or {},
        note="; ".join(n for n in (note, _block_note.get()) if n),
    )


def history(obj: models.Model, limit: int = 50) -> list[AuditEntry]:
    """The latest audit entries about one object, newest first."""
    return list(AuditEntry.objects.filter(object_type=object_type(obj), object_id=str(obj.pk))[:limit])
