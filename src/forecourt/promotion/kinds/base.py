"""What a kind of object looks like in a configuration file, and how it is read, matched and written.

A `Kind` names its model, the resource definition whose form and audited save it writes through
(forecourt.resources: the Admin Portal's and the Admin API's rules, audit log and provider pushes),
its natural key (a field whose value is the same in every environment: a slug, a name, a path, never
a database ID), its fields and the objects that belong to it (`children`: a product's documents, a
page's content blocks), listed inside it. A reference to another kind is that kind's key (`ref=`).

Most kinds are only declarations; one with a rule of its own (a theme's archive, a menu's tree)
overrides `export`, `form_values`, `save` or `delete`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils.datastructures import MultiValueDict

from forecourt.i18n import content, languages, negotiation
from forecourt.resources import definitions, writes
from forecourt.resources.writes import DeleteRefused

from .. import secrets

if TYPE_CHECKING:
    from forecourt.accounts.models import User

    from ..source import Source

STRING: dict[str, Any] = {"type": "string"}
TEXT: dict[str, Any] = {"type": "string"}
BOOL: dict[str, Any] = {"type": "boolean"}
INT: dict[str, Any] = {"type": "integer", "minimum": 0}
STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
HIDDEN = "(secret)"  # what a plan shows for a secret, old or new: never its value
SECRET_REFERENCE: list[dict[str, Any]] = [
    {"type": "object", "properties": {"env": {"type": "string", "minLength": 1}},
     "required": ["env"], "additionalProperties": False},
    {"type": "object", "properties": {"file": {"type": "string", "minLength": 1}},
     "required": ["file"], "additionalProperties": False},
]
SECRET: dict[str, Any] = {"oneOf": [{"type": "null"}, *SECRET_REFERENCE]}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def choice(values: Sequence[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


class Invalid(Exception):
    """A form refused the values: `errors` maps each field (the file's name, or "" for the object)
    to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" if k else " ".join(v) for k, v in errors.items()))


@dataclass(frozen=True)
class Field:
    """One value of an object in a file.

    `attr` is the model's attribute and `form` the form's field (both default to `name`); `ref` names
    the kind whose key the value is (`many`: a list of keys); `secret`: a reference to a secret,
    never its value; `schema` its JSON Schema."""

    name: str
    schema: dict[str, Any] = field(default_factory=lambda: dict(STRING))
    attr: str | None = None
    form: str | None = None
    ref: str | None = None
    many: bool = False
    secret: bool = False
    # When the form takes the value otherwise than as the file gives it (a list as "a, b").
    to_form: Callable[[Any], Any] | None = None
    # When one value may be written several ways (a date with or without seconds, a list in any
    # order): the file's value as export would write it, so the plan compares like with like.
    normalise: Callable[[Any], Any] | None = None

    @property
    def model_attr(self) -> str:
        return self.attr or self.name

    @property
    def form_field(self) -> str:
        return self.form or self.name

    def json_schema(self) -> dict[str, Any]:
        if self.secret:
            return SECRET
        if self.ref:
            return {"type": "array", "items": {"type": "string"}} if self.many else nullable(STRING)
        return self.schema


@dataclass(frozen=True)
class Translations(Field):
    """An object's `translations` (issue 21): {language: {field: text}}, the file's field names being the
    model's translated fields (`limits`: each one's length limit).

    Unlike the Admin API's body, which is merged over what is stored, a file says the whole state, as
    for every other field: a language the portal has and the file does not is removed (`to_form_for`
    sends it to the form as {}, which removes it), and `translations: {}` or null removes them all. Left
    out, they are kept. Compared and exported in one spelling (`canonical`): languages and fields in
    order, one-line texts trimmed and empty texts dropped, as the form stores them."""

    limits: dict[str, int] = field(default_factory=dict)

    def json_schema(self) -> dict[str, Any]:
        # null (none) is part of the schema itself, not an anyOf around it: a wrong language or field is then
        # named at its own place ("translations.de: ... 'path' was unexpected"), not as the whole value.
        return {"type": ["object", "null"], "propertyNames": {"enum": list(languages.CODES)},
                "additionalProperties": {"type": "object", "properties": dict.fromkeys(self.limits, STRING),
                                         "additionalProperties": False},
                "description": "The text in other languages, by language, then by field: "
                               f"{{\"de\": {{\"{next(iter(self.limits))}\": \"...\"}}}}. A language must "
                               "not be the portal's default. Left out: kept; languages not listed are removed; "
                               "null: none."}

    def canonical(self, value: Any) -> Any:
        """`value` as the form stores it and export writes it; anything not of the right shape is
        returned as it is, for the schema or the form to refuse."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            return value
        out: dict[str, dict[str, str]] = {}
        for code in sorted(value):
            texts = value[code]
            if not isinstance(texts, dict) or not all(isinstance(t, str) for t in texts.values()):
                return value
            kept = {name: text.strip() if self.limits.get(name, content.MAX_TEXT) < content.MAX_TEXT else text
                    for name, text in sorted(texts.items())}
            kept = {name: text for name, text in kept.items() if text.strip()}
            if kept:
                out[str(code)] = kept
        return out

    def check(self, value: Any) -> None:
        """ValueError with every problem THE rule (i18n.content.clean_translations) finds in `value`, so
        the plan refuses, at the field's line, what the form would refuse at apply (the default language
        among them, which the schema cannot know)."""
        try:
            content.clean_translations(value, fields=self.limits, default_language=negotiation.offer().default)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None

    def to_form_for(self, value: Any, obj: Any) -> Any:
        """The form's `translations` for the whole state `value`: the stored languages it lacks as {}."""
        wanted = self.canonical(value)
        if not isinstance(wanted, dict):
            return wanted
        stored = (getattr(obj, "translations", None) or {}) if obj is not None and obj.pk else {}
        return {**{code: {} for code in stored if code not in wanted}, **wanted}


def translations(model: type[models.Model]) -> Translations:
    """The `translations` field of a kind whose model is translatable (i18n.content.Translatable)."""
    names = getattr(model, "translated_fields", ())
    return Translations("translations", limits=content.limits_of(model, names))


def plain(value: Any) -> Any:
    """A model value as a file writes it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in sorted(value.items())}
    return value


@dataclass
class Context:
    """What one export, plan or apply works with: the source (its folder holds the assets), the
    acting admin (None: the command line, "forecourt apply"), and the resolved secrets."""

    source: Source | None = None
    actor: User | None = None
    base: Path | None = None
    planned_keys: dict[str, set[str]] = field(default_factory=dict)  # keys the file will create, per kind
    resolved: list[str] = field(default_factory=list)  # secrets resolved so far (registered for redaction)
    assets: dict[str, bytes] = field(default_factory=dict)  # export: relative path -> bytes to write beside

    def secret(self, value: Any) -> str:
        resolved = secrets.resolve(value, self.base, self.source.secrets if self.source is not None else None)
        if resolved:
            self.resolved.append(resolved)
        return resolved

    def asset(self, relative: str) -> bytes | None:
        return self.source.asset(relative) if self.source is not None else None


class Kind:
    """A kind of object in configuration files. See the module's docstring."""

    name: str = ""  # the file's name for the list: "products"
    model: type[models.Model]
    resource: str = ""  # the forecourt.resources definition it writes through
    key: str = "name"  # the natural key's field (in the file and on the model)
    key_attr: str | None = None  # the model's attribute, when not `key`
    fields: Sequence[Field] = ()
    children: Sequence[Child] = ()
    single: bool = False  # one mapping (settings), never created nor deleted
    key_schema: dict[str, Any] | None = None  # the key's JSON Schema when more than a non-empty string
    parent_form_field: str = ""  # children only: the form field naming the parent
    description: str = ""  # for the JSON Schema and the docs

    # --- reading the portal -------------------------------------------------------------------
    def queryset(self) -> QuerySet[Any]:
        return self.model._default_manager.all()

    def key_of(self, obj: Any) -> str:
        return str(getattr(obj, self.key_attr or self.key))

    def objects(self) -> list[Any]:
        """Every object of the kind, in key order (stable exports)."""
        return sorted(self.queryset(), key=self.key_of)

    def find(self, key: str, parent: Any = None) -> Any:
        qs = self.queryset()
        if parent is not None:
            qs = qs.filter(**{self.parent_form_field: parent})
        return qs.filter(**{self.key_attr or self.key: key}).first()

    def export(self, obj: Any, ctx: Context) -> dict[str, Any]:
        """The object as a file writes it: its key first, then its fields in declared order."""
        out: dict[str, Any] = {} if self.single else {self.key: self.key_of(obj)}
        for f in self.fields:
            out[f.name] = self.export_field(obj, f, ctx)
        for child in self.children:
            out[child.name] = [child.kind.export(c, ctx) for c in child.kind.rows(obj)] if obj.pk else []
        return out

    def export_field(self, obj: Any, f: Field, ctx: Context) -> Any:
        if isinstance(f, Translations):
            return f.canonical(getattr(obj, f.model_attr))
        if f.secret:
            value = getattr(obj, f.model_attr)
            return {"env": secrets.reference_name(self.name, self.key_of(obj) if not self.single else "",
                                                  f.name)} if value else None
        if f.ref:
            target = KINDS_BY_NAME[f.ref]
            if f.many:
                if not obj.pk:
                    return []
                return sorted(target.key_of(o) for o in getattr(obj, f.model_attr).all())
            related = getattr(obj, f.model_attr)
            return target.key_of(related) if related is not None else None
        return plain(getattr(obj, f.model_attr))

    def field_change(self, f: Field, wanted: dict[str, Any], current: dict[str, Any], obj: Any,
                     ctx: Context) -> tuple[Any, Any] | None:
        """How a (non-secret) field the file gives differs from the portal: (old, new) as the plan
        shows them, or None. `wanted` is the file's values, `current` the object's export. A kind
        whose field needs more than equality overrides it (a webhook's headers hold secrets, a
        theme's hash is checked against its archive); a ValueError it raises (secrets.Unresolved is
        one) refuses the file at the field's line."""
        if isinstance(f, Translations):
            f.check(wanted[f.name])
        if obj is None or wanted[f.name] != self.as_stored(f, current.get(f.name)):
            return current.get(f.name), wanted[f.name]
        return None

    def references(self, values: dict[str, Any]) -> list[tuple[str, str, tuple[str | int, ...]]]:
        """The other objects the values name: (kind, key, where in the item), for the plan's check
        that each exists in the portal or in the file."""
        out: list[tuple[str, str, tuple[str | int, ...]]] = []
        for f in self.fields:
            value = values.get(f.name)
            if not f.ref or value is None:
                continue
            if f.many:
                out.extend((f.ref, str(key), (f.name, i)) for i, key in enumerate(value))
            else:
                out.append((f.ref, str(value), (f.name,)))
        return out

    # --- writing the portal -------------------------------------------------------------------
    def current(self, obj: Any) -> Any:
        """The object as it is now, re-read before it is written (changes before it may have
        touched it); an object not saved yet stays as it is."""
        if obj is None or getattr(obj, "pk", None) is None:
            return obj
        return type(obj)._default_manager.get(pk=obj.pk)

    def blank(self) -> Any:
        """A new, unsaved object: its export gives the values a created object starts from."""
        return self.model()

    def form_values(self, values: dict[str, Any], obj: Any, ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
        """The form's data and files for the object's complete values (current values overlaid
        with the file's)."""
        data: dict[str, Any] = {}
        if not self.single:
            data[self.key] = values[self.key]
        for f in self.fields:
            value = values.get(f.name)
            if f.secret:
                data[f.form_field] = ctx.secret(value) if value is not None else ""
            elif f.ref:
                data[f.form_field] = self.ref_pks(f, value)
            elif isinstance(f, Translations):
                data[f.form_field] = f.to_form_for(value, obj)
            elif f.to_form is not None:
                data[f.form_field] = f.to_form(value)
            elif value is None:
                data[f.form_field] = ""
            else:
                data[f.form_field] = value
        return data, {}

    def ref_pks(self, f: Field, value: Any) -> Any:
        target = KINDS_BY_NAME[f.ref or ""]
        if f.many:
            pks = []
            for key in value or []:
                found = target.find(key)
                pks.append(found.pk if found is not None else -1)
            return pks
        if value is None:
            return ""
        found = target.find(value)
        return found.pk if found is not None else -1

    def definition(self) -> definitions.Definition:
        return definitions.SETTINGS if self.resource == "settings" else definitions.BY_SLUG[self.resource]

    def as_stored(self, f: Field, value: Any) -> Any:
        """A file's value as the kind's form will store it, for the plan to compare and apply to write.
        Django's text fields strip surrounding whitespace (a document's field turns CRLF into LF): a
        hand-written `content: |` ends with a newline the portal never keeps, and compared as written
        it would be a change at every plan, and a second apply would never change nothing."""
        if isinstance(f, Translations):
            return f.canonical(value)
        if f.secret or f.ref or f.to_form is not None or not isinstance(value, str):
            return value
        if self.resource != "settings" and self.resource not in definitions.BY_SLUG:
            return value  # a kind written by its own services (themes): stored as given
        form = self.definition().form
        field = form.base_fields.get(f.form_field) if form is not None else None
        return field.to_python(value) if isinstance(field, forms.CharField) else value

    def form(self, data: dict[str, Any], files: dict[str, Any], obj: Any) -> Any:
        definition = self.definition()
        assert definition.form is not None
        return definition.form(data=data, files=MultiValueDict({k: [v] for k, v in files.items()}), instance=obj)

    def save(self, values: dict[str, Any], obj: Any, ctx: Context, parent: Any = None) -> Any:
        """Create (`obj` None) or update an object through its resource's form and audited save."""
        data, files = self.form_values(values, obj, ctx)
        if parent is not None:
            data[self.parent_form_field] = parent.pk
        form = self.form(data, files, obj if obj is not None else self.blank())
        if not form.is_valid():
            raise Invalid(self.errors_by_field(form.errors))
        definition = self.definition()
        assert ctx.actor is None or ctx.actor.pk
        return writes.save_form(definition, form, ctx.actor)  # type: ignore[arg-type]

    def errors_by_field(self, errors: dict[str, list[str]]) -> dict[str, list[str]]:
        """A form's errors named by the file's fields."""
        by_form = {f.form_field: f.name for f in self.fields}
        out: dict[str, list[str]] = {}
        for name, messages in errors.items():
            key = "" if name == "__all__" else by_form.get(name, name)
            out.setdefault(key, []).extend(str(m) for m in messages)
        return out

    def delete(self, obj: Any, ctx: Context) -> None:
        writes.delete(definitions.BY_SLUG[self.resource], obj, ctx.actor)  # type: ignore[arg-type]

    def prunable(self, obj: Any) -> bool:
        """Whether pruning may consider the object: the portal's built-in objects (the Default
        Organisation, default teams) are never deleted, so a file need not list them."""
        return definitions.BY_SLUG[self.resource].row_deletable(obj) if not self.single else False

    def delete_blockers(self, obj: Any, ctx: Context) -> list[str]:
        """Why deleting the object would orphan data (apps' access, users), from the resource's rules."""
        definition = definitions.BY_SLUG[self.resource]
        if not definition.row_deletable(obj):
            return [f"{obj} can never be deleted."]
        if definition.delete_blockers is None:
            return []
        return definition.delete_blockers(obj, ctx.actor)  # type: ignore[arg-type]


class ChildKind(Kind):
    """Objects listed inside another's (a product's documents): keyed within their parent."""

    def rows(self, parent: Any) -> list[Any]:
        return sorted(self.queryset().filter(**{self.parent_form_field: parent}), key=self.order_of)

    def order_of(self, obj: Any) -> Any:
        return self.key_of(obj)


@dataclass(frozen=True)
class Child:
    name: str  # the list's name inside the parent: "docs"
    kind: ChildKind


# Filled by kinds/__init__.py, in the order objects are applied (what others refer to comes first).
KINDS: list[Kind] = []
KINDS_BY_NAME: dict[str, Kind] = {}


def register(*kinds: Kind) -> None:
    for kind in kinds:
        KINDS.append(kind)
        KINDS_BY_NAME[kind.name] = kind


__all__ = ["BOOL", "INT", "KINDS", "KINDS_BY_NAME", "STRING", "STRINGS", "TEXT", "Child", "ChildKind", "Context",
           "DeleteRefused", "Field", "Invalid", "Kind", "Translations", "choice", "nullable", "plain", "register",
           "translations"]


