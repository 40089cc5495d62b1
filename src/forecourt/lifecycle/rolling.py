"""Can an upgrade roll: may the release serving now keep serving while this one migrates beside it?

A rolling upgrade (replicas replaced one at a time, the Helm chart's default) has the old and new
releases serving the same database for a while, and a rollback has the old release read what the
new one wrote. That works when every migration between them follows the migration policy
(forecourt.lifecycle.migration_policy); then the upgrade rolls, and the only step left once the old
release has stopped is rebuilding the derived data it did not keep up (`forecourt rebuild-derived`).
Otherwise it needs a stop: every old replica stopped before the new release starts.

`upgrade-check` asks this of the database it checks; tests/test_migration_policy.py asks it of every
pair of consecutive releases and compares the answer with the release manifest's `rolling` entry.
Only Forecourt's own migrations are judged; Django's (auth, sessions...) follow Django's release
notes, and a release that upgrades Django across a version that changes them says so in CHANGELOG.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations import Migration
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext, ngettext

from forecourt.catalog import search
from forecourt.lifecycle import migration_policy, releases
from forecourt.lifecycle.downgrade import forecourt_apps
from forecourt.pagecache import revision
from forecourt.sitesearch import indexing

Node = tuple[str, str]

# The derived data a migration may name (its `derived_data`), and what rebuilds it.
REBUILD_COMMAND = "forecourt rebuild-derived"


@dataclass
class Verdict:
    """The answer for one upgrade: which migrations it applies, and whether they let it roll."""

    migrations: list[str]
    findings: list[migration_policy.Finding] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)

    @property
    def rolls(self) -> bool:
        return not self.findings

    def summary(self) -> str:
        """In the active language: the About page's; English on the command line (and in its --json)."""
        if not self.migrations:
            return gettext("no migration to apply: the releases can serve side by side")
        if not self.rolls:
            operations, migrations = len(self.findings), len(self.migrations)
            return gettext("needs a stop: %(operations)s of %(migrations)s would break the release serving now; "
                           "stop every replica of it before starting this one") % {
                "operations": ngettext("%(count)s operation", "%(count)s operations", operations)
                % {"count": operations},
                "migrations": ngettext("%(count)s migration", "%(count)s migrations", migrations)
                % {"count": migrations}}
        if self.derived:
            return gettext("can roll: the release serving now keeps working on the migrated schema; once the old "
                           "release has stopped, run `%(command)s` (%(derived)s)") % {
                "command": REBUILD_COMMAND, "derived": ", ".join(self.derived)}
        return gettext("can roll: the release serving now keeps working on the migrated schema")

    def as_dict(self) -> dict[str, Any]:
        return {"rolls": self.rolls, "summary": self.summary(), "migrations": self.migrations,
                "problems": [asdict(f) for f in self.findings], "derived_data": self.derived,
                "after_rolling": [REBUILD_COMMAND] if self.rolls and self.derived else []}


def _forecourt_apps(loader: MigrationLoader) -> set[str]:
    return set(forecourt_apps(loader))


def _ordered_plan(loader: MigrationLoader, applied: set[Node]) -> list[Migration]:
    """Forecourt's migrations not in `applied`, in an order they can apply in."""
    apps = _forecourt_apps(loader)
    plan: list[Migration] = []
    seen: set[Node] = set()
    for leaf in sorted(loader.graph.leaf_nodes()):
        for node in loader.graph.forwards_plan(leaf):
            if node in seen or node in applied or node[0] not in apps:
                continue
            seen.add(node)
            plan.append(loader.graph.nodes[node])
    return plan


def _judge(loader: MigrationLoader, applied: set[Node], until: set[Node] | None = None) -> Verdict:
    plan = _ordered_plan(loader, applied)
    if until is not None:
        plan = [m for m in plan if (m.app_label, m.name) in until]
    start = loader.project_state(nodes=sorted(applied), at_end=True) if applied else loader.project_state(
        nodes=[], at_end=True)
    findings = migration_policy.check(plan, start)
    derived = sorted({d for m in plan if (d := migration_policy.derived_data(m))})
    return Verdict([f"{m.app_label}.{m.name}" for m in plan], findings, derived)


def release_nodes(loader: MigrationLoader, release: releases.Release) -> set[Node]:
    """Every Forecourt migration applied in a database at `release`'s schema."""
    apps = _forecourt_apps(loader)
    nodes: set[Node] = set()
    for app, target in release.migrations.items():
        if target != releases.ZERO:
            nodes.update(n for n in loader.graph.forwards_plan((app, target)) if n[0] in apps)
    return nodes


def between(old: releases.Release, new: releases.Release | None = None) -> Verdict:
    """The upgrade from release `old` to release `new` (to this code's migrations when None)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    applied = release_nodes(loader, old)
    until = release_nodes(loader, new) if new is not None else None
    return _judge(loader, applied, until)


def for_database(using: str = DEFAULT_DB_ALIAS) -> Verdict:
    """The upgrade this code would apply to the database `using`."""
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    apps = _forecourt_apps(loader)
    applied = {node for node in loader.applied_migrations if node[0] in apps and node in loader.graph.nodes}
    return _judge(loader, applied)


# Derived data kept by packages above the life-cycle (ARCHITECTURE.md, "Layers"), each registered by
# its package's AppConfig.ready(): name -> a rebuild that returns how many rows it made. The Live
# Portal's served OpenAPI documents register as "documents" (live/apps.py).
DERIVED: dict[str, Callable[[], int]] = {}


def register_derived(name: str, rebuild: Callable[[], int]) -> None:
    DERIVED[name] = rebuild


def rebuild_derived() -> dict[str, int]:
    """Bring the derived data in step with the tables it derives from, in one transaction: the search
    index, the registered derived data (the served OpenAPI documents), and a new content revision
    (which drops every cached page and fragment). The last step of a rolling upgrade, once no older
    release serves: until then it may write products without them. Safe on a live portal, and
    idempotent."""
    with transaction.atomic():
        done = {"products": search.rebuild(), "search entries": indexing.rebuild()}
        for name, rebuild in DERIVED.items():
            done[name] = rebuild()
        revision.bump()
    return done
