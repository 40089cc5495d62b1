"""The database-backed job queue and its worker."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from forecourt.jobs import queue, registry
from forecourt.jobs.models import Job
from forecourt.jobs.worker import Worker

from .support import databases

calls: list[dict] = []


@pytest.fixture(autouse=True)
def handlers():
    calls.clear()

    def record(**payload):
        calls.append(payload)

    def explode(**payload):
        raise RuntimeError("provider said no")

    registry.handler("test.record")(record)
    registry.handler("test.explode")(explode)
    yield
    registry.unregister("test.record")
    registry.unregister("test.explode")


@pytest.mark.django_db
def test_due_job_runs_once_with_its_payload():
    job = queue.enqueue("test.record", {"provider": 7})
    assert queue.run_next("w1") is True
    assert calls == [{"provider": 7}]
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempts == 1 and job.finished_at is not None
    assert queue.run_next("w1") is None


@pytest.mark.django_db
def test_delayed_job_waits_until_due():
    queue.enqueue("test.record", delay=timedelta(minutes=5))
    assert queue.run_next("w1") is None
    Job.objects.update(run_at=timezone.now() - timedelta(seconds=1))
    assert queue.run_next("w1") is True


@pytest.mark.django_db
def test_failure_is_retried_with_growing_backoff_then_marked_failed():
    job = queue.enqueue("test.explode", max_attempts=3)
    before = timezone.now()
    assert queue.run_next("w1") is False
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert "RuntimeError: provider said no" in job.last_error
    assert job.run_at >= before + timedelta(seconds=10)

    for expected_attempts in (2, 3):
        Job.objects.update(run_at=timezone.now())
        assert queue.run_next("w1") is False
        job.refresh_from_db()
        assert job.attempts == expected_attempts
    assert job.status == Job.Status.FAILED
    assert queue.backoff(1) == timedelta(seconds=10)
    assert queue.backoff(2) == timedelta(seconds=20)
    assert queue.backoff(30) == timedelta(hours=1)


@pytest.mark.django_db
def test_unknown_job_waits_for_a_release_that_knows_it_then_fails():
    # During a rolling upgrade the other release's worker handles it; this one must not fail it.
    job = queue.enqueue("test.nobody-handles-this")
    assert queue.claim("w1") is None
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.attempts == 0
    Job.objects.filter(pk=job.pk).update(run_at=timezone.now() - queue.UNKNOWN_GRACE - timedelta(seconds=1))
    assert queue.run_next("w1") is False
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "no handler registered" in job.last_error


@pytest.mark.django_db
def test_claimed_job_is_not_claimed_again_until_its_lease_expires():
    queue.enqueue("test.record")
    claimed = queue.claim("w1")
    assert claimed is not None and claimed.locked_by == "w1"
    assert queue.claim("w2") is None
    Job.objects.update(locked_until=timezone.now() - timedelta(seconds=1))  # w1 died
    again = queue.claim("w2")
    assert again is not None and again.pk == claimed.pk and again.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_worker_runs_jobs_until_stopped():
    queue.enqueue("test.record", {"n": 1})
    queue.enqueue("test.record", {"n": 2})
    worker = Worker(idle_seconds=0.05)
    thread = threading.Thread(target=worker.run_loop, daemon=True)
    thread.start()
    deadline = timezone.now() + timedelta(seconds=10)
    while Job.objects.filter(status=Job.Status.DONE).count() < 2 and timezone.now() < deadline:
        threading.Event().wait(0.05)
    worker.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert sorted(c["n"] for c in calls) == [1, 2]


@pytest.mark.server
def test_serve_starts_a_job_worker(migrated_env, start_server):
    server = start_server(migrated_env)
    server.wait_for("/ready", 200)
    databases.execute(
        migrated_env,
        "INSERT INTO jobs_job (name, payload, status, run_at, attempts, max_attempts, locked_by, last_error, "
        "created_at) VALUES ('test.unregistered', '{}', 'queued', '2000-01-01 00:00:00', 0, 1, '', '', "
        "'2000-01-01 00:00:00')",
    )
    deadline = timezone.now() + timedelta(seconds=20)
    rows = []
    while timezone.now() < deadline:
        rows = databases.execute(migrated_env, "SELECT status, last_error FROM jobs_job")
        if rows and rows[0][0] == "failed":
            break
        threading.Event().wait(0.2)
    assert rows and rows[0][0] == "failed", rows
    assert "no handler registered for job 'test.unregistered'" in rows[0][1]
    assert "job worker started" in server.log()
