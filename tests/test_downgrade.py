"""`forecourt downgrade --to VERSION`, run as an operator would, on a database of the engine under test.

The plan says what the older schema cannot keep (checked against counts worked out here from the
rows written), nothing changes without --yes, the downgrade keeps every row of the tables that
survive and leaves the migration table exactly at the release's state; refusals exit non-zero and
change nothing.
"""

import json
import os
import subprocess

import pytest

from forecourt.lifecycle import releases

from .support import databases, migration_child, servers

pytestmark = pytest.mark.server


def _cli(args, env, tmp_path, timeout=120):
    """The CLI with no terminal on stdin, as from a script or CI job."""
    return subprocess.run([*servers.FORECOURT, *args], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False)


def _migrations(env):
    return sorted(databases.execute(env, "SELECT app, name FROM django_migrations"))


def _with_a_value(rows, column, default):
    return sum(1 for row in rows.values() if row[column] is not None and row[column] != default)


def test_downgrade_to_0_3_0_reports_what_it_drops_then_keeps_every_other_row(child_env, tmp_path):
    assert _cli(["migrate"], child_env, tmp_path).returncode == 0
    filled, before, defaults = migration_child.steps(child_env, "fill:new", "snapshot", "defaults")
    migrations_before = _migrations(child_env)
    old = releases.get("0.3.0")

    dry = _cli(["downgrade", "--to", "0.3.0", "--dry-run", "--json"], child_env, tmp_path)
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["ok"] and plan["dry_run"] and not plan["done"]
    assert plan["targets"]["access"] == old.target("access") and plan["targets"]["webhooks"] == "zero"
    assert "webhooks.0001_initial" in plan["reverse"] and "content.0001_initial" in plan["reverse"]
    dropped = {loss["table"]: loss["rows"] for loss in plan["drop_tables"]}
    # The unreleased webhooks and everything 0.4.0 added go, with every row written to them.
    for table in ("webhooks_webhook", "webhooks_event", "webhooks_delivery", "themes_theme", "content_page",
                  "accounts_organisationrequest", "accounts_invitation"):
        assert dropped[table] == len(before[table]) > 0, table
    assert "accounts_user" not in dropped and "access_credential" not in dropped
    columns = {(loss["table"], loss["column"]): loss["rows"] for loss in plan["drop_columns"]}
    for table, column in [("access_credential", "provider_data"), ("access_credential", "secret_shown_at"),
                          ("access_credential", "replaces_id"), ("catalog_plan", "push_state"),
                          ("catalog_product", "push_error")]:
        expected = _with_a_value(before[table], column, defaults[table].get(column))
        assert columns[(table, column)] == expected, (table, column)
    assert columns[("catalog_plan", "push_state")] == filled["catalog_plan"]  # every row holds a non-default
    assert _migrations(child_env) == migrations_before, "a dry run changes nothing"

    text = _cli(["downgrade", "--to", "0.3.0", "--dry-run"], child_env, tmp_path)
    assert "  table webhooks_webhook" in text.stdout and f"{dropped['webhooks_webhook']} row(s)" in text.stdout
    assert "Dry run: nothing changed." in text.stdout

    unconfirmed = _cli(["downgrade", "--to", "0.3.0"], child_env, tmp_path)
    assert unconfirmed.returncode == 1
    assert "not confirmed: pass --yes" in unconfirmed.stderr
    assert _migrations(child_env) == migrations_before

    done = _cli(["downgrade", "--to", "0.3.0", "--yes", "--json"], child_env, tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["done"] and result["reverse"] == plan["reverse"] and result["drop_tables"] == plan["drop_tables"]
    assert "database downgraded to 0.3.0" in done.stderr

    after, applied = migration_child.steps(child_env, "snapshot", "applied")
    assert {app: names[-1] for app, names in applied.items()} == old.migrations
    assert set(after) == set(before) - set(dropped)
    for table, rows in after.items():
        if table == "ops_schemaversion":
            continue
        assert set(rows) == set(before[table]), f"rows of {table} lost"
        for pk, row in rows.items():
            assert row == {c: v for c, v in before[table][pk].items() if c in row}, f"{table} row {pk}"
    assert databases.execute(child_env, "SELECT version FROM ops_schemaversion ORDER BY id DESC")[0] == ("0.3.0",)

    # The database is at 0.3.0 now: moving "back" to 0.4.0 would be an upgrade.
    newer = _cli(["downgrade", "--to", "0.4.0", "--yes"], child_env, tmp_path)
    assert newer.returncode == 1
    assert "0.4.0 is newer than the database (at 0.3.0)" in newer.stderr
    again = _cli(["downgrade", "--to", "0.3.0", "--yes"], child_env, tmp_path)
    assert again.returncode == 0 and "already at 0.3.0's schema: nothing to reverse" in again.stdout


def test_refusals_exit_non_zero_and_change_nothing(child_env, tmp_path):
    assert _cli(["migrate"], child_env, tmp_path).returncode == 0
    migrations_before = _migrations(child_env)

    unknown = _cli(["downgrade", "--to", "0.3.7", "--yes", "--json"], child_env, tmp_path)
    assert unknown.returncode == 1
    assert json.loads(unknown.stdout) == {
        "ok": False, "error": "0.3.7 is not a release (known: "
                              + ", ".join(r.version for r in releases.all_releases()) + ")"}
    assert "downgrade refused: 0.3.7 is not a release" in unknown.stderr

    databases.execute(child_env, "INSERT INTO ops_schemaversion (version, migrated_at, applied) "
                                 "VALUES ('9.9.0', '2099-01-01 00:00:00', '[]')")
    newer_binary = _cli(["downgrade", "--to", "0.3.0", "--yes"], child_env, tmp_path)
    assert newer_binary.returncode == 1
    assert "the database was migrated by Forecourt 9.9.0, newer than this one" in newer_binary.stderr
    databases.execute(child_env, "DELETE FROM ops_schemaversion WHERE version = '9.9.0'")

    # A newer Forecourt's migrations: one of an app this version has, one of an app it does not.
    databases.execute(child_env, "INSERT INTO django_migrations (app, name, applied) VALUES "
                                 "('webhooks', '0099_from_the_future', '2099-01-01 00:00:00'), "
                                 "('billing', '0001_initial', '2099-01-01 00:00:00')")
    future = _cli(["downgrade", "--to", "0.3.0", "--yes"], child_env, tmp_path)
    assert future.returncode == 1
    assert ("migrations this version does not know: billing.0001_initial, webhooks.0099_from_the_future"
            in future.stderr)
    databases.execute(child_env, "DELETE FROM django_migrations WHERE applied = '2099-01-01 00:00:00'")

    with databases.hold_migration_lock(child_env):
        locked = _cli(["downgrade", "--to", "0.3.0", "--yes", "--lock-timeout", "1"], child_env, tmp_path)
    assert locked.returncode == 1
    assert "gave up waiting 1s for the migration lock" in locked.stderr

    # At a terminal the operator is asked; anything but yes changes nothing.
    controller, terminal = os.openpty()
    asked = subprocess.Popen([*servers.FORECOURT, "downgrade", "--to", "0.3.0"], env=child_env, cwd=tmp_path,
                             stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(terminal)
    os.write(controller, b"n\n")
    out, err = asked.communicate(timeout=120)
    os.close(controller)
    assert asked.returncode == 1
    assert "table webhooks_webhook" in out and "Downgrade to 0.3.0? [y/N]" in err and "Nothing changed." in err

    assert _migrations(child_env) == migrations_before
    assert databases.execute(child_env, "SELECT COUNT(*) FROM webhooks_webhook") == [(0,)]


def test_an_unmigrated_database_has_nothing_to_downgrade(child_env, tmp_path):
    result = _cli(["downgrade", "--to", "0.1.0", "--yes"], child_env, tmp_path)
    assert result.returncode == 1
    assert "the database has not been migrated yet" in result.stderr


@pytest.mark.django_db
def test_values_an_older_column_cannot_hold_are_found_before_anything_changes():
    """A column that a later migration relaxed (NULL allowed, longer, no longer unique) cannot go back
    while rows use that freedom: found first, or reversing would fail half-way on SQLite and MySQL."""
    from django.db import connection, models
    from django.db.migrations.loader import MigrationLoader

    from forecourt.accounts.models import User
    from forecourt.lifecycle import downgrade

    loader = MigrationLoader(connection)
    state = loader.project_state(nodes=loader.graph.leaf_nodes(), at_end=True)
    older = state.clone()
    user = older.models["accounts", "user"]
    user.fields["first_name"] = models.CharField(max_length=5, blank=True)
    user.fields["last_login"] = models.DateTimeField()
    user.fields["last_name"] = models.CharField(max_length=150, unique=True)
    now, then = downgrade._tables(state.apps), downgrade._tables(older.apps)
    assert downgrade.conflicts(now, then, "default") == []

    for n in range(3):
        User.objects.create_user(f"u{n}@example.com", "a-long-passphrase", first_name="Alexandra" if n else "Al",
                                 last_name="Twin" if n else "Solo")
    assert sorted(downgrade.conflicts(now, then, "default")) == [
        "accounts_user.first_name: 2 value(s) longer than the older column's 5 characters",
        "accounts_user.last_login: 3 row(s) hold NULL, which the older column does not allow",
        "accounts_user.last_name: 1 value(s) appear more than once; the older column is unique",
    ]
