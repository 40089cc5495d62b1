"""Every row of a database, for comparing a restored database with the one backed up.

`raw(env)` reads with plain SQL outside Django (same-engine comparisons: every column exactly
as stored, ciphertext included). `python -m tests.support.backup_rows` prints every table of the
current models through the ORM with values normalised (datetimes in UTC, bytes as hex, JSON
with sorted keys), so that a PostgreSQL and a MariaDB copy of the same data compare equal;
encrypted columns come out decrypted, which also proves the key still opens them.
"""

import datetime as dt
import json
import os
import sys
from decimal import Decimal
from typing import Any
from uuid import UUID

from . import databases

# ops_backuprecord is not portal data: archives leave it out and a restore keeps the target's rows and
# adds the archive restored from (tests/test_restore.py::test_backup_records_survive_a_restore_...).
SKIP = {"django_migrations", "sqlite_sequence", "ops_backuprecord"}


def tables(env: dict[str, str]) -> list[str]:
    kind = env["PORTAL_DATABASE_DIALECT"]
    query = {
        # Ordinary tables only: an FTS5 table (the catalogue's search index) and its shadow tables are the
        # engine's index, rebuilt from catalog_productsearch as a restore inserts it; their bytes depend on
        # the order of the writes, not on what they index.
        "sqlite3": "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' "
                   "AND name != 'sqlite_schema'",
        "postgres": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
        "mysql": "SHOW TABLES",
    }[kind]
    return sorted(r[0] for r in databases.execute(env, query) if r[0] not in SKIP)


def raw(env: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """{table: sorted rows} read with plain SQL (no Django)."""
    quote = '"' if env["PORTAL_DATABASE_DIALECT"] != "mysql" else "`"
    out = {}
    for table in tables(env):
        rows = databases.execute(env, f"SELECT * FROM {quote}{table}{quote}")  # noqa: S608
        out[table] = sorted((tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows),
                            key=repr)
    return out


def migrations(env: dict[str, str]) -> set[tuple[str, str]]:
    return {(a, n) for a, n in databases.execute(env, "SELECT app, name FROM django_migrations")}


def _normal(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def orm_rows() -> dict[str, list[list[Any]]]:
    from django.apps import apps

    out: dict[str, list[list[Any]]] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table in SKIP:
            continue
        fields = [f.attname for f in model._meta.local_concrete_fields]
        rows = [[_normal(v) for v in row] for row in model._base_manager.values_list(*fields)]
        out[model._meta.db_table] = sorted(rows, key=repr)
    return out


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
    import django

    django.setup()
    json.dump(orm_rows(), sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
