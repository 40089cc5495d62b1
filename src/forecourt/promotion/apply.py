"""Applying a configuration: the plan's changes, in one transaction, through the resources' forms and
audited writes (the Admin Portal's rules, audit log and provider pushes), each audit entry noting the
source. A form that refuses a value refuses the whole file, with the value's file and line; nothing
is changed. Consumers' data (users, apps, access requests, credentials) is no kind, so never touched.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from forecourt.audit import services as audit
from forecourt.ops import dblock
from forecourt.redaction import secrets_in_use

from .errors import ConfigRefused, Problem
from .kinds import Context, Invalid
from .kinds.base import DeleteRefused
from .plan import Change, Plan, make_plan
from .source import Source


class _Rollback(Exception):
    pass


def _parent_of(change: Change) -> Any:
    if change.parent is None:
        return None
    kind, key = change.parent
    return kind.find(key)


def _write(change: Change, ctx: Context) -> None:
    if change.action == "delete":
        change.kind.delete(change.obj, ctx)
        return
    obj = change.kind.current(change.obj)  # as it is now, after the changes before it
    change.kind.save(change.values, obj, ctx, _parent_of(change))


def apply(source: Source, *, actor: Any = None, prune: bool = False, note: str = "",
          lock_timeout: float = 60.0) -> Plan:
    """Apply `source`; returns the plan it carried out. ConfigRefused (nothing changed) if it cannot.

    One apply at a time across every replica (a lock beside the migration lock's), so two pipelines
    applying at once run one after the other, the second planning against what the first made; a
    write an admin made meanwhile that collides with the file's (the same new name) refuses the file."""
    ctx = Context(source=source, actor=actor, base=source.root)
    problems: list[Problem] = []
    try:
        with dblock.named_lock("config-apply", "configuration", "applying a configuration", timeout=lock_timeout):
            plan = make_plan(source, ctx, prune=prune)
            if plan.empty:
                return plan
            with secrets_in_use(*ctx.resolved), audit.noting(note or f"forecourt apply {source.label}"), \
                    transaction.atomic():
                for change in plan.changes:
                    try:
                        _write(change, ctx)
                    except Invalid as exc:
                        for name, messages in exc.errors.items():
                            where = change.item.file if change.item else source.label
                            problems.append(Problem(where, change.line(name), f"{change.label}: "
                                                    + (f"{name}: " if name else "") + " ".join(messages)))
                    except DeleteRefused as exc:
                        problems.append(Problem(source.label, change.line(), f"{change.label}: {exc}"))
                if problems:
                    raise _Rollback
                # What the forms stored otherwise than the file wrote it (scopes completed, a URL
                # normalised): the next plan would show it again, so the apply says which values.
                plan.rewritten = make_plan(source, Context(source=source, actor=actor, base=source.root),
                                           prune=False).changes
    except _Rollback:
        raise ConfigRefused(problems) from None
    except dblock.LockTimeout as exc:
        raise ConfigRefused([Problem(source.label, None, str(exc))]) from None
    except IntegrityError:
        raise ConfigRefused([Problem(source.label, None, "the portal changed while applying (another write made "
                                     "an object the file makes too); nothing was changed: plan again")]) from None
    return plan
