"""Steps of a migration rehearsal, run in a process of its own against a throw-away database.

`python -m tests.support.migration_child STEP...` with the PORTAL_* variables of the database
(tests/support/databases.fresh_database) runs each step in order and prints one JSON line per
step. A process of its own, because the rehearsal migrates back and forth and must not touch the
pytest-django test database or the app registry of the test process. Steps:

  build:VERSION      migrate a fresh database to that release's targets (as its binary would)
                     and record the version, as `forecourt migrate` of that release did
  fill:TAG           rows in every Forecourt table through the current state's historical models
  snapshot           {table: {pk: {column: value}}} through the current state's historical models
  defaults           {table: {column: value}} that a column added later holds in earlier rows
  downgrade:VERSION  forecourt.lifecycle.downgrade.run(VERSION)
  applied            {app: [migration names applied]} of the Forecourt apps
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def steps(env: dict[str, str], *names: str, timeout: float = 180) -> list[object]:
    """Run the steps in a child process with `env` (servers.child_env); return each step's result."""
    proc = subprocess.run([sys.executable, "-m", "tests.support.migration_child", *names], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, f"steps {names} failed:\n{proc.stderr}"
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith('{"step"')]
    assert [r["step"] for r in results] == list(names), proc.stdout
    return [r["result"] for r in results]


_rendered: dict[frozenset[tuple[str, str]], object] = {}


def _state_apps():  # type: ignore[no-untyped-def]
    """The historical models of the migrations applied now (rendered once per migration state)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    applied = frozenset(node for node in loader.applied_migrations if node in loader.graph.nodes)
    if applied not in _rendered:
        _rendered[applied] = loader.project_state(nodes=sorted(applied), at_end=True).apps
    return _rendered[applied]


def _build(version: str) -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from forecourt.lifecycle import downgrade, releases

    release = releases.get(version)
    executor = MigrationExecutor(connection)
    apps = downgrade.forecourt_apps(executor.loader)
    targets = [(app, release.target(app)) for app in apps if release.target(app) != releases.ZERO]
    # Other apps (contrib) as far as these need them: the executor follows the dependencies.
    plan = executor.migration_plan(targets)
    executor.migrate(targets, plan=plan)
    state_apps = _state_apps()
    state_apps.get_model("ops", "SchemaVersion").objects.create(
        version=version, applied=[f"{m.app_label}.{m.name}" for m, _ in plan])
    return [f"{m.app_label}.{m.name}" for m, _ in plan]


def run(step: str) -> object:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    from forecourt.lifecycle import downgrade

    from . import migration_data

    name, _, arg = step.partition(":")
    if name == "build":
        return _build(arg)
    if name == "fill":
        return migration_data.fill(_state_apps(), arg)
    if name == "snapshot":
        return migration_data.snapshot(_state_apps())
    if name == "defaults":
        return migration_data.defaults(_state_apps())
    if name == "downgrade":
        return downgrade.run(arg, lock_timeout=30).reversed
    if name == "applied":
        applied: dict[str, list[str]] = {}
        ours = set(downgrade.forecourt_apps(MigrationLoader(None, ignore_no_migrations=True)))
        for app, migration in sorted(MigrationRecorder(connection).applied_migrations()):
            if app in ours:
                applied.setdefault(app, []).append(migration)
        return applied
    raise SystemExit(f"unknown step {step!r}")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
    import django

    django.setup()
    for step in sys.argv[1:]:
        print(json.dumps({"step": step, "result": run(step)}), flush=True)


if __name__ == "__main__":
    main()
