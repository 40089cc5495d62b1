"""Throw-away databases on the engine the suite runs against, for tests that start real servers.

pytest-django gives each test a database inside the test process; tests of `forecourt serve`
and `forecourt migrate` need a database of their own that other processes can reach.
"""

import atexit
import shutil
import tempfile
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


def _pg_connect(db: dict[str, Any], dbname: str):  # type: ignore[no-untyped-def]
    """An autocommit psycopg connection to `dbname` on the server a DATABASES entry names."""
    import psycopg

    return psycopg.connect(host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None,
                           password=db["PASSWORD"] or None, dbname=dbname, autocommit=True)


def _mysql_connect(db: dict[str, Any], dbname: str | None = None):  # type: ignore[no-untyped-def]
    """An autocommit MySQLdb connection to `dbname` (or none) on the server a DATABASES entry names."""
    import MySQLdb

    kwargs: dict[str, Any] = {"host": db["HOST"] or "127.0.0.1", "port": int(db["PORT"] or 3306),
                              "user": db["USER"], "passwd": db["PASSWORD"], "autocommit": True}
    if dbname:
        kwargs["db"] = dbname
    return MySQLdb.connect(**kwargs)


def _pg_admin():  # type: ignore[no-untyped-def]
    return _pg_connect(_server_params(), "postgres")


def _mysql_admin():  # type: ignore[no-untyped-def]
    return _mysql_connect(_server_params())


def _create(kind: str, name: str, folder: Path, template: str | None = None) -> dict[str, str]:
    """Create database `name` (empty, or a copy of `template`); the PORTAL_* variables that point at it."""
    if kind == "sqlite3":
        path = folder / f"{name}.db"
        if template:
            shutil.copyfile(template, path)
        return {"PORTAL_DATABASE_DIALECT": "sqlite3", "PORTAL_DATABASE_CONNECTIONSTRING": str(path)}
    p = _server_params()
    auth = p["USER"] + (f":{p['PASSWORD']}" if p["PASSWORD"] else "")
    if kind == "postgres":
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        url = f"postgres://{auth}@{p['HOST'] or '127.0.0.1'}:{p['PORT'] or 5432}/{name}"
        return {"PORTAL_DATABASE_DIALECT": "postgres", "PORTAL_DATABASE_CONNECTIONSTRING": url}
    conn = _mysql_admin()
    try:
        conn.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        if template:
            _mysql_copy_tables(conn, template, name)
    finally:
        conn.close()
    dsn = f"{auth}@tcp({p['HOST'] or '127.0.0.1'}:{p['PORT'] or 3306})/{name}"
    return {"PORTAL_DATABASE_DIALECT": "mysql", "PORTAL_DATABASE_CONNECTIONSTRING": dsn}


def _mysql_copy_tables(conn: Any, source: str, target: str) -> None:
    """MariaDB has no CREATE DATABASE ... TEMPLATE: each table is made from its own SHOW CREATE TABLE
    (indexes, full-text indexes and foreign keys included) and filled from the source's rows."""
    cur = conn.cursor()
    cur.execute("SET FOREIGN_KEY_CHECKS = 0")
    cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                "AND table_type = 'BASE TABLE'", [source])
    tables = [row[0] for row in cur.fetchall()]
    cur.execute(f"USE `{target}`")
    for table in tables:
        cur.execute(f"SHOW CREATE TABLE `{source}`.`{table}`")
        cur.execute(cur.fetchone()[1])
        cur.execute(f"INSERT INTO `{target}`.`{table}` SELECT * FROM `{source}`.`{table}`")  # noqa: S608 (our own names)
    cur.execute("SET FOREIGN_KEY_CHECKS = 1")


def _drop(kind: str, name: str) -> None:
    if kind == "postgres":
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    elif kind == "mysql":
        conn = _mysql_admin()
        try:
            conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        finally:
            conn.close()


@contextmanager
def fresh_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Create an empty database; yield the PORTAL_* variables that point a process at it."""
    kind = dialect()
    name = "fc_" + uuid.uuid4().hex[:12]
    env = _create(kind, name, tmp_path)
    try:
        yield env
    finally:
        _drop(kind, name)


# The migrated database each test process copies (dialect -> SQLite path or database name), made once.
_TEMPLATES: dict[str, str] = {}


def _migrated_template(kind: str) -> str:
    """A database at this code's schema, made by `forecourt migrate` once per test process and dropped
    when the process ends. Applying every migration costs seconds of CPU on each engine (tens of seconds
    on MariaDB, whose each CREATE TABLE writes a file); copying the result costs a fraction of that."""
    if kind not in _TEMPLATES:
        from . import servers

        folder = Path(tempfile.mkdtemp(prefix="fc-template-"))
        name = "fc_tpl_" + uuid.uuid4().hex[:12]
        env = _create(kind, name, folder)
        migrated = servers.run(["migrate"], servers.child_env(env, folder), folder, timeout=300)
        if migrated.returncode != 0:
            _drop(kind, name)
            raise AssertionError(f"migrating the template database failed:\n{migrated.stderr}")
        atexit.register(shutil.rmtree, folder, True)
        if kind != "sqlite3":
            atexit.register(_drop, kind, name)
        _TEMPLATES[kind] = env["PORTAL_DATABASE_CONNECTIONSTRING"] if kind == "sqlite3" else name
    return _TEMPLATES[kind]


@contextmanager
def migrated_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A database already at this code's schema (a copy of `_migrated_template`), for tests of what runs
    on a migrated portal; tests of migrating itself take `fresh_database`. The copies share the instance
    secret `migrate` made (SECRET_KEY); the encryption key is made by each copy on first use."""
    kind = dialect()
    template = _migrated_template(kind)
    name = "fc_" + uuid.uuid4().hex[:12]
    env = _create(kind, name, tmp_path, template)
    try:
        yield env
    finally:
        _drop(kind, name)


def execute(env: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    """Run one statement on the database `env` points at (outside Django), returning its rows."""
    kind = env["PORTAL_DATABASE_DIALECT"]
    db = configuration.dsn.database(kind, env["PORTAL_DATABASE_CONNECTIONSTRING"], ".")
    if kind == "sqlite3":
        import sqlite3

        with sqlite3.connect(db["NAME"]) as conn:
            return list(conn.execute(sql).fetchall())
    if kind == "postgres":
        with _pg_connect(db, db["NAME"]) as conn:
            cur = conn.execute(sql)
            return list(cur.fetchall()) if cur.description else []
    conn = _mysql_connect(db, db["NAME"])
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
        with _pg_connect(db, db["NAME"]) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", [dblock.PG_LOCK_KEY])
            yield
            conn.execute("SELECT pg_advisory_unlock(%s)", [dblock.PG_LOCK_KEY])
        return
    conn = _mysql_connect(db, db["NAME"])
    try:
        cur = conn.cursor()
        cur.execute("SELECT GET_LOCK(%s, 10)", [dblock.LOCK_NAME])
        assert cur.fetchone()[0] == 1
        yield
        cur.execute("SELECT RELEASE_LOCK(%s)", [dblock.LOCK_NAME])
    finally:
        conn.close()
