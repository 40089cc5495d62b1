"""Recording events: `emit()` in the transaction of the change, so a crash never loses or invents one."""

from typing import Any

from django.db import transaction

from forecourt.jobs import queue

from .models import Delivery, Event, Webhook

JOB = "webhooks.deliver"
MAX_ATTEMPTS = 6  # the job's max_attempts too: the handler marks the delivery failed on the queue's last try

EVENTS = [
    "UserRegistered",
    "UserAccountActivated",
    "UserAccountDeactivated",
    "PasswordReset",
    "RegisterInvite",
    "ApplicationRegistered",
    "CredentialRegistered",
    "AccessRequestCreated",
    "AccessRequestApproved",
    "AccessRequestRejected",
    "OrganisationRegistered",
    "OrganisationRequestCreated",
    "OrganisationRequestApproved",
    "OrganisationRequestRejected",
    "ProviderPolicyUnreadable",
]
TEST_EVENT = "WebhookTest"  # sent by "Send test event" to one endpoint, whatever it subscribes to


def _queue(event: Event, endpoint: Webhook) -> Delivery:
    delivery = Delivery.objects.create(event=event, endpoint=endpoint)
    queue.enqueue(JOB, {"delivery_id": str(delivery.delivery_id)}, max_attempts=MAX_ATTEMPTS)
    return delivery


def emit(name: str, message: dict[str, Any]) -> Event:
    """Record event `name` and queue a delivery to each enabled endpoint subscribed to it.

    Call inside the transaction of the change: if it rolls back, the event, its deliveries and
    their jobs vanish with it.
    """
    if name not in EVENTS:
        raise ValueError(f"unknown webhook event {name!r}")
    with transaction.atomic():  # all rows or none, also when the caller runs in autocommit
        event = Event.objects.create(name=name, message=message)
        # Without the secret: a key that no longer decrypts it must not make the change itself fail.
        for endpoint in Webhook.objects.filter(enabled=True).defer("secret").order_by("pk"):
            if name in endpoint.events:  # a JSON list: filtered here, alike on every database
                _queue(event, endpoint)
    return event


def send_test(endpoint: Webhook) -> Delivery:
    """Queue a test event to `endpoint` alone (enabled or not)."""
    with transaction.atomic():
        event = Event.objects.create(name=TEST_EVENT, message={"Webhook": endpoint.name})
        return _queue(event, endpoint)


def replay(delivery: Delivery) -> Delivery:
    """Queue a new delivery of the same event to the same endpoint."""
    with transaction.atomic():
        return _queue(delivery.event, delivery.endpoint)
