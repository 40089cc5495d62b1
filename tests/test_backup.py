"""`forecourt backup`: what the archive holds, how it is written, and that it is one snapshot."""

import base64
import hashlib
import json
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import forecourt
from forecourt.lifecycle import archive as archive_format
from forecourt.lifecycle import dataversion, releases
from forecourt.lifecycle.backup import default_backup_dir, newest_backup

from .support import backup_archive, databases, servers
from .support.backup_fixtures import make_portal

pytestmark = pytest.mark.server


@pytest.fixture
def portal(migrated_env, tmp_path):
    return make_portal(migrated_env, tmp_path)


def _backup(env, tmp_path, *args):
    result = servers.run(["backup", "--json", *args], env, tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


DJANGO_APPS = {"auth", "contenttypes", "sessions"}


def _expected_data_version(migrations):
    """This build's schema is the latest release's (named by the oldest release with that schema: one
    without migrations shares its predecessor's), or (a development build) that and more."""
    latest = releases.latest()
    ours = {app: name for app, name in migrations.items() if app not in DJANGO_APPS}
    first = next(r for r in releases.all_releases() if r.migrations == latest.migrations)
    return first.version if ours == latest.migrations else f"{latest.version}+unreleased"


def test_archive_holds_manifest_checksums_rows_native_dump_themes_and_uploads(portal, tmp_path):
    report = _backup(portal, tmp_path)
    path = Path(report["path"])
    assert path.parent == tmp_path / "data" / "backups"
    manifest = backup_archive.manifest(path)
    # Named by the data it holds, the writer apart.
    data_version = _expected_data_version(manifest["migrations"])
    assert manifest["data_version"] == report["data_version"] == data_version
    assert path.name.startswith(f"forecourt-data-{data_version}-") and path.name.endswith(".tar.gz")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in path.parent.iterdir() if p != path]  # no temporary file left behind

    content = backup_archive.members(path)
    assert next(iter(content)) == "manifest.json"
    manifest = json.loads(content.pop("manifest.json"))
    assert manifest["format"] == "forecourt-backup" and manifest["format_version"] == 1
    assert manifest["forecourt_version"] == forecourt.__version__
    assert manifest["dialect"] == databases.dialect()
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    # Every member is listed with its checksum, and nothing is listed that is not there.
    assert set(manifest["files"]) == set(content)
    for name, data in content.items():
        assert manifest["files"][name] == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

    # The migration state is the last applied migration of every app.
    applied = backup_archive.run_helper("backup_rows", portal, tmp_path)  # proves the ORM can read it all
    assert json.loads(applied.stdout)["accounts_user"]
    recorded = databases.execute(portal, "SELECT app, name FROM django_migrations")
    for app, name in manifest["migrations"].items():
        assert (app, name) in recorded
        assert all(n <= name for a, n in recorded if a == app)
    assert {a for a, _ in recorded} == set(manifest["migrations"])

    # Row counts match the tables, and each table's file has that many lines.
    tables = {t["table"]: t for t in manifest["tables"]}
    for table in ("accounts_user", "accounts_user_teams", "themes_themefile", "webhooks_event", "ops_instancesecret",
                  "auth_permission", "django_content_type"):
        count = databases.execute(portal, f"SELECT COUNT(*) FROM {table}")[0][0]  # noqa: S608
        assert tables[table]["rows"] == count > 0
        assert len(backup_archive.jsonl(path, table)) == count
    assert tables["accounts_user"]["rows"] > 30

    # Types survive as documented: binary as base64, big ints exact, JSON as its text, aware datetimes.
    assert backup_archive.column(path, "themes_themefile", "content") == [
        base64.b64encode(bytes(range(256)) * 4).decode()]
    assert backup_archive.column(path, "themes_theme", "size") == [2**53 + 1]
    payload = json.loads(backup_archive.column(path, "jobs_job", "payload")[0])
    assert payload == {"big": 2**70, "nested": {"list": [1, 2.5, None, "ü"]}, "null": None, "empty": {}}
    assert backup_archive.column(path, "jobs_job", "run_at") == ["2031-02-03T04:05:06.789012+00:00"]

    # Secrets stay encrypted: the ciphertext is in the archive, the plain text nowhere.
    assert backup_archive.column(path, "providers_provider", "secret")[0].startswith("fc1:")
    everything = b"".join(content.values())
    for plain in (b"dashboard-api-key", b"the-consumer-secret"):
        assert plain not in everything

    # Themes on disk and uploaded files.
    assert content["themes/acme/static/logo.bin"] == bytes(range(256))
    assert manifest["themes"] == ["acme"]
    logos = [n for n in content if n.startswith("media/logos/")]
    assert len(logos) == 1 and content[logos[0]].startswith(b"\x89PNG")

    # What it holds, by kind: the theme uploaded to the database (rows, not a folder) counts as a theme.
    def rows(table):
        return databases.execute(portal, f"SELECT COUNT(*) FROM {table}")[0][0]  # noqa: S608

    expected = {"users": rows("accounts_user"), "organisations": rows("accounts_organisation"),
                "products": rows("catalog_product"), "plans": rows("catalog_plan"), "apps": rows("access_app"),
                "credentials": rows("access_credential"), "database_themes": rows("themes_theme"),
                "theme_folders": 1, "uploaded_files": 1}
    assert manifest["contents"] == report["contents"] == expected
    assert expected["database_themes"] == 1 and expected["users"] > 30 and expected["products"] >= 1
    assert manifest["database_themes"] == report["database_themes"] == ["Backup theme"]

    # The engine's own dump.
    native = manifest["native"]
    assert "skipped" not in native, native
    dump = content[native["file"]]
    if databases.dialect() == "sqlite3":
        copy = tmp_path / "copy.db"
        copy.write_bytes(dump)
        with sqlite3.connect(copy) as conn:
            assert conn.execute("SELECT COUNT(*) FROM accounts_user").fetchone()[0] == tables["accounts_user"]["rows"]
    elif databases.dialect() == "postgres":
        assert dump.startswith(b"PGDMP")
        (tmp_path / "native.dump").write_bytes(dump)
        listing = subprocess.run(["pg_restore", "--list", str(tmp_path / "native.dump")], capture_output=True,
                                 check=True)
        assert b"TABLE DATA public accounts_user" in listing.stdout
    else:
        assert b"CREATE TABLE `accounts_user`" in dump and b"INSERT INTO `accounts_user`" in dump


def test_output_option_and_text_report(portal, tmp_path):
    target = tmp_path / "elsewhere" / "my.tar.gz"
    result = servers.run(["backup", "--output", str(target)], portal, tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = backup_archive.manifest(target)
    contents = manifest["contents"]
    data = dataversion.data_words(manifest["data_version"])
    assert f"Wrote {target} ({target.stat().st_size} bytes): a backup of {data}, written by Forecourt " \
           f"{forecourt.__version__} ({databases.dialect()})." in result.stdout
    # The uploaded theme is rows in the database: the summary names it as backed up.
    assert (f"{contents['users']} user(s), {contents['organisations']} organisation(s), {contents['products']} "
            f"product(s), {contents['plans']} plan(s), {contents['apps']} app(s), {contents['credentials']} "
            "credential(s), 1 theme(s) uploaded to the database (Backup theme); 1 theme folder(s) (acme) and "
            "1 uploaded file(s) from disk.") in result.stdout
    assert "Keep the archive private" in result.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not (tmp_path / "data" / "backups").exists()


def test_native_dump_is_skipped_and_said_so_when_the_tool_is_missing(portal, tmp_path):
    if databases.dialect() == "sqlite3":
        pytest.skip("SQLite's native copy uses Python's sqlite3 module, always present")
    empty = tmp_path / "no-tools"
    empty.mkdir()
    report = _backup({**portal, "PATH": str(empty)}, tmp_path)
    assert "is not installed" in report["native"]["skipped"]
    manifest = backup_archive.manifest(Path(report["path"]))
    assert manifest["native"] == report["native"]
    assert not [n for n in manifest["files"] if n.startswith("native/")]


def test_backup_of_a_database_without_schema_fails_cleanly(child_env, tmp_path):
    result = servers.run(["backup"], child_env, tmp_path)
    assert result.returncode == 1
    assert "no Forecourt schema" in result.stderr
    assert not (tmp_path / "data" / "backups").exists()


def test_backup_is_one_snapshot_while_another_process_writes(portal, tmp_path):
    """Organisations and their audit entries are written together; the archive must hold both or neither."""
    # Enough rows between the two tables that a backup without one snapshot would see the writer's commits.
    backup_archive.run_helper("backup_seed", portal, tmp_path, "--users", "3000", "--only-users")
    control = tmp_path / "writer"
    control.mkdir()
    log = control / "writer.log"
    with open(log, "w") as log_handle:
        writer = subprocess.Popen([sys.executable, "-m", "tests.support.backup_writer", str(control)],
                                  env={**portal, "PYTHONPATH": str(backup_archive.ROOT)}, cwd=tmp_path,
                                  stdout=subprocess.DEVNULL, stderr=log_handle)
    try:
        deadline = time.monotonic() + 60
        while not (control / "count").exists():
            assert writer.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the writer never wrote"
            time.sleep(0.05)
        reports = []
        for _ in range(3):
            before = int((control / "count").read_text())
            reports.append(_backup(portal, tmp_path))
            after = int((control / "count").read_text())
            assert after > before, "the writer must have written while the backup ran"
    finally:
        (control / "stop").touch()
        writer.wait(30)
    assert writer.returncode == 0, log.read_text()
    for report in reports:
        path = Path(report["path"])
        orgs = {row[0] for row, name in zip(backup_archive.jsonl(path, "accounts_organisation"),
                                            backup_archive.column(path, "accounts_organisation", "name"),
                                            strict=True) if name.startswith("w-")}
        audited = {int(object_id) for object_id, kind in zip(
            backup_archive.column(path, "audit_auditentry", "object_id"),
            backup_archive.column(path, "audit_auditentry", "object_type"), strict=True) if kind == "writer"}
        assert orgs and orgs == audited
        assert backup_archive.manifest(path)["tables"]


def _write_fake(path: Path, created: datetime, version: str = "0.4.0", **extra) -> None:
    manifest = {"format": archive_format.FORMAT, "format_version": 1, "forecourt_version": version,
                "dialect": "sqlite3", "created_at": created.isoformat(), "files": {}, **extra}
    archive_format.write_archive(path, manifest, path.parent, [])


@pytest.mark.one_engine
def test_newest_backup_reads_the_manifests_not_the_file_times(tmp_path):
    folder = tmp_path / "backups"
    assert newest_backup(folder) is None
    now = datetime.now(UTC)
    _write_fake(folder / "b.tar.gz", now - timedelta(days=2), "0.3.0")
    _write_fake(folder / "a.tar.gz", now - timedelta(hours=1), "0.4.0")
    _write_fake(folder / "c.tar.gz", now - timedelta(days=9), "0.2.0")  # written last: the newest file time
    (folder / "junk.tar.gz").write_bytes(b"not an archive")
    (folder / "notes.txt").write_text("hello")
    info = newest_backup(folder)
    assert info is not None
    assert info.path == folder / "a.tar.gz" and info.version == "0.4.0" and info.dialect == "sqlite3"
    assert info.created_at == now - timedelta(hours=1) and info.created_at.tzinfo is not None
    assert newest_backup(str(folder)) == info


# -- the data version ---------------------------------------------------------------------------------------------

DJANGO_STATE = {"auth": "0012_alter_user_first_name_max_length", "contenttypes": "0002_remove_content_type_name",
                "sessions": "0001_initial"}


@pytest.mark.one_engine
def test_the_data_version_is_the_release_whose_schema_the_data_is_at():
    for release in releases.all_releases():  # Django's own apps do not count
        # A release without migrations shares its predecessor's state: the oldest of them names it.
        first = next(r for r in releases.all_releases() if r.migrations == release.migrations)
        assert dataversion.of_state({**release.migrations, **DJANGO_STATE}) == first.version
    assert dataversion.of_state({**releases.get("0.12.0").migrations, **DJANGO_STATE}) == "0.11.0"
    # Between releases: the newest release it holds entirely, and more.
    ahead = {**releases.get("0.4.0").migrations, "webhooks": "0001_initial"}
    assert dataversion.of_state(ahead) == "0.4.0+unreleased"
    assert dataversion.data_words("0.4.0+unreleased") == "data newer than 0.4.0 (unreleased schema)"
    assert dataversion.data_words("0.4.0") == "0.4.0 data"
    # One app moved back from 0.3.0: no longer 0.3.0's schema, though past 0.2.0's.
    behind = {**releases.get("0.3.0").migrations, "access": "0002_initial"}
    assert dataversion.of_state(behind) == "0.2.0+unreleased"
    # Not even the first release's schema, or no state at all.
    for state in ({"ops": "0001_initial"}, DJANGO_STATE, {}, None, {"ops": 1}, ["ops"]):
        assert dataversion.of_state(state) is None, state
    assert dataversion.data_words(None) == "data of no release's schema"


@pytest.mark.one_engine
def test_an_archive_s_recorded_data_version_is_preferred_and_old_archives_are_named_by_their_schema(tmp_path):
    folder = tmp_path / "backups"
    now = datetime.now(UTC)
    # Written by 0.5.0 from a 0.4.0 database, before archives recorded the data version: its old name
    # names the writer; the migration state in its manifest names the data.
    old = folder / "forecourt-0.5.0-20261201T000000000000Z.tar.gz"
    _write_fake(old, now - timedelta(hours=3), "0.5.0", migrations={**releases.get("0.4.0").migrations, **DJANGO_STATE})
    info = newest_backup(folder)
    assert (info.path, info.version, info.data_version) == (old, "0.5.0", "0.4.0")
    assert info.as_dict()["data_version"] == "0.4.0" and info.as_dict()["version"] == "0.5.0"
    assert info.migrations["access"] == releases.get("0.4.0").migrations["access"]

    # No migration state either: read as before, its data version unknown.
    bare = folder / "forecourt-0.5.0-20261201T010000000000Z.tar.gz"
    _write_fake(bare, now - timedelta(hours=2), "0.5.0")
    info = newest_backup(folder)
    assert (info.path, info.version, info.data_version, info.migrations) == (bare, "0.5.0", None, None)

    # A newer writer knew a release this one does not: what it recorded wins over what this one derives.
    future_state = {**releases.latest().migrations, "catalog": "0099_future"}
    assert dataversion.of_state(future_state) == f"{releases.latest().version}+unreleased"
    new = folder / "forecourt-data-9.0.0-20261201T020000000000Z.tar.gz"
    _write_fake(new, now - timedelta(hours=1), "9.0.0", data_version="9.0.0", migrations=future_state)
    assert newest_backup(folder).data_version == "9.0.0"
    assert archive_format.verify_archive(new).data_version == "9.0.0"
    # A recorded value that is no version is ignored.
    odd = folder / "odd.tar.gz"
    _write_fake(odd, now, "0.8.0", data_version="../../x", migrations=releases.get("0.6.0").migrations)
    assert newest_backup(folder).data_version == "0.6.0"
    # Old names and new ones are all found, by their manifests' times.
    assert [i.path for i in archive_format.backups_in(folder)] == [old, bare, new, odd]


def test_a_backup_of_an_older_database_is_named_by_its_data_not_by_its_writer(child_env, tmp_path):
    backup_archive.run_helper("backup_seed", child_env, tmp_path, "--at", "0.4.0")
    result = servers.run(["backup"], child_env, tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    [path] = (tmp_path / "data" / "backups").iterdir()
    assert path.name.startswith("forecourt-data-0.4.0-") and path.name.endswith(".tar.gz")
    manifest = backup_archive.manifest(path)
    assert (manifest["data_version"], manifest["forecourt_version"]) == ("0.4.0", forecourt.__version__)
    assert f"a backup of 0.4.0 data, written by Forecourt {forecourt.__version__}" in result.stdout
    assert manifest["contents"]["users"] == 1 and manifest["contents"]["organisations"] == 1
    assert manifest["contents"]["database_themes"] == 0 and manifest["database_themes"] == []


@pytest.mark.one_engine
def test_default_backup_dir_is_under_the_data_dir(settings):
    assert default_backup_dir() == Path(settings.DATA_DIR) / "backups"


# -- the record of each backup --------------------------------------------------------------------------------

def _records(env):
    return databases.execute(env, "SELECT path, sha256, size, version, dialect, source FROM ops_backuprecord "
                                  "ORDER BY id")


def test_a_backup_is_recorded_only_once_its_archive_is_complete_and_the_record_is_not_archived(migrated_env, tmp_path):
    target = tmp_path / "elsewhere" / "pre.tar"
    for step in ("backup-before-rename", "backup-before-record"):
        crashed = servers.run(["backup", "--output", str(target)], {**migrated_env, "FORECOURT_CRASH_AT": step},
                              tmp_path)
        assert crashed.returncode == 137, crashed.stderr
        assert _records(migrated_env) == [], step
    # Killed before the rename there is no archive; killed after it, a complete one that was not recorded.
    assert archive_format.verify_archive(target).version == forecourt.__version__

    report = _backup(migrated_env, tmp_path, "--output", str(target))
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    assert report["recorded"] is True and report["sha256"] == digest and report["warnings"] == []
    assert _records(migrated_env) == [(str(target), digest, target.stat().st_size, forecourt.__version__,
                                    databases.dialect(), "backup")]
    [(created, migrations)] = databases.execute(migrated_env, "SELECT created_at, migrations FROM ops_backuprecord")
    manifest = backup_archive.manifest(target)
    assert (migrations if isinstance(migrations, dict) else json.loads(migrations)) == manifest["migrations"]
    created = created if isinstance(created, datetime) else datetime.fromisoformat(created)  # SQLite: text
    created = created.astimezone(UTC) if created.tzinfo else created.replace(tzinfo=UTC)  # MariaDB: naive UTC
    assert created == datetime.fromisoformat(manifest["created_at"])

    # The records describe files on this host and are never inside an archive (one could not hold its
    # own record anyway): the next backup leaves the table out while it has a row.
    second = backup_archive.manifest(Path(_backup(migrated_env, tmp_path)["path"]))
    tables = {t["table"] for t in second["tables"]}
    assert "ops_schemaversion" in tables and "ops_backuprecord" not in tables
    assert not [n for n in second["files"] if "ops_backuprecord" in n]
    assert len(_records(migrated_env)) == 2


READ_ONLY_BACKUP = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
import django
django.setup()
from forecourt.lifecycle.backup import create_backup
from forecourt.lifecycle.upgradecheck import read_only
with read_only():  # the engine refuses every write on this process's connections
    result = create_backup(sys.argv[1])
print(json.dumps(result))
"""


def test_a_backup_of_a_read_only_database_is_written_and_says_it_was_not_recorded(migrated_env, tmp_path):
    target = tmp_path / "ro" / "x.tar.gz"
    done = subprocess.run([sys.executable, "-c", READ_ONLY_BACKUP, str(target)], env=migrated_env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["recorded"] is False and result["path"] == str(target)
    assert f"the archive {target} was written but could not be recorded in the database" in done.stderr
    assert result["warnings"] == [done.stderr.strip().splitlines()[-1]]
    info = archive_format.verify_archive(target)  # complete and intact
    assert info.version == forecourt.__version__ and info.sha256 == result["sha256"]
    assert _records(migrated_env) == []


@pytest.mark.one_engine
def test_reading_an_archive_s_manifest_needs_no_django():
    """archive.py (with dataversion.py and releases.py) reads and checks an archive before any database or
    Django set-up exists: not one django module is imported with them (ARCHITECTURE.md, lifecycle/)."""
    probe = ("import sys; from forecourt.lifecycle import archive, dataversion, releases; "
             "print(sorted(m for m in sys.modules if m.partition('.')[0] == 'django'))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
