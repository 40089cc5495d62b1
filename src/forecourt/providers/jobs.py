"""Background work for providers: the sync job, and scheduling it (at start-up and every RefreshInterval)."""

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from forecourt import configuration
from forecourt.jobs import handler, queue
from forecourt.jobs.models import Job
from forecourt.jobs.registry import periodic

from . import registry, sync
from .models import Provider

log = logging.getLogger("forecourt.providers")

JOB = "providers.sync"


def enqueue_sync(provider_id: int) -> bool:
    """Queue a sync of one provider unless one is already queued or running; True if queued."""
    pending = Job.objects.filter(name=JOB, payload__provider_id=provider_id,
                                 status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
    if pending.exists():
        return False
    queue.enqueue(JOB, {"provider_id": provider_id}, max_attempts=1)
    return True


@handler(JOB)
def run_sync(provider_id: int) -> None:
    provider = Provider.objects.filter(pk=provider_id).first()
    if provider is None:
        return
    try:
        registry.client_for(provider).sync()
    except sync.AlreadyRunning:
        log.info("sync of provider %s skipped: another one is running", provider)
    except registry.ProviderError:
        pass  # recorded on the provider (status Down, last error); the schedule tries again


@periodic
def schedule_syncs(first: bool) -> None:
    """Queue a sync of every provider at start-up, and of those not synced for RefreshInterval minutes."""
    due = Provider.objects.all()
    if not first:
        minutes = configuration.get()["RefreshInterval"]
        cutoff = timezone.now() - timedelta(minutes=minutes)
        due = due.filter(Q(last_synced_at__isnull=True) | Q(last_synced_at__lt=cutoff))
    for provider_id in due.values_list("pk", flat=True):
        enqueue_sync(provider_id)
