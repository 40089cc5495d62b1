"""`forecourt restore`: a round trip gives back every row; bad archives and full databases are refused untouched."""

import gzip
import hashlib
import json
import random
import tarfile
from pathlib import Path

import pytest

import forecourt
from forecourt.lifecycle import releases
from forecourt.lifecycle.archive import ArchiveError, check_member_name

from .support import backup_archive, backup_rows, databases, servers
from .support.backup_fixtures import make_portal, second_db

pytestmark = pytest.mark.server


@pytest.fixture
def portal(migrated_env, tmp_path):
    return make_portal(migrated_env, tmp_path)


@pytest.fixture(scope="module")
def portal_archive(tmp_path_factory):
    """A backup of a portal made as `portal` makes one, built once per module (and xdist worker): the
    tests that only read it (they doctor a copy, or restore it elsewhere) share it, instead of each
    migrating and filling a database of its own to back up. A test that changes the portal it
    restores over, or compares against it, still uses `portal`."""
    home = tmp_path_factory.mktemp("archived-portal")
    with databases.migrated_database(home) as db_env:
        env = make_portal(servers.child_env(db_env, home), home)
        yield _backup(env, home)


@pytest.fixture
def target(tmp_path):
    with second_db(tmp_path) as env:
        yield env


def _backup(env, cwd) -> Path:
    result = servers.run(["backup", "--json"], env, cwd, timeout=300)
    assert result.returncode == 0, result.stderr
    return Path(json.loads(result.stdout)["path"])


def _restore(env, cwd, archive, *args):
    return servers.run(["restore", str(archive), "--json", *args], env, cwd, timeout=300)


def _home(env) -> Path:
    return Path(env["PORTAL_DATADIR"]).parent


def test_round_trip_on_the_same_engine_gives_back_every_row_and_file(portal, target, tmp_path):
    archive = _backup(portal, tmp_path)
    result = _restore(target, _home(target), archive)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["migrated"] == [] and report["warnings"] == []
    assert report["rows"] == sum(t["rows"] for t in backup_archive.manifest(archive)["tables"])
    # The theme uploaded to the database is counted as restored, apart from the theme folders on disk.
    assert (report["database_themes"], report["themes"], report["media_files"]) == (1, ["acme"], 1)
    assert report["archive_data_version"] == backup_archive.manifest(archive)["data_version"] is not None

    # Every table, every column, exactly as stored (ciphertext included).
    source, restored = backup_rows.raw(portal), backup_rows.raw(target)
    assert set(source) == set(restored)
    for table in source:
        assert restored[table] == source[table], table
    assert backup_rows.migrations(target) == backup_rows.migrations(portal)
    # Through the ORM too: the encrypted secrets decrypt with the restored key.
    orm_source = backup_archive.run_helper("backup_rows", portal, tmp_path).stdout
    orm_target = backup_archive.run_helper("backup_rows", target, _home(target)).stdout
    assert orm_target == orm_source
    assert "dashboard-api-key" in orm_target

    # Theme folders and uploaded files.
    home = _home(target)
    assert (home / "themes" / "acme" / "static" / "logo.bin").read_bytes() == bytes(range(256))
    logos = list((home / "data" / "media" / "logos").iterdir())
    assert len(logos) == 1 and logos[0].read_bytes().startswith(b"\x89PNG")

    # Sequences / auto-increment counters moved past the restored ids: a new row gets a fresh id.
    top = databases.execute(target, "SELECT MAX(id) FROM accounts_organisation")[0][0]
    databases.execute(target, "INSERT INTO accounts_organisation (name, created_at, updated_at) "
                              "VALUES ('after restore', '2026-12-01 00:00:00', '2026-12-01 00:00:00')")
    new_id = databases.execute(target, "SELECT id FROM accounts_organisation WHERE name = 'after restore'")[0][0]
    assert new_id > top
    assert servers.run(["migrate", "--plan"], target, home).stderr.strip().endswith("0 pending migration(s)")


def _no_tables(env) -> bool:
    return backup_rows.tables(env) == []


@pytest.mark.parametrize(("change", "message"), [
    ("content", "checksum mismatch for 'database/accounts_user.jsonl'"),
    ("traversal", "unsafe member name '../escape.txt'"),
    ("symlink", "is not a regular file"),
    ("unlisted", "is not listed in the manifest"),
    ("missing", "lacks files its manifest lists"),
])
def test_a_damaged_or_doctored_archive_is_refused_and_nothing_changes(portal_archive, target, tmp_path, change,
                                                                      message):
    archive = portal_archive
    doctored = tmp_path / "doctored.tar.gz"
    if change == "content":
        rows = backup_archive.members(archive)["database/accounts_user.jsonl"]
        backup_archive.rewrite(archive, doctored, replace={"database/accounts_user.jsonl":
                                                          rows.replace(b"super-admin", b"consumer-xx")})
    elif change == "traversal":
        backup_archive.rewrite(archive, doctored, extra=[_file_info("../escape.txt")])
    elif change == "symlink":
        link = tarfile.TarInfo("themes/acme/link")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        backup_archive.rewrite(archive, doctored, extra=[link])
    elif change == "unlisted":
        backup_archive.rewrite(archive, doctored, extra=[_file_info("themes/acme/extra.html")])
    else:
        backup_archive.rewrite(archive, doctored,
                               edit_manifest=lambda m: m["files"].update({"media/gone.png": {"sha256": "0" * 64}}))
    result = _restore(target, _home(target), doctored)
    assert result.returncode == 1
    assert message in result.stderr
    assert json.loads(result.stdout)["ok"] is False
    assert _no_tables(target)
    assert not (_home(target) / "themes").exists()
    assert not (tmp_path / "escape.txt").exists() and not (_home(target) / "escape.txt").exists()


def test_rows_that_break_a_foreign_key_are_rolled_back_whole(portal_archive, target, tmp_path):
    """A forger who recomputes the checksums still meets the database's constraints: nothing is half-loaded."""
    archive = portal_archive
    columns = next(t["columns"] for t in backup_archive.manifest(archive)["tables"] if t["table"] == "accounts_team")
    rows = backup_archive.jsonl(archive, "accounts_team")
    rows[0][columns.index("organisation_id")] = 987654
    doctored = backup_archive.rewrite(archive, tmp_path / "fk.tar.gz", rehash=True, replace={
        "database/accounts_team.jsonl": "".join(json.dumps(r) + "\n" for r in rows).encode()})
    result = _restore(target, _home(target), doctored)
    assert result.returncode == 1
    assert "could not load the rows (the load was rolled back)" in result.stderr
    for table in ("accounts_user", "accounts_organisation", "accounts_team", "themes_themefile"):
        assert databases.execute(target, f"SELECT COUNT(*) FROM {table}") == [(0,)], table  # noqa: S608


def _file_info(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = 1
    return info


@pytest.mark.one_engine
@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../b", "a//b", "./a", "a\\b", "", "a/\x00b", "c:/x",
                                  "a/\nb", "x" * 2000])
def test_member_names_that_could_escape_are_refused(name):
    with pytest.raises(ArchiveError):
        check_member_name(name)


@pytest.mark.one_engine
def test_member_names_of_ordinary_files_are_accepted():
    for name in ("themes/acme/café 2.png", "media/logos/logo_Ab12.png", "database/accounts_user.jsonl"):
        assert check_member_name(name) == name


def test_a_database_with_data_is_refused_without_force_and_replaced_with_it(portal, tmp_path):
    archive = _backup(portal, tmp_path)
    before = backup_rows.raw(portal)
    databases.execute(portal, "UPDATE accounts_user SET first_name = 'Changed' WHERE email = 'admin@example.com'")
    databases.execute(portal, "INSERT INTO accounts_organisation (name, created_at, updated_at) "
                              "VALUES ('written after the backup', '2026-12-01 00:00:00', '2026-12-01 00:00:00')")
    (tmp_path / "themes" / "acme" / "theme.json").write_text('{"name": "acme", "version": "2.0.0"}')
    changed = backup_rows.raw(portal)

    refused = _restore(portal, tmp_path, archive)
    assert refused.returncode == 1
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
    assert backup_rows.raw(portal) == changed

    forced = _restore(portal, tmp_path, archive, "--force")
    assert forced.returncode == 0, forced.stderr
    assert any("overwrote 1 file" in w for w in json.loads(forced.stdout)["warnings"])
    after = backup_rows.raw(portal)
    for table in before:
        assert after[table] == before[table], table
    assert json.loads((tmp_path / "themes" / "acme" / "theme.json").read_text())["version"] == "1.0.0"


def test_an_archive_from_a_newer_forecourt_or_format_is_refused(portal_archive, target, tmp_path):
    archive = portal_archive
    newer = backup_archive.rewrite(archive, tmp_path / "newer.tar.gz",
                                   edit_manifest=lambda m: m.update(forecourt_version="99.0.0", data_version="0.4.0"))
    result = _restore(target, _home(target), newer)
    assert result.returncode == 1
    # The refusal is about the version that wrote the archive, and names the data it holds apart.
    assert (f"the archive holds 0.4.0 data but was written by Forecourt 99.0.0, newer than this Forecourt "
            f"{forecourt.__version__}: restore it with Forecourt 99.0.0 or later") in result.stderr
    assert _no_tables(target)

    future = backup_archive.rewrite(archive, tmp_path / "format.tar.gz",
                                    edit_manifest=lambda m: m.update(format_version=2))
    result = _restore(target, _home(target), future)
    assert result.returncode == 1
    assert "format version 2 is not supported" in result.stderr
    assert _no_tables(target)


def test_an_older_archive_is_restored_at_its_schema_then_migrated_forward(fresh_db, target, tmp_path):
    env = servers.child_env(fresh_db, tmp_path)
    backup_archive.run_helper("backup_seed", env, tmp_path, "--at", "0.3.0")
    archive = backup_archive.rewrite(_backup(env, tmp_path), tmp_path / "old.tar.gz",
                                     edit_manifest=lambda m: m.update(forecourt_version="0.3.0"))
    manifest = backup_archive.manifest(archive)
    assert manifest["data_version"] == "0.3.0"  # the data's, whichever Forecourt wrote it
    old = releases.get("0.3.0")
    for app, name in old.migrations.items():
        assert manifest["migrations"][app] == name
    assert "content" not in manifest["migrations"] and "webhooks" not in manifest["migrations"]

    result = _restore(target, _home(target), archive)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["archive_version"] == "0.3.0" and report["version"] == forecourt.__version__
    assert report["archive_data_version"] == "0.3.0"
    assert "content.0002_home_page" in report["migrated"] and "webhooks.0001_initial" in report["migrated"]
    assert servers.run(["migrate", "--plan"], target, _home(target)).stderr.strip().endswith("0 pending migration(s)")
    assert databases.execute(target, "SELECT email FROM accounts_user") == [("old@example.com",)]
    assert databases.execute(target, "SELECT name FROM accounts_organisation") == [("Old org",)]
    assert databases.execute(target, "SELECT COUNT(*) FROM accounts_user_teams") == [(1,)]
    assert databases.execute(target, "SELECT COUNT(*) FROM content_page")[0][0] >= 1  # written by the migration

    # The database records the archive it came from.
    assert _records(target) == [(str(archive), "restore")]

    # Over a current database with --force: its schema goes back to the archive's, then forward again.
    databases.execute(target, "INSERT INTO accounts_organisation (name, created_at, updated_at) "
                              "VALUES ('newer', '2026-12-01 00:00:00', '2026-12-01 00:00:00')")
    later = _backup(target, _home(target))
    kept = databases.execute(target, "SELECT path, recorded_at FROM ops_backuprecord ORDER BY id")
    again = _restore(target, _home(target), archive, "--force")
    assert again.returncode == 0, again.stderr
    assert "webhooks.0001_initial" in json.loads(again.stdout)["migrated"]
    assert databases.execute(target, "SELECT name FROM accounts_organisation") == [("Old org",)]
    # Going back to 0.3.0's schema dropped the records' table; its rows were put back as they were, and the
    # archive restored from is recorded once.
    assert "ops.0002_backuprecord" in json.loads(again.stdout)["migrated"]
    assert _records(target) == [(str(archive), "restore"), (str(later), "backup")]
    assert databases.execute(target, "SELECT path, recorded_at FROM ops_backuprecord ORDER BY id") == kept


def _records(env):
    return databases.execute(env, "SELECT path, source FROM ops_backuprecord ORDER BY created_at, id")


def test_backup_records_survive_a_restore_and_the_archive_restored_from_is_recorded(migrated_env, target, tmp_path):
    """Archives leave the records out: restoring an older archive keeps the records of the backups made
    after it, and another database learns of the archive it was restored from."""
    first = _backup(migrated_env, tmp_path)
    second = tmp_path / "elsewhere" / "second.tar"
    assert servers.run(["backup", "--output", str(second)], migrated_env, tmp_path, timeout=300).returncode == 0
    assert _records(migrated_env) == [(str(first), "backup"), (str(second), "backup")]

    forced = _restore(migrated_env, tmp_path, first, "--force")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["warnings"] == []
    assert _records(migrated_env) == [(str(first), "backup"), (str(second), "backup")]  # kept, and none twice

    restored = _restore(target, _home(target), second)
    assert restored.returncode == 0, restored.stderr
    assert _records(target) == [(str(second), "restore")]
    code = servers.run(["upgrade-check", "--json", "--no-provider-calls"], target, _home(target))
    newest = json.loads(code.stdout)["newest_backup"]
    assert (newest["path"], newest["source"], newest["checksum"]) == (str(second), "record", "verified")


def test_secrets_that_do_not_decrypt_with_this_portals_key_are_refused_or_warned(portal_archive, target, tmp_path):
    archive = portal_archive
    other_key = {**target, "PORTAL_ENCRYPTION_KEY": "a-different-key"}
    refused = _restore(other_key, _home(target), archive)
    assert refused.returncode == 1
    assert "do not decrypt with this portal's encryption key" in refused.stderr
    assert _no_tables(target)

    forced = servers.run(["restore", str(archive), "--force"], other_key, _home(target), timeout=300)
    assert forced.returncode == 0, forced.stderr
    assert "Restored " in forced.stdout and "into this" in forced.stdout
    assert "Restored 1 theme(s) uploaded to the database, 1 theme folder(s) and 1 uploaded file(s)." in forced.stdout
    assert "warning: the archive's encrypted secrets" in forced.stderr


def _small_archive(tmp_path: Path, content: bytes = b"a" * 1000) -> Path:
    from forecourt.lifecycle import archive as archive_format

    staging = tmp_path / "staging"
    (staging / "media").mkdir(parents=True)
    (staging / "media" / "a.bin").write_bytes(content)
    manifest = {"format": archive_format.FORMAT, "format_version": 1, "forecourt_version": "0.4.0",
                "dialect": "sqlite3", "created_at": "2026-12-01T00:00:00+00:00",
                "files": {"media/a.bin": {"sha256": hashlib.sha256(content).hexdigest()}}}
    path = tmp_path / "small.tar.gz"
    archive_format.write_archive(path, manifest, staging, ["media/a.bin"])
    return path


@pytest.mark.one_engine
def test_an_archive_that_unpacks_beyond_the_limit_is_refused(tmp_path, monkeypatch):
    from forecourt.lifecycle import archive as archive_format

    path = _small_archive(tmp_path)
    with archive_format.unpacked(path) as (_, folder):
        assert (folder / "media" / "a.bin").read_bytes() == b"a" * 1000
    monkeypatch.setattr(archive_format, "MAX_TOTAL_SIZE", 999)
    with pytest.raises(ArchiveError, match="unpacks to more than 999 bytes"), archive_format.unpacked(path):
        pass


@pytest.mark.one_engine
def test_an_archive_whose_first_member_is_not_the_manifest_is_refused(tmp_path):
    from forecourt.lifecycle import archive as archive_format

    path = tmp_path / "odd.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(__file__, arcname="database/x.jsonl")
    with pytest.raises(ArchiveError, match=r"first member is not manifest\.json"), archive_format.unpacked(path):
        pass
    (tmp_path / "junk.tar.gz").write_bytes(b"junk")
    with pytest.raises(ArchiveError, match="not a readable backup archive"):
        archive_format.read_manifest(tmp_path / "junk.tar.gz")



@pytest.mark.one_engine
def test_an_archive_with_any_one_byte_changed_is_refused_with_a_reason_never_a_crash(tmp_path):
    """Every byte counts: the members' checksums cover the tar, and the gzip trailer's CRC (read to the
    end, past the tar's end marker) the rest; only the gzip header's time and OS bytes go unchecked."""
    from forecourt.lifecycle import archive as archive_format

    path = _small_archive(tmp_path, b"forecourt " * 100 + random.Random(7).randbytes(1000))
    original = path.read_bytes()
    archive_format.verify_archive(path)
    unnoticed = []
    for position in range(len(original)):
        damaged = bytearray(original)
        damaged[position] ^= 0xFF
        path.write_bytes(bytes(damaged))
        try:
            archive_format.verify_archive(path)
        except ArchiveError:
            continue
        unnoticed.append(position)
    assert unnoticed == [4, 5, 6, 7, 8, 9], unnoticed  # MTIME, XFL, OS (RFC 1952)

    # A stored block whose length check fails makes zlib itself fail (zlib.error: neither an OSError
    # nor a TarError), as a byte flipped in a real backup did: still a refusal with the reason.
    stored = bytearray(gzip.compress(gzip.decompress(original), compresslevel=0, mtime=0))
    stored[12] ^= 0xFF  # after the 10-byte header and the block type: LEN, then its complement NLEN
    path.write_bytes(bytes(stored))
    with pytest.raises(ArchiveError, match="invalid stored block lengths"):
        archive_format.verify_archive(path)
    with pytest.raises(ArchiveError, match="invalid stored block lengths"), archive_format.unpacked(path):
        pass
