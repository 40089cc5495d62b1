"""Enqueue, claim and settle jobs. The rules live here; the worker loop only calls them."""

import logging
import os
import socket
import traceback
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import registry
from .models import Job

log = logging.getLogger("forecourt.jobs")

LEASE = timedelta(minutes=5)  # a claimed job whose worker died is claimable again after this
BACKOFF_BASE_SECONDS = 10
BACKOFF_MAX_SECONDS = 3600
# A job this release has no handler for is left this long for a worker that has one: during a rolling
# upgrade the other release's worker, whose jobs these are. After it, it fails as unknown.
UNKNOWN_GRACE = timedelta(hours=1)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(name: str, payload: dict[str, Any] | None = None, *, delay: timedelta | None = None,
            max_attempts: int = 5) -> Job:
    """Add a job; call inside the transaction of the change that causes it, so both commit or neither."""
    return Job.objects.create(name=name, payload=payload or {}, max_attempts=max_attempts,
                              run_at=timezone.now() + (delay or timedelta()))


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... capped at an hour."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def claim(owner: str) -> Job | None:
    """Take the next due job for `owner`, or None. Two workers never take the same job, and a job of
    a name this release does not handle waits UNKNOWN_GRACE for a worker that does.

    PostgreSQL and MySQL skip rows another transaction has locked; SQLite has one writer at a
    time (IMMEDIATE transactions), which serialises claims by itself.
    """
    now = timezone.now()
    due = Q(status=Job.Status.QUEUED, run_at__lte=now) | Q(status=Job.Status.RUNNING, locked_until__lt=now)
    ours = Q(name__in=registry.names()) | Q(run_at__lte=now - UNKNOWN_GRACE)
    with transaction.atomic():
        query = Job.objects.filter(due, ours).order_by("run_at", "id")
        job = query.select_for_update(skip_locked=True).first()
        if job is None:
            return None
        job.status = Job.Status.RUNNING
        job.locked_by = owner
        job.locked_until = now + LEASE
        job.attempts += 1
        job.save(update_fields=["status", "locked_by", "locked_until", "attempts"])
    return job


def run(job: Job) -> bool:
    """Run a claimed job's handler and record the outcome; True when it succeeded."""
    func = registry.get(job.name)
    try:
        if func is None:
            raise LookupError(f"no handler registered for job {job.name!r}")
        func(**job.payload)
    except Exception as exc:
        error = "".join(traceback.format_exception_only(exc)).strip()
        if job.attempts >= job.max_attempts or func is None:
            Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, last_error=error,
                                                 finished_at=timezone.now(), locked_until=None)
            log.error("job %s #%s failed after %d attempt(s): %s", job.name, job.pk, job.attempts, error)
        else:
            delay = backoff(job.attempts)
            Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, last_error=error,
                                                 run_at=timezone.now() + delay, locked_until=None)
            log.warning("job %s #%s attempt %d failed, retrying in %ds: %s",
                        job.name, job.pk, job.attempts, delay.total_seconds(), error)
        return False
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, finished_at=timezone.now(),
                                         locked_until=None, last_error="")
    return True


def run_next(owner: str) -> bool | None:
    """Claim and run one job: None when nothing was due, else whether it succeeded."""
    job = claim(owner)
    if job is None:
        return None
    return run(job)
