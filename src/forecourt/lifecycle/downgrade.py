"""Move the database schema back to an earlier release, keeping every row the old schema can hold.

`forecourt downgrade --to VERSION` is run by the newer binary (only it knows how to undo its own
migrations). It plans first and changes nothing until the operator has seen the plan:

- the migration target of each Forecourt app comes from the release manifest (releases.json);
  an app the release did not have goes to "zero" (its tables are dropped);
- what cannot be kept is computed by diffing the migration project states (the schema now and
  the schema at the release): tables that disappear, with their row counts, and columns that
  disappear, with the number of rows holding a value other than NULL or the column's default;
- it refuses, before touching anything: an unknown version, a version newer than the database,
  a database migrated by a newer Forecourt than this one, and a migration in the way that cannot
  be reversed (an operation without a reverse, or one declared irreversible on purpose).

A migration is declared irreversible on purpose with a module constant giving the reason, e.g.
``IRREVERSIBLE = "hashes the plain-text tokens; the originals are gone"``. Without that
declaration every operation must have a reverse (tests/test_migrations_reversible.py).

The plan also lists the django_content_type and auth_permission rows of the models it drops,
which the run removes (downgrade_types says why that is safe), and names the active Live Portal
theme when it is based on a release newer than the target, with the theme it replaced; the run
activates a theme the operator names (downgrade_theme).

The reversal runs under the migration lock `forecourt migrate` uses (forecourt.ops.dblock) and
in one executor run; on PostgreSQL, whose DDL is transactional, in one transaction, so a failure
leaves the schema as it was. The result is recorded as a SchemaVersion row naming the release.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.models import Count
from django.db.models.functions import Length
from packaging.version import InvalidVersion, Version

import forecourt
from forecourt.ops.dblock import migration_lock
from forecourt.ops.models import SchemaVersion

from . import downgrade_theme, downgrade_types, releases

log = logging.getLogger("forecourt.migrate")

Node = tuple[str, str]
Target = tuple[str, str | None]
# The module constant that declares a migration irreversible on purpose; its value says why.
DECLARATION = "IRREVERSIBLE"


class Refused(Exception):
    """The downgrade cannot be done; the message says why and nothing has been changed."""


@dataclass
class Loss:
    """A table or a column the target schema does not have, and how many rows it takes with it."""

    table: str
    rows: int
    column: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"table": self.table, "rows": self.rows}
        if self.column is not None:
            out["column"] = self.column
        return out


@dataclass
class Plan:
    release: releases.Release
    database_version: str | None
    targets: dict[str, str]
    reverse: list[str]
    tables: list[Loss] = field(default_factory=list)
    columns: list[Loss] = field(default_factory=list)
    # The content types and permissions of the models it drops (counted with the losses).
    types: downgrade_types.TypeRows = field(default_factory=downgrade_types.TypeRows)
    theme: downgrade_theme.ThemeNotice | None = None  # the active theme is newer than the release
    activate_theme: str | None = None  # the theme the run activates after the migrations
    after: set[Node] = field(default_factory=set, repr=False)  # the migrations applied after the downgrade

    @property
    def loses_data(self) -> bool:
        return any(loss.rows for loss in self.tables + self.columns)

    def as_dict(self) -> dict[str, Any]:
        return {
            "to": self.release.version,
            "database_version": self.database_version,
            "binary_version": forecourt.__version__,
            "targets": self.targets,
            "reverse": self.reverse,
            "drop_tables": [loss.as_dict() for loss in self.tables],
            "drop_columns": [loss.as_dict() for loss in self.columns],
            "drop_rows": self.types.as_list(),
            "theme": self.theme.as_dict() if self.theme else None,
            "activate_theme": self.activate_theme,
        }


def irreversible_reason(migration: Migration) -> str | None:
    """Why `migration` cannot be reversed, or None when every operation has a reverse."""
    module = sys.modules.get(type(migration).__module__)
    declared = getattr(module, DECLARATION, None) or getattr(migration, DECLARATION, None)
    if declared:
        return f"declared irreversible: {declared}"
    for operation in migration.operations:
        if not operation.reversible:
            code = getattr(operation, "code", None)
            what = f"{type(operation).__name__}({getattr(code, '__name__', '')})" if code else operation.describe()
            return f"operation {what} has no reverse"
    return None


def forecourt_apps(loader: MigrationLoader) -> list[str]:
    """Labels of the Forecourt apps that have migrations: the apps the manifest describes."""
    labels = {app for app, _ in loader.graph.nodes}
    return sorted(c.label for c in apps.get_app_configs()
                  if c.name.startswith("forecourt.") and c.label in labels)


def _version(text: str, what: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion as exc:
        raise Refused(f"{what} {text!r} is not a version") from exc


def _last_version(using: str) -> str | None:
    return SchemaVersion.objects.using(using).order_by("-migrated_at", "-id").values_list(
        "version", flat=True).first()


def make_plan(version: str, using: str = DEFAULT_DB_ALIAS, *, count_losses: bool = True,  # noqa: C901, PLR0912, PLR0915 - the plan names each kind of loss, one branch each
              activate_theme: str | None = None) -> Plan:
    """Work out the downgrade to `version` without changing anything; raise Refused if it cannot be done.

    `count_losses=False` skips counting what would be dropped (the operator has seen it already).
    `activate_theme`: a theme to activate after the migrations, refused unless the release has it.
    """
    try:
        release = releases.get(version)
    except releases.UnknownRelease as exc:
        raise Refused(str(exc)) from exc
    binary = Version(forecourt.__version__)
    if release.key > binary:
        raise Refused(f"{release.version} is newer than this Forecourt ({forecourt.__version__}): "
                      "downgrade moves a database back, never forward")
    connection = connections[using]
    executor = MigrationExecutor(connection)
    loader = executor.loader
    if not executor.recorder.has_table() or not loader.applied_migrations:
        raise Refused("the database has not been migrated yet: there is nothing to downgrade")
    applied = set(loader.applied_migrations)
    ours = forecourt_apps(loader)
    known_apps = {app for app, _ in loader.graph.nodes}
    # Migrations of our apps this version lacks, or of apps it does not have at all (a newer one added them).
    unknown = sorted(f"{app}.{name}" for app, name in applied
                     if (app in ours or app not in known_apps) and (app, name) not in loader.graph.nodes)
    if unknown:
        raise Refused("the database was migrated by a newer Forecourt than this one "
                      f"({forecourt.__version__}); it has migrations this version does not know: "
                      f"{', '.join(unknown)}. Run the downgrade with the newer version.")
    database_version = _last_version(using) if ("ops", "0001_initial") in applied else None
    if database_version is not None:
        if _version(database_version, "the database's version") > binary:
            raise Refused(f"the database was migrated by Forecourt {database_version}, newer than this one "
                          f"({forecourt.__version__}). Run the downgrade with Forecourt {database_version}.")
        if release.key > Version(database_version):
            raise Refused(f"{release.version} is newer than the database (at {database_version}): "
                          "downgrade moves a database back; upgrade with `forecourt migrate`")

    targets: dict[str, str] = {}
    for app in ours:
        name = release.target(app)
        if name != releases.ZERO and (app, name) not in loader.graph.nodes:
            raise Refused(f"release {release.version} names migration {app}.{name}, which this Forecourt "
                          "does not have")
        targets[app] = name
    unknown_apps = sorted(set(release.migrations) - set(ours))
    if unknown_apps:
        raise Refused(f"release {release.version} has apps this Forecourt does not: {', '.join(unknown_apps)}")
    behind = sorted(f"{app}.{name}" for app, name in targets.items()
                    if name != releases.ZERO and (app, name) not in applied)
    if behind:
        raise Refused(f"{release.version} is newer than the database, which lacks {', '.join(behind)}: "
                      "downgrade moves a database back; upgrade with `forecourt migrate`")

    steps = executor.migration_plan(_targets(targets))
    forwards = [f"{m.app_label}.{m.name}" for m, backwards in steps if not backwards]
    if forwards:
        raise Refused(f"{release.version} is newer than the database (it would apply {', '.join(forwards)})")
    for migration, _ in steps:
        reason = irreversible_reason(migration)
        if reason:
            raise Refused(f"cannot downgrade past migration {migration.app_label}.{migration.name}: {reason}. "
                          "Restore the backup taken before the upgrade instead.")
    reversed_nodes = {(m.app_label, m.name) for m, _ in steps}
    after = applied - reversed_nodes
    _check_outcome(loader, after, applied, targets, ours)

    plan = Plan(release, database_version, targets, [f"{a}.{n}" for a, n in
                                                       ((m.app_label, m.name) for m, _ in steps)], after=after)
    now_apps, then_apps = _state_apps(loader, applied, after if steps else set())
    if steps:
        now, then = _tables(now_apps), _tables(then_apps) if then_apps is not None else {}
        blocking = conflicts(now, then, using)
        if blocking:
            raise Refused(f"the {release.version} schema cannot hold some values as they are: "
                          + "; ".join(blocking) + ". Change those rows first (or restore the backup).")
        plan.types = downgrade_types.TypeRows(downgrade_types.dropped_models(now_apps, then_apps, ours))
        if count_losses:
            plan.tables, plan.columns = _losses(now, then, using)
            plan.types = downgrade_types.count(plan.types.models, using)
    plan.theme = downgrade_theme.notice(now_apps, using, release.version)
    if activate_theme is not None:
        try:
            downgrade_theme.check_activation(now_apps, using, activate_theme, release.version,
                                             targets.get("themes", releases.ZERO) != releases.ZERO)
        except downgrade_theme.ThemeRefused as exc:
            raise Refused(str(exc)) from None
        plan.activate_theme = activate_theme
    return plan


def _targets(targets: dict[str, str]) -> list[Target]:
    return [(app, None if name == releases.ZERO else name) for app, name in targets.items()]


def _check_outcome(loader: MigrationLoader, after: set[Node], before: set[Node], targets: dict[str, str],
                   ours: list[str]) -> None:
    """The plan must leave each Forecourt app exactly at its target and other apps untouched."""
    for app in ours:
        left = {name for a, name in after if a == app}
        leaves = {name for name in left
                  if not any(child in after for child in loader.graph.node_map[(app, name)].children
                             if child[0] == app)}
        want = set() if targets[app] == releases.ZERO else {targets[app]}
        if leaves != want:
            raise Refused(f"the migrations of {app} would end at {sorted(leaves) or 'zero'}, not at "
                          f"{targets[app]} as the release says; the database's migration history is inconsistent")
    touched = sorted(f"{a}.{n}" for a, n in before - after if a not in ours)
    if touched:
        raise Refused(f"the downgrade would also reverse migrations of other apps: {', '.join(touched)}")


def _tables(state_apps: Any) -> dict[str, type[models.Model]]:
    return {m._meta.db_table: m for m in state_apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy}


def _state_apps(loader: MigrationLoader, before: set[Node], after: set[Node]) -> tuple[Any, Any]:
    """The historical models (an Apps) of the schema now and of the schema after the downgrade (None: empty)."""
    now = loader.project_state(nodes=sorted(before & set(loader.graph.nodes)), at_end=True).apps
    then = loader.project_state(nodes=sorted(after), at_end=True).apps if after else None
    return now, then


def _losses(now: dict[str, type[models.Model]], then: dict[str, type[models.Model]],
            using: str) -> tuple[list[Loss], list[Loss]]:
    """Tables and columns the schema after the downgrade lacks, with the rows that hold data in them."""
    tables: list[Loss] = []
    columns: list[Loss] = []
    for table, model in sorted(now.items()):
        if table not in then:
            tables.append(Loss(table, model._base_manager.using(using).count()))
            continue
        kept = {f.column for f in then[table]._meta.concrete_fields}
        for f in model._meta.concrete_fields:
            if f.column not in kept:
                columns.append(Loss(table, _rows_with_a_value(model, f, using), f.column))
    return tables, columns


def conflicts(now: dict[str, type[models.Model]], then: dict[str, type[models.Model]], using: str) -> list[str]:
    """Values in columns both schemas have that the older schema's column cannot hold.

    Reversing the migration that relaxed such a column would fail half-way (on SQLite and MySQL,
    whose DDL is not transactional, leaving the schema between releases), so these are found first
    and the downgrade is refused: NULLs where the old column is NOT NULL, values longer than its
    max_length, duplicates where it is unique.
    """
    found: list[str] = []
    for table, model in sorted(now.items()):
        if table not in then:
            continue
        old_fields = {f.column: f for f in then[table]._meta.concrete_fields}
        rows = model._base_manager.using(using)
        for f in model._meta.concrete_fields:
            old = old_fields.get(f.column)
            if old is None or f.primary_key:
                continue
            where = f"{table}.{f.column}"
            if f.null and not old.null:
                n = rows.filter(**{f"{f.attname}__isnull": True}).count()
                if n:
                    found.append(f"{where}: {n} row(s) hold NULL, which the older column does not allow")
            if isinstance(old, models.CharField | models.TextField) and old.max_length and (
                    f.max_length is None or f.max_length > old.max_length):
                n = rows.annotate(_length=Length(f.attname)).filter(_length__gt=old.max_length).count()
                if n:
                    found.append(f"{where}: {n} value(s) longer than the older column's {old.max_length} characters")
            if old.unique and not f.unique:
                n = (rows.exclude(**{f"{f.attname}__isnull": True}).values(f.attname)
                     .annotate(_count=Count("pk")).filter(_count__gt=1).count())
                if n:
                    found.append(f"{where}: {n} value(s) appear more than once; the older column is unique")
    return found


def _rows_with_a_value(model: type[models.Model], f: models.Field[Any, Any], using: str) -> int:
    """Rows whose value in `f` is neither NULL nor the field's default: what dropping the column loses."""
    rows = model._base_manager.using(using).exclude(**{f"{f.attname}__isnull": True})
    has_default = f.has_default() or (not f.null and f.empty_strings_allowed)
    if not has_default:
        return rows.count()
    default = f.get_default()
    if isinstance(f, models.JSONField) or callable(f.default):
        # JSON equality is not portable SQL; a column that is dropped is read once, here.
        return sum(1 for value in rows.values_list(f.attname, flat=True).iterator() if value != default)
    return rows.exclude(**{f.attname: default}).count()


def _log_progress(action: str, migration: Migration | None = None, fake: bool | None = False, /) -> None:
    if action == "unapply_success" and migration is not None:
        log.info("reversed migration %s.%s", migration.app_label, migration.name)


@dataclass
class Result:
    plan: Plan
    reversed: list[str]
    removed: downgrade_types.TypeRows = field(default_factory=downgrade_types.TypeRows)
    activated: str | None = None  # the theme activated after the migrations
    replaced_theme: str | None = None  # the theme that was active before it


DEADLOCK_ATTEMPTS = 5


def _is_deadlock(error: BaseException) -> bool:
    """PostgreSQL's "deadlock detected" (SQLSTATE 40P01), as psycopg raises it under Django's error."""
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == "40P01" or "deadlock detected" in str(error)


def _retrying_deadlocks(using: str, work: Callable[[], None], replan: Callable[[], None]) -> None:
    """`work()` in one transaction, run again (after `replan()`) when PostgreSQL makes it a deadlock's victim.

    A downgrade drops columns of many tables in one transaction while the release it returns to serves and
    reads them: PostgreSQL may then pick the downgrade as the victim of a deadlock. Nothing was changed (the
    transaction rolled back), so it can run again from a fresh plan of the same migrations."""
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            with transaction.atomic(using=using):
                work()
            return
        except OperationalError as error:
            if not _is_deadlock(error) or attempt == DEADLOCK_ATTEMPTS:
                raise
            log.warning("downgrade deadlocked with a query of the release serving (attempt %d of %d): "
                        "running it again", attempt, DEADLOCK_ATTEMPTS)
            time.sleep(0.5 * attempt)
            replan()


def run(version: str, using: str = DEFAULT_DB_ALIAS, lock_timeout: float = 600.0,
        expect: Plan | None = None, activate_theme: str | None = None) -> Result:
    """Reverse the migrations under the migration lock; record the release the database is now at.

    After the migrations (in their transaction on PostgreSQL) it removes the content types and
    permissions of the models dropped, and activates `activate_theme` if given.
    `expect` is the plan the operator confirmed: if the database changed before the lock was
    taken (another replica migrated it), the downgrade is refused rather than doing something else.
    """
    connection = connections[using]
    with migration_lock(using, timeout=lock_timeout):
        plan = make_plan(version, using, count_losses=False, activate_theme=activate_theme)
        if expect is not None and plan.reverse != expect.reverse:
            raise Refused("the database changed since the plan was shown (another Forecourt migrated it); "
                          "run the downgrade again")

        def progress(action: str, migration: Migration | None = None, fake: bool | None = False, /) -> None:
            if action == "unapply_start" and connection.vendor == "postgresql":
                # One transaction for the whole downgrade: fire the deferred foreign-key checks of the
                # rows an earlier migration deleted now, or PostgreSQL refuses to drop their tables
                # ("pending trigger events"); migrate runs each migration in its own transaction instead.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            _log_progress(action, migration, fake)

        executor = MigrationExecutor(connection, progress_callback=progress)
        targets = _targets(plan.targets)
        steps = executor.migration_plan(targets)
        if [f"{m.app_label}.{m.name}" for m, _ in steps] != plan.reverse:
            raise Refused("the migration plan changed while it was being computed; run the downgrade again")
        record = (steps or plan.database_version != plan.release.version) and plan.targets.get("ops") != releases.ZERO
        result = Result(plan, plan.reverse)

        def reverse_and_record() -> None:
            if steps:
                executor.migrate(targets, plan=steps)
            result.removed = downgrade_types.remove(plan.types.models, using)
            if plan.activate_theme is not None:
                then = executor.loader.project_state(nodes=sorted(plan.after), at_end=True).apps
                with transaction.atomic(using=using):  # the choice, its audit entry and the cache revision together
                    result.replaced_theme = downgrade_theme.activate(then, using, plan.activate_theme,
                                                                     plan.release.version)
                result.activated = plan.activate_theme
                log.info("theme %s activated (it replaces %s)", plan.activate_theme, result.replaced_theme)
            if record:
                SchemaVersion.objects.using(using).create(version=plan.release.version, applied=[])

        if connection.features.can_rollback_ddl and connection.vendor != "sqlite":
            def replan() -> None:
                nonlocal executor, steps
                executor = MigrationExecutor(connection, progress_callback=progress)
                steps = executor.migration_plan(targets)
                if [f"{m.app_label}.{m.name}" for m, _ in steps] != plan.reverse:
                    raise Refused("the migration plan changed while the downgrade ran again")

            _retrying_deadlocks(using, reverse_and_record, replan)
        else:
            # SQLite's schema editor cannot run inside an outer transaction (it rebuilds tables
            # with foreign-key checks off); MySQL/MariaDB commit each DDL statement anyway.
            reverse_and_record()
    log.info("database downgraded to %s: %d migration(s) reversed", plan.release.version, len(plan.reverse))
    if result.removed.content_types:
        log.info("removed %d content type(s) and %d permission(s) of the models dropped",
                 result.removed.content_types, result.removed.permissions)
    if expect is not None:
        plan.tables, plan.columns, plan.types = expect.tables, expect.columns, expect.types
    return result
