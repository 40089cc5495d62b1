"""Products and plans made or edited in the portal, written to the Tyk Dashboard as policies.

A product becomes a policy partitioned on access rights only (`partitions.acl`), a plan one
partitioned on rate limit and quota: exactly what the sync (forecourt.providers.tyk.sync_mapping) reads as
a product or a plan, so a pushed item synced back changes nothing. The policy carries one of
the provider's tags, or the sync would not import it.

An existing policy is read first and written back whole with only the portal's fields replaced,
its `_id` and `id` included, so what an admin set in the Dashboard (API versions, URL rules,
GraphQL limits) is kept, and a Dashboard that stores the body as sent still knows the policy.
A new policy gets an ID the portal chooses and records before the call (`id`, which the Dashboard
looks policies up by), so a retry after a crash finds it instead of making a second one; once it
exists, the item keeps the Dashboard's database ID (`_id`), the one the sync matches policies by.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from forecourt.catalog.models import Plan, Product
from forecourt.providers import registry
from forecourt.providers.interfaces import PolicyFields
from forecourt.providers.models import Provider

from .. import sync
from . import sync_mapping
from .client import Refused, TykDashboard

PRODUCT_PARTITIONS = {"acl": True, "rate_limit": False, "quota": False, "complexity": False, "per_api": False}
PLAN_PARTITIONS = {"acl": False, "rate_limit": True, "quota": True, "complexity": False, "per_api": False}


@contextmanager
def _dashboard(provider: Provider, client: TykDashboard | None) -> Iterator[TykDashboard]:
    if client is not None:
        yield client
        return
    with TykDashboard.for_provider(provider) as own:
        yield own


def _get(dashboard: TykDashboard, path: str) -> Any:
    try:
        return dashboard.request("GET", path)
    except Refused as exc:
        if exc.status in (400, 404):  # the Dashboard answers an unknown API with 400
            return None
        raise


def _tags(provider: Provider, tags: list[str]) -> list[str]:
    """The item's tags, plus the provider's first tag if none of its tags is among them."""
    wanted = list(provider.policy_tags or [])
    if wanted and not set(wanted) & set(tags):
        return [*tags, wanted[0]]
    return list(tags)


def _product_policy(dashboard: TykDashboard, provider: Provider, product: Product,
                    current: dict[str, Any]) -> tuple[dict[str, Any], dict[str, sync.WantedAPI]]:
    old_rights = current.get("access_rights") or {}
    rights: dict[str, Any] = {}
    apis: dict[str, sync.WantedAPI] = {}
    for api in product.apis.all():
        if not api.api_id:
            raise registry.Rejected(f"The API {api.name!r} has no API ID: give the ID of a Dashboard API.")
        wrapper = _get(dashboard, f"/api/apis/{api.api_id}")
        if not isinstance(wrapper, dict):
            raise registry.Rejected(f"The Dashboard has no API with the ID {api.api_id} ({api.name}).")
        apis.update(sync_mapping.apis_by_id([wrapper]))
        info = apis.get(api.api_id)
        rights[api.api_id] = old_rights.get(api.api_id) or {
            "api_id": api.api_id, "api_name": info.name if info else api.name, "versions": ["Default"],
            "allowed_urls": [], "restricted_types": [], "limit": None}
    if not rights:
        raise registry.Rejected("A product needs at least one API before it can be written to the provider.")
    return {**current, "name": product.name, "access_rights": rights, "partitions": PRODUCT_PARTITIONS,
            "tags": _tags(provider, list(product.tags or current.get("tags") or []))}, apis


def _plan_policy(provider: Provider, plan: Plan, current: dict[str, Any]) -> dict[str, Any]:
    return {
        **current, "name": plan.name, "partitions": PLAN_PARTITIONS,
        "access_rights": current.get("access_rights") or {},
        "rate": -1 if plan.rate_unlimited else plan.rate_limit,
        "per": -1 if plan.rate_unlimited else plan.rate_per,
        "quota_max": -1 if plan.quota_unlimited else plan.quota_max,
        "quota_renewal_rate": plan.quota_renewal_seconds,
        "key_expires_in": plan.key_expires_in,
        "tags": _tags(provider, list(current.get("tags") or [])),
    }


def push(provider: Provider, item: Product | Plan, client: TykDashboard | None = None) -> PolicyFields:
    """Create or update `item`'s policy; the item's fields as the sync will read them back."""
    model = type(item)
    if not item.reference_id:
        # Chosen and committed before the call: a retry finds what this attempt made.
        item.reference_id = secrets.token_hex(12)
        model.objects.filter(pk=item.pk).update(reference_id=item.reference_id)
    reference = item.reference_id
    try:
        with _dashboard(provider, client) as dashboard:
            current = _get(dashboard, f"/api/portal/policies/{reference}")
            # Written back whole, `_id` and `id` included: a Dashboard that stores the body as sent
            # must still know the policy by the IDs it had, and keep every field the portal does not own.
            base = {"org_id": provider.org_id, "active": True, "state": "active"} if current is None else current
            if isinstance(item, Product):
                body, apis = _product_policy(dashboard, provider, item, base)
            else:
                body, apis = _plan_policy(provider, item, base), {}
            if current is None:
                dashboard.request("POST", "/api/portal/policies", body={**body, "id": reference})
            else:
                dashboard.request("PUT", f"/api/portal/policies/{reference}", body=body)
            stored = _get(dashboard, f"/api/portal/policies/{reference}")
    except Refused as exc:
        raise registry.Rejected(f"The Dashboard refused the policy: {exc}") from exc
    if not isinstance(stored, dict):
        raise registry.Rejected("The Dashboard does not show the policy it accepted.")
    values: PolicyFields = {"reference_id": sync_mapping.policy_id(stored) or reference}
    try:
        if isinstance(item, Product):
            read = sync_mapping.wanted_product(stored, apis)
            sync.update_apis(item, read.apis)
            values.update(name=read.name, tags=read.tags)
        else:
            values.update(sync_mapping.wanted_plan(stored).values())
    except (ValueError, TypeError) as exc:
        kind = model.__name__.lower()
        raise registry.Rejected(f"The policy the Dashboard stored is not a valid {kind}: {exc}") from exc
    return values
