"""`forecourt serve` as operators run it: real processes, a real database of the engine under test."""

import re
import time
from collections import Counter

import httpx
import pytest

import forecourt

from .support import databases, servers

pytestmark = pytest.mark.server

LOG_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b")


def applied_migrations(env):
    return [f"{app}.{name}" for app, name in databases.execute(env, "SELECT app, name FROM django_migrations")]


def test_serve_migrates_becomes_ready_and_logs_cleanly(child_env, start_server):
    # Configured as in production: with PublicURL set there is nothing to warn about.
    server = start_server({**child_env, "PORTAL_PUBLIC_URL": "https://portal.example.com"})
    assert server.wait_for("/live", 200).json() == {"status": "ok"}
    ready = server.wait_for("/ready", 200).json()
    assert ready == {"status": "ok", "version": forecourt.__version__,
                     "checks": {"database": "ok", "migrations": "ok", "startup": "ok"}}
    assert server.get("/portal-admin/sign-in/").status_code == 200
    deadline = time.monotonic() + 30
    while "job worker started" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.1)  # it starts once a web worker has loaded (supervisor.py)
    assert server.stop() == 0

    log = server.log()
    assert f"starting Forecourt {forecourt.__version__}" in log
    assert f"dialect={child_env['PORTAL_DATABASE_DIALECT']}" in log
    assert "applied migration accounts.0001_initial" in log
    assert "the Live Portal uses the theme default" in log
    assert "job worker started" in log
    assert not LOG_PROBLEM.search(log), log
    # The database remembers which version migrated it.
    rows = databases.execute(child_env, "SELECT version FROM ops_schemaversion")
    assert rows == [(forecourt.__version__,)]


def test_second_start_has_nothing_to_migrate(migrated_env, start_server, tmp_path):
    server = start_server(migrated_env)
    server.wait_for("/ready", 200)
    server.stop()
    assert "database schema is up to date" in server.log()
    assert "applied migration" not in server.log()
    # Without PublicURL, links in e-mails follow the Host header: said once, at start.
    assert len(re.findall(r"WARNING .*PublicURL \(PORTAL_PUBLIC_URL\) is not set", server.log())) == 1
    assert len(databases.execute(migrated_env, "SELECT id FROM ops_schemaversion")) == 1


def test_ready_is_503_until_migrations_are_applied(child_env, start_server):
    with databases.hold_migration_lock(child_env):
        server = start_server(child_env)
        server.wait_for("/live", 200)
        time.sleep(1.0)  # the server is up and waiting for the lock
        ready = server.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["status"] == "error"
        assert ready.json()["checks"]["database"] == "ok"
        assert ready.json()["checks"]["migrations"].startswith("pending")
        page = server.get("/portal-admin/sign-in/")
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "5"
        assert "waiting for the migration lock" in server.log()
    server.wait_for("/ready", 200)
    assert server.get("/portal-admin/sign-in/").status_code == 200


def test_four_processes_starting_together_migrate_once_and_all_become_ready(child_env, start_server):
    # Hold the lock while they start so that all four really contend for it.
    with databases.hold_migration_lock(child_env):
        group = [start_server(child_env, "--no-jobs") for _ in range(4)]
        for server in group:
            server.wait_for("/live", 200)
    # One of them migrates the whole schema from nothing: on MariaDB, beside the other xdist worker, that
    # has taken over 90 s. The test is about migrating once, not how fast.
    for server in group:
        server.wait_for("/ready", 200, timeout=300)
    for server in group:
        assert server.stop() == 0

    applied_lines = Counter()
    for server in group:
        applied_lines.update(re.findall(r"applied migration (\S+)", server.log()))
    assert applied_lines, "no process applied any migration"
    assert set(applied_lines.values()) == {1}, applied_lines
    recorded = applied_migrations(child_env)
    assert len(recorded) == len(set(recorded))
    assert set(applied_lines) == set(recorded)
    assert sum("database migrated to" in s.log() for s in group) == 1
    assert len(databases.execute(child_env, "SELECT id FROM ops_schemaversion")) == 1


def test_failing_migration_exits_non_zero_and_never_becomes_ready(child_env, start_server):
    # A table in the way of jobs.0001_initial makes that migration fail.
    databases.execute(child_env, "CREATE TABLE jobs_job (id INTEGER PRIMARY KEY)")
    server = start_server(child_env)
    server.proc.wait(90)
    assert server.proc.returncode != 0
    log = server.log()
    assert re.search(r"ERROR\s+forecourt\.startup\s+failed to migrate database: ", log), log
    assert "jobs.0001_initial" not in applied_migrations(child_env)
    with pytest.raises(httpx.HTTPError):
        server.get("/ready")
    if child_env["PORTAL_DATABASE_DIALECT"] == "postgres":
        # Transactional DDL: the failed migration left nothing half-made behind it.
        assert databases.execute(child_env, "SELECT to_regclass('jobs_job_due')") == [(None,)]


def test_sessions_survive_restarts_and_are_shared_by_replicas(migrated_env, start_server, tmp_path):
    boot = servers.run(["bootstrap", "--email", "admin@example.com", "--password", "a-long-passphrase"],
                       migrated_env, tmp_path)
    assert boot.returncode == 0, boot.stderr
    first = start_server(migrated_env)
    first.wait_for("/ready", 200)
    with httpx.Client(base_url=first.url, follow_redirects=False, timeout=servers.HTTP_TIMEOUT) as browser:
        browser.get("/portal-admin/sign-in/")
        token = browser.cookies["portal-csrftoken"]
        signed_in = browser.post("/portal-admin/sign-in/", data={
            "username": "admin@example.com", "password": "a-long-passphrase", "csrfmiddlewaretoken": token})
        assert signed_in.status_code == 302, signed_in.text
        cookies = dict(browser.cookies)
    first.stop()

    second = start_server(migrated_env)  # a restart, or another replica: same secret, same session
    second.wait_for("/ready", 200)
    page = httpx.get(second.url + "/portal-admin/", cookies=cookies, timeout=servers.HTTP_TIMEOUT)
    assert page.status_code == 200
    assert "Signed in as admin@example.com" in page.text


@pytest.mark.one_engine  # process supervision: no engine changes how children die
def test_workers_do_not_outlive_a_killed_supervisor(child_env, start_server):
    import os
    import signal

    server = start_server(child_env)
    server.wait_for("/ready", 200)
    os.kill(server.proc.pid, signal.SIGKILL)  # an OOM kill: no chance to stop the children
    server.proc.wait(10)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            server.get("/live")
        except httpx.HTTPError:
            break
        time.sleep(0.2)
    else:
        pytest.fail("web workers still answer after the supervisor was killed")


@pytest.mark.one_engine  # a theme folder's absence and the default's fallback: no engine in it
def test_a_missing_active_theme_is_reported_at_start_and_default_serves(child_env, start_server, tmp_path):
    """A theme named by the setting but nowhere to be found: the portal starts, says so at start-up
    (not at the first page), and the Live Portal is served by the default theme."""
    child_env = {**child_env, "PORTAL_THEMING_THEME": "vanished"}
    server = start_server(child_env)
    server.wait_for("/ready", 200)
    assert "Developer Portal" in server.get("/").text
    assert server.stop() == 0
    log = server.log()
    assert "the theme 'vanished' cannot be used (there is no theme of that name)" in log
    assert log.index("cannot be used") < log.index("serving on")


@pytest.mark.one_engine
@pytest.mark.parametrize("event", ["loaded", "web exited", "waited long enough"])
def test_the_job_worker_starts_once_a_web_worker_has_loaded(monkeypatch, tmp_path, event):
    """On one core the job worker's start-up would delay the first ready web worker: it starts when a web
    worker has created the loaded file (forecourt/wsgi.py), when the web server has exited, or after the wait."""
    import subprocess
    import sys
    import threading
    from pathlib import Path

    from forecourt import supervisor

    sup = supervisor.Supervisor({}, workers=1, jobs=True)  # type: ignore[arg-type]
    web = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    sup.children["web"] = web
    sup._loaded_path = str(tmp_path / "loaded")
    started: list[float] = []
    monkeypatch.setattr(supervisor.subprocess, "Popen", lambda *a, **k: started.append(time.monotonic()))
    act = {"loaded": lambda: Path(sup._loaded_path).touch(), "web exited": web.kill,
           "waited long enough": lambda: None}[event]
    timer = threading.Timer(0.5, act)
    timer.start()
    begun = time.monotonic()
    try:
        sup.start_jobs(wait=10 if event != "waited long enough" else 1.5)
    finally:
        timer.join()
        web.kill()
        web.wait()
    assert len(started) == 1
    assert (0.4 if event != "waited long enough" else 1.4) < started[0] - begun < 5
