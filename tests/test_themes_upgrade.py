"""`forecourt theme upgrade` and the Admin Portal's upgrade page: a custom theme derived from the
oldest default theme there is (0.4.0's snapshot) merged with a newer default.

The "newer default" is built here from the real 0.4.0 snapshot with known changes (a folder with
version 0.5.0), so each case is deterministic whatever the bundled default holds today; one test
merges the real bundled default against the real 0.4.0 snapshot. The Admin Portal tests install
that folder as the bundled default (storage's cached DirectorySource), which is what installing
the next release does.
"""

import io
import json
import lzma
import subprocess
import tarfile
from pathlib import Path

import pytest

from forecourt.accounts.models import Role, User
from forecourt.themes import history, storage
from forecourt.themes import upgrade as upgrades
from forecourt.themes.manifest import BadManifest, parse
from forecourt.themes.models import Theme, ThemeState
from forecourt.themes.sources import DirectorySource
from forecourt.themes.validate import StagedSource, validate

from .support import servers

REPO = Path(__file__).resolve().parents[1]
SNAPSHOT = history.source("0.4.0")

HOME_H1 = '  <h1>{{ blocks.HeaderTitle.content if blocks.HeaderTitle else "Build with our APIs" }}</h1>\n'
HOME_P = "  <p>Browse the catalogue, read the documentation and get credentials for your applications.</p>\n"
FOOTER_P = "    <p>Powered by Forecourt {{ portal.version }}</p>\n"
WELCOME_TXT = '{% extends "mailers/layout.txt" %}{% block body %}Welcome to the portal, {{ to }}.{% endblock %}'
WELCOME_SUBJECT = "Welcome"


def snapshot_files() -> dict[str, bytes]:
    assert SNAPSHOT is not None
    return history.files(SNAPSHOT)


def edit(content: bytes, old: str, new: str) -> bytes:
    text = content.decode()
    assert old in text, old
    return text.replace(old, new).encode()


def changed(files: dict[str, bytes], changes: dict[str, object]) -> dict[str, bytes]:
    """`files` with `changes`: a (old, new) pair edits a file, bytes or str replace it, None deletes it."""
    out = dict(files)
    for path, change in changes.items():
        if change is None:
            out.pop(path, None)
        elif isinstance(change, tuple):
            out[path] = edit(out[path], *change)
        else:
            out[path] = change if isinstance(change, bytes) else str(change).encode()
    return out


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)
    return root


def new_default(root: Path, version: str = "0.5.0", **changes: object) -> Path:
    """A default theme folder: 0.4.0's snapshot with `changes` (paths spelt views__home_DOT_html)."""
    files = snapshot_files()
    raw = json.loads(files["theme.json"])
    raw["version"] = raw["base"] = version
    files["theme.json"] = json.dumps(raw, indent=2).encode()
    return write_folder(root, changed(files, {_path(k): v for k, v in changes.items()}))


def custom_files(name: str = "acme", base: str = "0.4.0", **changes: object) -> dict[str, bytes]:
    """A theme downloaded from the 0.4.0 default and changed: every file, theme.json included."""
    files = snapshot_files()
    raw = json.loads(files["theme.json"])
    raw.update(name=name, version="1.0.0", author="Acme", base=base)
    files["theme.json"] = json.dumps(raw, indent=2).encode()
    return changed(files, {_path(k): v for k, v in changes.items()})


def store(files: dict[str, bytes]) -> Theme:
    files = dict(files)
    return storage.save(parse(files.pop("theme.json")), files, None)


def _path(key: str) -> str:
    return key.replace("__", "/").replace("_DOT_", ".")


# The upstream change of the clean and conflicting cases: the footer and the home page's heading
# change, a welcome e-mail is added, an unused stylesheet removed.
UPSTREAM = {
    "partials__footer_DOT_html": (FOOTER_P, '    <p class="powered">Powered by Forecourt {{ portal.version }}</p>\n'),
    "views__home_DOT_html": (HOME_H1, HOME_H1.replace("Build with our APIs", "Build with our APIs today")),
    "mailers__welcome_DOT_txt": WELCOME_TXT,
    "mailers__welcome_DOT_subject_DOT_txt": WELCOME_SUBJECT,
    "assets__css__account_DOT_css": None,
}


@pytest.fixture
def default_050(tmp_path):
    return upgrades.upstream_folder(new_default(tmp_path / "default-0.5.0", **UPSTREAM))


def statuses(result: upgrades.Upgrade) -> dict[str, str]:
    return {c.path: c.status for c in result.changes if c.status != upgrades.UNCHANGED}


# The snapshots


def git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, check=False)


def test_each_release_with_a_default_theme_has_an_exact_snapshot_and_no_other_has_one():
    """history/<version>.tar.xz holds the default theme of the release commit, byte for byte; releases before
    0.4.0 had no default theme, so no theme can be based on them."""
    from forecourt.lifecycle import releases

    if not (REPO / ".git").exists() or git("rev-parse", "HEAD").returncode != 0:
        pytest.skip("no git metadata (an installed package or an exported tree)")
    folder = "src/forecourt/themes/default"
    with_theme = []
    from .support.migration_git import release_commit

    for release in releases.all_releases():
        commit = release_commit(release)  # the newest release may name no commit: found by its title
        listed = git("ls-tree", "-r", "--name-only", commit, folder + "/")
        assert listed.returncode == 0, listed.stderr
        names = [line[len(folder) + 1:] for line in listed.stdout.decode().splitlines()]
        if not names:
            assert history.source(release.version) is None, release.version
            continue
        with_theme.append(release.version)
        snapshot = history.source(release.version)
        assert snapshot is not None, f"no snapshot of the default theme {release.version}"
        files = history.files(snapshot)
        assert sorted(files) == sorted(names), release.version
        for name in names:
            assert files[name] == git("show", f"{commit}:{folder}/{name}").stdout, name
    assert with_theme[0] == history.FIRST == "0.4.0"
    assert history.versions() == with_theme


def test_history_write_archives_the_bundled_default_under_its_version(tmp_path):
    written = history.write(into=tmp_path)
    assert written.name == storage.bundled().manifest.version + ".tar.xz"
    assert history.read(written) == history.files(storage.bundled())
    assert history.versions(tmp_path) == [storage.bundled().manifest.version]


def test_history_archives_are_deterministic(tmp_path):
    """The same theme gives the same tar (sorted, fixed metadata), and each committed archive is the tar
    write() makes of its own files, so writing it again at a release changes nothing."""
    first = history.write(into=tmp_path / "a")
    again = history.write(into=tmp_path / "b")
    assert first.read_bytes() == again.read_bytes()
    for version in history.versions():
        committed = history.archive_path(version)
        unpacked = lzma.decompress(committed.read_bytes())
        assert unpacked == history.tar_of(history.read(committed)), version
        with tarfile.open(fileobj=io.BytesIO(unpacked)) as tar:
            members = tar.getmembers()
        assert [m.name for m in members] == sorted(m.name for m in members), version
        assert {(m.mtime, m.mode, m.uid, m.gid, m.type) for m in members} == {(0, 0o644, 0, 0, tarfile.REGTYPE)}


@pytest.mark.parametrize("bad", ["link", "hidden", "outside", "absolute", "no-manifest", "not-xz"])
def test_a_snapshot_archive_holds_regular_theme_files_only(tmp_path, bad):
    """An archive under history/ is read under a theme folder's rules: anything else is refused."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        members = {"theme.json": b'{"name": "default", "version": "9.9.9"}', "views/home.html": b"home"}
        if bad == "no-manifest":
            members.pop("theme.json")
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        extra = tarfile.TarInfo({"link": "views/link.html", "hidden": "views/.secret", "outside": "../x.html",
                                 "absolute": "/etc/x.html"}.get(bad, "views/plain.html"))
        if bad == "link":
            extra.type, extra.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(extra, io.BytesIO(b""))
    archive = tmp_path / "9.9.9.tar.xz"
    archive.write_bytes(buffer.getvalue() if bad == "not-xz" else lzma.compress(buffer.getvalue()))
    with pytest.raises(history.BadSnapshot):
        history.read(archive)


# Merging


@pytest.mark.django_db
def test_clean_upgrade_keeps_the_themes_changes_and_takes_the_defaults(default_050):
    ours_p = HOME_P.replace("Browse the catalogue", "Browse Acme's catalogue")
    store(custom_files(views__home_DOT_html=(HOME_P, ours_p), assets__css__portal_DOT_css=b"body { color: teal; }\n",
                       assets__img__favicon_DOT_svg=None))
    result = upgrades.plan("acme", default_050)
    assert result.clean, (result.problems, [c.marked for c in result.conflicts])
    assert statuses(result) == {
        "theme.json": "merged",
        "partials/footer.html": "upstream",
        "views/home.html": "merged",
        "mailers/welcome.txt": "added",
        "mailers/welcome.subject.txt": "added",
        "assets/css/account.css": "removed",
    }
    home = result.files["views/home.html"].decode()
    assert "Build with our APIs today" in home and "Browse Acme's catalogue" in home
    assert result.files["assets/css/portal.css"] == b"body { color: teal; }\n"
    assert "assets/img/favicon.svg" not in result.files  # deleted in the theme: stays deleted
    assert "assets/css/account.css" not in result.files
    assert (result.target_name, result.target_version, result.manifest.base) == ("acme-0.5.0", "1.0.1", "0.5.0")
    assert result.manifest.upgraded_from == "acme" and "upgraded_from acme" in result.changes[0].note
    diff = next(c for c in result.changes if c.path == "views/home.html").diff
    assert "\n-" + HOME_H1 + "+" + HOME_H1.replace("APIs", "APIs today") in diff

    theme = upgrades.apply(result, None)
    assert (theme.name, theme.version, theme.base) == ("acme-0.5.0", "1.0.1", "0.5.0")
    assert theme.manifest["upgraded_from"] == "acme"
    assert Theme.objects.get(name="acme").version == "1.0.0"  # the theme it came from is untouched
    assert storage.configured_active() == "default"  # and nothing is activated
    stored = storage.source("acme-0.5.0")
    assert stored.file("views/home.html") == result.files["views/home.html"]
    assert stored.file("mailers/welcome.txt") == WELCOME_TXT.encode()
    with pytest.raises(upgrades.UpgradeRefused, match="already exists"):
        upgrades.plan("acme", default_050)


@pytest.mark.django_db
def test_a_file_deleted_in_the_theme_and_changed_in_the_default_stays_deleted_and_is_reported(tmp_path):
    folder = new_default(tmp_path / "d", assets__img__favicon_DOT_svg=("<svg", "<svg data-v=\"2\""))
    store(custom_files(assets__img__favicon_DOT_svg=None))
    result = upgrades.plan("acme", upgrades.upstream_folder(folder))
    change = next(c for c in result.changes if c.path == "assets/img/favicon.svg")
    assert change.status == "absent" and "the default's new version serves" in change.note
    assert result.clean and "assets/img/favicon.svg" not in result.files


@pytest.mark.django_db
def test_conflicts_are_marked_like_git_and_nothing_is_saved(tmp_path):
    folder = new_default(tmp_path / "d", **UPSTREAM, partials__request_status_DOT_html=None,
                         assets__img__logo_DOT_png=b"\x89PNG\r\n\x1a\n\0default")
    ours_h1 = HOME_H1.replace("Build with our APIs", "Build with Acme")
    store(custom_files(views__home_DOT_html=(HOME_H1, ours_h1),
                       partials__request_status_DOT_html=b"<span>acme status</span>\n",
                       assets__img__logo_DOT_png=b"\x89PNG\r\n\x1a\n\0acme"))
    result = upgrades.plan("acme", upgrades.upstream_folder(folder))
    assert not result.clean
    assert {c.path for c in result.conflicts} == {"views/home.html", "partials/request_status.html",
                                                  "assets/img/logo.png"}
    home = next(c for c in result.conflicts if c.path == "views/home.html")
    assert home.conflicts == 1
    assert ("<<<<<<< custom\n" + ours_h1 + "||||||| base 0.4.0\n" + HOME_H1 + "=======\n"
            + HOME_H1.replace("Build with our APIs", "Build with our APIs today") + ">>>>>>> default 0.5.0\n"
            ) in home.marked
    removed = next(c for c in result.conflicts if c.path == "partials/request_status.html")
    assert "removed from the default 0.5.0 but changed in the theme" in removed.note
    assert "<<<<<<< custom\n<span>acme status</span>\n" in removed.marked
    logo = next(c for c in result.conflicts if c.path == "assets/img/logo.png")
    assert logo.binary and logo.marked == "" and "binary" in logo.note
    assert result.problems == []  # not rendered: markers are not a theme
    with pytest.raises(upgrades.UpgradeRefused):
        upgrades.apply(result, None)
    assert list(Theme.objects.values_list("name", flat=True)) == ["acme"]


@pytest.mark.django_db
def test_a_merge_that_does_not_render_is_not_saved(tmp_path):
    folder = new_default(tmp_path / "d", partials__footer_DOT_html=(FOOTER_P, "    <p>{{ portal.__class__ }}</p>\n"))
    store(custom_files(views__home_DOT_html=(HOME_P, "<p>Acme</p>\n")))
    result = upgrades.plan("acme", upgrades.upstream_folder(folder))
    assert not result.conflicts and not result.clean
    assert any(p.file == "partials/footer.html" and "SecurityError" in p.message for p in result.problems)
    with pytest.raises(upgrades.UpgradeRefused):
        upgrades.apply(result, None)
    assert not Theme.objects.filter(name="acme-0.5.0").exists()


@pytest.mark.django_db
def test_theme_json_keeps_the_themes_templates_and_gains_the_defaults_new_pages(tmp_path):
    raw = json.loads(snapshot_files()["theme.json"])
    raw["version"] = raw["base"] = "0.5.0"
    raw["templates"].append({"name": "Webhooks", "template": "webhooks", "layout": "site_layout"})
    webhooks = "{% extends layout %}{% block content %}<h1>Webhooks</h1>{% endblock %}"
    folder = new_default(tmp_path / "d", theme_DOT_json=json.dumps(raw), views__webhooks_DOT_html=webhooks)
    files = custom_files()
    mine = json.loads(files["theme.json"])
    mine["templates"].append({"name": "Landing", "template": "landing", "layout": "site_layout"})
    files["theme.json"] = json.dumps(mine).encode()
    files["views/landing.html"] = b"{% extends layout %}{% block content %}Landing{% endblock %}"
    store(files)
    result = upgrades.plan("acme", upgrades.upstream_folder(folder))
    assert result.clean, result.problems
    names = [t.template for t in result.manifest.templates]
    assert names[-2:] == ["landing", "webhooks"] and result.manifest.raw["author"] == "Acme"
    assert statuses(result)["views/webhooks.html"] == "added"
    assert "template 'webhooks' added" in result.changes[0].note


def _fingerprint(name: str) -> tuple[object, ...]:
    theme = Theme.objects.get(name=name)
    return (theme.pk, theme.revision, theme.version, theme.base, json.dumps(theme.manifest, sort_keys=True),
            sorted(theme.files.values_list("path", "sha256")))


@pytest.mark.django_db
def test_neither_the_upgrade_nor_activating_the_copy_deletes_the_theme_it_came_from(tmp_path, default_050):
    """The old theme is what the older Forecourt renders after a downgrade: the copy names it, it stays
    exactly as it was, and a second upgrade of the copy names the copy (the chain the downgrade follows)."""
    store(custom_files(views__home_DOT_html=(HOME_P, "  <p>Acme</p>\n")))
    storage.activate("acme", None)
    before = _fingerprint("acme")
    upgrades.apply(upgrades.plan("acme", default_050), None)
    storage.activate("acme-0.5.0", None)
    assert _fingerprint("acme") == before
    assert storage.configured_active() == "acme-0.5.0"
    assert upgrades.upgraded_from("acme-0.5.0") == ("acme", True)
    assert upgrades.upgraded_from("acme") is None and upgrades.upgraded_from("default") is None
    note = upgrades.keep_note("acme", "0.5.0")
    assert "Keep the theme acme" in note and "below 0.5.0" in note and "--activate-theme acme" in note

    default_060 = upgrades.upstream_folder(new_default(tmp_path / "default-0.6.0", "0.6.0", **UPSTREAM))
    again = upgrades.plan("acme-0.5.0", default_060)
    assert (again.target_name, again.manifest.upgraded_from, again.manifest.base) == ("acme-0.6.0", "acme-0.5.0",
                                                                                       "0.6.0")
    upgrades.apply(again, None)
    assert _fingerprint("acme") == before and Theme.objects.filter(name="acme-0.5.0").exists()

    storage.delete("acme", None)  # only an admin's own delete removes it; the copy then says so
    assert upgrades.upgraded_from("acme-0.5.0") == ("acme", False)


@pytest.mark.parametrize("value", [5, "../acme", "a b"])
def test_upgraded_from_must_be_a_themes_name(value):
    raw = {**json.loads(custom_files()["theme.json"]), "upgraded_from": value}
    with pytest.raises(BadManifest, match="upgraded_from"):
        parse(json.dumps(raw).encode())


def test_version_bump_and_target_names():
    assert [upgrades.bump(v) for v in ("1.0.0", "2.3-beta4", "7", "v")] == ["1.0.1", "2.3-beta5", "8", "v.1"]
    assert upgrades.default_target_name("acme", "0.4.0", "0.5.0") == "acme-0.5.0"
    assert upgrades.default_target_name("acme-0.5.0", "0.5.0", "0.6.0") == "acme-0.6.0"


@pytest.mark.django_db
def test_the_real_bundled_default_merges_into_a_theme_derived_from_the_real_040_snapshot():
    """Whatever the default theme changed since 0.4.0 (and the lead's e-mail templates are such a
    change) reaches a full copy of 0.4.0's default that changed only its footer."""
    base = snapshot_files()
    bundled = storage.bundled()
    theirs = history.files(bundled)
    ours = custom_files(partials__footer_DOT_html=(FOOTER_P, "    <p>Acme's portal</p>\n"))
    ours_manifest = parse(ours.pop("theme.json"))
    result = upgrades.merge("acme", ours_manifest, ours, parse(base.pop("theme.json")), base,
                            bundled.manifest, {p: c for p, c in theirs.items() if p != "theme.json"}, "acme-next")
    theirs.pop("theme.json")
    upstream_changed = {p for p in set(base) | set(theirs) if base.get(p) != theirs.get(p)}
    expected = {p: ("added" if p not in base else "removed" if p not in theirs else "upstream")
                for p in upstream_changed if p != "partials/footer.html"}
    got = statuses(result)
    assert got.pop("theme.json") == "merged"
    if "partials/footer.html" in upstream_changed:
        assert got.pop("partials/footer.html") in ("merged", "conflict")
    assert got == expected
    if not result.conflicts:
        assert {p: c for p, c in result.files.items() if p != "partials/footer.html"} == \
            {p: c for p, c in theirs.items() if p != "partials/footer.html"}
        assert validate(StagedSource(result.manifest, result.files)) == []


@pytest.mark.django_db
@pytest.mark.parametrize("base_version", ["0.4.0", "0.5.0"])
def test_a_customised_home_page_meets_the_redesigned_one_as_a_conflict_and_keeps_both(base_version):
    """A custom theme downloaded from an old default (0.4.0, 0.5.0), whose home page an admin rewrote,
    upgraded to the bundled default with its redesigned home page: the home page is a conflict with
    both versions marked (the customisation is not lost, the redesign not dropped), and what the theme
    did not touch (the product page, the new partials, the style sheets) comes from the redesign."""
    snapshot = history.source(base_version)
    assert snapshot is not None
    base = history.files(snapshot)
    ours = dict(base)
    custom_h1 = '  <h1 class="acme">Acme APIs: payments in minutes</h1>\n'
    ours["views/home.html"] = edit(ours["views/home.html"], HOME_H1, custom_h1)
    raw = {**json.loads(ours.pop("theme.json")), "name": "acme", "version": "1.0.0", "base": base_version}
    bundled = storage.bundled()
    theirs = history.files(bundled)
    theirs_home = theirs["views/home.html"].decode()
    assert "featured" in theirs_home and "Get a key in three steps" in theirs_home  # the redesign
    result = upgrades.merge("acme", parse(json.dumps(raw).encode()), ours, parse(base.pop("theme.json")), base,
                            bundled.manifest, {p: c for p, c in theirs.items() if p != "theme.json"}, "acme-next")
    home = next(c for c in result.conflicts if c.path == "views/home.html")
    assert "<<<<<<< custom\n" in home.marked and custom_h1 in home.marked
    assert f"||||||| base {base_version}\n" in home.marked and ">>>>>>> default " in home.marked
    assert "Get a key in three steps" in home.marked  # the redesign is there to take
    assert not result.clean
    assert {c.path for c in result.conflicts} == {"views/home.html"}
    for path in ("views/product.html", "partials/product_logo.html", "assets/css/home.css",
                 "assets/js/theme-toggle.js", "layouts/site_layout.html"):
        assert result.files[path] == theirs[path], path


# Refusals (exit status 2 in the CLI)


@pytest.mark.django_db
@pytest.mark.parametrize(("setup", "name", "message"), [
    (None, "nope", "there is no theme called 'nope'"),
    (None, "default", "the default theme is not upgraded"),
    ({"base": "0.5.0"}, "acme", "already based on the default theme 0.5.0"),
    ({"base": "0.1.0"}, "acme", "Forecourt had no themes before 0.4.0"),
    ({"base": "0.4.5"}, "acme", "no copy of the default theme 0.4.5"),
    ({"base": "0.9.0"}, "acme", "newer than this Forecourt's"),
    ({"base": ""}, "acme", "has no base"),
    ({"base": "latest"}, "acme", "is not a version"),
])
def test_refusals(default_050, setup, name, message):
    if setup is not None:
        store(custom_files(theme_DOT_json=json.dumps({**json.loads(custom_files()["theme.json"]), **setup})))
    with pytest.raises(upgrades.UpgradeRefused, match=message):
        upgrades.plan(name, default_050)


@pytest.mark.django_db
def test_the_upgraded_copy_never_replaces_a_theme(default_050):
    store(custom_files())
    store(custom_files(name="taken"))
    with pytest.raises(upgrades.UpgradeRefused, match="'taken' already exists"):
        upgrades.plan("acme", default_050, as_name="taken")
    with pytest.raises(upgrades.UpgradeRefused, match="cannot be a theme's name"):
        upgrades.plan("acme", default_050, as_name="../x")
    assert upgrades.plan("acme", default_050, as_name="acme-2").target_name == "acme-2"


# The CLI


def test_cli_dry_run_save_conflict_and_bad_input(migrated_env, tmp_path):
    themes = tmp_path / "themes"
    write_folder(themes / "acme", custom_files(views__home_DOT_html=(HOME_P, "  <p>Acme</p>\n")))
    write_folder(themes / "clash", custom_files(name="clash",
                                                views__home_DOT_html=(HOME_H1, "  <h1>Clash</h1>\n")))
    folder = new_default(tmp_path / "default-0.5.0", **UPSTREAM)
    env = {**migrated_env, "PORTAL_THEMING_PATH": str(themes)}

    def upgrade(*args: str) -> subprocess.CompletedProcess[str]:
        return servers.run(["theme", "upgrade", *args, "--default", str(folder)], env, tmp_path)

    dry = upgrade("acme", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert (report["ok"], report["saved"], report["dry_run"]) == (True, False, True)
    assert report["target"] == {"name": "acme-0.5.0", "version": "1.0.1", "upgraded_from": "acme"}
    assert report["keep"]["theme"] == "acme" and "Keep the theme acme" in report["keep"]["note"]
    assert {f["path"]: f["status"] for f in report["files"]}["mailers/welcome.txt"] == "added"
    text = upgrade("acme", "--dry-run")
    assert text.returncode == 0 and "dry run: acme-0.5.0 1.0.1 would be saved" in text.stdout
    assert "Keep the theme acme: it is the one to go back to if Forecourt is downgraded below 0.5.0" in text.stdout
    assert "merged                 views/home.html" in text.stdout

    saved = upgrade("acme")
    assert saved.returncode == 0, saved.stderr
    assert "saved as acme-0.5.0 1.0.1: not active" in saved.stdout
    assert "Keep the theme acme" in saved.stdout and "--activate-theme acme" in saved.stdout
    validated = servers.run(["theme", "validate", "acme-0.5.0"], env, tmp_path)
    assert validated.returncode == 0 and "every template renders" in validated.stdout

    clash = upgrade("clash")
    assert clash.returncode == 1
    assert "<<<<<<< custom\n  <h1>Clash</h1>\n||||||| base 0.4.0\n" in clash.stderr
    assert "nothing saved" in clash.stderr
    clash_json = json.loads(upgrade("clash", "--json").stdout)
    assert clash_json["ok"] is False and clash_json["conflicts"] == 1
    assert clash_json["files"][[f["path"] for f in clash_json["files"]].index("views/home.html")]["content"]

    for args, message in [(("nope",), "there is no theme called 'nope'"), (("default",), "not upgraded"),
                          (("acme",), "'acme-0.5.0' already exists"), (("acme-0.5.0",), "already based on")]:
        result = upgrade(*args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
    assert json.loads(upgrade("nope", "--json").stdout)["error"] == "there is no theme called 'nope'"
    bundled = servers.run(["theme", "upgrade", "clash", "--dry-run", "--json"], env, tmp_path)  # no --default
    version = storage.bundled().manifest.version
    if version == "0.4.0":  # the bundled default is still 0.4.0's version: nothing to merge
        assert bundled.returncode == 2 and "already based on the default theme 0.4.0" in bundled.stdout
    else:
        assert json.loads(bundled.stdout)["default"] == version


# The Admin Portal


@pytest.fixture
def installed_050(tmp_path, monkeypatch):
    """Forecourt with the 0.5.0 default above installed (its bundled default, as the next release ships it)."""
    folder = new_default(tmp_path / "default-0.5.0", **UPSTREAM)
    monkeypatch.setattr(storage, "_bundled", DirectorySource(folder, "bundled", revision="0.5.0-test"))
    return folder


@pytest.fixture
def provider_admin(db):
    return User.objects.create_user("pa@example.com", "a-long-passphrase", role=Role.PROVIDER_ADMIN)


def test_admin_preview_and_apply_a_clean_upgrade(client, admin, installed_050):
    store(custom_files(views__home_DOT_html=(HOME_P, "  <p>Acme</p>\n")))
    client.force_login(admin)
    listing = client.get("/portal-admin/themes/").content.decode()
    assert 'href="/portal-admin/themes/acme/upgrade/"' in listing and "Upgrade available" in listing
    page = client.get("/portal-admin/themes/acme/upgrade/")
    body = page.content.decode()
    assert page.status_code == 200 and 'id="upgrade-clean"' in body
    assert "mailers/welcome.txt" in body and "Added" in body and "Taken from the default" in body
    assert "“acme-0.5.0” 1.0.1" in body and 'name="csrfmiddlewaretoken"' in body
    fingerprint = page.context["upgrade"].fingerprint
    unconfirmed = client.post("/portal-admin/themes/acme/upgrade/", {"fingerprint": fingerprint})
    assert unconfirmed.status_code == 409 and not Theme.objects.filter(name="acme-0.5.0").exists()
    stale = client.post("/portal-admin/themes/acme/upgrade/", {"fingerprint": "0" * 64, "confirm": "yes"})
    assert stale.status_code == 409 and "changed since this preview" in stale.content.decode()
    done = client.post("/portal-admin/themes/acme/upgrade/", {"fingerprint": fingerprint, "confirm": "yes"},
                       follow=True)
    assert "Theme “acme-0.5.0” 1.0.1 saved" in done.content.decode()
    assert "Keep the theme acme: it is the one to go back to" in done.content.decode()
    assert Theme.objects.get(name="acme-0.5.0").base == "0.5.0"
    assert ThemeState.objects.filter(active="acme-0.5.0").count() == 0
    listing = client.get("/portal-admin/themes/").content.decode()
    assert 'href="/portal-admin/themes/acme-0.5.0/upgrade/"' not in listing

    activated = client.post("/portal-admin/themes/acme-0.5.0/activate/", follow=True).content.decode()
    assert "“acme-0.5.0” is now the Live Portal" in activated
    assert "Keep the theme acme: it is the one to go back to if Forecourt is downgraded below 0.5.0" in activated
    assert Theme.objects.filter(name="acme").exists()
    warned = client.get("/portal-admin/themes/acme/delete/").content.decode()
    assert "“acme-0.5.0” was upgraded from this theme" in warned and "downgraded below 0.5.0" in warned
    assert "upgraded from this theme" not in client.get("/portal-admin/themes/acme-0.5.0/delete/").content.decode()
    client.post("/portal-admin/themes/acme/delete/")
    client.post("/portal-admin/themes/default/activate/")
    again = client.post("/portal-admin/themes/acme-0.5.0/activate/", follow=True).content.decode()
    assert "was upgraded from the theme acme, which is no longer here" in again


def test_admin_conflicts_are_shown_and_nothing_can_be_applied(client, admin, installed_050):
    store(custom_files(views__home_DOT_html=(HOME_H1, "  <h1>Acme</h1>\n")))
    client.force_login(admin)
    page = client.get("/portal-admin/themes/acme/upgrade/")
    body = page.content.decode()
    assert 'id="upgrade-conflicts"' in body and "&lt;&lt;&lt;&lt;&lt;&lt;&lt; custom" in body
    assert "&gt;&gt;&gt;&gt;&gt;&gt;&gt; default 0.5.0" in body and 'name="fingerprint"' not in body
    refused = client.post("/portal-admin/themes/acme/upgrade/",
                          {"fingerprint": page.context["upgrade"].fingerprint, "confirm": "yes"})
    assert refused.status_code == 409 and list(Theme.objects.values_list("name", flat=True)) == ["acme"]


def test_admin_upgrade_refusals_and_who_may_do_what(client, admin, consumer, provider_admin, installed_050):
    store(custom_files())
    client.force_login(admin)
    assert client.get("/portal-admin/themes/nope/upgrade/").status_code == 404
    assert "the default theme is not upgraded" in client.get("/portal-admin/themes/default/upgrade/").content.decode()
    client.force_login(provider_admin)
    page = client.get("/portal-admin/themes/acme/upgrade/")
    assert page.status_code == 200 and "Only super-admins may save" in page.content.decode()
    assert client.post("/portal-admin/themes/acme/upgrade/",
                       {"fingerprint": page.context["upgrade"].fingerprint, "confirm": "yes"}).status_code == 403
    client.force_login(consumer)
    assert client.get("/portal-admin/themes/acme/upgrade/").status_code == 404
    assert client.post("/portal-admin/themes/acme/upgrade/", {"confirm": "yes"}).status_code == 404
    assert not Theme.objects.filter(name="acme-0.5.0").exists()


def test_no_upgrade_badge_for_a_theme_on_the_current_default(client, admin):
    store(custom_files(base=storage.bundled().manifest.version))
    client.force_login(admin)
    assert "Upgrade available" not in client.get("/portal-admin/themes/").content.decode()


def test_snapshots_are_archives_holding_no_python():
    """One archive per release, no unpacked copy in the source tree, and nothing in it is code."""
    assert not [p for p in history.ROOT.iterdir() if p.is_dir() and p.name != "__pycache__"]
    for version in history.versions():
        assert not any(name.endswith(".py") for name in history.read(history.archive_path(version))), version
