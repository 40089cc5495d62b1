"""When a product or plan saved in the portal must be written to its provider, and queuing that.

A save that changes what the provider's policy holds (a product's name, tags or APIs; a plan's
name and limits) marks the item "pending" and queues the push job in the same transaction. The
job is forecourt.providers.push's (it asks the provider's integration to write the policy):
catalog sits below providers and never imports it, so the job is queued by its name, which is
the queue's contract between the two. While an item is pending or failed the sync leaves it
alone: the portal's version is the one being written.
"""

from typing import Any

from django.db import models

from forecourt.jobs import queue

from .models import Plan, Product

JOB = "providers.push_policy"  # handled by forecourt.providers.push.push_job

# What each kind of item writes to its policy: a change to one of these fields is pushed.
POLICY_FIELDS = {
    "catalog.product": ("name", "tags"),
    "catalog.plan": ("name", "rate_unlimited", "rate_limit", "rate_per", "quota_unlimited", "quota_max",
                     "quota_renewal_seconds", "key_expires_in"),
}


def policy_values(item: models.Model) -> tuple[Any, ...]:
    return tuple(getattr(item, name) for name in POLICY_FIELDS[item._meta.label_lower])


def needs_push(item: Product | Plan, before: tuple[Any, ...] | None, linked_before: tuple[Any, Any] | None) -> bool:
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


def schedule(item: Product | Plan) -> None:
    """Mark `item` pending and queue its push (call inside the transaction of the save)."""
    type(item).objects.filter(pk=item.pk).update(push_state="pending", push_error="")
    item.push_state, item.push_error = "pending", ""
    queue.enqueue(JOB, {"model": item._meta.label_lower, "item_id": item.pk}, max_attempts=8)
