"""Rows for every model of a migration state, written and read through that state's historical models.

The rehearsal and downgrade tests fill a database at some release's schema with the models that
release had (`loader.project_state(nodes).apps`), never with today's models, so what they write is
what that release could have written. Every Forecourt model gets rows (users, organisations,
teams, products, plans, apps, credentials, access requests and whatever else the state has), with a
value in every column, so a migration that loses or changes a value shows up in `snapshot`.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models

ROWS = 3
# What the running process writes about itself (its version, its secrets), not data users make.
NOT_FILLED = {"ops.schemaversion", "ops.instancesecret"}


def _ours(model: type[models.Model]) -> bool:
    from django.apps import apps

    labels = {c.label for c in apps.get_app_configs() if c.name.startswith("forecourt.")}
    return model._meta.app_label in labels and model._meta.managed and not model._meta.proxy


def forecourt_models(state_apps: Any) -> list[type[models.Model]]:
    """The state's Forecourt models, each after the models its foreign keys point to."""
    pending = [m for m in state_apps.get_models() if _ours(m)]
    pending.sort(key=lambda m: m._meta.label_lower)
    ordered: list[type[models.Model]] = []
    while pending:
        for model in pending:
            needs = {f.related_model for f in [*model._meta.concrete_fields, *model._meta.many_to_many]
                     if f.is_relation and f.related_model is not model}
            if all(n in ordered or n not in pending for n in needs):
                ordered.append(model)
                pending.remove(model)
                break
        else:  # a cycle of foreign keys: the nullable ones are left empty below
            ordered.append(pending.pop(0))
    return ordered


def _value(model: type[models.Model], field: models.Field[Any, Any], tag: str, i: int) -> Any:
    """A value that fits `field` and differs from its default, unique per (tag, row)."""
    kind = field.get_internal_type()
    stamp = f"{tag}{i}"
    if field.choices:
        values = [value for value, _ in field.flatchoices]
        other = [v for v in values if v != field.get_default()]
        return (other or values)[i % len(other or values)]
    if kind == "BooleanField":
        return not field.get_default() if field.has_default() and field.get_default() is not None else True
    if kind in {"IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
                "PositiveBigIntegerField", "PositiveSmallIntegerField"}:
        return 17 + i
    if kind == "FloatField":
        return 1.5 + i
    if kind == "DecimalField":
        return decimal.Decimal("1.25") + i
    if kind == "DateTimeField":
        return dt.datetime(2026, 11, 20, 10, i, 30, 123456, tzinfo=dt.UTC)
    if kind == "DateField":
        return dt.date(2026, 11, 20 + i)
    if kind == "DurationField":
        return dt.timedelta(minutes=5 + i)
    if kind == "UUIDField":
        return uuid.uuid4()
    if kind == "BinaryField":
        return f"{stamp} bytes \x00\xff".encode("latin-1")
    if kind == "JSONField":
        return {"rehearsal": stamp, "items": [1, "two", None], "nested": {"ok": True}}
    if kind == "GenericIPAddressField":
        return f"192.0.2.{10 + i}"
    if isinstance(field, models.EmailField):
        return f"{stamp}.{model._meta.model_name}@example.com"
    if isinstance(field, models.URLField):
        return f"https://{stamp}.example.com/{model._meta.model_name}"
    if isinstance(field, models.SlugField):
        return f"{stamp}-{model._meta.model_name}"[: field.max_length]
    text = f"{stamp} {model._meta.model_name}.{field.name}"
    return text[: field.max_length] if field.max_length else text + " with more words and an é"


FIXED_IDS = {"old": 1000, "new": 2000}  # first id of each fill's rows where the id is written by hand


def _special(model: type[models.Model], values: dict[str, Any], i: int, tag: str) -> None:
    """Rules a model's constraints add to "a value in every column"."""
    if model._meta.label_lower == "content.menuitem":  # a page or a URL, not both
        if values.get("page") is not None:
            values["url"] = ""
        else:
            values["url"] = f"/rehearsal/{i}"
        values["parent"] = None
    if model._meta.label_lower == "content.page":
        values["path"] = f"/{values.get('path', 'page').split()[0]}"
    if model._meta.label_lower == "pagecache.revision":  # its migration wrote row 1 by ID: PostgreSQL's
        # sequence does not know it; the release's rows and the newest schema's must not collide either
        # (a release that has this table is filled twice).
        values["id"] = FIXED_IDS.get(tag, 3000) + i


def fill(state_apps: Any, tag: str, using: str = "default", rows: int = ROWS) -> dict[str, int]:
    """Create `rows` rows of every Forecourt model of the state; return {table: rows created}."""
    created: dict[str, list[models.Model]] = {}
    counts: dict[str, int] = {}
    for model in forecourt_models(state_apps):
        if model._meta.label_lower in NOT_FILLED:
            continue
        objs = []
        for i in range(rows):
            values: dict[str, Any] = {}
            for field in model._meta.concrete_fields:
                if field.primary_key and (field.has_default() or isinstance(field, models.AutoField)):
                    continue
                if type(field).__module__.split(".")[0] != "django":
                    continue  # e.g. an encrypted column: it needs the instance key; its default will do
                if field.is_relation:
                    targets = created.get(field.related_model._meta.label_lower, [])
                    if field.related_model is model or not targets:
                        if not field.null:
                            raise AssertionError(f"{model._meta.label}.{field.name}: no row to point to")
                        values[field.name] = None
                    elif field.null and i == rows - 1:
                        values[field.name] = None  # the nullable foreign key also holds a NULL somewhere
                    else:
                        values[field.name] = targets[i % len(targets)]
                    continue
                if field.null and i > 0:
                    values[field.name] = None  # one row with a value; nullable uniques stay unique
                    continue
                values[field.name] = _value(model, field, tag, i)
                if field.null and isinstance(field, models.BooleanField) and model._base_manager.db_manager(
                        using).filter(**{field.name: values[field.name]}).exists():
                    values[field.name] = None  # a flag only one row may hold (e.g. is_default) is taken
            _special(model, values, i, tag)
            obj = model._base_manager.db_manager(using).create(**values)
            objs.append(obj)
        for field in model._meta.many_to_many:
            targets = created.get(field.related_model._meta.label_lower, [])
            for obj in objs:
                if targets:
                    getattr(obj, field.name).add(*targets)
        created[model._meta.label_lower] = objs
        counts[model._meta.db_table] = len(objs)
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            counts[through._meta.db_table] = counts.get(through._meta.db_table, 0) + len(objs) * len(
                created.get(field.related_model._meta.label_lower, []))
    return counts


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview | bytearray):
        return "b64:" + base64.b64encode(bytes(value)).decode()
    if isinstance(value, uuid.UUID | decimal.Decimal | dt.timedelta):
        return str(value)
    return value


def snapshot(state_apps: Any, using: str = "default") -> dict[str, dict[str, dict[str, Any]]]:
    """{table: {primary key: {column: value}}} of every Forecourt table, as JSON-able values."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for model in state_apps.get_models(include_auto_created=True):
        if not _ours(model):
            continue
        pk = model._meta.pk
        fields = [pk] + [f for f in model._meta.concrete_fields
                         if type(f).__module__.split(".")[0] == "django" and f is not pk]  # encrypted: needs the key
        rows = model._base_manager.using(using).values_list(*[f.attname for f in fields])
        out[model._meta.db_table] = {
            str(_plain(row[0])): {f.column: _plain(v) for f, v in zip(fields, row, strict=True)} for row in rows}
    return out


def defaults(state_apps: Any) -> dict[str, dict[str, Any]]:
    """{table: {column: value}}: what a column added by a migration holds in rows that existed before."""
    out: dict[str, dict[str, Any]] = {}
    for model in forecourt_models(state_apps):
        columns: dict[str, Any] = {}
        for f in model._meta.concrete_fields:
            if f.has_default():
                if callable(f.default) and f.default not in (dict, list):
                    continue  # now(), uuid4(): no single expected value
                columns[f.column] = _plain(f.get_default())
            elif f.null:
                columns[f.column] = None
            elif f.empty_strings_allowed:
                columns[f.column] = ""
        out[model._meta.db_table] = columns
    return out
