"""The release manifest (lifecycle/releases.json) says what git says, so downgrades cannot drift.

Each release names the commit titled "Release X.Y.Z" it was cut from (or, for the newest release
only, no commit: a release commit cannot contain its own hash, so it is found by its title), and
the last migration of each app at that commit, which must be the newest migration file of that
app in the commit's tree. The git checks need the repository's metadata; a source tree without
.git (an sdist, say) skips them and still checks the files and the version.
"""

import dataclasses
import re
from collections import defaultdict

import pytest
from django.db.migrations.loader import MigrationLoader
from packaging.version import Version

import forecourt
from forecourt.lifecycle import downgrade, releases

from .support import migration_git

PACKAGE = migration_git.ROOT / "src" / "forecourt"
MIGRATION_FILE = re.compile(r"^src/forecourt/(?P<app>[^/]+)/migrations/(?P<name>\d{4}_\w+)\.py$")

needs_git = pytest.mark.skipif(not migration_git.has_git(), reason="no git metadata in this source tree")
_git = migration_git.git
_commit = migration_git.release_commit


def test_manifest_lists_releases_oldest_first_with_unique_versions():
    versions = [r.version for r in releases.all_releases()]
    assert versions == ["0.1.0", "0.2.0", "0.3.0", "0.4.0", *versions[4:]]
    assert len(set(versions)) == len(versions)
    for release in releases.all_releases():
        assert str(Version(release.version)) == release.version
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", release.date)
        assert release.migrations, release.version


def test_every_migration_the_manifest_names_is_a_file_here():
    missing = [f"{r.version}: {app}.{name}" for r in releases.all_releases()
               for app, name in r.migrations.items()
               if not (PACKAGE / app / "migrations" / f"{name}.py").is_file()]
    assert missing == []


@needs_git
@pytest.mark.parametrize("release", releases.all_releases(), ids=lambda r: r.version)
def test_release_commit_is_titled_after_it_and_names_its_newest_migrations(release):
    commit = _commit(release)
    assert _git("log", "-1", "--format=%s", commit).strip() == f"Release {release.version}"

    newest: dict[str, str] = {}
    by_number: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in _git("ls-tree", "-r", "--name-only", commit, "src/forecourt").splitlines():
        match = MIGRATION_FILE.match(path)
        if match:
            app, name = match["app"], match["name"]
            by_number[(app, name[:4])].append(name)
            newest[app] = max(newest.get(app, name), name)
    # Two migrations with one number would be a merge: its leaf is not simply the highest number.
    assert [names for names in by_number.values() if len(names) > 1] == []
    assert release.migrations == newest


def test_newest_release_is_not_newer_than_this_version():
    assert releases.latest().key <= Version(forecourt.__version__)


def test_a_released_version_has_exactly_that_release_s_migrations():
    """If this code calls itself a release, its migrations are that release's: otherwise a database
    "at 0.4.0" could mean two schemas, and a downgrade to it would keep or drop the wrong tables.
    Unreleased work carries a development version (e.g. 0.5.0.dev0) until its release commit."""
    try:
        release = releases.get(forecourt.__version__)
    except releases.UnknownRelease:
        pytest.skip(f"{forecourt.__version__} is not a release (unreleased work)")
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = downgrade.forecourt_apps(loader)
    leaves = {app: name for app, name in loader.graph.leaf_nodes() if app in ours}
    assert release.migrations == leaves, (
        f"forecourt.__version__ is {release.version}, a release, but the code's migrations are not that release's: "
        "give unreleased work a development version (e.g. 0.5.0.dev0) until its release commit")


def test_release_lookup_says_which_versions_are_known():
    with pytest.raises(releases.UnknownRelease, match=r"0\.3\.7 is not a release \(known: 0\.1\.0, 0\.2\.0"):
        releases.get("0.3.7")
    assert releases.get("0.3.0").target("themes") == releases.ZERO
    assert releases.get("0.4.0").target("themes") == "0001_initial"


@needs_git
def test_the_newest_release_may_leave_its_commit_out_and_is_found_by_title():
    newest = releases.latest()
    assert _commit(dataclasses.replace(newest, commit=None)) == _commit(newest)
    if len(releases.all_releases()) > 1:
        older = releases.all_releases()[-2]
        with pytest.raises(AssertionError, match="only the newest release may leave out its commit"):
            _commit(dataclasses.replace(older, commit=None))


def test_each_setting_says_which_release_added_it():
    """`Setting.since` (what upgrade-check reports as new) is the first release whose spec has it."""
    from forecourt.configuration.spec import SETTINGS

    if not migration_git.has_git():
        pytest.skip("no git metadata")
    first_seen: dict[str, str] = {}
    for release in releases.all_releases():
        spec = migration_git.git("show", f"{migration_git.release_commit(release)}:src/forecourt/configuration/spec.py")
        for key in re.findall(r'Setting\(\s*"([A-Za-z.]+)"', spec):
            first_seen.setdefault(key, release.version)
    first = releases.all_releases()[0].version
    for setting in SETTINGS:
        expected = first_seen.get(setting.key, forecourt.__version__)
        assert (setting.since or first) == expected, setting.key
