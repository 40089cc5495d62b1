"""Writing products and plans made or edited in the portal to their provider, as policies.

A save that changes what the provider's policy holds (a product's name, tags or APIs; a plan's
name and limits) marks the item "pending" and queues a job in the same transaction; the job
asks the provider's integration to write the policy (`ProviderClient.push_policy`), which
chooses and records the policy's identifier before it calls the gateway, so a retry after a
crash updates the policy it made instead of making a twin. While an item is pending or failed
the sync leaves it alone: the portal's version is the one being written.
"""

import logging
from typing import Any

from django.apps import apps
from django.db import models, transaction

from forecourt.jobs import handler, queue

from . import registry

log = logging.getLogger("forecourt.providers")

JOB = "providers.push_policy"

# What each kind of item writes to its policy: a change to one of these fields is pushed.
POLICY_FIELDS = {
    "catalog.product": ("name", "tags"),
    "catalog.plan": ("name", "rate_unlimited", "rate_limit", "rate_per", "quota_unlimited", "quota_max",
                     "quota_renewal_seconds", "key_expires_in"),
}


def policy_values(item: models.Model) -> tuple[Any, ...]:
    return tuple(getattr(item, name) for name in POLICY_FIELDS[item._meta.label_lower])


def needs_push(item: Any, before: tuple[Any, ...] | None, linked_before: tuple[Any, Any] | None) -> bool:
    """Whether saving `item` must write its policy. `before`: its policy values before the save,
    `linked_before`: its (provider, policy ID) before; both None for a new item.

    An item without a provider has no policy. An item created with, or newly given, a policy ID
    mirrors that existing policy: the sync reads it, nothing is written. Otherwise an item with
    no policy yet, or a change to what its policy holds, is written.
    """
    if item.provider_id is None:
        return False
    if item.reference_id and linked_before != (item.provider_id, item.reference_id):
        return False
    return not item.reference_id or before != policy_values(item)


def schedule(item: Any) -> None:
    """Mark `item` pending and queue its push (call inside the transaction of the save)."""
    type(item).objects.filter(pk=item.pk).update(push_state="pending", push_error="")
    item.push_state, item.push_error = "pending", ""
    queue.enqueue(JOB, {"model": item._meta.label_lower, "item_id": item.pk}, max_attempts=8)


@handler(JOB)
def push_job(model: str, item_id: int) -> None:
    Model = apps.get_model(model)
    item = Model.objects.select_related("provider").filter(pk=item_id).first()
    if item is None or item.provider is None:
        return  # deleted or unlinked since
    pushed = policy_values(item)
    try:
        values = registry.client_for(item.provider).push_policy(item)
    except (registry.Rejected, registry.NoClient) as exc:
        Model.objects.filter(pk=item_id).update(push_state="failed", push_error=str(exc)[:2000])
        log.error("%s %s could not be written to provider %s: %s", model, item_id, item.provider, exc)
        return
    except Exception as exc:  # the queue retries with backoff; the admin sees why meanwhile
        Model.objects.filter(pk=item_id).update(push_state="failed", push_error=f"{exc} (retrying)"[:2000])
        raise
    with transaction.atomic():
        current = Model.objects.select_for_update().filter(pk=item_id).first()
        if current is None or policy_values(current) != pushed:
            return  # edited while this job ran: the job that edit queued writes the newer values
        for name, value in values.items():
            setattr(current, name, value)
        current.push_state, current.push_error = "", ""
        current.save(update_fields=[*values, "push_state", "push_error", "updated_at"])
    log.info("%s %s written to provider %s as policy %s", model, item_id, item.provider, values.get("reference_id"))
