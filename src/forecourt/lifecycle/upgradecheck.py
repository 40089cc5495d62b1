"""`forecourt upgrade-check`: what switching this database to this binary's version would meet.

The guide's "Before You Upgrade" list, run by the new version against the existing database
without changing it: the version the database is at and the releases the upgrade crosses with
their breaking changes, pending migrations (and migrations only a newer version knows: a
blocker), custom themes that will not render or are behind the default theme, provider policies
that reference APIs the gateway no longer has, the age of the newest backup (recorded wherever
it was written and its checksum verified: forecourt.lifecycle.backup_records, or the archive
named with --backup FILE), and settings that are ignored, unknown or newly required.

Nothing here writes: the checks only read, and the command (`read_only()`) also asks the
database engine itself to refuse writes on its connections, so a bug here cannot migrate or
touch the database an operator is about to upgrade. The Admin Portal's About page reuses
`run()` on the server's own connection (without the engine guard).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.signals import connection_created
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext, ngettext, pgettext_lazy
from packaging.version import InvalidVersion, Version

import forecourt
from forecourt.configuration import spec
from forecourt.configuration.said import Said
from forecourt.notify.links import host_header_warning
from forecourt.ops.models import SchemaVersion
from forecourt.providers import registry
from forecourt.providers.models import Provider
from forecourt.providers.registry import NoClient
from forecourt.themes import storage
from forecourt.themes.manifest import BadManifest
from forecourt.themes.sources import DEFAULT as DEFAULT_THEME
from forecourt.themes.validate import validate

from . import backup_records, dataversion, releases, rolling

log = logging.getLogger("forecourt.upgradecheck")

BLOCKER, WARNING, INFO = "blocker", "warning", "info"
SEVERITIES = (BLOCKER, WARNING, INFO)
# The codes are data (the command's --json, the CSS classes); the About page shows these words. A
# finding's message is made with gettext where it is found: English on the command line, where no
# language is active, and in the admin's language on the About page.
SEVERITY_WORDS = {BLOCKER: pgettext_lazy("upgrade check severity", "blocker"),
                  WARNING: pgettext_lazy("upgrade check severity", "warning"),
                  INFO: pgettext_lazy("upgrade check severity", "info")}
CHECK_WORDS = {"migrations": pgettext_lazy("upgrade check", "migrations"),
               "versions": pgettext_lazy("upgrade check", "versions"),
               "breaking-changes": pgettext_lazy("upgrade check", "breaking changes"),
               "themes": pgettext_lazy("upgrade check", "themes"),
               "providers": pgettext_lazy("upgrade check", "providers"),
               "backup": pgettext_lazy("upgrade check", "backup"),
               "settings": pgettext_lazy("upgrade check", "settings"),
               "rolling": pgettext_lazy("upgrade check", "rolling upgrade")}
DEFAULT_MAX_BACKUP_AGE = timedelta(hours=24)
MAX_PROBLEMS = 5  # recorded backups that are gone or changed, reported one by one


@dataclass
class Finding:
    check: str  # migrations, versions, breaking-changes, themes, providers, backup, settings
    severity: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def severity_words(self) -> str:
        """The severity as the About page names it, in the active language."""
        return str(SEVERITY_WORDS.get(self.severity, self.severity))

    @property
    def check_words(self) -> str:
        """The check's name as the About page shows it, in the active language."""
        return str(CHECK_WORDS.get(self.check, self.check))


@dataclass
class Report:
    binary_version: str
    database_version: str | None  # the newest release whose migration state the database holds
    last_migrated_by: str | None  # the version that last migrated it (ops.SchemaVersion), if recorded
    last_migrated_at: str | None
    crossing: list[str]
    breaking_changes: dict[str, str]
    pending_migrations: list[str]
    unknown_migrations: list[str]
    newest_backup: dict[str, Any] | None
    themes: list[dict[str, Any]]
    providers: list[dict[str, Any]]
    findings: list[Finding] = field(default_factory=list)
    empty: bool = False  # no migration applied at all
    database_state: dict[str, str] = field(default_factory=dict)  # {app: last applied migration}
    rolling: dict[str, Any] = field(default_factory=dict)  # forecourt.lifecycle.rolling's verdict

    @property
    def blockers(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKER]

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = not self.blockers
        data["summary"] = {s: self.count(s) for s in SEVERITIES}
        return data


# -- the engine-level read-only guard ------------------------------------------------------------

_READ_ONLY_SQL = {
    "sqlite": "PRAGMA query_only = ON",
    "postgresql": "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
    "mysql": "SET SESSION TRANSACTION READ ONLY",
}


def _make_read_only(connection: Any) -> None:
    statement = _READ_ONLY_SQL.get(connection.vendor)
    if statement:
        with connection.cursor() as cursor:
            cursor.execute(statement)


@contextlib.contextmanager
def read_only(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Every connection opened (or open) meanwhile refuses writes at the engine, not just by habit."""

    def on_connect(sender: Any, connection: Any, **kwargs: Any) -> None:
        _make_read_only(connection)

    connection_created.connect(on_connect, weak=False)
    try:
        connection = connections[using]
        if connection.connection is not None:
            _make_read_only(connection)
        yield
    finally:
        connection_created.disconnect(on_connect)
        connections[using].close()  # a later use of this alias gets a normal connection


# -- versions and migrations ---------------------------------------------------------------------

def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> set[tuple[str, str]]:
    """(app, name) of every migration the database records (empty for an empty database)."""
    return set(MigrationRecorder(connections[using]).applied_migrations())


def version_of(applied: set[tuple[str, str]], last_by: str | None = None) -> str | None:
    """The newest release whose whole migration state the database holds, or None.

    A release without migrations of its own has its predecessor's state, so the state alone cannot
    tell them apart: among releases with the newest held state, the one that last migrated the
    database (`last_by`, its SchemaVersion record) is its version, so an upgrade from it still
    crosses the later ones and hears their breaking changes."""
    held = [r for r in releases.all_releases()
            if r.migrations and all((app, name) in applied for app, name in r.migrations.items())]
    if not held:
        return None
    same_state = [r.version for r in held if r.migrations == held[-1].migrations]
    return last_by if last_by in same_state else held[-1].version


def pending_and_unknown(using: str = DEFAULT_DB_ALIAS) -> tuple[list[str], list[str]]:
    """Migrations this binary would apply, in order, and migrations the database has that it
    does not know (the database was migrated by a newer version)."""
    executor = MigrationExecutor(connections[using])
    graph = executor.loader.graph
    plan = executor.migration_plan(graph.leaf_nodes())
    pending = [f"{m.app_label}.{m.name}" for m, backwards in plan if not backwards]
    known = set(graph.nodes) | set(executor.loader.replacements)
    unknown = sorted(f"{app}.{name}" for app, name in executor.loader.applied_migrations if (app, name) not in known)
    return pending, unknown


def state_of(applied: set[tuple[str, str]]) -> dict[str, str]:
    """{app: its newest applied migration}: the schema as a backup's manifest records it (migration
    names are numbered, so within an app the newest sorts last)."""
    state: dict[str, str] = {}
    for app, name in applied:
        state[app] = max(state.get(app, name), name)
    return state


def _app_current(app: str, pending: list[str]) -> bool:
    """Its tables are at this binary's schema, so its models can be queried."""
    return not any(name.startswith(app + ".") for name in pending)


def _last_migration(using: str) -> tuple[str | None, str | None]:
    try:
        row = SchemaVersion.objects.using(using).order_by("-migrated_at", "-id").values_list(
            "version", "migrated_at").first()
    except DatabaseError:  # an empty database
        return None, None
    return (row[0], row[1].isoformat()) if row else (None, None)


def _newer(a: str | None, b: str | None) -> bool:
    try:
        return a is not None and b is not None and Version(a) > Version(b)
    except InvalidVersion:
        return False


# -- the checks ---------------------------------------------------------------------------------

def _check_versions(report: Report) -> None:
    binary, database = report.binary_version, report.database_version
    if report.unknown_migrations:
        report.findings.append(Finding(
            "migrations", BLOCKER,
            ngettext("the database has %(count)d migration this version does not know: it was migrated by a newer "
                     "Forecourt (%(version)s). Use that version's `forecourt downgrade --to VERSION` first, or "
                     "restore a backup made for this version.",
                     "the database has %(count)d migrations this version does not know: it was migrated by a newer "
                     "Forecourt (%(version)s). Use that version's `forecourt downgrade --to VERSION` first, or "
                     "restore a backup made for this version.", len(report.unknown_migrations))
            % {"count": len(report.unknown_migrations),
               "version": report.last_migrated_by or gettext("unknown version")},
            {"migrations": report.unknown_migrations}))
    if report.empty:
        if report.pending_migrations:
            report.findings.append(Finding("versions", INFO, gettext(
                "the database is empty: every migration will be applied at the first start"),
                {"pending": len(report.pending_migrations)}))
        return
    if _newer(database, binary):
        report.findings.append(Finding(
            "versions", BLOCKER, gettext("the database is at %(database)s, newer than this Forecourt %(binary)s: "
                                         "downgrade it with the newer version's `forecourt downgrade` first")
            % {"database": database, "binary": binary}, {}))
    if report.pending_migrations:
        report.findings.append(Finding(
            "migrations", INFO, ngettext(
                "%(count)d migration will be applied at the first start of this version (take a backup first)",
                "%(count)d migrations will be applied at the first start of this version (take a backup first)",
                len(report.pending_migrations)) % {"count": len(report.pending_migrations)},
            {"migrations": report.pending_migrations}))
    if database and _newer(report.last_migrated_by, binary) and not report.unknown_migrations:
        report.findings.append(Finding(
            "versions", INFO, gettext("Forecourt %(version)s migrated this database last; its schema has been "
                                      "moved back to %(database)s since")
            % {"version": report.last_migrated_by, "database": database}, {}))
    for version, text in report.breaking_changes.items():
        if text.strip().lstrip("-* ").rstrip(".").lower() not in ("", "none"):
            report.findings.append(Finding("breaking-changes", WARNING,
                                           gettext("%(version)s has breaking changes: read them before upgrading")
                                           % {"version": version},
                                           {"version": version, "text": text.strip()}))


def _theme_rows(pending: list[str]) -> list[Any]:
    """(ThemeInfo) of every theme but the default; uploaded ones only when their table is current."""
    if _app_current("themes", pending):
        try:
            return [t for t in storage.listing() if t.kind != "bundled"]
        except DatabaseError:
            pass
    return [storage.ThemeInfo(name, s.manifest.version, s.manifest.author, s.manifest.base, "folder", False)
            for name, s in storage.folder_themes().items()]


def check_themes(report: Report, pending: list[str]) -> None:
    """Each custom theme: does it render with this version, and is it behind the default theme?"""
    default_version = storage.bundled().manifest.version
    if _app_current("themes", pending):
        try:
            active = storage.configured_active()
        except DatabaseError:
            active = str(storage.setting("Theming.Theme")) or DEFAULT_THEME
    else:
        active = str(storage.setting("Theming.Theme")) or DEFAULT_THEME
    for info in _theme_rows(pending):
        entry: dict[str, Any] = {"name": info.name, "version": info.version, "base": info.base, "kind": info.kind,
                                 "active": info.name == active, "default_version": default_version,
                                 "upgrade_available": _newer(default_version, info.base or "0"), "problems": []}
        try:
            source = storage.source(info.name)
            problems = [str(p) for p in validate(source)] if source is not None else ["cannot be found"]
        except BadManifest as exc:
            problems = [f"theme.json: {exc}"]
        except Exception as exc:  # a theme must never stop the check of the others
            problems = [f"cannot be validated: {exc}"]
        entry["problems"] = problems
        report.themes.append(entry)
        if problems:
            severity = BLOCKER if entry["active"] else WARNING
            words = {"theme": info.name, "version": report.binary_version, "count": len(problems)}
            message = (ngettext("the active theme '%(theme)s' will not render with %(version)s: %(count)d error; "
                                "fix it or run `forecourt theme upgrade %(theme)s`",
                                "the active theme '%(theme)s' will not render with %(version)s: %(count)d errors; "
                                "fix it or run `forecourt theme upgrade %(theme)s`", len(problems))
                       if entry["active"] else
                       ngettext("the theme '%(theme)s' will not render with %(version)s: %(count)d error; "
                                "fix it or run `forecourt theme upgrade %(theme)s`",
                                "the theme '%(theme)s' will not render with %(version)s: %(count)d errors; "
                                "fix it or run `forecourt theme upgrade %(theme)s`", len(problems)))
            report.findings.append(Finding(
                "themes", severity, message % words,
                {"theme": info.name, "problems": problems[:50]}))
        if entry["upgrade_available"]:
            report.findings.append(Finding(
                "themes", WARNING if entry["active"] else INFO,
                gettext("the theme '%(theme)s' derives from the default theme %(base)s; upgrade available to "
                        "%(version)s (`forecourt theme upgrade %(theme)s`)")
                % {"theme": info.name, "base": info.base or gettext("(unknown)"), "version": default_version},
                {"theme": info.name, "base": info.base, "default_version": default_version}))


def _missing_api_refs(provider: Any) -> list[dict[str, str]]:
    """Policies at the provider that grant access to APIs it no longer has (read-only): the
    provider's integration knows its gateway's objects (ProviderClient.dangling_references)."""
    return registry.client_for(provider).dangling_references()


def check_providers(report: Report, pending: list[str], *, live: bool = True) -> None:
    """Provider health as last recorded, skipped policies of the last sync, and (live) policies at
    the gateway that reference APIs that no longer exist."""
    if not _app_current("providers", pending):
        report.findings.append(Finding("providers", INFO, gettext(
            "provider policies are checked by `forecourt verify` after the upgrade: the providers' tables are not "
            "at this version's schema yet"), {}))
        return
    try:
        providers = list(Provider.objects.order_by("name"))
    except Exception as exc:  # unreadable rows, or secrets that cannot be decrypted (another EncryptionKey)
        report.findings.append(Finding("providers", WARNING,
                                       gettext("the providers cannot be read: %(error)s") % {"error": exc}, {}))
        return
    for provider in providers:
        entry: dict[str, Any] = {
            "id": provider.pk, "name": provider.name, "status": provider.status, "last_error": provider.last_error,
            "last_synced_at": provider.last_synced_at.isoformat() if provider.last_synced_at else None,
            "sync_problems": provider.sync_problems or [], "missing_api_references": None,
        }
        report.providers.append(entry)
        if provider.last_error:
            report.findings.append(Finding("providers", WARNING, gettext(
                "provider %(provider)s: its last sync failed: %(error)s")
                % {"provider": provider.name, "error": provider.last_error}, {"provider": provider.name}))
        if provider.sync_problems:
            report.findings.append(Finding(
                "providers", WARNING, ngettext(
                    "provider %(provider)s: its last sync skipped %(count)d policy; correct it in the Dashboard",
                    "provider %(provider)s: its last sync skipped %(count)d policies; correct them in the Dashboard",
                    len(provider.sync_problems)) % {"provider": provider.name, "count": len(provider.sync_problems)},
                {"provider": provider.name, "problems": provider.sync_problems[:50]}))
        if not live:
            continue
        try:
            missing = _missing_api_refs(provider)
        except NoClient:  # no integration installed for its type: nothing to ask
            continue
        except Exception as exc:  # down, refusing, a secret that cannot be decrypted...
            report.findings.append(Finding("providers", WARNING, gettext(
                "provider %(provider)s cannot be read: %(error)s") % {"provider": provider.name, "error": exc},
                {"provider": provider.name}))
            continue
        entry["missing_api_references"] = missing
        if missing:
            names = ", ".join(sorted({m["name"] or m["policy"] for m in missing}))
            report.findings.append(Finding(
                "providers", WARNING, ngettext(
                    "provider %(provider)s: %(count)d policy reference to APIs that no longer exist (%(names)s); a "
                    "sync skips those policies and their products stay as they were: delete or correct them in the "
                    "Dashboard",
                    "provider %(provider)s: %(count)d policy references to APIs that no longer exist (%(names)s); a "
                    "sync skips those policies and their products stay as they were: delete or correct them in the "
                    "Dashboard", len(missing)) % {"provider": provider.name, "count": len(missing), "names": names},
                {"provider": provider.name, "references": missing}))


def check_backup(report: Report, max_age: timedelta, now: datetime | None = None,
                 newest: Callable[[], Any] | None = None, *, using: str = DEFAULT_DB_ALIAS,
                 backup_file: Any = None) -> None:
    """The guide's "Back up your database": is there a backup, how old, of which data, and is that data
    the database as it is now?

    A backup is named by the version of the data it holds (forecourt.lifecycle.dataversion), apart
    from the Forecourt that wrote it: "backup of 0.4.0 data, written by 0.5.0". Its schema (from its
    record or its manifest) is compared with the database's: a backup taken before a migration ran
    would not give the database back as it is. Archives that record no schema are judged as before
    0.8.0, by the version that wrote them.

    Which backup counts is forecourt.lifecycle.backup_records' one rule (the newest recorded backup
    whose file is intact, else the default folder's), or the archive named with `--backup FILE`
    (`backup_file`, already checked); `newest` replaces the search in tests.
    """
    if newest is None:
        newest = (lambda: backup_records.named(backup_file, using)) if backup_file is not None else (
            lambda: backup_records.find(using))
    try:
        search = newest()
    except Exception as exc:
        report.findings.append(Finding("backup", WARNING,
                                       gettext("the backups cannot be listed: %(error)s") % {"error": exc}, {}))
        return
    if search.unreadable_records:
        report.findings.append(Finding("backup", WARNING, gettext(
            "the database's backup records cannot be read (%(error)s): only the default backup folder was searched")
            % {"error": search.unreadable_records}, {}))
    for problem in search.problems[:MAX_PROBLEMS]:
        report.findings.append(Finding("backup", WARNING, problem.message(), problem.as_dict()))
    if len(search.problems) > MAX_PROBLEMS:
        more = len(search.problems) - MAX_PROBLEMS
        report.findings.append(Finding("backup", WARNING, ngettext(
            "%(count)d more recorded backup is gone or changed", "%(count)d more recorded backups are gone or changed",
            more) % {"count": more}, {}))
    info = search.newest
    # An empty database has nothing to lose; one with data that is about to be migrated must be backed up.
    must = bool(report.pending_migrations) and not report.empty
    if info is None and report.empty:
        report.findings.append(Finding("backup", INFO, gettext("no backup found (the database is empty)"), {}))
        return
    if info is None:
        report.findings.append(Finding(
            "backup", BLOCKER if must else WARNING,
            gettext("no backup found: run `forecourt backup` before upgrading (this upgrade migrates the database)")
            if must else gettext("no backup found: run `forecourt backup` before upgrading"), {}))
        return
    created = info.created_at if info.created_at.tzinfo else info.created_at.replace(tzinfo=UTC)
    age = (now or datetime.now(UTC)) - created
    report.newest_backup = {**info.as_dict(), "age_seconds": int(age.total_seconds())}
    how = {"verified": gettext("checksum verified"), "members-verified": gettext("every member verified"),
           "unchecked": gettext("found in the backup folder")}.get(info.checksum, info.checksum)
    what = (gettext("backup of %(data)s, written by %(version)s")
            % {"data": dataversion.data_words(info.data_version), "version": info.version}
            if info.data_version or info.migrations else gettext("made by %(version)s") % {"version": info.version})
    if age > max_age:
        report.findings.append(Finding(
            "backup", WARNING, gettext("the newest backup is %(age)s old (%(path)s, %(what)s): take a fresh one "
                                       "with `forecourt backup` before upgrading")
            % {"age": age_words(age), "path": info.path, "what": what},
            {"path": str(info.path), "age_seconds": int(age.total_seconds())}))
    else:
        report.findings.append(Finding("backup", INFO, gettext("newest backup: %(path)s, %(age)s old, %(what)s "
                                                               "(%(how)s)")
                                       % {"path": info.path, "age": age_words(age), "what": what, "how": how},
                                       {"path": str(info.path)}))
    backup_state = search.migrations or info.migrations
    db_version = report.database_version
    if backup_state and report.database_state:
        if backup_state != report.database_state:
            moved = sorted(app for app in set(backup_state) | set(report.database_state)
                           if backup_state.get(app) != report.database_state.get(app))
            now_at = dataversion.data_words(dataversion.of_state(report.database_state))
            held = dataversion.data_words(info.data_version or dataversion.of_state(backup_state))
            report.findings.append(Finding(
                "backup", WARNING, gettext(
                    "the newest backup holds %(held)s, the database holds %(now)s: its schema has changed since the "
                    "backup was taken (migrated or moved back: %(apps)s); take a fresh one with `forecourt backup`")
                % {"held": held, "now": now_at, "apps": ", ".join(moved)},
                {"path": str(info.path), "apps": moved, "data_version": info.data_version}))
    elif db_version and info.version and not _newer(info.version, db_version) and info.version != db_version:
        # No schema to compare (not recorded): judged by the version that wrote it, as before 0.8.0.
        report.findings.append(Finding(
            "backup", WARNING, gettext("the newest backup was made by %(version)s, the database is at "
                                       "%(database)s: it predates the database's last upgrade")
            % {"version": info.version, "database": db_version}, {"path": str(info.path)}))


def _backup_data(backup: dict[str, Any]) -> str:
    return f"{dataversion.data_words(backup['data_version'])}, " if backup.get("data_version") else ""


def age_words(age: timedelta) -> str:
    """"90 seconds", "5 hours", "3 days": a backup's age, in the active language (English on the command line)."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 120:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    if seconds < 7200:
        return ngettext("%(count)d minute", "%(count)d minutes", seconds // 60) % {"count": seconds // 60}
    if seconds < 172800:
        return ngettext("%(count)d hour", "%(count)d hours", seconds // 3600) % {"count": seconds // 3600}
    return ngettext("%(count)d day", "%(count)d days", seconds // 86400) % {"count": seconds // 86400}


def _in_language(text: str) -> str:
    """A configuration warning or notice in the active language (configuration.said), when it can be."""
    return text.in_language(gettext) if isinstance(text, Said) else text


def check_settings(report: Report, config: Any) -> None:
    """Settings that are ignored, unknown (renamed or removed), or new since the database's version
    and required without a usable default."""
    for warning in config.warnings:
        report.findings.append(Finding("settings", WARNING, _in_language(warning), {}))
    for notice in config.notices:
        report.findings.append(Finding("settings", INFO, _in_language(notice), {}))
    link_warning = host_header_warning(config.public_url)
    if link_warning:
        report.findings.append(Finding("settings", WARNING, gettext(link_warning), {"setting": "PublicURL"}))
    for setting in spec.SETTINGS:
        since = getattr(setting, "since", None)  # the version that added the setting, where recorded
        if not since or not _newer(since, report.database_version or "0"):
            continue
        unset = config.sources.get(setting.key) == "default"
        if getattr(setting, "required", False) and unset:
            report.findings.append(Finding("settings", BLOCKER, gettext("%(setting)s (new in %(version)s) must be "
                                                                        "set: %(help)s")
                                           % {"setting": setting.key, "version": since, "help": setting.help},
                                           {"setting": setting.key}))
        elif unset:
            report.findings.append(Finding("settings", INFO, gettext("%(setting)s is new in %(version)s and uses its "
                                                                     "default %(default)r: %(help)s")
                                           % {"setting": setting.key, "version": since, "default": setting.default,
                                              "help": setting.help}, {"setting": setting.key}))


def check_rolling(report: Report, using: str = DEFAULT_DB_ALIAS) -> None:
    """Can this upgrade roll (the release serving now keeps serving while this one migrates beside it),
    or does it need every old replica stopped first? forecourt.lifecycle.rolling judges the pending
    migrations by the migration policy."""
    if report.empty or not report.pending_migrations or report.unknown_migrations:
        return
    verdict = rolling.for_database(using)
    report.rolling = verdict.as_dict()
    problems = [f.message() for f in verdict.findings]
    report.findings.append(Finding("rolling", INFO if verdict.rolls else WARNING, verdict.summary(),
                                   {"problems": problems, "after_rolling": report.rolling["after_rolling"]}))


# -- the whole check ----------------------------------------------------------------------------

def run(config: Any, *, using: str = DEFAULT_DB_ALIAS, max_backup_age: timedelta = DEFAULT_MAX_BACKUP_AGE,
        live_providers: bool = True, themes: bool = True, backup_file: Any = None) -> Report:
    """Every check, reading only. `config` is the loaded forecourt.configuration.Config; `backup_file`
    the archive.BackupInfo of an archive the operator named (checked with archive.verify_archive)."""
    applied = applied_migrations(using)
    pending, unknown = pending_and_unknown(using)
    last_by, last_at = _last_migration(using)
    database_version = version_of(applied, last_by)
    binary = forecourt.__version__
    crossing: list[str] = []
    breaking: dict[str, str] = {}
    if database_version and not _newer(database_version, binary):
        crossing = [r.version for r in releases.between(database_version, binary)]
        breaking = releases.breaking_changes(database_version, binary)
    report = Report(binary, database_version, last_by, last_at, crossing, breaking, pending, unknown, None, [], [],
                    empty=not applied, database_state=state_of(applied))
    _check_versions(report)
    check_rolling(report, using)
    if themes:
        check_themes(report, pending)
    check_providers(report, pending, live=live_providers)
    check_backup(report, max_backup_age, using=using, backup_file=backup_file)
    check_settings(report, config)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    report.findings.sort(key=lambda f: order[f.severity])
    return report


def render_text(report: Report) -> list[str]:
    """The report as the lines `forecourt upgrade-check` prints."""
    lines = [f"This Forecourt:  {report.binary_version}"]
    if report.database_version:
        lines.append(f"Database:        {report.database_version} (by its migrations)")
    else:
        lines.append("Database:        " + ("empty" if report.empty else "not at any release's schema"))
    if report.last_migrated_by:
        lines.append(f"Last migrated:   by {report.last_migrated_by} at {report.last_migrated_at}")
    lines.append("Crossing:        " + (", ".join(report.crossing) or "no release"))
    lines.append(f"Pending:         {len(report.pending_migrations)} migration(s)")
    if report.newest_backup:
        backup = report.newest_backup
        lines.append(f"Newest backup:   {backup['path']} ({_backup_data(backup)}written by {backup['version']}, "
                     f"{backup['created_at']}, {backup['source']}, checksum {backup['checksum']})")
    for finding in report.findings:
        lines.append(f"{finding.severity.upper():<8} {finding.check}: {finding.message}")
        for key in ("problems", "migrations"):
            for item in (finding.details.get(key) or [])[:10]:
                lines.append(f"           - {item}")
        if finding.check == "breaking-changes":  # the release notes' own words, where the operator looks
            lines.extend(f"           {line}" for line in finding.details.get("text", "").splitlines()[:30])
    blockers, warnings = report.count(BLOCKER), report.count(WARNING)
    verdict = "do not upgrade yet: resolve the blockers first" if blockers else "ready to upgrade"
    lines.append(f"{blockers} blocker(s), {warnings} warning(s), {report.count(INFO)} note(s): {verdict}")
    return lines
