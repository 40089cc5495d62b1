"""Every migration can be reversed, so `forecourt downgrade` can take any release's schema back.

A migration that truly cannot be undone must say so on purpose (a module constant
`IRREVERSIBLE = "why"`), and then a downgrade past it is refused naming it and the reason.
"""

import inspect
import sys
import types

import pytest
from django.db import connection, migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from forecourt.lifecycle import downgrade


def _all_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [loader.disk_migrations[key] for key in sorted(loader.graph.nodes)]


def _forward(apps, schema_editor):
    """A data migration's forward half; never run here."""


def test_every_migration_of_every_app_is_reversible_or_declared_irreversible():
    every = _all_migrations()
    assert len(every) > 30  # the walk really sees the project's migrations, contrib's included
    problems = []
    for migration in every:
        module = sys.modules[type(migration).__module__]
        declared = getattr(module, downgrade.DECLARATION, None)
        if declared is not None:
            # A declaration is a justification, not a switch: it must say why.
            if not (isinstance(declared, str) and len(declared.split()) >= 3):
                problems.append(f"{migration.app_label}.{migration.name}: IRREVERSIBLE needs a reason")
            continue
        for operation in migration.operations:
            if not operation.reversible:
                problems.append(f"{migration.app_label}.{migration.name}: {operation.describe()}")
    assert problems == []


def _noop_is_explained(migration) -> bool:
    """A `RunPython.noop` reverse has a comment on its line or the line before it."""
    lines = inspect.getsource(sys.modules[type(migration).__module__]).splitlines()
    return any("RunPython.noop" in line and ("#" in line or "#" in lines[i - 1]) for i, line in enumerate(lines))


def test_data_migrations_name_a_real_reverse():
    """RunPython/RunSQL in Forecourt's migrations carry a reverse: a function that undoes them, or
    RunPython.noop only where undoing is nothing (the reverse of the schema change drops the data)."""
    seen = 0
    for migration in _all_migrations():
        if not type(migration).__module__.startswith("forecourt."):
            continue
        for operation in migration.operations:
            if isinstance(operation, migrations.RunPython):
                seen += 1
                assert operation.reverse_code is not None, f"{migration.app_label}.{migration.name}"
                if operation.reverse_code is migrations.RunPython.noop:
                    assert _noop_is_explained(migration), (
                        f"{migration.app_label}.{migration.name}: say in a comment why undoing it is nothing")
            if isinstance(operation, migrations.RunSQL):
                seen += 1
                assert operation.reverse_sql is not None, f"{migration.app_label}.{migration.name}"
    assert seen >= 1  # content.0002_home_page seeds the home page and unseeds it


def test_irreversible_reason_names_the_operation_or_the_declaration(monkeypatch):
    no_reverse = type("Migration", (migrations.Migration,), {
        "__module__": "forecourt_throwaway.migrations.0002_backfill",
        "operations": [migrations.RunPython(_forward)],
    })("0002_backfill", "throwaway")
    assert downgrade.irreversible_reason(no_reverse) == "operation RunPython(_forward) has no reverse"

    module = types.ModuleType("forecourt_throwaway.migrations.0003_hash_tokens")
    module.IRREVERSIBLE = "hashes the plain-text tokens; the originals are gone"
    monkeypatch.setitem(sys.modules, module.__name__, module)
    declared = type("Migration", (migrations.Migration,), {
        "__module__": module.__name__,
        "operations": [migrations.RunPython(_forward, migrations.RunPython.noop)],
    })("0003_hash_tokens", "throwaway")
    assert downgrade.irreversible_reason(declared) == (
        "declared irreversible: hashes the plain-text tokens; the originals are gone")

    reversible = type("Migration", (migrations.Migration,), {
        "__module__": "forecourt_throwaway.migrations.0004_fine",
        "operations": [migrations.RunPython(_forward, migrations.RunPython.noop)],
    })("0004_fine", "throwaway")
    assert downgrade.irreversible_reason(reversible) is None


@pytest.mark.django_db
def test_downgrade_past_a_declared_irreversible_migration_is_refused_and_changes_nothing(monkeypatch):
    """`downgrade.run` makes this same plan under the lock before it changes anything."""
    module = sys.modules["forecourt.accounts.migrations.0004_organisation_request_reason"]
    monkeypatch.setattr(module, downgrade.DECLARATION, "drops the reasons of rejected requests", raising=False)
    before = set(MigrationRecorder(connection).applied_migrations())

    with pytest.raises(downgrade.Refused) as refused:
        downgrade.make_plan("0.3.0")

    assert str(refused.value).startswith(
        "cannot downgrade past migration accounts.0004_organisation_request_reason: "
        "declared irreversible: drops the reasons of rejected requests")
    assert set(MigrationRecorder(connection).applied_migrations()) == before
    # Only what lies in the way counts: 0.4.0 is on this side of the declared migration.
    assert "accounts.0004_organisation_request_reason" not in downgrade.make_plan("0.4.0").reverse
