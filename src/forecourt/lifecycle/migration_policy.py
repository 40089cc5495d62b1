"""The migration policy: which schema changes the previous release's code survives.

During a rolling upgrade the previous release keeps serving while this one migrates the shared
database, and after a rollback this release's rows are read by the previous one: a release may
only *expand* the schema the previous release uses. The policy (docs/migration-policy.md) is
expand / migrate / contract across releases, as large Django deployments run it:

- a new column is nullable or has a database default (`db_default`), since the previous release
  inserts rows without it (a Python `default` exists only in the new code);
- a column or table is dropped only once no serving release reads it: used by release N, no longer
  read in N+1, dropped in N+2, in a migration that says so (`contract = "why nothing reads it"`);
- no rename and no change of a column's type, nullability (null -> not null) or uniqueness in one
  step: add the new column, copy, switch reads, drop the old one later;
- no raw SQL a reviewer cannot read back as one of the above (`RunSQL` needs `contract` too);
- data migrations (`RunPython`) stay short; a long one is a resumable job, not part of migrating.

This module reads migration operations (Django's own objects, engine-independent) and names every
operation that breaks the rule; tests/test_migration_policy.py applies it to every migration made
after the last release, and forecourt.lifecycle.rolling to the migrations an upgrade would apply.
A migration that adds data this release keeps in step with other tables (a search index, a cache)
sets `derived_data = "what"`: the previous release, serving beside it, writes the source tables
without it, so it is rebuilt once that release has stopped (`forecourt rebuild-derived`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import migrations as ops
from django.db.migrations import Migration
from django.db.migrations.state import ProjectState
from django.db.models import Field

from forecourt.ops.label_operations import AlterFieldLabels

# Field attributes the database never sees (Django's list), plus the Python-side default: an old
# release does not know the field at all, and a new one fills it in itself.
NON_DB = frozenset(Field.non_db_attrs) | {"default", "db_comment"}
# Operations that only add what the previous release never touches, or change nothing it can see.
HARMLESS = (ops.CreateModel, ops.AddIndex, ops.RemoveIndex, ops.RenameIndex, ops.AlterModelOptions,
            ops.AlterModelManagers, ops.RemoveConstraint, ops.AlterIndexTogether)


@dataclass(frozen=True)
class Finding:
    """One operation of one migration that the previous release's code would not survive."""

    migration: str  # "app_label.name"
    operation: str
    problem: str

    def message(self) -> str:
        return f"{self.migration}: {self.operation}: {self.problem}"


def contract_reason(migration: Migration) -> str:
    """The reason a migration gives for contracting the schema ("" when it gives none)."""
    return str(getattr(migration, "contract", "") or "")


def derived_data(migration: Migration) -> str:
    """What derived data a migration adds that only this release keeps in step ("" when none)."""
    return str(getattr(migration, "derived_data", "") or "")


def _model_key(app_label: str, model_name: str) -> tuple[str, str]:
    return app_label, model_name.lower()


def _altered_field_problem(old: Field[Any, Any], new: Field[Any, Any]) -> str:
    """Why changing `old` into `new` breaks the previous release's reads or writes ("" if it does not)."""
    _, old_path, _old_args, old_kwargs = old.deconstruct()
    _, new_path, _new_args, new_kwargs = new.deconstruct()
    if old_path != new_path:
        return f"changes the column's type ({old_path.rsplit('.', 1)[-1]} -> {new_path.rsplit('.', 1)[-1]})"
    for attr in NON_DB:
        old_kwargs.pop(attr, None)
        new_kwargs.pop(attr, None)
    if old_kwargs.pop("null", False) and not new_kwargs.get("null", False):
        return "makes the column NOT NULL: the previous release may write NULL into it"
    new_kwargs.pop("null", None)
    old_length, new_length = old_kwargs.pop("max_length", None), new_kwargs.pop("max_length", None)
    if old_length is not None and new_length is not None and new_length < old_length:
        return f"shortens the column ({old_length} -> {new_length}): the previous release writes longer values"
    if new_kwargs.pop("unique", False) and not old_kwargs.pop("unique", False):
        return "adds a unique constraint the previous release's writes do not respect"
    old_kwargs.pop("unique", None)
    for attr in ("db_index",):
        old_kwargs.pop(attr, None)
        new_kwargs.pop(attr, None)
    if old_kwargs != new_kwargs:
        changed = sorted(set(old_kwargs) ^ set(new_kwargs) | {k for k in old_kwargs.keys() & new_kwargs.keys()
                                                             if old_kwargs[k] != new_kwargs[k]})
        return f"changes the column ({', '.join(changed)})"
    return ""


def _altered_fields_problem(before: ProjectState, app_label: str, model_name: str,
                            fields: list[tuple[str, Field[Any, Any]]]) -> str:
    """Why altering these fields of one model breaks the previous release ("" if it does not)."""
    for name, field in fields:
        old = before.models[_model_key(app_label, model_name)].fields.get(name)
        problem = "alters a field the state does not have" if old is None else _altered_field_problem(old, field)
        if problem:
            return f"{name}: {problem}" if len(fields) > 1 else problem
    return ""


def _operation_problem(app_label: str, operation: Any, before: ProjectState, new_models: set[tuple[str, str]]) -> str:  # noqa: PLR0911 - one answer per kind of schema operation
    """Why `operation` (applied to the state `before`) breaks the previous release; "" when it does not."""
    if isinstance(operation, HARMLESS):
        return ""
    model_name = getattr(operation, "model_name", None) or getattr(operation, "name", None)
    if model_name and _model_key(app_label, model_name) in new_models and not isinstance(
            operation, (ops.RenameModel, ops.DeleteModel)):
        return ""  # a model this upgrade creates: the previous release never reads or writes it
    if isinstance(operation, ops.AddField):
        field = operation.field
        if field.many_to_many or field.null or field.has_db_default():
            return ""
        return ("adds a NOT NULL column without a database default (db_default): the previous release's "
                "inserts leave it empty")
    if isinstance(operation, ops.AlterField):
        return _altered_fields_problem(before, app_label, operation.model_name, [(operation.name, operation.field)])
    if isinstance(operation, AlterFieldLabels):
        return _altered_fields_problem(before, app_label, operation.model_name, operation.fields)
    if isinstance(operation, ops.RemoveField):
        return "drops a column the previous release reads"
    if isinstance(operation, ops.DeleteModel):
        return "drops a table the previous release reads"
    if isinstance(operation, (ops.RenameField, ops.RenameModel, ops.AlterModelTable)):
        return "renames what the previous release reads by its old name"
    if isinstance(operation, (ops.AddConstraint, ops.AlterUniqueTogether)):
        return "adds a constraint the previous release's writes do not respect"
    if isinstance(operation, ops.RunPython):
        return ""  # data only, by the policy (its docstring says what it fills); long ones are jobs
    if isinstance(operation, ops.RunSQL):
        return "runs SQL the policy cannot read"
    if isinstance(operation, ops.SeparateDatabaseAndState):
        return "changes the database apart from the state"
    return f"{type(operation).__name__} is not known to be safe for the previous release"


def check(migrations: Iterable[Migration], state: ProjectState) -> list[Finding]:
    """Every operation of `migrations` (in the order they apply, starting from `state`: the schema
    the release serving before them uses) that this release would not survive. A migration that
    declares `contract` is trusted to drop only what that release no longer reads, and is not
    reported."""
    findings: list[Finding] = []
    new_models: set[tuple[str, str]] = set()
    state = state.clone()
    for migration in migrations:
        label = f"{migration.app_label}.{migration.name}"
        exempt = bool(contract_reason(migration))
        for operation in migration.operations:
            problem = "" if exempt else _operation_problem(migration.app_label, operation, state, new_models)
            if problem:
                findings.append(Finding(label, operation.describe(), problem))
            if isinstance(operation, ops.CreateModel):
                new_models.add(_model_key(migration.app_label, operation.name))
            operation.state_forwards(migration.app_label, state)
    return findings
