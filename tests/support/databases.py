"""Throw-away databases on the engine the suite runs against, for tests that start real servers.

pytest-django gives each test a database inside the test process; tests of `forecourt serve`
and `forecourt migrate` need a database of their own that other processes can reach.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from forecourt import configuration


def dialect() -> str:
    return str(configuration.get()["Database.Dialect"])


def _server_params() -> dict[str, Any]:
    return configuration.get().database


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    p = _server_params()
    return psycopg.connect(host=p["HOST"] or None, port=p["PORT"] or None, user=p["USER"] or None,
                           password=p["PASSWORD"] or None, dbname="postgres", autocommit=True)


def _mysql_admin():  # type: ignore[no-untyped-def]
    import MySQLdb

    p = _server_params()
    kwargs: dict[str, Any] = {"host": p["HOST"] or "127.0.0.1", "user": p["USER"], "passwd": p["PASSWORD"]}
    if p["PORT"]:
        kwargs["port"] = int(p["PORT"])
    return MySQLdb.connect(**kwargs)


@contextmanager
def fresh_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Create an empty database; yield the PORTAL_* variables that point a process at it."""
    kind = dialect()
    name = "fc_" + uuid.uuid4().hex[:12]
    if kind == "sqlite3":
        path = tmp_path / f"{name}.db"
        yield {"PORTAL_DATABASE_DIALECT": "sqlite3", "PORTAL_DATABASE_CONNECTIONSTRING": str(path)}
        return
    p = _server_params()
    if kind == "postgres":
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        auth = p["USER"] + (f":{p['PASSWORD']}" if p["PASSWORD"] else "")
        url = f"postgres://{auth}@{p['HOST'] or '127.0.0.1'}:{p['PORT'] or 5432}/{name}"
        try:
            yield {"PORTAL_DATABASE_DIALECT": "postgres", "PORTAL_DATABASE_CONNECTIONSTRING": url}
        finally:
            with _pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    conn = _mysql_admin()
    try:
        conn.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        conn.close()
    auth = p["USER"] + (f":{p['PASSWORD']}" if p["PASSWORD"] else "")
    dsn = f"{auth}@tcp({p['HOST'] or '127.0.0.1'}:{p['PORT'] or 3306})/{name}"
    try:
        yield {"PORTAL_DATABASE_DIALECT": "mysql", "PORTAL_DATABASE_CONNECTIONSTRING": dsn}
    finally:
        conn = _mysql_admin()
        try:
            conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        finally:
            conn.close()


def execute(env: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    """Run one statement on the database `env` points at (outside Django), returning its rows."""
    kind = env["PORTAL_DATABASE_DIALECT"]
    db = configuration.dsn.database(kind, env["PORTAL_DATABASE_CONNECTIONSTRING"], ".")
    if kind == "sqlite3":
        import sqlite3

        with sqlite3.connect(db["NAME"]) as conn:
            return list(conn.execute(sql).fetchall())
    if kind == "postgres":
        import psycopg

        with psycopg.connect(host=db["HOST"], port=db["PORT"] or None, user=db["USER"] or None,
                             password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True) as conn:
            cur = conn.execute(sql)
            return list(cur.fetchall()) if cur.description else []
    import MySQLdb

    conn = MySQLdb.connect(host=db["HOST"], port=int(db["PORT"] or 3306), user=db["USER"],
                           passwd=db["PASSWORD"], db=db["NAME"], autocommit=True)
    try:
        cur = conn.cursor()
        cur.execute(sql)
        return list(cur.fetchall()) if cur.description else []
    finally:
        conn.close()


@contextmanager
def hold_migration_lock(env: dict[str, str]) -> Iterator[None]:
    """Hold Forecourt's migration lock on `env`'s database from outside, as another replica would."""
    from forecourt.ops import dblock

    kind = env["PORTAL_DATABASE_DIALECT"]
    db = configuration.dsn.database(kind, env["PORTAL_DATABASE_CONNECTIONSTRING"], ".")
    if kind == "sqlite3":
        import fcntl

        path = Path(db["NAME"] + ".migrate-lock")
        with path.open("a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return
    if kind == "postgres":
        import psycopg

        with psycopg.connect(host=db["HOST"], port=db["PORT"] or None, user=db["USER"] or None,
                             password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", [dblock.PG_LOCK_KEY])
            yield
            conn.execute("SELECT pg_advisory_unlock(%s)", [dblock.PG_LOCK_KEY])
        return
    import MySQLdb

    conn = MySQLdb.connect(host=db["HOST"], port=int(db["PORT"] or 3306), user=db["USER"],
                           passwd=db["PASSWORD"], db=db["NAME"], autocommit=True)
    try:
        cur = conn.cursor()
        cur.execute("SELECT GET_LOCK(%s, 10)", [dblock.LOCK_NAME])
        assert cur.fetchone()[0] == 1
        yield
        cur.execute("SELECT RELEASE_LOCK(%s)", [dblock.LOCK_NAME])
    finally:
        conn.close()
