"""Moving a portal between engines: SQLite -> PostgreSQL -> MariaDB -> SQLite keeps every row.

These tests need all three engines, so they run in one of CI's three runs only (the SQLite
one) and create their own PostgreSQL and MariaDB databases there.
"""

import json
from contextlib import ExitStack
from pathlib import Path

import pytest

from .support import backup_archive, backup_rows, databases, servers
from .support.backup_engines import database
from .support.backup_fixtures import make_portal

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(databases.dialect() != "sqlite3",
                       reason="cross-engine moves run once, in the SQLite run (they create their own databases)"),
]


def test_sqlite_to_postgres_to_mariadb_to_sqlite_keeps_every_row(migrated_env, tmp_path):
    source = make_portal(migrated_env, tmp_path)
    expected = backup_archive.run_helper("backup_rows", source, tmp_path).stdout
    assert "dashboard-api-key" in expected  # the ORM view decrypts: the key travels with the rows
    original_raw = backup_rows.raw(source)

    previous, previous_home = source, tmp_path
    with ExitStack() as stack:
        for kind in ("postgres", "mysql", "sqlite3"):
            home = tmp_path / f"on-{kind}"
            home.mkdir()
            env = servers.child_env(stack.enter_context(database(kind, home)), home,
                                    PORTAL_THEMING_PATH=str(home / "themes"))
            made = servers.run(["backup", "--json"], previous, previous_home, timeout=300)
            assert made.returncode == 0, made.stderr
            archive = Path(json.loads(made.stdout)["path"])
            restored = servers.run(["restore", str(archive), "--json"], env, home, timeout=300)
            assert restored.returncode == 0, f"restore into {kind}:\n{restored.stderr}"
            report = json.loads(restored.stdout)
            assert report["dialect"] == kind and report["migrated"] == []
            got = backup_archive.run_helper("backup_rows", env, home).stdout
            mismatched = [t for t, rows in json.loads(expected).items() if json.loads(got).get(t) != rows]
            assert not mismatched, f"tables that differ after the move to {kind}: {mismatched}"
            assert (home / "themes" / "acme" / "static" / "logo.bin").read_bytes() == bytes(range(256))
            assert len(list((home / "data" / "media" / "logos").iterdir())) == 1
            previous, previous_home = env, home

        # Back on SQLite after two other engines: the rows we started with, column for column as stored
        # (JSON objects compared parsed: PostgreSQL's jsonb keeps its own key order, not the writer's).
        final_raw = backup_rows.raw(previous)
        assert set(final_raw) == set(original_raw)
        for table, rows in original_raw.items():
            assert [_parsed(r) for r in final_raw[table]] == [_parsed(r) for r in rows], table


def _parsed(row):
    def value(v):
        if isinstance(v, str) and v[:1] in "{[":
            try:
                return json.loads(v)
            except ValueError:
                return v
        return v

    return tuple(value(v) for v in row)
