"""The artefacts of `make dist`, built and installed as an operator would: the wheel in a fresh virtual
environment, the .deb with dpkg (then upgraded by a newer .deb), the .rpm inspected with rpm.

Slow (a build, two installs, several servers), so they run once: in the SQLite run of the suite, with
the artefacts built once per run (the first xdist worker builds them under a lock, the others reuse
them). The deb test installs into the real system (/opt/forecourt, /var/lib/forecourt, the user
forecourt) and so needs root and dpkg; it purges everything it installed at the end.
"""

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import forecourt

from .support import databases, servers

ROOT = Path(__file__).resolve().parent.parent
VERSION = forecourt.__version__
NEWER = VERSION + ".1"  # the deb/rpm version of the rehearsed upgrade (same code, newer package)

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(databases.dialect() != "sqlite3",
                       reason="packaging is tested once, in the SQLite run (it does not depend on the database)"),
]


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """dist/ of `scripts/dist` (sdist, wheel, deb, rpm) plus the deb and rpm of version NEWER."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if worker_id != "master" else base  # one directory for all xdist workers
    out = shared / "forecourt-dist"
    env = {**os.environ, "DIST_STAGE": str(shared / "forecourt-stage")}
    with _locked(shared / "forecourt-dist.lock"):
        if not (out / "done").exists():
            _run([str(ROOT / "scripts/dist"), "--out", str(out), "sdist-wheel", "deb", "rpm"], env=env, cwd=ROOT)
            _run([str(ROOT / "scripts/dist"), "--out", str(out), "--version", NEWER, "deb", "rpm"], env=env, cwd=ROOT)
            (out / "done").touch()
    return out


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any PORTAL_* setting (the run's own database must not leak in)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PORTAL_", "TYK_PORTAL_", "VIRTUAL_ENV", "PYTHON", "COV_", "COVERAGE"))}
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str], cwd: Path, log_dir: Path) -> servers.Server:
    port = servers.free_port()
    env = {**env, "PORTAL_HOSTPORT": str(port), "PORTAL_LISTENADDRESS": "127.0.0.1", "PORTAL_WORKERS": "1"}
    log_path = log_dir / f"serve-{port}.log"
    handle = log_path.open("w")
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    return servers.Server(proc, port, log_path, handle)


# --- sdist and wheel ---------------------------------------------------------------------------------

def test_wheel_ships_what_serve_and_the_lifecycle_commands_read(dist):
    with zipfile.ZipFile(dist / f"forecourt-{VERSION}-py3-none-any.whl") as wheel:
        names = set(wheel.namelist())
        shipped_changelog = wheel.read("forecourt/lifecycle/CHANGELOG.md").decode()
    assert shipped_changelog == (ROOT / "CHANGELOG.md").read_text()
    for required in ("forecourt/lifecycle/releases.json", "forecourt/themes/default/theme.json",
                     "forecourt/adminportal/static/adminportal/admin.css"):
        assert required in names
    # Every file of the default theme, its snapshots and the apps' templates and static files, and every
    # message catalogue (each language's .po and the .mo Django reads).
    package = ROOT / "src" / "forecourt"
    wanted = {f"forecourt/{p.relative_to(package)}" for p in package.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts
              and ({"templates", "static"} & set(p.relative_to(package).parts)
                   or p.relative_to(package).parts[:2] in {("themes", "default"), ("themes", "history")}
                   or (p.relative_to(package).parts[0] == "locale" and p.suffix in {".po", ".mo"}))}
    assert {n for n in wanted if n.endswith("/LC_MESSAGES/django.mo")} >= {
        f"forecourt/locale/{language}/LC_MESSAGES/django.mo" for language in ("de", "es", "fr", "ja")}
    assert wanted - names == set()


def test_sdist_builds_the_wheel_with_the_changelog(dist):
    with tarfile.open(dist / f"forecourt-{VERSION}.tar.gz") as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {"CHANGELOG.md", "setup.py", "MANIFEST.in", "pyproject.toml", "src/forecourt/lifecycle/releases.json",
            "src/forecourt/themes/default/theme.json"} <= names
    assert not any(n.startswith("tests/") for n in names)


def test_wheel_in_a_fresh_venv_serves_and_knows_its_releases(dist, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    _run([sys.executable, "-m", "pip", "--python", str(venv / "bin/python"), "install", "--quiet",
          "--disable-pip-version-check", str(dist / f"forecourt-{VERSION}-py3-none-any.whl")])
    away = tmp_path / "elsewhere"  # not the checkout: nothing may come from the source tree
    away.mkdir()
    env = clean_env(PORTAL_DATADIR=str(tmp_path / "data"), PORTAL_LOG_LEVEL="info")
    assert _run([str(venv / "bin/forecourt"), "version"], env=env, cwd=away).stdout.strip() == VERSION

    probe = ("import json, forecourt; from forecourt.lifecycle import releases; from forecourt.themes import history; "
             "print(json.dumps({'file': forecourt.__file__, 'changelog': str(releases.changelog_path()), "
             "'breaking': releases.breaking_changes('0.1.0', '0.4.0'), "
             "'snapshots': {v: sorted(history.read(history.archive_path(v))) for v in history.versions()}}))")
    found = json.loads(_run([str(venv / "bin/python"), "-c", probe], env=env, cwd=away).stdout)
    assert found["file"].startswith(str(venv))
    assert found["changelog"] == str(Path(found["file"]).parent / "lifecycle" / "CHANGELOG.md")
    assert set(found["breaking"]) == {"0.2.0", "0.3.0", "0.4.0"}
    assert "no longer answers 409" in found["breaking"]["0.4.0"]
    # The default theme's snapshots (theme upgrade's merge bases), read from the installed archives.
    from forecourt.themes import history

    assert found["snapshots"] == {v: sorted(history.read(history.archive_path(v))) for v in history.versions()}
    assert next(iter(found["snapshots"])) == history.FIRST  # oldest first

    server = start([str(venv / "bin/forecourt"), "serve"], env, away, tmp_path)
    try:
        assert server.wait_for("/ready", 200, timeout=90).json()["version"] == VERSION
        assert server.get("/live").status_code == 200
        assert server.get("/static/adminportal/admin.css").status_code == 200  # packaged static files
        assert server.get("/portal-admin/sign-in/").status_code == 200  # packaged templates
        assert server.get("/").status_code == 200  # the Live Portal on the packaged default theme
    finally:
        assert server.stop() == 0, server.log()
    assert "the Live Portal uses the theme default" in server.log()


# --- rpm ------------------------------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("rpm") is None, reason="needs rpm (scripts/system-deps installs it)")
def test_rpm_holds_the_venv_the_unit_and_a_kept_config(dist, tmp_path):
    rpm = next(dist.glob(f"forecourt-{VERSION}-1.*.rpm"))
    files = set(_run(["rpm", "-qpl", str(rpm)]).stdout.split())
    assert {"/opt/forecourt/portal.conf", "/opt/forecourt/venv/bin/forecourt", "/opt/forecourt/venv/bin/python",
            "/usr/lib/systemd/system/forecourt.service", "/usr/bin/forecourt", "/var/lib/forecourt"} <= files
    assert any(f.endswith("/site-packages/forecourt/lifecycle/CHANGELOG.md") for f in files)
    assert any(f.endswith("/site-packages/psycopg/__init__.py") for f in files)
    assert any("/site-packages/MySQLdb/" in f for f in files)
    assert _run(["rpm", "-qpc", str(rpm)]).stdout.split() == ["/opt/forecourt/portal.conf"]
    flags = _run(["rpm", "-qp", "--qf", "[%{FILENAMES} %{FILEFLAGS:fflags}\n]", str(rpm)]).stdout
    assert "/opt/forecourt/portal.conf cn" in flags.splitlines()  # %config(noreplace)
    scripts = _run(["rpm", "-qp", "--scripts", str(rpm)]).stdout
    assert "useradd --system" in scripts and "systemctl" in scripts
    assert "/usr/bin/python3.11" in _run(["rpm", "-qpR", str(rpm)]).stdout.split()

    # rpm -Uvh in a scratch root (no scripts: there is no user to create): an edited config survives.
    root = tmp_path / "root"
    _run(["rpm", "--root", str(root), "--initdb"])
    quiet = ["--nodeps", "--noscripts", "--quiet"]
    _run(["rpm", "--root", str(root), "-i", *quiet, str(rpm)])
    conf = root / "opt/forecourt/portal.conf"
    edited = {**json.loads(conf.read_text()), "RefreshInterval": 7}
    conf.write_text(json.dumps(edited))
    newer = next(dist.glob(f"forecourt-{NEWER}-1.*.rpm"))
    _run(["rpm", "--root", str(root), "-Uvh", *quiet, str(newer)])
    assert _run(["rpm", "--root", str(root), "-q", "forecourt"]).stdout.startswith(f"forecourt-{NEWER}-1")
    assert json.loads(conf.read_text()) == edited
    assert (root / "opt/forecourt/venv/bin/forecourt").exists()


# --- deb ------------------------------------------------------------------------------------------------

TEST_MARK = Path("/var/lib/forecourt/.installed-by-forecourt-tests")


def _installed() -> bool:
    return subprocess.run(["dpkg", "-s", "forecourt"], capture_output=True, check=False).returncode == 0


def _purge() -> None:
    subprocess.run(["dpkg", "--purge", "forecourt"], capture_output=True, check=False)
    shutil.rmtree("/var/lib/forecourt", ignore_errors=True)
    subprocess.run(["userdel", "forecourt"], capture_output=True, check=False)
    subprocess.run(["groupdel", "forecourt"], capture_output=True, check=False)


@pytest.fixture
def system_install() -> Iterator[None]:
    """The system as dpkg leaves it, owned by this test: an earlier test run's leftovers are purged;
    a real installation (not marked as the tests') makes the test skip rather than touch it."""
    if os.geteuid() != 0 or shutil.which("dpkg") is None:
        pytest.skip("installs a .deb: needs root and dpkg")
    with _locked(Path(tempfile.gettempdir()) / "forecourt-deb-test.lock"):  # one system, one test at a time
        if _installed() or Path("/var/lib/forecourt").exists():
            if not TEST_MARK.exists():
                pytest.skip("Forecourt is installed on this machine; the test would replace it")
            _purge()
        try:
            yield
        finally:
            _purge()


def test_deb_installs_serves_and_upgrades_keeping_config_and_data(dist, system_install, tmp_path):
    _run(["dpkg", "-i", str(dist / f"forecourt_{VERSION}-1_{_deb_arch()}.deb")])
    TEST_MARK.touch()
    assert "/opt/forecourt/portal.conf" in _run(["dpkg-query", "--showformat=${Conffiles}", "-W", "forecourt"]).stdout
    conf = Path("/opt/forecourt/portal.conf")
    assert _run(["stat", "-c", "%a %U %G", str(conf)]).stdout.split() == ["640", "root", "forecourt"]
    assert _run(["stat", "-c", "%U", "/var/lib/forecourt"]).stdout.strip() == "forecourt"
    # Self-contained: both database drivers import from the packaged environment.
    _run(["/opt/forecourt/venv/bin/python", "-c", "import psycopg, MySQLdb, forecourt"], cwd="/")

    # The unit passes systemd's own checks (which do fail on a unit whose program is missing).
    unit = "/usr/lib/systemd/system/forecourt.service"
    _run(["systemd-analyze", "verify", unit])
    broken = tmp_path / "forecourt-broken.service"
    broken.write_text(Path(unit).read_text().replace("/opt/forecourt/venv/bin/forecourt", "/opt/forecourt/nothing"))
    assert subprocess.run(["systemd-analyze", "verify", str(broken)], capture_output=True,
                          check=False).returncode != 0

    # An operator's edit of the packaged config, then the service's command as systemd runs it.
    edited = {**json.loads(conf.read_text()), "RefreshInterval": 7, "PublicURL": "https://portal.example.com"}
    conf.write_text(json.dumps(edited, indent=2))
    env = clean_env()
    first = start(["/usr/bin/forecourt", "serve"], env, Path("/"), tmp_path)
    try:
        assert first.wait_for("/ready", 200, timeout=90).json()["version"] == VERSION
        created = _run(["/usr/bin/forecourt", "bootstrap", "--email", "admin@example.com", "--password",
                        "correct-horse-battery-staple"], env=env, cwd="/")
        assert "Created the super-admin admin@example.com" in created.stdout
        # docs/upgrade.md, deb: back up, then the new package's upgrade-check (unpacked, not installed)
        # with the installed configuration, as the forecourt user, while the old version serves.
        backup = json.loads(_run(["/usr/bin/forecourt", "backup", "--json"], env=env, cwd="/").stdout)
        assert backup["path"].startswith("/var/lib/forecourt/backups/")
        unpacked = Path(tempfile.mkdtemp(prefix="forecourt-new-"))  # outside pytest's 0700 tree: forecourt reads it
        try:
            unpacked.chmod(0o755)
            _run(["dpkg-deb", "-x", str(dist / f"forecourt_{NEWER}-1_{_deb_arch()}.deb"), str(unpacked)])
            check = _run(["setpriv", "--reuid=forecourt", "--regid=forecourt", "--init-groups",
                          str(unpacked / "opt/forecourt/venv/bin/python"), "-m", "forecourt", "upgrade-check",
                          "--no-provider-calls", "--json"], env={**env, "PORTAL_CONFIG": str(conf)}, cwd="/")
        finally:
            shutil.rmtree(unpacked)
        assert json.loads(check.stdout)["newest_backup"]["path"] == backup["path"]
    finally:
        assert first.stop() == 0, first.log()
    database = Path("/var/lib/forecourt/portal.db")
    assert _run(["stat", "-c", "%U", str(database)]).stdout.strip() == "forecourt"  # the wrapper ran as forecourt

    # Upgrade with dpkg -i: config and data stay.
    _run(["dpkg", "-i", str(dist / f"forecourt_{NEWER}-1_{_deb_arch()}.deb")])
    assert _run(["dpkg-query", "--showformat=${Version}", "-W", "forecourt"]).stdout == f"{NEWER}-1"
    assert json.loads(conf.read_text()) == edited
    shown = json.loads(_run(["/usr/bin/forecourt", "config", "show", "--json"], env=env, cwd="/").stdout)
    refresh = next(s for s in shown["settings"] if s["key"] == "RefreshInterval")
    assert (refresh["value"], refresh["source"]) == (7, f"portal.conf {conf}")
    again = _run(["/usr/bin/forecourt", "bootstrap", "--email", "other@example.com"], env=env, cwd="/")
    assert "already bootstrapped" in again.stdout
    second = start(["/usr/bin/forecourt", "serve"], env, Path("/"), tmp_path)
    try:
        second.wait_for("/ready", 200, timeout=90)
        # ... and verify, as docs/upgrade.md says, passes on the upgraded portal.
        verified = subprocess.run(["/usr/bin/forecourt", "verify", "--url", second.url], env=env, cwd="/",
                                  capture_output=True, text=True, check=False)
        assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        assert second.stop() == 0, second.log()

    # Purge removes the package's files, config included.
    _run(["dpkg", "--purge", "forecourt"])
    assert not Path("/opt/forecourt/venv").exists()
    assert not conf.exists()
    assert not Path("/usr/lib/systemd/system/forecourt.service").exists()


def _deb_arch() -> str:
    return _run(["dpkg", "--print-architecture"]).stdout.strip()
