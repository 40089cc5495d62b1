"""Synchronising a provider's policies into products and plans.

Tyk's rule: a product is a partitioned policy that enforces access rights only (partitions.acl),
a plan one that enforces rate limit and quota only. Only policies carrying one of the
provider's tags are imported (all of them when it has none).

Where Tyk's portal aborts the whole sync on one bad policy, this one skips that policy, records
why, and syncs the rest. A product or plan whose policy it cannot read keeps its last good state
and stays published (keys made from it still work at the gateway), with the reason on the item
(`sync_problem`) and, the first time, an e-mail and a webhook event to the admins. A product or
plan whose policy disappeared, was untagged or deactivated is hidden (not deleted): it keeps its
portal-side settings and comes back when the policy does.

A product's APIs are updated in place, by their API ID: a sync changes what the gateway owns
(name, listen path, auth type, the gateway's document) and never the portal's document, and an
API's row (so its docs URL) lives as long as the API stays in the product.

A sync that finds no change writes no product or plan. One sync per provider runs at a time,
across processes and replicas. What the sync writes is indexed for search, and the page cache's
revision bumped, once per sync at the end of its transaction, not once per product.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from forecourt.catalog import notices, search
from forecourt.catalog.models import Plan, Product, ProductAPI
from forecourt.pagecache import revision as page_cache

from .models import Provider
from .tyk.client import DashboardError, TykDashboard

log = logging.getLogger("forecourt.providers.sync")

Row = TypeVar("Row", Product, Plan)

LOCK_FOR = timedelta(minutes=10)  # a sync whose process died frees the provider after this


@dataclass
class Report:
    products_created: int = 0
    products_updated: int = 0
    plans_created: int = 0
    plans_updated: int = 0
    hidden: int = 0
    restored: int = 0
    ignored: int = 0  # policies that are neither products nor plans, or lack the provider's tags
    problems: list[dict[str, str]] = field(default_factory=list)  # {"policy": id, "name": ..., "reason": ...}

    @property
    def writes(self) -> int:
        return (self.products_created + self.products_updated + self.plans_created + self.plans_updated
                + self.hidden + self.restored)


class AlreadyRunning(Exception):
    pass


SHAPELESS = ("it is partitioned neither as a product (access rights only) nor as a plan "
             "(rate limit and quota only)")


@dataclass
class Unreadable:
    """Policies for the portal (tagged, live) that the sync cannot read. An item that mirrors one
    keeps its last good state, flagged with the reason, instead of being hidden."""

    by_key: dict[str, str] = field(default_factory=dict)  # policy ID -> why
    by_name: dict[str, str] = field(default_factory=dict)  # for policies without an ID: name -> why
    shapeless: set[str] = field(default_factory=set)  # neither product- nor plan-shaped

    def add(self, pid: str, name: Any, reason: str) -> None:
        if pid:
            self.by_key[pid] = reason
        elif isinstance(name, str) and name.strip():
            self.by_name[name.strip()[:255]] = reason

    def seen_as(self, others: dict[str, Any], kind: str) -> "Unreadable":
        """These problems, plus "it is now shaped as the other kind" for `others`' policies."""
        by_key = {**{pid: SHAPELESS for pid in self.shapeless}, **self.by_key}
        by_key.update({pid: f"it is now partitioned as {kind}" for pid in others})
        return Unreadable(by_key, self.by_name)

    def reason(self, key: str, row: Any) -> str | None:
        return self.by_key.get(key) or self.by_name.get(row.name)


# -- the lock ----------------------------------------------------------------------------------

def _acquire(provider_id: int) -> bool:
    now = timezone.now()
    from django.db.models import Q

    claimed = Provider.objects.filter(Q(sync_lock_until__isnull=True) | Q(sync_lock_until__lt=now),
                                      pk=provider_id).update(sync_lock_until=now + LOCK_FOR)
    return claimed == 1


def _release(provider_id: int) -> None:
    Provider.objects.filter(pk=provider_id).update(sync_lock_until=None)


# -- reading policies --------------------------------------------------------------------------

def _kind(policy: dict[str, Any]) -> str | None:
    parts = policy.get("partitions")
    if not isinstance(parts, dict):
        return None
    acl, rate, quota = bool(parts.get("acl")), bool(parts.get("rate_limit")), bool(parts.get("quota"))
    if acl and not rate and not quota:
        return "product"
    if (rate or quota) and not acl:
        return "plan"
    return None


def _live(policy: dict[str, Any]) -> bool:
    """Draft, denied and inactive policies grant nothing, so they offer nothing either."""
    return (policy.get("state") in (None, "", "active") and not policy.get("is_inactive")
            and policy.get("active", True) is not False)


def policy_id(policy: dict[str, Any]) -> str:
    return str(policy.get("_id") or policy.get("id") or "")


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} is not a number")
    return int(value)


@dataclass
class ApiInfo:
    name: str
    listen_path: str
    auth_type: str
    document: str  # the gateway's OpenAPI document (Tyk OAS APIs), "" for classic APIs


def _apis_by_id(wrappers: list[dict[str, Any]]) -> dict[str, ApiInfo]:
    import json

    apis: dict[str, ApiInfo] = {}
    for wrapper in wrappers:
        inner = wrapper.get("api_definition")
        definition: dict[str, Any] = inner if isinstance(inner, dict) else wrapper
        api_id = str(definition.get("api_id") or "")
        if not api_id:
            continue
        raw_proxy = definition.get("proxy")
        proxy: dict[str, Any] = raw_proxy if isinstance(raw_proxy, dict) else {}
        if definition.get("use_keyless"):
            auth = "keyless"
        elif definition.get("use_oauth2"):
            auth = "oauth2"
        elif definition.get("enable_jwt"):
            auth = "jwt"
        elif definition.get("use_basic_auth"):
            auth = "basic"
        else:
            auth = "authToken"
        oas = wrapper.get("oas")
        apis[api_id] = ApiInfo(str(definition.get("name") or api_id), str(proxy.get("listen_path") or ""), auth,
                               json.dumps(oas, sort_keys=True) if isinstance(oas, dict) else "")
    return apis


# -- the sync ----------------------------------------------------------------------------------

def sync(provider: Provider, client: TykDashboard | None = None) -> Report:
    """Synchronise one provider. Raises AlreadyRunning if another process is at it."""
    if not _acquire(provider.pk):
        raise AlreadyRunning(f"a synchronisation of {provider} is already running")
    try:
        return _sync(provider, client)
    finally:
        _release(provider.pk)


def _sync(provider: Provider, client: TykDashboard | None) -> Report:
    own_client = client is None
    dashboard = client or TykDashboard.for_provider(provider)
    try:
        try:
            apis = _apis_by_id(dashboard.apis())
            policies = dashboard.policies()
        except DashboardError as exc:
            # Down is not "every policy was deleted": change nothing but the provider's status.
            Provider.objects.filter(pk=provider.pk).update(status=Provider.Status.DOWN, last_error=str(exc))
            log.warning("sync of provider %s failed: %s", provider, exc)
            raise
    finally:
        if own_client:
            dashboard.close()
    report = Report()
    tags = set(provider.policy_tags or [])
    products: dict[str, dict[str, Any]] = {}
    plans: dict[str, dict[str, Any]] = {}
    unreadable = Unreadable()
    aliases: dict[str, str] = {}  # Dashboard ID -> the policy ID a push gave it
    for policy in policies:
        pid = policy_id(policy)
        name = policy.get("name")
        custom = policy.get("id")
        if isinstance(custom, str) and custom and custom != pid:
            aliases[pid] = custom
        if (tags and not tags & set(policy.get("tags") or [])) or not _live(policy):
            report.ignored += 1
            continue
        kind = _kind(policy)
        if kind is None:  # not the portal's, unless an item mirrors it: then it is unreadable (see _apply)
            report.ignored += 1
            if pid:
                unreadable.shapeless.add(pid)
            continue
        try:
            if not pid or not isinstance(name, str) or not name.strip():
                raise ValueError("it has no id or no name")
            if kind == "product":
                products[pid] = product_values(policy, apis)
            else:
                plans[pid] = plan_values(policy)
        except (ValueError, TypeError, AttributeError) as exc:
            report.problems.append({"policy": pid or "?", "name": str(name or ""), "reason": str(exc)})
            unreadable.add(pid, name, str(exc))
    # Each product saved would rewrite its search index rows and bump the page cache's revision (by
    # signal or explicit call): inside these blocks they are written once, for all, before the commit.
    with transaction.atomic(), page_cache.deferred(), search.deferred():
        flagged = _apply_products(provider, products, unreadable.seen_as(plans, "a plan"), aliases, report)
        flagged += _apply_plans(provider, plans, unreadable.seen_as(products, "a product"), aliases, report)
        Provider.objects.filter(pk=provider.pk).update(
            status=Provider.Status.UP, last_error="", last_synced_at=timezone.now(), sync_problems=report.problems)
        if flagged:
            notices.policies_unreadable(provider, flagged)
    if report.problems:
        log.warning("sync of provider %s skipped %d policy(ies)", provider, len(report.problems),
                    extra={"problems": report.problems[:20]})
    log.info("synced provider %s", provider, extra={"writes": report.writes, "ignored": report.ignored})
    return report


ApiRow = tuple[str, str, str, str, str]  # (api_id, name, listen_path, auth_type, gateway_document)
GATEWAY_FIELDS = ("name", "listen_path", "auth_type", "gateway_document")


def update_apis(product: Product, rows: list[ApiRow], *, new: bool = False) -> bool:
    """Make `product`'s APIs those of `rows`, matched by API ID: an API still in the product keeps
    its row, its ID and every field the portal owns (its document, which document is shown);
    only the gateway's fields change. APIs no longer in the policy go, new ones are added.
    `new`: the product has no APIs yet (one query less per product on a first sync).
    Returns whether anything changed."""
    current: dict[str, ProductAPI] = {}
    extra: list[int] = []  # APIs not in the policy, and the later twins of an API listed twice
    wanted = {row[0] for row in rows}
    for api in ([] if new else sorted(product.apis.all(), key=lambda a: a.pk)):
        if api.api_id in wanted and api.api_id not in current:
            current[api.api_id] = api
        else:
            extra.append(api.pk)
    if extra:
        ProductAPI.objects.filter(pk__in=extra).delete()
    changed = bool(extra)
    added: list[ProductAPI] = []
    for api_id, *gateway in rows:
        values = dict(zip(GATEWAY_FIELDS, gateway, strict=True))
        known = current.get(api_id)
        if known is None:
            added.append(ProductAPI(product=product, api_id=api_id, **values))
            continue
        fields = [k for k, v in values.items() if getattr(known, k) != v]
        for k in fields:
            setattr(known, k, values[k])
        if fields:
            known.save(update_fields=fields)
            changed = True
    if added:
        ProductAPI.objects.bulk_create(added)
        # bulk_create sends no signals: the page cache and the search index are told here (a sync
        # defers both to its end: forecourt.deferral).
        page_cache.bump()
        search.index_products([product.pk])
        changed = True
    if changed and hasattr(product, "_prefetched_objects_cache"):
        product._prefetched_objects_cache.pop("apis", None)
    return changed


def product_values(policy: dict[str, Any], apis: dict[str, ApiInfo]) -> dict[str, Any]:
    rights = policy.get("access_rights") or {}
    if not isinstance(rights, dict):
        raise ValueError("access_rights is not an object")
    rows = []
    for api_id in sorted(rights):
        info = apis.get(api_id)
        if info is None:
            raise ValueError(f"it references the API {api_id}, which does not exist")
        rows.append((api_id, info.name, info.listen_path, info.auth_type, info.document))
    if not rows:
        raise ValueError("it grants access to no API")
    tags = [str(t) for t in policy.get("tags") or []]
    return {"name": policy["name"].strip()[:255], "tags": tags, "apis": rows}


def plan_values(policy: dict[str, Any]) -> dict[str, Any]:
    rate, per = _int(policy.get("rate", 0), "rate"), _int(policy.get("per", 0), "per")
    quota, renewal = _int(policy.get("quota_max", -1), "quota_max"), _int(policy.get("quota_renewal_rate", 0),
                                                                          "quota_renewal_rate")
    expires = _int(policy.get("key_expires_in", 0), "key_expires_in")
    return {
        "name": policy["name"].strip()[:255],
        "rate_unlimited": rate <= 0 or per <= 0, "rate_limit": max(rate, 0), "rate_per": max(per, 0),
        "quota_unlimited": quota < 0, "quota_max": max(quota, 0), "quota_renewal_seconds": max(renewal, 0),
        "key_expires_in": max(expires, 0),
    }


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)[:200] or "product"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


@dataclass
class _Existing(Generic[Row]):
    rows: dict[str, Row]  # by the key of the policy each mirrors
    busy: set[str]  # keys of policies whose item is being written by the portal: leave them alone
    unreadable: list[tuple[Row, str]]  # items whose policy is there but cannot be read, with why

    def gone(self, wanted: dict[str, Any]) -> list[int]:
        return [row.pk for key, row in self.rows.items() if key not in wanted and not row.hidden_by_sync]


def _existing(rows: Iterable[Row], wanted: dict[str, Any], unreadable: Unreadable,
              aliases: dict[str, str]) -> _Existing[Row]:
    """This provider's items by the policy each mirrors.

    An item matches a policy by the Dashboard's ID (`_id`), or by the policy ID a push from the
    portal gave it (`id`), until the push records the Dashboard's ID. Items without a policy yet,
    and items whose portal changes are being written (push pending or failed), are the portal's
    to change: the sync neither updates nor hides them, nor imports their policy as a new item.
    Items whose policy cannot be read are set apart: they keep their state.
    """
    known = set(wanted) | set(unreadable.by_key)
    by_custom = {aliases[key]: key for key in known if key in aliases}
    existing: _Existing[Row] = _Existing({}, set(), [])
    for row in rows:
        ref = row.reference_id
        if not ref:
            continue
        key = ref if ref in known else by_custom.get(ref, ref)
        why = None if key in wanted else unreadable.reason(key, row)
        if row.push_state:
            existing.busy.add(key)
        elif why is not None:
            existing.unreadable.append((row, why))
        else:
            existing.rows[key] = row
    return existing


def _flag(existing: _Existing[Row], report: Report) -> list[Row]:
    """Record why each unreadable item's policy could not be read; the items newly flagged."""
    newly: list[Row] = []
    reported = {p["policy"] for p in report.problems}
    for row, why in existing.unreadable:
        if row.reference_id not in reported:
            report.problems.append({"policy": row.reference_id or "?", "name": row.name, "reason": why})
        if row.sync_problem == why:
            continue
        if not row.sync_problem:
            newly.append(row)
            row.sync_problem_since = timezone.now()
        row.sync_problem = why
        type(row).objects.filter(pk=row.pk).update(sync_problem=why, sync_problem_since=row.sync_problem_since)
    return newly


def _clear_problem(row: Product | Plan, changed: list[str]) -> None:
    if row.sync_problem:
        row.sync_problem, row.sync_problem_since = "", None
        changed += ["sync_problem", "sync_problem_since"]


def _apply_products(provider: Provider, wanted: dict[str, dict[str, Any]], unreadable: Unreadable,
                    aliases: dict[str, str], report: Report) -> list[Product | Plan]:
    existing = _existing(Product.objects.filter(provider=provider).prefetch_related("apis"), wanted, unreadable,
                         aliases)
    new = set(wanted) - set(existing.rows) - existing.busy
    taken = set(Product.objects.values_list("slug", flat=True)) if new else set()
    for pid, values in wanted.items():
        if pid in existing.busy:
            continue
        product = existing.rows.get(pid)
        if product is None:
            product = Product.objects.create(
                provider=provider, reference_id=pid, name=values["name"], display_name=values["name"],
                slug=_unique_slug(values["name"], taken), tags=values["tags"])
            update_apis(product, values["apis"], new=True)
            report.products_created += 1
            continue
        changed = []
        if product.reference_id != pid:  # matched by the ID a push gave it: keep the Dashboard's
            product.reference_id = pid
            changed.append("reference_id")
        if product.name != values["name"]:
            if product.display_name == product.name:  # the display name was never customised: follow renames
                product.display_name = values["name"]
                changed.append("display_name")
            product.name = values["name"]
            changed.append("name")
        if product.tags != values["tags"]:
            product.tags = values["tags"]
            changed.append("tags")
        if product.hidden_by_sync:
            product.hidden_by_sync = False
            changed.append("hidden_by_sync")
            report.restored += 1
        _clear_problem(product, changed)
        if update_apis(product, values["apis"]):
            changed.append("updated_at")
        if changed:
            product.save(update_fields=[*set(changed), "updated_at"])
            report.products_updated += 1
    gone = existing.gone(wanted)
    if gone:
        report.hidden += Product.objects.filter(pk__in=gone).update(hidden_by_sync=True, updated_at=timezone.now())
        page_cache.bump()  # update() sends no signal
    return list(_flag(existing, report))


def _apply_plans(provider: Provider, wanted: dict[str, dict[str, Any]], unreadable: Unreadable,
                 aliases: dict[str, str], report: Report) -> list[Product | Plan]:
    existing = _existing(Plan.objects.filter(provider=provider), wanted, unreadable, aliases)
    for pid, values in wanted.items():
        if pid in existing.busy:
            continue
        plan = existing.rows.get(pid)
        if plan is None:
            Plan.objects.create(provider=provider, reference_id=pid, display_name=values["name"], **values)
            report.plans_created += 1
            continue
        changed = [k for k, v in values.items() if getattr(plan, k) != v]
        if plan.reference_id != pid:
            plan.reference_id = pid
            changed.append("reference_id")
        if plan.display_name == plan.name and "name" in changed:
            plan.display_name = values["name"]
            changed.append("display_name")
        if plan.hidden_by_sync:
            plan.hidden_by_sync = False
            changed.append("hidden_by_sync")
            report.restored += 1
        _clear_problem(plan, changed)
        if changed:
            for key in changed:
                if key in values:
                    setattr(plan, key, values[key])
            plan.save(update_fields=[*set(changed), "updated_at"])
            report.plans_updated += 1
    gone = existing.gone(wanted)
    if gone:
        report.hidden += Plan.objects.filter(pk__in=gone).update(hidden_by_sync=True, updated_at=timezone.now())
        page_cache.bump()
    return list(_flag(existing, report))
