"""Synchronising a provider's catalogue into products and plans: the portal's half, for any gateway.

The provider's integration reads its gateway and answers plain records
(`ProviderClient.read_catalogue()`: a `Catalogue` of `WantedProduct`, `WantedPlan` and
`WantedAPI`, each under the key of the gateway object it mirrors, e.g. a Tyk policy's ID; how a
gateway's objects become these records is the integration's own, e.g.
forecourt.providers.tyk.sync_mapping). This module knows no gateway's field: it holds the lock
(one sync per provider at a time, across processes and replicas), applies the records to the
catalogue and reports.

Where Tyk's portal aborts the whole sync on one bad policy, the integration skips that policy and
says why (`Catalogue.problems`), and the rest is synced. A product or plan whose policy cannot be
read keeps its last good state and stays published (keys made from it still work at the
gateway), with the reason on the item (`sync_problem`) and, the first time, an e-mail and a
webhook event to the admins. A product or plan whose policy disappeared, was untagged or
deactivated is hidden (not deleted): it keeps its portal-side settings and comes back when the
policy does.

A product's APIs are updated in place, by their API ID: a sync changes what the gateway owns
(name, listen path, auth type, the gateway's document) and never the portal's document, and an
API's row (so its docs URL) lives as long as the API stays in the product.

A sync that finds no change writes no product or plan. What the sync writes is indexed for
search, and the page cache's revision bumped, once per sync at the end of its transaction, not
once per product.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from forecourt.catalog import notices, search
from forecourt.catalog.models import Plan, Product, ProductAPI
from forecourt.pagecache import revision as page_cache
from forecourt.sitesearch import indexing as site_search

from . import registry
from .models import Provider

if TYPE_CHECKING:
    from .interfaces import ProviderClient

log = logging.getLogger("forecourt.providers.sync")

Row = TypeVar("Row", Product, Plan)

LOCK_FOR = timedelta(minutes=10)  # a sync whose process died frees the provider after this


# -- what a provider answers -------------------------------------------------------------------

class WantedAPI(NamedTuple):
    """One API of a product, as the gateway has it (the fields of ProductAPI the gateway owns)."""

    api_id: str
    name: str
    listen_path: str
    auth_type: str  # "authToken", "oauth2", "jwt", "basic", "keyless"
    gateway_document: str  # the gateway's OpenAPI document as JSON, "" when it has none
    gateway_graphql_schema: str = ""  # a GraphQL API's schema (SDL) at the gateway, "" when it is not one
    key_in: str = "header"  # where the gateway reads an API key: "header" or "query"
    key_name: str = "Authorization"  # the header's or the query parameter's name


GATEWAY_FIELDS = ("name", "listen_path", "auth_type", "gateway_document", "gateway_graphql_schema", "key_in",
                  "key_name")


@dataclass(frozen=True)
class WantedProduct:
    name: str
    tags: list[str]
    apis: list[WantedAPI]


@dataclass(frozen=True)
class WantedPlan:
    """A plan's limits (the fields of Plan the gateway owns); 0 / unlimited where there is none."""

    name: str
    rate_unlimited: bool
    rate_limit: int
    rate_per: int
    quota_unlimited: bool
    quota_max: int
    quota_renewal_seconds: int
    key_expires_in: int

    def values(self) -> dict[str, str | int | bool]:
        return asdict(self)


@dataclass
class Unreadable:
    """Gateway objects meant for the portal that the integration cannot read. An item that mirrors
    one keeps its last good state, flagged with the reason, instead of being hidden."""

    by_key: dict[str, str] = field(default_factory=dict)  # the object's key -> why
    by_name: dict[str, str] = field(default_factory=dict)  # for objects without a key: name -> why

    def reason(self, key: str, row: Product | Plan) -> str | None:
        return self.by_key.get(key) or self.by_name.get(row.name)


@dataclass
class Catalogue:
    """What a provider offers the portal, as its integration read it (`read_catalogue()`)."""

    products: dict[str, WantedProduct] = field(default_factory=dict)  # by key
    plans: dict[str, WantedPlan] = field(default_factory=dict)
    # Skipped objects, reported (Provider.sync_problems): {"policy": key, "name": ..., "reason": ...}
    problems: list[dict[str, str]] = field(default_factory=list)
    # Why a product (a plan) mirroring a key cannot follow it: unreadable, or now of the other kind.
    products_unreadable: Unreadable = field(default_factory=Unreadable)
    plans_unreadable: Unreadable = field(default_factory=Unreadable)
    # A gateway key -> another key the same object is known by (e.g. the ID a push from the portal
    # gave it before the gateway gave it its own): an item is matched by either.
    aliases: dict[str, str] = field(default_factory=dict)
    ignored: int = 0  # objects not for the portal


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


# -- the lock ----------------------------------------------------------------------------------

def _acquire(provider_id: int) -> bool:
    now = timezone.now()
    claimed = Provider.objects.filter(Q(sync_lock_until__isnull=True) | Q(sync_lock_until__lt=now),
                                      pk=provider_id).update(sync_lock_until=now + LOCK_FOR)
    return claimed == 1


def _release(provider_id: int) -> None:
    Provider.objects.filter(pk=provider_id).update(sync_lock_until=None)


# -- the sync ----------------------------------------------------------------------------------

def sync(provider: Provider, client: ProviderClient | None = None) -> Report:
    """Synchronise one provider (through `client`, else its registered integration).
    Raises AlreadyRunning if another process is at it, ProviderError if the provider cannot be read."""
    if not _acquire(provider.pk):
        raise AlreadyRunning(f"a synchronisation of {provider} is already running")
    try:
        return _sync(provider, client or registry.client_for(provider))
    finally:
        _release(provider.pk)


def _sync(provider: Provider, client: ProviderClient) -> Report:
    try:
        catalogue = client.read_catalogue()
    except registry.ProviderError as exc:
        # Down is not "every policy was deleted": change nothing but the provider's status.
        Provider.objects.filter(pk=provider.pk).update(status=Provider.Status.DOWN, last_error=str(exc))
        log.warning("sync of provider %s failed: %s", provider, exc)
        raise
    report = Report(ignored=catalogue.ignored, problems=list(catalogue.problems))
    # Each product saved would rewrite its search index rows and bump the page cache's revision (by
    # signal or explicit call): inside these blocks they are written once, for all, before the commit.
    with transaction.atomic(), page_cache.deferred(), search.deferred(), site_search.deferred():
        flagged = _apply_products(provider, catalogue, report)
        flagged += _apply_plans(provider, catalogue, report)
        Provider.objects.filter(pk=provider.pk).update(
            status=Provider.Status.UP, last_error="", last_synced_at=timezone.now(), sync_problems=report.problems)
        if flagged:
            notices.policies_unreadable(provider, flagged)
    if report.problems:
        log.warning("sync of provider %s skipped %d policy(ies)", provider, len(report.problems),
                    extra={"problems": report.problems[:20]})
    log.info("synced provider %s", provider, extra={"writes": report.writes, "ignored": report.ignored})
    return report


def update_apis(product: Product, apis: Iterable[WantedAPI], *, new: bool = False) -> bool:
    """Make `product`'s APIs those of `apis`, matched by API ID: an API still in the product keeps
    its row, its ID and every field the portal owns (its document, which document is shown);
    only the gateway's fields change. APIs no longer in the policy go, new ones are added.
    `new`: the product has no APIs yet (one query less per product on a first sync).
    Returns whether anything changed."""
    current: dict[str, ProductAPI] = {}
    extra: list[int] = []  # APIs not in the policy, and the later twins of an API listed twice
    rows = [WantedAPI(*api) for api in apis]  # plain 5-tuples too (no GraphQL schema)
    wanted = {row.api_id for row in rows}
    for api in ([] if new else sorted(product.apis.all(), key=lambda a: a.pk)):
        if api.api_id in wanted and api.api_id not in current:
            current[api.api_id] = api
        else:
            extra.append(api.pk)
    if extra:
        ProductAPI.objects.filter(pk__in=extra).delete()
    changed = bool(extra)
    added: list[ProductAPI] = []
    for row in rows:
        values = {name: getattr(row, name) for name in GATEWAY_FIELDS}
        known = current.get(row.api_id)
        if known is None:
            added.append(ProductAPI(product=product, api_id=row.api_id, **values))
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
        site_search.index_products([product.pk])
        changed = True
    if changed and hasattr(product, "_prefetched_objects_cache"):
        product._prefetched_objects_cache.pop("apis", None)
    return changed


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

    def gone(self, wanted: Mapping[str, object]) -> list[int]:
        return [row.pk for key, row in self.rows.items() if key not in wanted and not row.hidden_by_sync]


def _existing(rows: Iterable[Row], wanted: Mapping[str, object], unreadable: Unreadable,
              aliases: dict[str, str]) -> _Existing[Row]:
    """This provider's items by the policy each mirrors.

    An item matches a policy by the gateway's key for it, or by another key the gateway knows it
    by (`Catalogue.aliases`: e.g. the ID a push from the portal gave it), until the push records
    the gateway's key. Items without a policy yet, and items whose portal changes are being
    written (push pending or failed), are the portal's to change: the sync neither updates nor
    hides them, nor imports their policy as a new item. Items whose policy cannot be read are set
    apart: they keep their state.
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


def _apply_products(provider: Provider, catalogue: Catalogue, report: Report) -> list[Product | Plan]:
    wanted = catalogue.products
    existing = _existing(Product.objects.filter(provider=provider).prefetch_related("apis"), wanted,
                         catalogue.products_unreadable, catalogue.aliases)
    new = set(wanted) - set(existing.rows) - existing.busy
    taken = set(Product.objects.values_list("slug", flat=True)) if new else set()
    for pid, values in wanted.items():
        if pid in existing.busy:
            continue
        product = existing.rows.get(pid)
        if product is None:
            product = Product.objects.create(
                provider=provider, reference_id=pid, name=values.name, display_name=values.name,
                slug=_unique_slug(values.name, taken), tags=values.tags)
            update_apis(product, values.apis, new=True)
            report.products_created += 1
            continue
        changed = []
        if product.reference_id != pid:  # matched by an alias (the ID a push gave it): keep the gateway's key
            product.reference_id = pid
            changed.append("reference_id")
        if product.name != values.name:
            if product.display_name == product.name:  # the display name was never customised: follow renames
                product.display_name = values.name
                changed.append("display_name")
            product.name = values.name
            changed.append("name")
        if product.tags != values.tags:
            product.tags = values.tags
            changed.append("tags")
        if product.hidden_by_sync:
            product.hidden_by_sync = False
            changed.append("hidden_by_sync")
            report.restored += 1
        _clear_problem(product, changed)
        if update_apis(product, values.apis):
            changed.append("updated_at")
        if changed:
            product.save(update_fields=[*set(changed), "updated_at"])
            report.products_updated += 1
    gone = existing.gone(wanted)
    if gone:
        report.hidden += Product.objects.filter(pk__in=gone).update(hidden_by_sync=True, updated_at=timezone.now())
        page_cache.bump()  # update() sends no signal
    return list(_flag(existing, report))


def _apply_plans(provider: Provider, catalogue: Catalogue, report: Report) -> list[Product | Plan]:
    wanted = catalogue.plans
    existing = _existing(Plan.objects.filter(provider=provider), wanted, catalogue.plans_unreadable,
                         catalogue.aliases)
    for pid, plan_wanted in wanted.items():
        values = plan_wanted.values()
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
