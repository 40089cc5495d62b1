"""CLI commands that touch the database: migrate, bootstrap, and connection retries."""

import hashlib
import json
import re

import pytest

from forecourt.ops import startup

from .support import databases, servers

pytestmark = pytest.mark.server


def test_migrate_plan_lists_without_applying_then_migrate_applies(child_env, tmp_path):
    plan = servers.run(["migrate", "--plan"], child_env, tmp_path)
    assert plan.returncode == 0, plan.stderr
    pending = plan.stdout.split()
    assert "accounts.0001_initial" in pending and "ops.0001_initial" in pending
    assert f"{len(pending)} pending migration(s)" in plan.stderr

    applied = servers.run(["migrate"], child_env, tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert len(re.findall(r"applied migration ", applied.stderr)) == len(pending)

    again = servers.run(["migrate", "--plan"], child_env, tmp_path)
    assert again.stdout == ""
    assert "0 pending migration(s)" in again.stderr


def test_bootstrap_is_idempotent(migrated_env, tmp_path):
    first = servers.run(["bootstrap", "--email", "Owner@Example.com", "--first-name", "Olive"], migrated_env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Created the super-admin owner@example.com" in first.stdout
    password = re.search(r"password:\s+(\S+)\s+\(generated", first.stdout).group(1)
    assert len(password) >= 12
    assert "Admin API token (shown once):" in first.stdout

    second = servers.run(["bootstrap", "--email", "someone@example.com", "--password", "another-long-one"],
                         migrated_env, tmp_path)
    assert second.returncode == 0
    assert "already bootstrapped" in second.stdout and "nothing changed" in second.stdout
    assert "password" not in second.stdout
    rows = databases.execute(migrated_env, "SELECT email, role FROM accounts_user")
    assert rows == [("owner@example.com", "super-admin")]
    assert databases.execute(migrated_env, "SELECT name FROM accounts_organisation") == [("Default Organisation",)]
    assert databases.execute(migrated_env, "SELECT name FROM accounts_team") == [("Default Team",)]


def test_bootstrap_can_write_the_token_to_a_file_instead_of_the_output(migrated_env, tmp_path):
    import os
    import stat

    target = tmp_path / "token"
    result = servers.run(["bootstrap", "--email", "owner@example.com", "--password", "a-long-passphrase",
                          "--token-file", str(target)], migrated_env, tmp_path)
    assert result.returncode == 0, result.stderr
    token = target.read_text().strip()
    assert token and token not in result.stdout + result.stderr and "written to" in result.stdout
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    # It is the token the portal stored (as its digest) for the new super-admin.
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert databases.execute(migrated_env, "SELECT t.digest, u.email FROM accounts_apitoken t "
                                        "JOIN accounts_user u ON u.id = t.user_id") == [(digest, "owner@example.com")]


def test_bootstrap_rejects_bad_details_and_writes_nothing(migrated_env, tmp_path):
    bad = servers.run(["bootstrap", "--email", "nope", "--password", "short"], migrated_env, tmp_path)
    assert bad.returncode == 1
    assert "username must be a valid e-mail address" in bad.stderr
    assert "password: This password is too short" in bad.stderr
    assert databases.execute(migrated_env, "SELECT id FROM accounts_user") == []


def test_bootstrap_before_migrate_says_what_to_do(child_env, tmp_path):
    result = servers.run(["bootstrap", "--email", "a@example.com", "--password", "a-long-passphrase"],
                         child_env, tmp_path)
    assert result.returncode == 1
    assert "run `forecourt migrate`" in result.stderr


@pytest.mark.one_engine
@pytest.mark.parametrize(("dialect", "conn"), [
    ("postgres", "postgres://nobody@127.0.0.1:1/portal?connect_timeout=2"),
    ("mysql", "nobody@tcp(127.0.0.1:1)/portal"),
])
def test_unreachable_database_is_retried_then_reported(tmp_path, dialect, conn):
    env = servers.child_env({"PORTAL_DATABASE_DIALECT": dialect, "PORTAL_DATABASE_CONNECTIONSTRING": conn},
                            tmp_path, PORTAL_DATABASE_MAXRETRIES="2", PORTAL_DATABASE_RETRYDELAY="50")
    result = servers.run(["migrate"], env, tmp_path, timeout=60)
    assert result.returncode == 1
    assert len(re.findall(r"WARNING .*database not reachable \(attempt \d of 3\)", result.stderr)) == 2
    assert re.search(r"ERROR\s+forecourt\.startup\s+failed to connect to database: ", result.stderr)


@pytest.mark.one_engine
def test_serve_with_a_bad_setting_exits_2_naming_it(tmp_path):
    env = servers.child_env({}, tmp_path, PORTAL_DATABASE_DIALECT="oracle")
    result = servers.run(["serve"], env, tmp_path, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "PORTAL_DATABASE_DIALECT" in lines[0] and "'oracle'" in lines[0]
    assert "sqlite3, postgres, mysql" in lines[0]


def test_prod_log_format_is_one_json_object_per_line(child_env, tmp_path):
    env = {**child_env, "PORTAL_LOG_FORMAT": "prod"}
    result = servers.run(["migrate"], env, tmp_path)
    assert result.returncode == 0
    records = [json.loads(line) for line in result.stderr.strip().splitlines()]
    assert records, "nothing was logged"
    for record in records:
        assert {"time", "level", "logger", "message"} <= set(record)
    assert any(r["message"] == "applied migration accounts.0001_initial" for r in records)
    assert {r["level"] for r in records} == {"INFO"}


def test_error_level_silences_info_records(child_env, tmp_path):
    quiet = servers.run(["migrate"], {**child_env, "PORTAL_LOG_LEVEL": "error"}, tmp_path)
    assert quiet.returncode == 0
    assert quiet.stderr == ""


def test_wait_for_database_counts_attempts(monkeypatch):
    calls = []

    class Flaky:
        def ensure_connection(self):
            calls.append(1)
            if len(calls) < 3:
                from django.db import OperationalError

                raise OperationalError("connection refused")

        def close(self):
            pass

    monkeypatch.setattr(startup, "connections", {"default": Flaky()})
    monkeypatch.setattr(startup.time, "sleep", lambda s: None)
    startup.wait_for_database(max_retries=3, retry_delay_ms=10)
    assert len(calls) == 3


def test_search_index_rebuild_writes_the_index_again(migrated_env, tmp_path):
    """A product typed into the database by hand has no index row until the rebuild makes it."""
    databases.execute(migrated_env, (
        "INSERT INTO catalog_product (name, display_name, slug, description, content, logo, tags, documentation_only, "
        "published, hidden_by_sync, created_at, updated_at, push_state, push_error, sync_problem) VALUES "
        "('typed-in', 'Typed in', 'typed-in', 'Edited by hand', '', '', '[\"Weather\"]', FALSE, TRUE, FALSE, "
        "'2026-01-01 00:00:00', '2026-01-01 00:00:00', '', '', '')"))
    assert databases.execute(migrated_env, "SELECT COUNT(*) FROM catalog_productsearch") == [(0,)]
    rebuilt = servers.run(["search-index", "rebuild"], migrated_env, tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "search index rebuilt: 1 product" in rebuilt.stdout
    assert databases.execute(migrated_env, "SELECT title FROM catalog_productsearch") == [("Typed in\ntyped-in",)]
    assert databases.execute(migrated_env, "SELECT tag FROM catalog_producttag") == [("Weather",)]
