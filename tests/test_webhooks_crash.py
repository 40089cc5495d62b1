"""Issue 7, with real processes: a crash between a change and its webhook delivery loses no event.

The change commits its event, delivery and job together (the outbox). A real `forecourt worker`
is then killed (FORECOURT_CRASH_AT, os._exit(137) as after kill -9) before it sends, or after the
receiver got the request but before the portal recorded it. Once the dead worker's lease expires,
a second worker delivers: the event arrives, at least once, always with the same delivery id, so
a receiver that de-duplicates by id sees it exactly once.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from forecourt.jobs.models import Job
from forecourt.ops.faults import CRASH_EXIT_STATUS
from forecourt.webhooks import events
from forecourt.webhooks.models import Delivery, Webhook

from .support import workers
from .test_webhooks import Receiver

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


def run_worker(tmp_path, name: str, condition, **env: str) -> int:
    worker = workers.start_worker(workers.child_env(tmp_path, PORTAL_WEBHOOKS_ALLOW_PRIVATE_TARGETS="true", **env),
                                  tmp_path, name)
    try:
        worker.wait_until(lambda: worker.proc.poll() is not None or condition(), timeout=30, what=name)
    finally:
        status = worker.stop()
    return status


def delivered() -> bool:
    return Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).exists()


@pytest.mark.parametrize("step", ["webhook-before-send", "webhook-after-send"])
def test_a_worker_killed_during_delivery_loses_no_event(tmp_path, receiver, step):
    Webhook.objects.create(name="crm", url=receiver.url, events=["UserRegistered"])
    events.emit("UserRegistered", {"ID": 42, "Email": "new@example.com"})  # committed: the change is done
    delivery = Delivery.objects.get()

    status = run_worker(tmp_path, f"crash-{step}", lambda: False, FORECOURT_CRASH_AT=step)
    assert status == CRASH_EXIT_STATUS
    held = Job.objects.get(name=events.JOB)
    assert held.status == Job.Status.RUNNING and not delivered()
    assert len(receiver.requests) == (1 if step == "webhook-after-send" else 0)

    # The dead worker's lease runs out (as five minutes would); another worker takes the job over.
    Job.objects.filter(pk=held.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert run_worker(tmp_path, "recover", delivered) == 0

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED
    bodies = [json.loads(body) for _method, _headers, body in receiver.requests]
    assert {b["DeliveryID"] for b in bodies} == {str(delivery.delivery_id)}  # one id, however many sends
    assert bodies[-1]["Event"] == "UserRegistered" and bodies[-1]["Message"]["ID"] == 42
    assert all(h["X-Forecourt-Delivery"] == str(delivery.delivery_id) for _m, h, _b in receiver.requests)
