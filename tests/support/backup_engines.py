"""Throw-away databases on each engine, whatever engine the suite runs on (cross-engine restore tests).

The servers are the ones CI and scripts/run-tests use: PostgreSQL as postgres@127.0.0.1:5432 and
MariaDB as root@127.0.0.1:3306 with an empty password.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG = {"HOST": "127.0.0.1", "PORT": "5432", "USER": "postgres", "PASSWORD": ""}
MARIADB = {"HOST": "127.0.0.1", "PORT": "3306", "USER": "root", "PASSWORD": ""}


@contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """PORTAL_* variables for a new empty database of `kind` (sqlite3, postgres, mysql), dropped afterwards."""
    from . import databases

    name = "fc_xe_" + uuid.uuid4().hex[:10]
    if kind == "sqlite3":
        yield {"PORTAL_DATABASE_DIALECT": "sqlite3", "PORTAL_DATABASE_CONNECTIONSTRING": str(tmp_path / f"{name}.db")}
    elif kind == "postgres":
        with databases._pg_connect(PG, "postgres") as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield {"PORTAL_DATABASE_DIALECT": "postgres",
                   "PORTAL_DATABASE_CONNECTIONSTRING": f"postgres://postgres@127.0.0.1:5432/{name}"}
        finally:
            with databases._pg_connect(PG, "postgres") as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        conn = databases._mysql_connect(MARIADB)
        try:
            conn.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        finally:
            conn.close()
        try:
            yield {"PORTAL_DATABASE_DIALECT": "mysql",
                   "PORTAL_DATABASE_CONNECTIONSTRING": f"root@tcp(127.0.0.1:3306)/{name}"}
        finally:
            conn = databases._mysql_connect(MARIADB)
            try:
                conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
            finally:
                conn.close()
