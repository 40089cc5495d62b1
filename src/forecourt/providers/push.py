"""Writing products and plans made or edited in the portal to their provider, as policies.

A save that changes what the provider's policy holds (a product's name, tags or APIs; a plan's
name and limits) marks the item "pending" and queues a job in the same transaction
(forecourt.catalog.policy_push); the job, here, asks the provider's integration to write the
policy (`ProviderClient.push_policy`), which chooses and records the policy's identifier before
it calls the gateway, so a retry after a crash updates the policy it made instead of making a twin.
While an item is pending or failed the sync leaves it alone: the portal's version is the one
being written.
"""

import logging

from django.apps import apps
from django.db import transaction

from forecourt.catalog import policy_push
from forecourt.jobs import handler

from . import registry

log = logging.getLogger("forecourt.providers")

# When a save must push, and queuing the job, are the catalogue's (catalog sits below providers);
# these names stay here for the callers and tests that know them.
JOB = policy_push.JOB
POLICY_FIELDS = policy_push.POLICY_FIELDS
policy_values = policy_push.policy_values
needs_push = policy_push.needs_push
schedule = policy_push.schedule


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
