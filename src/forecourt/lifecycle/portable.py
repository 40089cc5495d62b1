"""The portable form of the database: one JSON Lines file per table, readable by any engine.

Rows are read and written through the *historical* models of the database's migration state
(what `migrate` itself uses), not the current models: a database one release behind the code
still backs up column for column, and a restore rebuilds the schema at the archive's state
before it loads the rows, so the columns always match. Values are encoded by column type so
that what one engine returns (SQLite's text datetimes, MariaDB's naive UTC ones, PostgreSQL's
jsonb) comes back equal on another:

    datetime / date / time   ISO 8601 text (datetimes with their offset)
    decimal                  text, so no digit is lost to a float
    binary                   base64 text
    uuid                     text
    duration                 integer microseconds
    json                     the column's JSON text, so JSON null stays apart from SQL NULL
    int / float / str / bool JSON's own (Python's json keeps big integers exact)

Encrypted columns (forecourt.ops.crypto.EncryptedTextField) are copied as their stored
ciphertext, never decrypted: the archive holds no secret in clear, and it restores only where
the same encryption key is configured. Rows are written with plain INSERTs (no model save(),
no signals, no auto_now), in dependency order, with the engine's constraint checks deferred
until the whole load is in, then checked.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps.registry import Apps
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.models import ExpressionWrapper, F

from forecourt.ops.crypto import EncryptedTextField

BATCH = 1000


class PortableError(Exception):
    """The rows cannot be dumped or loaded; the message says which table and why."""


# --- migration state ------------------------------------------------------------------------

def applied_state(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """{app label: last applied migration} from django_migrations, for every app with one applied."""
    loader = MigrationLoader(connection, replace_migrations=False)
    applied = set(loader.applied_migrations or {})
    state: dict[str, str] = {}
    for key in sorted(applied):
        node = loader.graph.node_map.get(key)
        if node is None:
            continue  # recorded but no longer on disk (a squashed-away migration)
        if not any(child.key in applied and child.key[0] == key[0] for child in node.children):
            state[key[0]] = key[1]
    return state


def state_apps(connection: BaseDatabaseWrapper, state: dict[str, str]) -> Apps:
    """The historical models of the schema at `state` ({app: migration})."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    missing = [f"{app}.{name}" for app, name in state.items() if (app, name) not in loader.graph.nodes]
    if missing:
        raise PortableError(f"migrations this Forecourt does not have: {', '.join(sorted(missing))}")
    return loader.project_state(list(state.items()), at_end=True).apps


# Tables that are not the portal's data and stay out of archives (and so are neither emptied nor
# loaded by a restore): the backup records describe archive files on this host and are written
# after each archive's snapshot, so an archive could only ever hold a stale, incomplete copy, and
# restoring one would forget the backups made since (forecourt.lifecycle.backup_records).
NOT_ARCHIVED = frozenset({"ops_backuprecord"})


def stored_models(apps: Apps) -> list[type[models.Model]]:
    """Models with a table of their own that archives hold, parents before the tables that reference them."""
    candidates = [m for m in apps.get_models(include_auto_created=True)
                  if m._meta.managed and not m._meta.proxy and not m._meta.swapped
                  and m._meta.db_table not in NOT_ARCHIVED]
    by_table = {m._meta.db_table: m for m in candidates}
    ordered: list[type[models.Model]] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(model: type[models.Model]) -> None:
        table = model._meta.db_table
        if table in done or table in visiting:
            return  # done, or a cycle: constraint checks are deferred during the load anyway
        visiting.add(table)
        for field in model._meta.local_concrete_fields:
            if field.is_relation and field.related_model is not None:
                parent = by_table.get(field.related_model._meta.db_table)
                if parent is not None and parent is not model:
                    visit(parent)
        visiting.discard(table)
        done.add(table)
        ordered.append(model)

    for model in sorted(candidates, key=lambda m: m._meta.db_table):
        visit(model)
    return ordered


# --- encoding -------------------------------------------------------------------------------

def _value_field(field: models.Field[Any, Any]) -> models.Field[Any, Any]:
    """The field whose type a column's values have (a foreign key's target field)."""
    while field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field  # type: ignore[attr-defined]
    return field


def _kind(field: models.Field[Any, Any]) -> str:
    if isinstance(field, EncryptedTextField):
        return "raw"
    internal = _value_field(field).get_internal_type()
    return {
        "DateTimeField": "datetime", "DateField": "date", "TimeField": "time",
        "DecimalField": "decimal", "BinaryField": "binary", "UUIDField": "uuid",
        "DurationField": "duration", "JSONField": "json",
    }.get(internal, "plain")


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind in ("decimal", "uuid"):
        return str(value)
    if kind == "binary":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "duration":
        return (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    if kind == "json":
        # The column's text, re-serialised so that every engine's spacing compares equal.
        return json.dumps(json.loads(value) if isinstance(value, str | bytes) else value, sort_keys=False)
    return value


def _decode(kind: str, value: Any) -> Any:  # noqa: PLR0911 - one encoding per kind of column
    if value is None:
        return None
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "time":
        return dt.time.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    if kind == "uuid":
        return uuid.UUID(value)
    if kind == "binary":
        return base64.b64decode(value)
    if kind == "duration":
        return dt.timedelta(microseconds=value)
    return value


def _prepare(field: models.Field[Any, Any], kind: str, value: Any, connection: BaseDatabaseWrapper) -> Any:
    """The parameter an INSERT needs for `value` on this engine."""
    if value is None or kind == "raw":
        return value
    if kind == "json":
        return connection.ops.adapt_json_value(json.loads(value), None)
    return _value_field(field).get_db_prep_save(_decode(kind, value), connection)


# --- dump -----------------------------------------------------------------------------------

def table_files(model: type[models.Model]) -> str:
    return f"database/{model._meta.db_table}.jsonl"


def dump_table(model: type[models.Model], using: str, out: Path) -> tuple[list[str], int]:
    """Write every row of `model`'s table to `out` (one JSON array per line); return (columns, rows)."""
    fields = list(model._meta.local_concrete_fields)
    kinds = [_kind(f) for f in fields]
    exprs: dict[str, Any] = {}
    for i, (field, kind) in enumerate(zip(fields, kinds, strict=True)):
        if kind in ("raw", "json"):
            # The stored text as is: no decryption, no JSON parsing into an ambiguous None.
            exprs[f"c{i}"] = ExpressionWrapper(F(field.attname), output_field=models.TextField())
        else:
            exprs[f"c{i}"] = F(field.attname)
    pk = model._meta.pk
    assert pk is not None
    rows = (model._base_manager.using(using).order_by(pk.attname)
            .values(**exprs).iterator(chunk_size=BATCH))
    count = 0
    with open(out, "w", encoding="utf-8") as fh:
        for row in rows:
            values = [_encode(kind, row[f"c{i}"]) for i, kind in enumerate(kinds)]
            fh.write(json.dumps(values, ensure_ascii=False, allow_nan=True))
            fh.write("\n")
            count += 1
    return [str(f.column) for f in fields], count


# --- load -----------------------------------------------------------------------------------

def read_rows(path: Path) -> Iterator[list[Any]]:
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            try:
                values = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PortableError(f"{path.name} line {number}: not JSON: {exc}") from None
            if not isinstance(values, list):
                raise PortableError(f"{path.name} line {number}: not a row")
            yield values


def load_table(model: type[models.Model], columns: list[str], rows: Iterable[list[Any]],
               connection: BaseDatabaseWrapper) -> int:
    """INSERT the rows of one table; the columns must be those of the model at this schema state."""
    by_column = {f.column: f for f in model._meta.local_concrete_fields}
    unknown = [c for c in columns if c not in by_column]
    if unknown:
        raise PortableError(f"table {model._meta.db_table}: the archive has columns the schema does not: "
                            f"{', '.join(unknown)}")
    fields = [by_column[c] for c in columns]
    kinds = [_kind(f) for f in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    sql = (f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - names from the schema
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    count = 0
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for values in rows:
            if len(values) != len(columns):
                raise PortableError(f"table {model._meta.db_table}: a row has {len(values)} values for "
                                    f"{len(columns)} columns")
            batch.append([_prepare(f, k, v, connection) for f, k, v in zip(fields, kinds, values, strict=True)])
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
