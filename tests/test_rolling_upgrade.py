"""A rolling upgrade under load, and a rolling rollback, with the real previous release: no failed
request, no lost write, and either release's job worker finishing the other's jobs.

What docs/rolling-upgrades.md tells operators to do, on PostgreSQL (what a multi-replica portal runs
on), with a load balancer (tests/support/rolling_load.Pool) in front of the replicas:

1. the previous release serves, under steady load (signed-in catalogue, Admin API writes, sign-ups);
2. this release starts beside it on the same database: it migrates at start, under the migration
   lock, while the previous release keeps serving; it joins the pool once /ready answers;
3. the previous release leaves the pool, finishes its requests and stops;
4. `forecourt rebuild-derived` (what the upgrade check asked for);

then backwards: the previous release starts beside this one, this one leaves and stops, and
`forecourt downgrade --to` the previous release runs while the previous release serves.

E-mail is refused (a temporary SMTP failure) while the release that is about to stop serves, so the
e-mail jobs it queued are retried after it has stopped: by the other release's worker. At the end
every job is done, and every product and sign-up a replica acknowledged is there.

Like the upgrade rehearsal, it runs in the SQLite test run (it makes its own PostgreSQL database).
"""

import subprocess
import time
from datetime import UTC, datetime

import pytest

import forecourt
from forecourt.lifecycle import rolling

from . import test_upgrade_rehearsal as rehearsal
from .support import databases, rolling_load, servers, smtp
from .test_upgrade_rehearsal import AdminApi, rehearsal_database

pytestmark = pytest.mark.server

ADMIN = "admin@example.com"
SECONDS_ALONE = 4  # of load on the serving release before the next one starts
SECONDS_TOGETHER = 4  # both in the pool


@pytest.fixture(scope="module")
def old_release(tmp_path_factory, worker_id):
    """(release, python): the previous release, built from its release commit (once per run, shared
    with the upgrade rehearsal: test_upgrade_rehearsal.shared_install)."""
    if databases.dialect() != "sqlite3":
        pytest.skip("the rolling rehearsal runs in the SQLite run (on a PostgreSQL database of its own)")
    release = rehearsal.previous_release()
    return release, rehearsal.shared_install(release, tmp_path_factory, worker_id)


def start(python, env, cwd, name):
    """A replica: `forecourt serve` with its job worker, of the release `python` runs (None: this one)."""
    if python is None:
        return servers.start(env, cwd)
    port = servers.free_port()
    log_path = cwd / f"{name}-{port}.log"
    handle = log_path.open("w")
    proc = subprocess.Popen([str(python), "-m", "forecourt", "serve", "--workers", "1"],
                            env={**rehearsal.for_old(env), "PORTAL_HOSTPORT": str(port),
                                 "PORTAL_LISTENADDRESS": "127.0.0.1"},
                            cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    return servers.Server(proc, port, log_path, handle)


def roll(pool, load, mail, old_name, old_server, new_python, env, cwd, new_name):
    """Steps 1 to 3: returns the new replica (the old one stopped) and when the new one started."""
    mail.reject = "451 4.3.0 Try again later"  # the old release's e-mails wait for a retry
    time.sleep(SECONDS_ALONE)
    started = datetime.now(UTC)
    new = start(new_python, env, cwd, new_name)
    new.wait_for("/ready", 200, timeout=120)
    pool.add(new_name, new)
    time.sleep(SECONDS_TOGETHER)
    pool.drain(old_name)
    assert old_server.stop() == 0, old_server.log()[-3000:]
    mail.reject = None
    time.sleep(SECONDS_ALONE)
    return new, started


def finished_for_the_other(env, started):
    """E-mail jobs queued before the new replica started and done after the old one had stopped (the
    SMTP server refused mail until then): done by the new replica's worker."""
    return databases.execute(env, "SELECT count(*) FROM jobs_job WHERE name = 'notify.email' AND status = 'done' "  # noqa: S608 - a timestamp we made
                             f"AND attempts > 1 AND created_at < '{started.isoformat()}'")[0][0]


def settle(env, load, api, timeout=150):
    """Stop the load, wait for every job to finish, and check that nothing failed or was lost."""
    load.stop()
    assert load.failures == [], "\n".join(load.failures[:20])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        open_jobs = databases.execute(env, "SELECT count(*) FROM jobs_job WHERE status IN ('queued', 'running')")[0][0]
        if not open_jobs:
            break
        time.sleep(1)
    jobs = dict(databases.execute(env, "SELECT status, count(*) FROM jobs_job GROUP BY status"))
    assert set(jobs) == {"done"}, jobs
    products = api.names("/products", "DisplayName")
    users = api.names("/users", "Email")
    assert load.products and load.products <= products, sorted(load.products - products)[:10]
    assert load.sign_ups and load.sign_ups <= users, sorted(load.sign_ups - users)[:10]
    return jobs["done"]


def test_a_rolling_upgrade_and_rollback_under_load_fail_no_request_and_lose_no_write(old_release, tmp_path):
    release, old_python = old_release
    assert rolling.between(release).rolls, "the upgrade from the previous release does not roll: see upgrade-check"
    with rehearsal_database("postgres", tmp_path) as db_env, smtp.running() as mail:
        env = servers.child_env(db_env, tmp_path, PORTAL_TRUSTED_PROXIES="127.0.0.1/32")

        def old(*args):
            done = subprocess.run([str(old_python), "-m", "forecourt", *args], env=rehearsal.for_old(env),
                                  cwd=tmp_path, capture_output=True, text=True, timeout=180, check=False)
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout

        old("migrate")
        token = old("bootstrap", "--email", ADMIN, "--password", rolling_load.PASSWORD).rsplit(
            "Admin API token (shown once): ", 1)[1].split()[0]
        pool = rolling_load.Pool()
        first = start(old_python, env, tmp_path, "old")
        first.wait_for("/ready", 200, timeout=120)
        api = AdminApi(first, token)
        api("PUT", "/configs", {"SMTPHost": "127.0.0.1", "SMTPPort": mail.port, "SMTPSecurity": "none",
                                "DefaultFromAddress": "portal@example.com"})
        pool.add("old", first)
        load = rolling_load.Load(pool, token, rolling_load.sign_in(first.url, ADMIN, rolling_load.PASSWORD))
        load.start()

        # Forwards: the previous release serving, this one started beside it, the previous one stopped.
        new, new_started = roll(pool, load, mail, "old", first, None, env, tmp_path, "new")
        try:
            assert new.get("/portal-api/version", headers={"Authorization": token}).json()["version"] == \
                forecourt.__version__
            rebuilt = servers.run(["rebuild-derived"], env, tmp_path)
            assert rebuilt.returncode == 0, rebuilt.stderr
            assert load.counts.get("old") and load.counts.get("new"), load.counts
            done_forwards = settle(env, load, AdminApi(new, token))
            assert finished_for_the_other(env, new_started) > 0
            assert len(mail.messages) >= len(load.sign_ups)  # each sign-up was mailed, by one worker or the other

            # Backwards: the previous release beside this one, this one stopped, then the schema moved back.
            load = rolling_load.Load(pool, token, load.session_cookies)
            load.start()
            again, again_started = roll(pool, load, mail, "new", new, old_python, env, tmp_path, "old-again")
        except BaseException:
            new.stop()
            raise
        try:
            down = servers.run(["downgrade", "--to", release.version, "--yes"], env, tmp_path, timeout=300)
            assert down.returncode == 0, down.stdout + down.stderr
            time.sleep(SECONDS_ALONE)  # still serving, on its own schema now
            done_backwards = settle(env, load, AdminApi(again, token))
            assert done_backwards > done_forwards
            assert finished_for_the_other(env, again_started) > finished_for_the_other(env, new_started)
            assert load.counts.get("new") and load.counts.get("old-again"), load.counts
            assert "Traceback" not in again.log(), again.log()[-3000:]
        finally:
            assert again.stop() == 0
        assert "Traceback" not in first.log() and "Traceback" not in new.log(), (first.log() + new.log())[-3000:]


def test_the_pool_waits_for_requests_in_flight_before_a_replica_stops():
    pool = rolling_load.Pool()
    server = type("S", (), {"url": "http://127.0.0.1:1"})()
    pool.add("a", server)
    with pool.replica() as (name, _url):
        assert name == "a"
        with pytest.raises(AssertionError, match="still answers 1 request"):
            pool.drain("a", timeout=0.1)
    pool.drain("a", timeout=0.1)
    with pytest.raises(AssertionError, match="no replica"), pool.replica():
        pass
