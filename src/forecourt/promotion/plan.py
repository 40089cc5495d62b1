"""What applying a configuration would change: created, changed (field by field) and deleted objects.

The plan reads the portal and changes nothing. It is also apply's first step, so every refusal
(a value the JSON Schema refuses, a key given twice, a reference to an object neither the portal nor
the file has, a secret in clear or not resolvable, a deletion that would orphan consumers' data)
comes before the first write. Objects are matched by their kind's natural key; a value the file
leaves out is left as it is; deletion happens only with `prune`, and only for the kinds the source
mentions (a file without `pages:` never deletes a page), and never of the portal's built-in objects
(the Default Organisation, an organisation's default team), which no one can delete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import schema
from .errors import ConfigRefused, Problem
from .kinds import KINDS, KINDS_BY_NAME, Child, Context, Kind
from .kinds.base import HIDDEN
from .source import Item, Source


@dataclass
class Change:
    """One object to create, update or delete. `fields` maps each changed field to (old, new);
    a secret's values are never in it, only HIDDEN."""

    action: str  # "create", "update" or "delete"
    kind: Kind
    key: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)  # the object's complete values after the change
    item: Item | None = None
    sub: tuple[str | int, ...] = ()  # where in the item (a child's place inside its parent)
    obj: Any = None
    parent: tuple[Kind, str] | None = None  # a child's parent kind and key

    @property
    def label(self) -> str:
        return f"{self.kind.name} {self.key!r}" if not self.kind.single else self.kind.name

    def line(self, name: str = "") -> int | None:
        """The line of the change's object, or of one of its values: a field's name, or a dotted
        path into a nested value ("items.0.url")."""
        if self.item is None:
            return None
        parts = tuple(int(p) if p.isdigit() else p for p in name.split(".")) if name else ()
        return self.item.line(*self.sub, *parts)

    def as_json(self) -> dict[str, Any]:
        return {"action": self.action, "kind": self.kind.name, "key": self.key,
                "fields": {k: {"old": old, "new": new} for k, (old, new) in self.fields.items()}}


@dataclass
class Plan:
    changes: list[Change]
    source: str
    # After an apply: the changes a new plan still shows, because a form stored a value otherwise
    # than the file gives it. The file should say what the portal keeps, or every plan repeats them.
    rewritten: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "delete": 0}
        for change in self.changes:
            out[change.action] += 1
        return out

    def as_json(self) -> dict[str, Any]:
        out = {"source": self.source, "changes": [c.as_json() for c in self.changes], "summary": self.counts()}
        if self.rewritten:
            out["rewritten"] = [c.as_json() for c in self.rewritten]
        return out

    def rewritten_text(self) -> str:
        """The values the portal stored otherwise than the file writes them, for the person applying."""
        lines = []
        for change in self.rewritten:
            for name, (stored, written) in change.fields.items():
                lines.append(f"note: {change.label} {name} is stored as {_short(stored)}, not as the file's "
                             f"{_short(written)}: write it so, or every plan shows it")
        return "\n".join(lines)

    def as_text(self) -> str:
        if self.empty:
            return "No changes: the portal already matches the configuration."
        lines = []
        sign = {"create": "+", "update": "~", "delete": "-"}
        for change in self.changes:
            lines.append(f"{sign[change.action]} {change.action} {change.label}")
            if change.action == "delete":
                continue
            for name, (old, new) in change.fields.items():
                if change.action == "create":
                    lines.append(f"    {name}: {_short(new)}")
                else:
                    lines.append(f"    {name}: {_short(old)} -> {_short(new)}")
        counts = self.counts()
        lines.append(f"Plan: {counts['create']} to create, {counts['update']} to change, "
                     f"{counts['delete']} to delete.")
        return "\n".join(lines)


def _short(value: Any) -> str:
    text = value if value == HIDDEN else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def _planned_keys(source: Source) -> dict[str, set[str]]:
    """The keys the source gives, per kind (children as "parent/child")."""
    out: dict[str, set[str]] = {}
    for kind in KINDS:
        for item in source.items.get(kind.name, []):
            key = str(item.values.get(kind.key, ""))
            out.setdefault(kind.name, set()).add(key)
            for child in kind.children:
                for entry in item.values.get(child.name) or []:
                    out.setdefault(child.kind.name, set()).add(f"{key}/{entry.get(child.kind.key, '')}")
    return out


def _duplicates(source: Source) -> list[Problem]:
    problems: list[Problem] = []
    for kind in KINDS:
        if kind.single:
            continue
        seen: dict[str, Item] = {}
        for item in source.items.get(kind.name, []):
            key = str(item.values.get(kind.key))
            if key in seen:
                first = seen[key]
                problems.append(item.problem(f"duplicate key: {kind.name} {key!r} is also given at "
                                             f"{first.file}:{first.line()}", kind.key))
            else:
                seen[key] = item
            for child in kind.children:
                names: set[str] = set()
                for index, entry in enumerate(item.values.get(child.name) or []):
                    child_key = str(entry.get(child.kind.key))
                    if child_key in names:
                        problems.append(item.problem(f"duplicate key: {child.name} {child_key!r} is given twice in "
                                                     f"{kind.name} {key!r}", child.name, index, child.kind.key))
                    names.add(child_key)
    return problems


class _Planner:
    def __init__(self, source: Source, ctx: Context, prune: bool) -> None:
        self.source = source
        self.ctx = ctx
        self.prune = prune
        self.changes: list[Change] = []
        self.deletes: list[Change] = []
        self.problems: list[Problem] = []
        self.planned = _planned_keys(source)

    def compare(self, kind: Kind, item: Item, sub: tuple[str | int, ...], wanted: dict[str, Any], obj: Any,
                parent: tuple[Kind, str] | None) -> None:
        current = kind.export(obj if obj is not None else kind.blank(), Context())
        wanted = {**wanted, **{f.name: f.normalise(wanted[f.name]) for f in kind.fields
                               if f.normalise is not None and wanted.get(f.name) is not None}}
        key = "" if kind.single else str(wanted.get(kind.key))
        values = {**current, **{k: v for k, v in wanted.items() if not any(c.name == k for c in kind.children)}}
        for f in kind.fields:
            if f.secret and f.name not in wanted:
                values.pop(f.name, None)  # left out: kept (the export's reference names no set variable)
        if not kind.single:
            values[kind.key] = key
        changed = self.changed_fields(kind, item, sub, wanted, current, obj)
        for ref_kind, ref_key, where in kind.references(wanted):
            if ref_key not in self.planned.get(ref_kind, set()) and not self._exists(ref_kind, ref_key):
                self.problems.append(item.problem(f"{where[0]}: {ref_kind} {ref_key!r} is neither in the portal "
                                                  "nor in the configuration", *sub, *where))
        display = key if parent is None else f"{parent[1]}/{key}"
        if obj is None and kind.single:
            obj = kind.blank()
        if obj is None:
            self.changes.append(Change("create", kind, display, changed, values, item, sub, None, parent))
        elif changed:
            self.changes.append(Change("update", kind, display, changed, values, item, sub, obj, parent))
        for child in kind.children:
            self.children(kind, child, item, key, wanted, obj)

    def changed_fields(self, kind: Kind, item: Item, sub: tuple[str | int, ...], wanted: dict[str, Any],
                       current: dict[str, Any], obj: Any) -> dict[str, tuple[Any, Any]]:
        """The fields the file gives that differ from the portal, each (old, new) as the plan shows it."""
        changed: dict[str, tuple[Any, Any]] = {}
        for f in kind.fields:
            if f.name not in wanted:
                continue
            try:
                if f.secret:
                    resolved = self.ctx.secret(wanted[f.name]) if wanted[f.name] is not None else ""
                    stored = getattr(obj, f.model_attr) if obj is not None else ""
                    change = None if (resolved or "") == (stored or "") else \
                        (HIDDEN if stored else None, HIDDEN if resolved else None)
                else:
                    change = kind.field_change(f, wanted, current, obj, self.ctx)
            except ValueError as exc:  # forecourt.promotion.secrets.Unresolved is one
                self.problems.append(item.problem(f"{f.name}: {exc}", *sub, f.name))
                continue
            if change is not None:
                changed[f.name] = change
        return changed

    def _exists(self, kind_name: str, key: str) -> bool:
        if "." in kind_name:  # a child: "parent/child"
            parent_name, child_name = kind_name.split(".", 1)
            parent_kind = KINDS_BY_NAME[parent_name]
            child = next(c for c in parent_kind.children if c.name == child_name)
            parent_key, _, child_key = key.partition("/")
            parent = parent_kind.find(parent_key)
            return parent is not None and child.kind.find(child_key, parent) is not None
        return KINDS_BY_NAME[kind_name].find(key) is not None

    def children(self, kind: Kind, child: Child, item: Item, key: str, wanted: dict[str, Any], obj: Any) -> None:
        if child.name not in wanted:
            return
        entries = wanted.get(child.name) or []
        listed = set()
        for index, entry in enumerate(entries):
            child_key = str(entry.get(child.kind.key))
            listed.add(child_key)
            existing = child.kind.find(child_key, obj) if obj is not None else None
            self.compare(child.kind, item, (child.name, index), entry, existing, (kind, key))
        if self.prune and obj is not None:
            for existing in child.kind.rows(obj):
                if child.kind.key_of(existing) not in listed and child.kind.prunable(existing):
                    self.delete(child.kind, existing, f"{key}/{child.kind.key_of(existing)}", item, (child.name,),
                                (kind, key))

    def delete(self, kind: Kind, obj: Any, display: str, item: Item | None, sub: tuple[str | int, ...],
               parent: tuple[Kind, str] | None = None) -> None:
        change = Change("delete", kind, display, {}, {}, item, sub, obj, parent)
        reasons = kind.delete_blockers(obj, self.ctx)
        if reasons:
            where = item.file if item is not None else self.source.label
            line = item.line(*sub) if item is not None else None
            self.problems.append(Problem(where, line, f"pruning {change.label} would orphan data: "
                                         + " ".join(reasons)))
            return
        self.deletes.append(change)

    def run(self) -> Plan:
        for kind in KINDS:
            items = self.source.items.get(kind.name, [])
            for item in items:
                key = str(item.values.get(kind.key, "")) if not kind.single else ""
                obj = kind.queryset().first() if kind.single else kind.find(key)
                self.compare(kind, item, (), item.values, obj, None)
            if self.prune and kind.name in self.source.items and not kind.single:
                listed = {str(i.values.get(kind.key)) for i in items}
                for obj in kind.objects():
                    if kind.key_of(obj) not in listed and kind.prunable(obj):
                        self.delete(kind, obj, kind.key_of(obj), None, ())
        if self.problems:
            raise ConfigRefused(self.problems)
        # Deletions last, children before parents, later kinds (which refer to earlier ones) first.
        order = {kind.name: i for i, kind in enumerate(KINDS)}
        self.deletes.sort(key=lambda c: (-order.get(c.kind.name.split(".")[0], 0), c.parent is None))
        return Plan(self.changes + self.deletes, self.source.label)


def make_plan(source: Source, ctx: Context | None = None, *, prune: bool = False) -> Plan:
    """What applying `source` would change; ConfigRefused with every problem when it cannot apply."""
    problems = schema.check(source) + _duplicates(source)
    if problems:
        raise ConfigRefused(problems)
    ctx = ctx or Context(source=source, base=source.root)
    return _Planner(source, ctx, prune).run()
