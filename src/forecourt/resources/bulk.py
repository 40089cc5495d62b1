"""Decisions taken on many objects at once (the Admin Portal's bulk actions): approving or rejecting
access requests, activating or deactivating users.

Each object goes through the very service a single decision calls (access.services.approve and
reject, accounts.services.set_active), one transaction each, so provisioning, e-mails, webhooks and
the audit log are the same, and an object whose decision fails is rolled back whole while the
others stand. The outcome says, per object, what happened, for a message like "18 approved, 2
failed: ...". A batch larger than MAX_BATCH is refused before anything changes: a bulk action is
for a page of a list, and a long loop of gateway work belongs to no web request.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet

from forecourt import redaction
from forecourt.access import services as access
from forecourt.access.models import AccessRequest
from forecourt.accounts import services as accounts
from forecourt.accounts.models import User

MAX_BATCH = 100

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What a bulk action did: the names of the objects it changed, and (name, why) of those it
    skipped (nothing to do: decided already, gone) and of those that failed (nothing changed)."""

    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def ids_of(values: Iterable[str]) -> list[int]:
    """The chosen objects' IDs from a form's values, each once, in order; anything that is not an ID
    is refused, as is a batch above MAX_BATCH (ValidationError: nothing is done)."""
    ids: list[int] = []
    for value in values:
        if not value.isdigit() or not 0 < int(value) < 2**31:
            raise ValidationError(f"“{value[:20]}” is not an ID.")
        if int(value) not in ids:
            ids.append(int(value))
    if not ids:
        raise ValidationError("Choose at least one row first.")
    if len(ids) > MAX_BATCH:
        raise ValidationError(f"At most {MAX_BATCH} at once; {len(ids)} were chosen.")
    return ids


def _each(rows: QuerySet[Any], ids: Sequence[int], name: Callable[[Any], str],
          decide: Callable[[Any], str | None]) -> Outcome:
    """Call `decide` on each row of `ids` (in the order chosen); it returns None when done or why
    it skipped the row, and raises when the row's decision fails."""
    outcome = Outcome()
    found: dict[int, Model] = {row.pk: row for row in rows.filter(pk__in=ids)}
    for pk in ids:
        row = found.get(pk)
        if row is None:
            outcome.skipped.append((f"#{pk}", "no longer exists"))
            continue
        try:
            skipped = decide(row)
        except access.NotPending:
            outcome.skipped.append((name(row), "no longer pending"))
        except ValidationError as exc:
            outcome.failed.append((name(row), " ".join(exc.messages)))
        # Anything else (the database, a template of the e-mail) fails this row alone: its service's
        # transaction rolled it back whole, and the rows before and after it keep their decision.
        except Exception as exc:
            log.exception("bulk action failed for %s", name(row))
            outcome.failed.append((name(row), redaction.redact(str(exc))[:200] or type(exc).__name__))
        else:
            if skipped:
                outcome.skipped.append((name(row), skipped))
            else:
                outcome.done.append(name(row))
    return outcome


def _request_name(request: AccessRequest) -> str:
    return f"#{request.pk} ({request.app.name})"


def approve_requests(ids: Sequence[int], actor: User, base_url: str) -> Outcome:
    """Approve each pending request of `ids` as its page's Approve button does."""

    def decide(request: AccessRequest) -> None:
        access.approve(request, actor, base_url)

    return _each(AccessRequest.objects.select_related("app"), ids, _request_name, decide)


def reject_requests(ids: Sequence[int], actor: User, reason: str, base_url: str) -> Outcome:
    """Reject each pending request of `ids` with one reason, checked before any is decided."""
    reason = access.checked_reason(reason)

    def decide(request: AccessRequest) -> None:
        access.reject(request, actor, reason, base_url)

    return _each(AccessRequest.objects.select_related("app"), ids, _request_name, decide)


def set_users_active(ids: Sequence[int], active: bool, actor: User) -> Outcome:
    """Activate or deactivate each user of `ids` under the single user's rules (no one deactivates
    themselves, the last super-admin stays, only super-admins change admins)."""

    def decide(user: User) -> str | None:
        if user.is_active == active:
            return "already active" if active else "already inactive"
        accounts.set_active(user, active, actor)
        return None

    return _each(User.objects.all(), ids, lambda u: u.email, decide)
