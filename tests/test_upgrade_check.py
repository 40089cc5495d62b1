"""`forecourt upgrade-check`: what an upgrade would meet, found without changing the database.

In-process tests check each finding against a database of the current schema; the command's tests
build an older release's schema in a database of their own (the engine under test) and run the
real command against it, comparing every row before and after.
"""

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import models
from django.utils import translation

import forecourt
from forecourt import configuration
from forecourt.lifecycle import archive as archive_format
from forecourt.lifecycle import backup_records, dataversion, releases, upgradecheck
from forecourt.lifecycle.archive import BackupInfo
from forecourt.lifecycle.backup_records import Search
from forecourt.providers.models import Provider
from forecourt.themes import storage
from forecourt.themes.models import ThemeState

from . import themes_support
from .support import backup_archive, databases, servers
from .support.tyk import ORG_ID, SECRET, simulator, tyk_dashboard

__all__ = ["tyk_dashboard"]

BROKEN = "{% extends layout %}{% block content %}{{ user.name | no_such_filter }}{% endblock %}"


def findings(report, check, severity=None):
    return [f for f in report.findings if f.check == check and (severity is None or f.severity == severity)]


# -- versions ---------------------------------------------------------------------------------------

def state_of(version):
    return set(releases.get(version).migrations.items())


def test_database_version_is_the_newest_release_its_migrations_contain():
    assert upgradecheck.version_of(set()) is None
    assert upgradecheck.version_of(state_of("0.1.0")) == "0.1.0"
    assert upgradecheck.version_of(state_of("0.3.0")) == "0.3.0"
    # Migrations of unreleased work on top of 0.4.0 do not make it another release.
    assert upgradecheck.version_of(state_of("0.4.0") | {("webhooks", "0001_initial")}) == "0.4.0"
    # A database at 0.3.0 with one app moved back to 0.2.0 is no longer at 0.3.0.
    partial = (state_of("0.2.0") | state_of("0.3.0")) - {("access", "0003_credential_secret_credential_status")}
    assert upgradecheck.version_of(partial) == "0.2.0"


def test_a_release_without_migrations_is_told_apart_by_who_migrated_last():
    """0.12.0 brought no migration: a database at 0.11.0's state is 0.11.0's if 0.11.0 migrated it last,
    so upgrading it to 0.12.0 crosses 0.12.0 (and would hear its breaking changes)."""
    assert releases.get("0.12.0").migrations == releases.get("0.11.0").migrations
    assert upgradecheck.version_of(state_of("0.11.0"), "0.11.0") == "0.11.0"
    assert upgradecheck.version_of(state_of("0.11.0"), "0.12.0") == "0.12.0"
    # Migrated last by a development build, or not recorded: the newest release with that state.
    assert upgradecheck.version_of(state_of("0.11.0"), "0.13.0.dev0") == "0.12.0"
    assert upgradecheck.version_of(state_of("0.11.0")) == "0.12.0"
    # Who migrated last never names a release whose state the database does not hold.
    assert upgradecheck.version_of(state_of("0.10.0"), "0.11.0") == "0.10.0"


# -- themes -------------------------------------------------------------------------------------------

def _theme(name, base, broken=False):
    files = themes_support.theme_files()
    manifest = json.loads(files["theme.json"])
    files["theme.json"] = json.dumps({**manifest, "base": base}).encode()
    if broken:
        files["views/home.html"] = BROKEN.encode()
    return themes_support.store(files, name=name)


@pytest.mark.django_db
def test_themes_that_break_or_lag_the_default_are_reported():
    _theme("fine", forecourt.__version__)
    _theme("old", "0.3.0")
    _theme("broken", forecourt.__version__, broken=True)
    report = upgradecheck.run(configuration.get(), live_providers=False)

    by_name = {t["name"]: t for t in report.themes}
    assert set(by_name) == {"fine", "old", "broken"}
    assert by_name["fine"]["problems"] == [] and not by_name["fine"]["upgrade_available"]
    assert by_name["old"]["upgrade_available"] and by_name["old"]["problems"] == []
    assert by_name["broken"]["problems"] and "views/home.html" in by_name["broken"]["problems"][0]
    # An inactive broken theme is a warning; a theme behind the default is a note.
    [broken] = findings(report, "themes", upgradecheck.WARNING)
    assert "'broken' will not render" in broken.message
    [lagging] = findings(report, "themes", upgradecheck.INFO)
    default_version = storage.bundled().manifest.version  # the default theme's, not the package's
    assert "'old'" in lagging.message and f"upgrade available to {default_version}" in lagging.message
    assert not report.blockers


@pytest.mark.django_db
def test_an_active_theme_that_will_not_render_blocks_the_upgrade():
    _theme("broken", forecourt.__version__, broken=True)
    storage.activate("broken", None)
    report = upgradecheck.run(configuration.get(), live_providers=False)
    [blocker] = findings(report, "themes", upgradecheck.BLOCKER)
    assert "the active theme 'broken' will not render" in blocker.message
    assert ThemeState.load().active == "broken"


# -- providers ------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_policies_that_reference_deleted_apis_are_found_at_the_gateway(tyk_dashboard):
    Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                            policy_tags=["portal"])
    report = upgradecheck.run(configuration.get())
    [stale] = [f for f in findings(report, "providers", upgradecheck.WARNING) if "no longer exist" in f.message]
    assert stale.details["references"] == [
        {"policy": tyk_dashboard.policy_named("Retired Product")["_id"], "name": "Retired Product",
         "api": simulator.API_RETIRED}]
    # Asking the gateway changed nothing at the gateway or in the portal.
    assert {r.method for r in tyk_dashboard.requests} == {"GET"}
    assert Provider.objects.get().last_synced_at is None


@pytest.mark.django_db
def test_recorded_sync_failures_and_skipped_policies_are_reported_without_calling_the_provider():
    Provider.objects.create(name="Down", url="http://127.0.0.1:9", secret="x", last_error="Dashboard unreachable",
                            sync_problems=[{"policy": "p1", "name": "Old", "reason": "it references the API a1, "
                                            "which does not exist"}])
    report = upgradecheck.run(configuration.get(), live_providers=False)
    messages = [f.message for f in findings(report, "providers", upgradecheck.WARNING)]
    assert messages == ["provider Down: its last sync failed: Dashboard unreachable",
                        "provider Down: its last sync skipped 1 policy; correct it in the Dashboard"]


@pytest.mark.django_db
def test_an_unreachable_provider_is_a_warning_not_a_crash():
    Provider.objects.create(name="Gone", url=f"http://127.0.0.1:{servers.free_port()}", secret="x")
    report = upgradecheck.run(configuration.get())
    [warning] = findings(report, "providers", upgradecheck.WARNING)
    assert warning.message.startswith("provider Gone cannot be read:")


# -- backup -----------------------------------------------------------------------------------------------

def _report(pending=("themes.0001_initial",), database_version="0.3.0"):
    return upgradecheck.Report(forecourt.__version__, database_version, None, None, [], {}, list(pending), [],
                               None, [], [])


def _backup(age, version="0.3.0"):
    return Search(BackupInfo(Path("/backups/b.tar.gz"), datetime.now(UTC) - age, version, "sqlite3"))


def test_no_backup_blocks_an_upgrade_that_migrates():
    report = _report()
    upgradecheck.check_backup(report, timedelta(hours=24), newest=lambda: Search(None))
    assert [f.severity for f in report.findings] == [upgradecheck.BLOCKER]
    report = _report(pending=())
    upgradecheck.check_backup(report, timedelta(hours=24), newest=lambda: Search(None))
    assert [f.severity for f in report.findings] == [upgradecheck.WARNING]


def test_findings_are_english_on_the_command_line_and_in_the_admin_s_language_on_the_about_page():
    """The command runs with no language active: English. The About page runs in the admin's request
    language: the same finding, its severity and its check in that language; the codes stay as they are."""
    report = _report()
    upgradecheck.check_backup(report, timedelta(hours=24), newest=lambda: Search(None))
    (english,) = report.findings
    assert english.message.startswith("no backup found: run `forecourt backup` before upgrading")
    assert (english.severity_words, english.check_words) == ("blocker", "backup")
    with translation.override("de"):
        report = _report()
        upgradecheck.check_backup(report, timedelta(hours=24), newest=lambda: Search(None))
        (german,) = report.findings
        assert german.message.startswith("kein Backup gefunden")
        assert (german.severity, german.check) == (upgradecheck.BLOCKER, "backup")
        assert (german.severity_words, german.check_words) == ("Blocker", "Backup")
        assert upgradecheck.age_words(timedelta(hours=5)) == "5 Stunden"
    assert upgradecheck.age_words(timedelta(hours=5)) == "5 hours"


@pytest.mark.django_db
def test_the_about_page_shows_the_findings_in_the_admin_s_language(client, admin):
    client.force_login(admin)
    html = client.get("/portal-admin/about/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Hinweis" in html or "Warnung" in html or "Blocker" in html
    assert ">warning<" not in html and ">info<" not in html and ">blocker<" not in html


def test_the_age_and_version_of_the_newest_backup_are_judged():
    fresh = _report()
    upgradecheck.check_backup(fresh, timedelta(hours=24), newest=lambda: _backup(timedelta(minutes=5)))
    assert [f.severity for f in fresh.findings] == [upgradecheck.INFO]
    assert 290 <= fresh.newest_backup["age_seconds"] <= 310

    stale = _report()
    upgradecheck.check_backup(stale, timedelta(hours=24), newest=lambda: _backup(timedelta(days=3)))
    assert [f.severity for f in stale.findings] == [upgradecheck.WARNING]
    assert "3 days old" in stale.findings[0].message

    older_version = _report()
    upgradecheck.check_backup(older_version, timedelta(hours=24),
                              newest=lambda: _backup(timedelta(minutes=1), version="0.2.0"))
    assert "predates the database's last upgrade" in older_version.findings[-1].message


def test_a_backup_of_another_schema_than_the_database_s_is_a_warning():
    """Same version, other schema (a migration applied or reversed since): the backup would not give
    back the database as it is now. The schema comes from the backup's record."""
    same, moved = _report(database_version=None), _report(database_version=None)
    for report in (same, moved):
        report.database_state = {"access": "0006_credential_expiry_reminders", "ops": "0002_backuprecord"}
    search = _backup(timedelta(minutes=1))
    search.migrations = {"access": "0006_credential_expiry_reminders", "ops": "0002_backuprecord"}
    upgradecheck.check_backup(same, timedelta(hours=24), newest=lambda: search)
    assert [f.severity for f in same.findings] == [upgradecheck.INFO]

    search.migrations = {"access": "0005_credential_secret_shown_at", "ops": "0002_backuprecord"}
    upgradecheck.check_backup(moved, timedelta(hours=24), newest=lambda: search)
    [warning] = findings(moved, "backup", upgradecheck.WARNING)
    assert "its schema has changed since the backup was taken (migrated or moved back: access)" in warning.message


def _data_backup(data_version, writer, age=timedelta(minutes=5)):
    """A backup of `data_version`'s data (its release's schema), written by `writer`."""
    state = {**releases.get(data_version).migrations, "auth": "0012_alter_user_first_name_max_length"}
    return Search(BackupInfo(Path("/backups/b.tar.gz"), datetime.now(UTC) - age, writer, "sqlite3",
                             data_version=data_version, migrations=state))


def _at(version, report):
    report.database_version = version
    report.database_state = {**releases.get(version).migrations, "auth": "0012_alter_user_first_name_max_length"}
    return report


def test_the_newest_backup_is_named_by_its_data_and_by_the_version_that_wrote_it():
    """A 0.4.0 database backed up by 0.5.0's `forecourt backup` before the upgrade: a backup of 0.4.0
    data, not "made by 0.5.0" as if it held a 0.5.0 database."""
    report = _at("0.4.0", _report())
    upgradecheck.check_backup(report, timedelta(hours=24), newest=lambda: _data_backup("0.4.0", "0.5.0"))
    [note] = report.findings
    assert note.severity == upgradecheck.INFO
    assert note.message.endswith("old, backup of 0.4.0 data, written by 0.5.0 (found in the backup folder)")
    assert (report.newest_backup["data_version"], report.newest_backup["version"]) == ("0.4.0", "0.5.0")
    text = "\n".join(upgradecheck.render_text(report))
    assert "Newest backup:   /backups/b.tar.gz (0.4.0 data, written by 0.5.0, " in text

    stale = _at("0.4.0", _report())
    upgradecheck.check_backup(stale, timedelta(hours=24),
                              newest=lambda: _data_backup("0.4.0", "0.5.0", age=timedelta(days=2)))
    [warning] = stale.findings
    assert "2 days old (/backups/b.tar.gz, backup of 0.4.0 data, written by 0.5.0)" in warning.message


def test_a_newest_backup_of_other_data_than_the_database_s_is_flagged():
    """Taken before a migration ran (0.4.0 data, the database at 0.5.0 now), though written by the
    same version as the database's: the writer's version would not have told."""
    report = _at("0.5.0", _report())
    upgradecheck.check_backup(report, timedelta(hours=24), newest=lambda: _data_backup("0.4.0", "0.5.0"))
    [warning] = findings(report, "backup", upgradecheck.WARNING)
    assert warning.message.startswith("the newest backup holds 0.4.0 data, the database holds 0.5.0 data: its "
                                      "schema has changed since the backup was taken (migrated or moved back: "
                                      "access, webhooks); take a fresh one")
    assert warning.details["apps"] == ["access", "webhooks"] and warning.details["data_version"] == "0.4.0"

    # Between releases, said so.
    ahead = _at("0.4.0", _report())
    ahead.database_state["webhooks"] = "0001_initial"
    upgradecheck.check_backup(ahead, timedelta(hours=24), newest=lambda: _data_backup("0.4.0", "0.5.0"))
    [warning] = findings(ahead, "backup", upgradecheck.WARNING)
    assert "holds 0.4.0 data, the database holds data newer than 0.4.0 (unreleased schema)" in warning.message

    # The same data: nothing to flag, whoever wrote it.
    same = _at("0.5.0", _report())
    upgradecheck.check_backup(same, timedelta(hours=24), newest=lambda: _data_backup("0.5.0", "0.7.0"))
    assert [f.severity for f in same.findings] == [upgradecheck.INFO]


@pytest.mark.django_db
def test_a_folder_backup_without_a_record_is_judged_by_the_schema_its_manifest_records(tmp_path):
    folder = tmp_path / "backups"
    manifest = {"format": archive_format.FORMAT, "format_version": 1, "forecourt_version": "0.5.0",
                "dialect": "sqlite3", "created_at": datetime.now(UTC).isoformat(), "files": {},
                "migrations": dict(releases.get("0.4.0").migrations)}  # no data_version: written before 0.8.0
    folder.mkdir()
    archive_format.write_archive(folder / "forecourt-0.5.0-20261201T000000000000Z.tar.gz", manifest, folder, [])
    search = backup_records.find(directory=folder)
    assert search.newest.data_version == "0.4.0" and search.migrations == manifest["migrations"]
    report = _at("0.5.0", _report())
    upgradecheck.check_backup(report, timedelta(hours=24), newest=lambda: search)
    [warning] = findings(report, "backup", upgradecheck.WARNING)
    assert warning.message.startswith("the newest backup holds 0.4.0 data, the database holds 0.5.0 data")


# -- backup: the records, wherever the archives were written --------------------------------------------------

def _archive(path: Path, created: datetime, version: str = forecourt.__version__) -> tuple[dict, str]:
    manifest = {"format": archive_format.FORMAT, "format_version": 1, "forecourt_version": version,
                "dialect": "sqlite3", "created_at": created.isoformat(), "files": {},
                "migrations": {"ops": "0002_backuprecord"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    return manifest, archive_format.write_archive(path, manifest, path.parent, [])


def _recorded(path: Path, created: datetime) -> Path:
    manifest, digest = _archive(path, created)
    assert backup_records.record(path, manifest, digest, path.stat().st_size) is None
    return path


@pytest.mark.django_db
def test_the_newest_intact_recorded_backup_counts_wherever_it_was_written(tmp_path):
    now = datetime.now(UTC)
    folder = tmp_path / "data" / "backups"  # the default folder: empty
    older = _recorded(tmp_path / "one" / "older.tar.gz", now - timedelta(hours=3))
    newer = _recorded(tmp_path / "two" / "newer.tar", now - timedelta(hours=1))

    search = backup_records.find(directory=folder)
    assert search.newest is not None and search.problems == []
    assert search.newest.path == newer and search.newest.source == "record"
    assert search.newest.checksum == archive_format.VERIFIED
    assert search.newest.created_at == now - timedelta(hours=1)
    assert search.migrations == {"ops": "0002_backuprecord"}

    # Moved away: reported, and the next intact one counts.
    newer.rename(tmp_path / "moved.tar")
    search = backup_records.find(directory=folder)
    assert search.newest.path == older
    [gone] = search.problems
    assert gone.kind == backup_records.GONE and gone.path == str(newer) and "is gone" in gone.message()

    # Changed in place, size kept: the checksum says so, and nothing recorded is trusted.
    data = bytearray(older.read_bytes())
    data[-1] ^= 0xFF
    older.write_bytes(bytes(data))
    search = backup_records.find(directory=folder)
    assert search.newest is None
    assert [p.kind for p in search.problems] == [backup_records.GONE, backup_records.CHANGED]
    assert "SHA-256 differs" in search.problems[1].message()


@pytest.mark.django_db
def test_the_default_folder_still_counts_but_never_for_a_recorded_file(tmp_path):
    now = datetime.now(UTC)
    folder = tmp_path / "backups"
    recorded = _recorded(folder / "recorded.tar.gz", now - timedelta(hours=2))
    _archive(folder / "unrecorded.tar.gz", now - timedelta(hours=5))  # e.g. written by 0.5.0: no record

    search = backup_records.find(directory=folder)
    assert search.newest.path == recorded and search.newest.checksum == archive_format.VERIFIED

    # The recorded file replaced by another archive: its manifest is fine, but its record says it changed,
    # so the folder's older, unrecorded backup is the one that counts.
    _archive(recorded, now - timedelta(minutes=1))
    search = backup_records.find(directory=folder)
    assert search.newest.path == folder / "unrecorded.tar.gz"
    assert search.newest.source == "folder" and search.newest.checksum == archive_format.UNCHECKED
    assert [p.kind for p in search.problems] == [backup_records.CHANGED]

    # A newer unrecorded backup in the folder wins over an older intact record; what is older than the
    # backup that counts is not worth a warning.
    recorded.unlink()
    _archive(folder / "newest.tar.gz", now)
    search = backup_records.find(directory=folder)
    assert search.newest.path == folder / "newest.tar.gz" and search.problems == []


@pytest.mark.django_db
def test_gone_and_changed_backups_are_findings_and_do_not_count(tmp_path):
    now = datetime.now(UTC)
    for i in range(7):
        _recorded(tmp_path / f"b{i}.tar.gz", now - timedelta(hours=i)).unlink()
    report = _report()
    upgradecheck.check_backup(report, timedelta(hours=24), newest=lambda: backup_records.find(
        directory=tmp_path / "empty"))
    messages = [f.message for f in findings(report, "backup")]
    assert messages[0].startswith("the backup recorded at " + str(tmp_path / "b0.tar.gz"))
    assert len([m for m in messages if " is gone" in m]) == upgradecheck.MAX_PROBLEMS
    assert "2 more recorded backups are gone or changed" in messages
    [blocker] = findings(report, "backup", upgradecheck.BLOCKER)
    assert blocker.message.startswith("no backup found")


# -- settings ----------------------------------------------------------------------------------------------

def test_unknown_and_ignored_settings_and_a_missing_public_url_are_reported(tmp_path):
    config = configuration.load(environ={"PORTAL_NO_SUCH_SETTING": "1", "PORTAL_DATADIR": str(tmp_path)},
                                cwd=tmp_path)
    report = _report()
    upgradecheck.check_settings(report, config)
    messages = [(f.severity, f.message.split(":")[0]) for f in report.findings]
    assert (upgradecheck.WARNING, "unknown setting PORTAL_NO_SUCH_SETTING in the environment is ignored") in messages
    assert (upgradecheck.WARNING, "PublicURL (PORTAL_PUBLIC_URL) is not set") in messages

    configured = configuration.load(environ={"PORTAL_PUBLIC_URL": "https://portal.example.com",
                                             "PORTAL_DATADIR": str(tmp_path)}, cwd=tmp_path)
    report = _report()
    upgradecheck.check_settings(report, configured)
    # Nothing wrong; what is new since 0.3.0 and left at its default is listed for the operator.
    assert {f.severity for f in report.findings} == {upgradecheck.INFO}
    assert sorted(f.details["setting"] for f in report.findings) == [
        "Cache.URL",
        "DocumentImport.AllowPrivateTargets", "HSTS.MaxAge", "HSTS.Preload", "Providers.AllowPrivateTargets",
        "TLSConfig.Certificates",
        "TLSConfig.CipherSuites", "TLSConfig.Enable",
        "TLSConfig.InsecureSkipVerify", "TLSConfig.MaxVersion", "TLSConfig.MinVersion", "TrustedProxies",
        "TryIt.Proxy", "Webhooks.AllowPrivateTargets"]
    by_setting = {f.details["setting"]: f.message for f in report.findings}
    assert "new in 0.5.0" in by_setting["TrustedProxies"] and "new in 0.6.0" in by_setting["TLSConfig.Enable"]
    assert "new in 0.7.0" in by_setting["DocumentImport.AllowPrivateTargets"]

    current = _report(database_version=forecourt.__version__)
    upgradecheck.check_settings(current, configured)
    assert current.findings == []


def test_a_new_required_setting_left_unset_blocks_the_upgrade(tmp_path, monkeypatch):
    import dataclasses

    from forecourt.configuration import spec

    required = dataclasses.replace(spec.SETTINGS[0], since="99.0.0", required=True)
    monkeypatch.setattr(spec, "SETTINGS", (required, *spec.SETTINGS[1:]))
    config = configuration.load(environ={"PORTAL_PUBLIC_URL": "https://portal.example.com",
                                         "PORTAL_DATADIR": str(tmp_path)}, cwd=tmp_path)
    report = _report()
    upgradecheck.check_settings(report, config)
    (blocker,) = [f for f in report.findings if f.severity == upgradecheck.BLOCKER]
    assert blocker.details["setting"] == required.key and "must be set" in blocker.message


# -- the command, against an older release's database --------------------------------------------------------

MIGRATE_TO = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
import django
django.setup()
from django.core.management import call_command
from forecourt.lifecycle import releases
for app, target in releases.get(sys.argv[1]).migrations.items():
    call_command("migrate", app, target, verbosity=0)
"""


def migrate_to(env, cwd, version):
    done = subprocess.run([sys.executable, "-c", MIGRATE_TO, version], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr


def tables(env):
    kind = env["PORTAL_DATABASE_DIALECT"]
    if kind == "sqlite3":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    elif kind == "postgres":
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    else:
        sql = "SHOW TABLES"
    return sorted(row[0] for row in databases.execute(env, sql))


def snapshot(env):
    """Every table and every row of the database, in a stable order."""
    return {table: sorted(map(repr, databases.execute(env, f"SELECT * FROM {table}")))  # noqa: S608 - our tables
            for table in tables(env)}


def sqlite_digest(env):
    path = configuration.dsn.database("sqlite3", env["PORTAL_DATABASE_CONNECTIONSTRING"], ".")["NAME"]
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def upgrade_check(env, cwd, *args):
    done = servers.run(["upgrade-check", "--json", "--no-provider-calls", *args], env, cwd)
    return done.returncode, json.loads(done.stdout) if done.stdout.strip().startswith("{") else done


@pytest.mark.server
def test_command_reports_an_older_release_and_changes_nothing(child_env, tmp_path):
    migrate_to(child_env, tmp_path, "0.3.0")
    before = snapshot(child_env)
    digest = sqlite_digest(child_env) if child_env["PORTAL_DATABASE_DIALECT"] == "sqlite3" else None

    code, report = upgrade_check(child_env, tmp_path)

    assert code == 1, report  # no backup before an upgrade that migrates: a blocker
    assert report["binary_version"] == forecourt.__version__
    assert report["database_version"] == "0.3.0"
    assert report["last_migrated_by"] is None
    assert report["crossing"] == [r.version for r in releases.between("0.3.0", forecourt.__version__)]
    assert set(report["breaking_changes"]) == set(report["crossing"])
    assert "themes.0001_initial" in report["pending_migrations"]
    assert any(m.startswith("access.") for m in report["pending_migrations"])
    assert report["unknown_migrations"] == []
    assert [f["check"] for f in report["findings"] if f["severity"] == "blocker"] == ["backup"]
    assert report["summary"]["blocker"] == 1 and report["ok"] is False

    assert snapshot(child_env) == before
    if digest:
        assert sqlite_digest(child_env) == digest

    text = servers.run(["upgrade-check", "--no-provider-calls"], child_env, tmp_path)
    assert text.returncode == 1
    assert "Database:        0.3.0 (by its migrations)" in text.stdout
    assert "BLOCKER  backup: no backup found" in text.stdout
    # The release notes' breaking changes, in their own words, where the operator reads the findings.
    first_line = report["breaking_changes"]["0.4.0"].splitlines()[0]
    assert first_line and f"           {first_line}" in text.stdout.splitlines()


@pytest.mark.server
def test_a_database_migrated_by_a_newer_version_is_a_blocker(migrated_env, tmp_path):
    code, report = upgrade_check(migrated_env, tmp_path)
    assert code == 0, report
    assert report["pending_migrations"] == [] and report["ok"] is True
    assert report["last_migrated_by"] == forecourt.__version__

    databases.execute(migrated_env, "INSERT INTO django_migrations (app, name, applied) "
                                 "VALUES ('catalog', '0099_from_the_future', '2027-01-01 00:00:00')")
    databases.execute(migrated_env, "INSERT INTO ops_schemaversion (version, migrated_at, applied) "
                                 "VALUES ('9.0.0', '2027-01-01 00:00:00', '[]')")
    before = snapshot(migrated_env)
    code, report = upgrade_check(migrated_env, tmp_path)
    assert code == 1
    assert report["unknown_migrations"] == ["catalog.0099_from_the_future"]
    assert report["last_migrated_by"] == "9.0.0"
    [blocker] = [f for f in report["findings"] if f["severity"] == "blocker"]
    assert blocker["check"] == "migrations" and "newer Forecourt (9.0.0)" in blocker["message"]
    assert snapshot(migrated_env) == before


WRITE_UNDER_GUARD = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
import django
django.setup()
from forecourt.lifecycle.upgradecheck import read_only
from forecourt.ops.models import SchemaVersion
with read_only():
    print("rows", SchemaVersion.objects.count())
    try:
        SchemaVersion.objects.create(version="6.6.6")
    except Exception as exc:
        print("refused", type(exc).__name__)
SchemaVersion.objects.create(version="7.7.7")
print("written after")
"""


@pytest.mark.server
def test_the_engine_refuses_writes_while_the_check_runs(migrated_env, tmp_path):
    done = subprocess.run([sys.executable, "-c", WRITE_UNDER_GUARD], env=migrated_env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "rows 1"
    assert lines[1].startswith("refused ")
    assert lines[2] == "written after"  # the guard ends with the block
    versions = {row[0] for row in databases.execute(migrated_env, "SELECT version FROM ops_schemaversion")}
    assert versions == {forecourt.__version__, "7.7.7"}


@pytest.mark.django_db
def test_provider_secrets_that_cannot_be_decrypted_are_a_warning_not_a_crash():
    from forecourt.ops import crypto

    provider = Provider.objects.create(name="Tyk", url="https://dashboard.example.com", secret="k")
    Provider.objects.filter(pk=provider.pk).update(secret=models.Value(crypto._PREFIX + "not-a-fernet-token"))
    report = upgradecheck.run(configuration.get(), live_providers=False)
    [warning] = findings(report, "providers", upgradecheck.WARNING)
    assert warning.message.startswith("the providers cannot be read: a stored secret cannot be decrypted")


@pytest.mark.server
def test_an_empty_database_needs_no_backup_and_stays_empty(child_env, tmp_path):
    code, report = upgrade_check(child_env, tmp_path)
    assert code == 0, report
    assert report["empty"] is True and report["database_version"] is None
    assert report["pending_migrations"]
    assert {(f["check"], f["severity"]) for f in report["findings"]} >= {("versions", "info"), ("backup", "info")}
    # Not even the table that records migrations was created.
    assert "django_migrations" not in tables(child_env)


@pytest.mark.django_db
def test_a_database_lost_before_the_record_is_a_warning_not_a_failure(tmp_path, monkeypatch, caplog):
    """The archive is complete by then: a connection that died (InterfaceError, not a DatabaseError)
    must not turn a written backup into a failed one."""
    from django.db import InterfaceError

    def lost(using):
        raise InterfaceError("connection already closed")

    path = tmp_path / "x.tar.gz"
    manifest, digest = _archive(path, datetime.now(UTC))
    monkeypatch.setattr(backup_records, "_has_table", lost)
    with caplog.at_level("WARNING", logger="forecourt.backup"):
        message = backup_records.record(path, manifest, digest, path.stat().st_size)
    assert message and f"the archive {path} was written but could not be recorded" in message
    assert "connection already closed" in message and [r.getMessage() for r in caplog.records] == [message]


STEP_BACK = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
import django
django.setup()
from django.core.management import call_command
call_command("migrate", sys.argv[1], sys.argv[2], verbosity=0)
"""


def _backup_to(env, cwd, target):
    done = servers.run(["backup", "--json", "--output", str(target)], env, cwd, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def _backup_findings(report):
    return [(f["severity"], f["message"]) for f in report["findings"] if f["check"] == "backup"]


@pytest.mark.server
def test_a_backup_written_elsewhere_is_found_and_one_moved_or_changed_is_reported(migrated_env, tmp_path):
    # One migration to apply: an upgrade that migrates needs a backup (a blocker without one).
    stepped = subprocess.run([sys.executable, "-c", STEP_BACK, "access", "0006_credential_expiry_reminders"],
                             env=migrated_env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert stepped.returncode == 0, stepped.stderr
    code, report = upgrade_check(migrated_env, tmp_path)
    # The access migrations after 0006: these two, then whatever later work added to access, and the
    # migrations of apps built on access that going back unapplied (usage).
    pending = report["pending_migrations"]
    assert code == 1 and pending[:2] == ["access.0007_credential_gateway_key", "access.0008_list_indexes"]
    assert all(name.startswith(("access.", "usage.")) for name in pending), pending

    elsewhere = tmp_path / "elsewhere" / "pre.tar"
    made, _ = _backup_to(migrated_env, tmp_path, elsewhere)
    assert made["recorded"] is True and made["warnings"] == []
    before = snapshot(migrated_env)
    code, report = upgrade_check(migrated_env, tmp_path)
    assert code == 0, report
    backup = report["newest_backup"]
    assert backup["path"] == str(elsewhere) and backup["created_at"] == made["created_at"]
    assert backup["version"] == forecourt.__version__ and backup["source"] == "record"
    assert backup["checksum"] == "verified" and backup["sha256"] == hashlib.sha256(elsewhere.read_bytes()).hexdigest()
    # Named by its data (the database one migration behind this build), and by the version that wrote it.
    data = dataversion.data_words(made["data_version"])
    assert made["data_version"] and backup["data_version"] == made["data_version"]
    age = upgradecheck.age_words(timedelta(seconds=backup["age_seconds"]))  # "1 second", "2 seconds"
    assert _backup_findings(report) == [("info", (f"newest backup: {elsewhere}, {age} old, "
                                                 f"backup of {data}, written by {forecourt.__version__} "
                                                 "(checksum verified)"))]
    text = servers.run(["upgrade-check", "--no-provider-calls"], migrated_env, tmp_path)
    assert (f"Newest backup:   {elsewhere} ({data}, written by {forecourt.__version__}, {made['created_at']}, record, "
            "checksum verified)") in text.stdout

    # Moved: reported, not counted; named with --backup, it counts again (the same bytes as recorded).
    offsite = tmp_path / "offsite" / "pre.tar"
    offsite.parent.mkdir()
    elsewhere.rename(offsite)
    code, report = upgrade_check(migrated_env, tmp_path)
    assert code == 1 and report["newest_backup"] is None
    backup_findings = _backup_findings(report)
    assert ("blocker", ("no backup found: run `forecourt backup` before upgrading (this upgrade migrates the "
                       "database)")) in backup_findings
    assert any(severity == "warning" and f"recorded at {elsewhere}" in message and "is gone" in message
               for severity, message in backup_findings), backup_findings
    code, report = upgrade_check(migrated_env, tmp_path, "--backup", str(offsite))
    assert code == 0, report
    assert report["newest_backup"]["path"] == str(offsite)
    assert (report["newest_backup"]["source"], report["newest_backup"]["checksum"]) == ("file", "verified")

    # Changed in place: reported and not trusted, by upgrade-check and by --backup alike.
    data = bytearray(offsite.read_bytes())
    data[len(data) // 2] ^= 0xFF
    elsewhere.write_bytes(bytes(data))
    code, report = upgrade_check(migrated_env, tmp_path)
    assert code == 1 and report["newest_backup"] is None
    assert any(severity == "warning" and f"the backup {elsewhere}" in message and "has changed" in message
               for severity, message in _backup_findings(report))
    refused = servers.run(["upgrade-check", "--no-provider-calls", "--backup", str(elsewhere)], migrated_env, tmp_path)
    assert refused.returncode == 1 and f"--backup {elsewhere}: not a usable backup" in refused.stderr
    assert snapshot(migrated_env) == before, "upgrade-check wrote to the database"


@pytest.mark.server
def test_backup_option_on_a_database_before_the_records(child_env, tmp_path):
    """The upgrade this release is for: a 0.5.0 database has no backup records yet. This version's
    backup still writes the archive (with a warning), and --backup names it; a bad FILE is exit 1."""
    migrate_to(child_env, tmp_path, "0.5.0")
    archive = tmp_path / "pre-upgrade" / "x.tar.gz"
    made, stderr = _backup_to(child_env, tmp_path, archive)
    assert made["recorded"] is False and archive.is_file()
    assert "WARNING" in stderr and "could not be recorded in the database" in stderr and str(archive) in stderr
    assert "backup records" in made["warnings"][0]

    code, report = upgrade_check(child_env, tmp_path)
    assert code == 1 and report["newest_backup"] is None  # not in the default folder, and no record of it
    code, report = upgrade_check(child_env, tmp_path, "--backup", str(archive))
    assert code == 0, report
    backup = report["newest_backup"]
    assert backup["path"] == str(archive) and backup["created_at"] == made["created_at"]
    assert (backup["source"], backup["checksum"], backup["sha256"]) == ("file", "members-verified", made["sha256"])
    assert not [f for f in report["findings"] if f["severity"] == "blocker"]
    # A backup of 0.5.0 data, whichever Forecourt wrote it; the database's own data: nothing to flag.
    assert (made["data_version"], backup["data_version"], backup["version"]) == ("0.5.0", "0.5.0",
                                                                                 forecourt.__version__)
    assert [(s, m.split(", ", 2)[-1]) for s, m in _backup_findings(report)] == [
        ("info", f"backup of 0.5.0 data, written by {forecourt.__version__} (every member verified)")]

    (tmp_path / "notes.txt").write_text("not an archive")
    doctored = backup_archive.rewrite(archive, tmp_path / "doctored.tar.gz",
                                      replace={"database/accounts_user.jsonl": b"[]\n"})
    for bad, reason in [(tmp_path / "missing.tar.gz", "no such file"),
                        (tmp_path / "notes.txt", "not a readable backup archive"),
                        (tmp_path, "is not a file"),
                        (doctored, "checksum mismatch for 'database/accounts_user.jsonl'")]:
        code, done = upgrade_check(child_env, tmp_path, "--backup", str(bad))
        assert code == 1, bad
        assert done["ok"] is False and set(done) == {"ok", "error"}, done
        assert done["error"].startswith(f"--backup {bad}: not a usable backup: ") and reason in done["error"], done
