"""The whole upgrade life-cycle, rehearsed as an operator would live it, with the real previous release.

The previous release is built from its commit (`git archive`) and installed in a virtual
environment of its own; it creates a portal and fills it through its Admin API. Then, as the
upgrade guide says: back up (with this version's `forecourt backup`: the old one has none), check
with this version's `forecourt upgrade-check`, start this version (it migrates), `forecourt verify`,
use it, `forecourt downgrade --to` the previous release, start the previous release again, and find
every piece of data, from before and after the upgrade, through its Admin API.

It runs in the SQLite test run only (skipped in the others), on an SQLite database and on a
PostgreSQL one when the PostgreSQL server of the test runs is reachable. What a developer's machine
may lack (the git history, a release commit in a shallow clone, that PostgreSQL server) skips it
there, and fails it where CI runs (FORECOURT_REQUIRE_REHEARSAL=1, set by .ci/run: a full clone,
every service): tests/support/skip_policy.environment_skip. The old release shares
this environment's installed dependencies (a .pth file), so only the old package itself is built
and installed, once per run (shared with tests/test_rolling_upgrade.py): seconds, not minutes.
"""

import fcntl
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from packaging.version import Version

import forecourt
from forecourt.lifecycle import releases

from .conftest import PASSWORD
from .support import databases, servers
from .support.skip_policy import environment_skip

pytestmark = pytest.mark.server

REPO = Path(__file__).resolve().parents[1]


def previous_release() -> releases.Release:
    """The newest release before this version: the one an upgrade to this version comes from."""
    candidates = [r for r in releases.all_releases() if r.key < Version(forecourt.__version__)]
    if not candidates:
        environment_skip("no release before this version in the manifest")
    return candidates[-1]


def for_old(env: Mapping[str, str]) -> dict[str, str]:
    """`env` for the old release's python: without PYTHONPATH, which (set by a developer running the
    tests from a checkout) would put this checkout's code before the old release's own."""
    return {k: v for k, v in env.items() if k != "PYTHONPATH"}


def install_release(release: releases.Release, root: Path) -> Path:
    """Build and install `release` from its commit in a venv of its own; return that venv's python."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        environment_skip("the rehearsal needs the git checkout of the project")
    from .support.migration_git import release_commit

    source = root / f"forecourt-{release.version}"
    source.mkdir(parents=True)
    commit = release_commit(release)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", commit], capture_output=True, check=False)
    if archive.returncode != 0:
        environment_skip(f"release commit {commit[:10]} is not in this clone: {archive.stderr.decode()[:200]}")
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, env=for_old(os.environ), check=True).stdout.strip()
    # The dependencies: this environment's (the .pth adds its site-packages, after the venv's own).
    Path(site, "zz-forecourt-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", site,
                           str(source)], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    # What the old release needs and this environment no longer has (0.5.0 needed merge3, which this
    # version dropped) goes into the old venv itself, as its own installer would have put it.
    missing = subprocess.run([str(python), "-c", MISSING_REQUIREMENTS], capture_output=True, text=True,
                             cwd=root, env=for_old(os.environ), check=True).stdout.split()
    if missing:
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", site, *missing],
                              capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    version = subprocess.run([str(python), "-m", "forecourt", "version"], capture_output=True, text=True,
                             cwd=root, env=for_old(os.environ), check=True).stdout.strip()
    assert version == release.version
    return python


# Run by the old release's python: its core requirements that the environment does not satisfy.
MISSING_REQUIREMENTS = """
import importlib.metadata as m
from packaging.requirements import Requirement
for line in m.requires("forecourt") or []:
    req = Requirement(line)
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        continue
    try:
        ok = req.specifier.contains(m.version(req.name), prereleases=True)
    except m.PackageNotFoundError:
        ok = False
    if not ok:
        print(req.name + str(req.specifier))
"""


def old_command(python: Path, args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-m", "forecourt", *args], env=for_old(env), cwd=cwd, capture_output=True,
                          text=True, timeout=180, check=False)


def start_old(python: Path, env: dict[str, str], cwd: Path) -> servers.Server:
    port = servers.free_port()
    env = {**for_old(env), "PORTAL_HOSTPORT": str(port), "PORTAL_LISTENADDRESS": "127.0.0.1"}
    log_path = cwd / f"old-serve-{port}.log"
    handle = log_path.open("w")
    proc = subprocess.Popen([str(python), "-m", "forecourt", "serve", "--workers", "1", "--no-jobs"], env=env,
                            cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    return servers.Server(proc, port, log_path, handle)


class AdminApi:
    def __init__(self, server: servers.Server, token: str) -> None:
        self.server = server
        self.token = token

    def __call__(self, method: str, path: str, body: object = None, status: tuple[int, ...] = (200, 201)) -> object:
        response = httpx.request(method, f"{self.server.url}/portal-api{path}", json=body, timeout=servers.HTTP_TIMEOUT,
                                 headers={"Authorization": self.token})
        assert response.status_code in status, (method, path, response.status_code, response.text[:500])
        return response.json() if response.content else None

    def names(self, path: str, key: str = "Name") -> set[str]:
        found: set[str] = set()
        for page in range(1, 100):
            rows = self("GET", f"{path}?page={page}&per_page=100")
            assert isinstance(rows, list)
            found |= {row[key] for row in rows}
            if len(rows) < 100:
                break
        return found


def fill(api: AdminApi, tag: str) -> dict[str, set[str]]:
    """Organisations with a team, a consumer, a public catalogue and a page, all named after `tag`."""
    org = api("POST", "/organisations", {"Name": f"{tag} Corp"})
    api("POST", f"/organisations/{org['ID']}/teams", {"Name": f"{tag} Team"})
    api("POST", "/users", {"Email": f"{tag.lower()}@example.com", "First": tag, "Last": "Developer",
                           "Role": "consumer-admin", "Active": True, "OrganisationID": org["ID"]})
    product = api("POST", "/products", {"Name": f"{tag.lower()}-product", "DisplayName": f"{tag} Product",
                                        "Published": True})
    api("POST", "/catalogues", {"Name": f"{tag} Catalogue", "VisibilityStatus": "Public", "Products": [product["ID"]]})
    api("POST", "/pages", {"Title": f"{tag} page", "Path": f"/{tag.lower()}-page", "Template": "page"})
    return {"organisations": {f"{tag} Corp"}, "catalogues": {f"{tag} Catalogue"}, "products": {f"{tag} Product"},
            "users": {f"{tag.lower()}@example.com"}, "pages": {f"{tag} page"}, "teams": {f"{tag} Team"}}


def everything(api: AdminApi) -> dict[str, set[str]]:
    teams: set[str] = set()
    for org in api("GET", "/organisations?per_page=100"):  # type: ignore[union-attr]
        teams |= {t["Name"] for t in api("GET", f"/organisations/{org['ID']}/teams")}  # type: ignore[union-attr]
    return {"organisations": api.names("/organisations"), "catalogues": api.names("/catalogues"),
            "products": api.names("/products", "DisplayName"),
            "users": api.names("/users", "Email"), "pages": api.names("/pages", "Title"), "teams": teams}


def shared_install(release: releases.Release, tmp_path_factory: pytest.TempPathFactory,
                   worker_id: str) -> Path:
    """`install_release`, once per test run: the first module (of any xdist worker) to ask builds it
    under a lock, in a folder of the run's temporary directory named after the release's commit; the
    others use it. The rehearsals only run the old release (each against a database and data folder
    of its own), so one installation serves them all, and the run builds it once instead of once per
    module (a venv and a pip build of the old tree each time)."""
    from .support.migration_git import release_commit

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if worker_id != "master" else base  # one directory for all xdist workers
    if shutil.which("git") is None or not (REPO / ".git").exists():
        environment_skip("the rehearsal needs the git checkout of the project")
    root = shared / f"forecourt-release-{release_commit(release)[:12]}"
    with (shared / f"{root.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            python = root / "venv" / "bin" / "python"
            if not (root / "done").exists():
                shutil.rmtree(root, ignore_errors=True)  # what a failed attempt left
                python = install_release(release, root)
                (root / "done").touch()
            return python
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def old_release(tmp_path_factory, worker_id):
    """(release, python): the previous release, installed once per run (shared_install)."""
    if databases.dialect() != "sqlite3":
        pytest.skip("the rehearsal runs in the SQLite run")
    release = previous_release()
    return release, shared_install(release, tmp_path_factory, worker_id)


PG_SERVER = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


@contextmanager
def rehearsal_database(engine: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The PORTAL_* variables of an empty database: an SQLite file, or a PostgreSQL database on
    the server the PostgreSQL test run uses (skipped when it is not running, but in CI)."""
    if engine == "sqlite3":
        yield {"PORTAL_DATABASE_DIALECT": "sqlite3", "PORTAL_DATABASE_CONNECTIONSTRING": str(tmp_path / "portal.db")}
        return
    import psycopg

    name = "fc_rehearsal_" + uuid.uuid4().hex[:10]
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=3, **PG_SERVER) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        environment_skip(f"PostgreSQL is not reachable: {exc}")
    try:
        yield {"PORTAL_DATABASE_DIALECT": "postgres",
               "PORTAL_DATABASE_CONNECTIONSTRING": f"postgres://postgres@127.0.0.1:5432/{name}"}
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **PG_SERVER) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("engine", ["sqlite3", "postgres"])
def test_upgrade_verify_use_downgrade_and_the_previous_release_finds_everything(old_release, engine, tmp_path):
    release, old_python = old_release
    with rehearsal_database(engine, tmp_path) as db_env:
        env = servers.child_env(db_env, tmp_path, PORTAL_PUBLIC_URL="https://portal.example.com")
        rehearse(release, old_python, env, tmp_path)


def rehearse(release: releases.Release, old_python: Path, env: dict[str, str], tmp_path: Path) -> None:

    # The previous release, as it was installed and used.
    assert old_command(old_python, ["migrate"], env, tmp_path).returncode == 0
    boot = old_command(old_python, ["bootstrap", "--email", "admin@example.com", "--password", PASSWORD], env,
                       tmp_path)
    assert boot.returncode == 0, boot.stderr
    token = boot.stdout.rsplit("Admin API token (shown once): ", 1)[1].split()[0]
    old = start_old(old_python, env, tmp_path)
    try:
        old.wait_for("/ready", 200)
        assert old.get("/portal-api/version", headers={"Authorization": token}).json()["version"] == release.version
        before = fill(AdminApi(old, token), "Before")
    finally:
        assert old.stop() == 0

    # Before the switch: back up (this version's command: the old one has none), then check.
    backup = servers.run(["backup", "--json"], env, tmp_path)
    assert backup.returncode == 0, backup.stderr
    check = servers.run(["upgrade-check", "--json", "--no-provider-calls"], env, tmp_path)
    report = json.loads(check.stdout)
    assert check.returncode == 0, report["findings"]
    assert report["database_version"] == release.version
    assert report["newest_backup"] is not None
    # The backup of the previous release's data is named by that data, not by this version that wrote it:
    # by the oldest release with that schema (one without migrations shares its predecessor's,
    # forecourt.lifecycle.dataversion), as 0.12.0's data is 0.11.0's.
    data = next(r for r in releases.all_releases() if r.migrations == release.migrations).version
    made = json.loads(backup.stdout)
    assert made["data_version"] == report["newest_backup"]["data_version"] == data
    assert Path(made["path"]).name.startswith(f"forecourt-data-{data}-")
    assert any(f"backup of {data} data, written by {forecourt.__version__}" in f["message"]
               for f in report["findings"] if f["check"] == "backup"), report["findings"]

    # This version: it migrates at start; verify; use it.
    new = servers.start(env, tmp_path)
    try:
        new.wait_for("/ready", 200)
        verified = servers.run(["verify", "--json", "--url", new.url], env, tmp_path)
        result = json.loads(verified.stdout)
        assert verified.returncode == 0, result
        checks = {c["name"]: c for c in result["checks"]}
        assert checks["admin-sign-in"]["status"] == "PASS"
        assert checks["catalogue"]["data"] == {"products": ["Before Product"]}
        api = AdminApi(new, token)
        assert api("GET", "/version")["version"] == forecourt.__version__  # type: ignore[index]
        after = fill(api, "After")
        assert all(before[k] | after[k] <= v for k, v in everything(api).items())
    finally:
        assert new.stop() == 0

    # Back to the previous release: schema first, then its binary.
    down = servers.run(["downgrade", "--to", release.version, "--yes"], env, tmp_path)
    assert down.returncode == 0, down.stdout + down.stderr
    again = start_old(old_python, env, tmp_path)
    try:
        again.wait_for("/ready", 200)
        found = everything(AdminApi(again, token))
    finally:
        assert again.stop() == 0
    for kind, names in found.items():
        assert before[kind] <= names, kind
        assert after[kind] <= names, kind
    assert "applied migration" not in again.log()  # the schema was the previous release's already
