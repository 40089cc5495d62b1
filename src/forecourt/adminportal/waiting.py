"""The dashboard's "things waiting": work an admin should pick up, each a count and a link to the
list that shows exactly those rows.

Why one query: the counts are read on every visit to the dashboard, and the tables behind them
(access requests, webhook deliveries) are the biggest the portal has. Each count is capped
(counting.count_each reads at most CAP + 1 rows of each) and all of them go in one round trip. A
kind with nothing waiting is not shown at all: the dashboard speaks only of what needs doing.

Items whose write to the provider failed have no list filter of their own, so they are named (the
first few, each linked to its page, where the provider's error is shown): one more query, made
only when there are some.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, QuerySet
from django.urls import reverse

from forecourt.access.models import AccessRequest
from forecourt.accounts.models import OrganisationRequest
from forecourt.catalog.models import Plan, Product, PushState
from forecourt.providers.models import Provider
from forecourt.webhooks.models import Delivery, Webhook

from . import counting

NAMED = 5  # items named per kind whose write to the provider failed


@dataclass(frozen=True)
class Waiting:
    key: str
    count: counting.RowCount
    label: str  # what the count counts, singular or plural to agree with it
    url: str
    items: list[tuple[str, str]] = field(default_factory=list)  # (name, URL) of some of them


def _list(slug: str, query: str = "") -> str:
    return reverse("adminportal:resource_list", kwargs={"slug": slug}) + query


def failing_webhooks() -> QuerySet[Webhook]:
    """Enabled webhooks whose latest finished delivery failed. Failed deliveries stay in the log for
    good (a replay is a new delivery), so counting them would never fall back to zero; a webhook is
    failing until a later delivery to it succeeds.

    The latest is the highest ID: deliveries are only ever appended (a retry updates its row, a replay
    adds one), so IDs grow with time. One GROUP BY over the finished deliveries finds them all; a
    subquery per webhook ordered by time was planned as a scan of every delivery for every webhook on
    PostgreSQL without fresh statistics (10,000 webhooks: 10 s; tests/test_admin_scale.py).
    """
    latest = (Delivery.objects.exclude(status=Delivery.Status.PENDING).values("endpoint")
              .annotate(last=Max("id")).values("last"))
    failed = Delivery.objects.filter(id__in=latest, status=Delivery.Status.FAILED).values("endpoint")
    return Webhook.objects.filter(enabled=True, id__in=failed)


# key, queryset, (singular, plural) label, list URL (slug, query)
def _kinds() -> list[tuple[str, QuerySet[Any], tuple[str, str], str]]:
    return [
        ("access-requests", AccessRequest.objects.filter(status=AccessRequest.Status.PENDING),
         ("access request to decide", "access requests to decide"), _list("access-requests", "?status=pending")),
        ("organisation-requests", OrganisationRequest.objects.filter(status=OrganisationRequest.Status.PENDING),
         ("organisation request to decide", "organisation requests to decide"),
         _list("organisation-requests", "?status=pending")),
        ("provisioning", AccessRequest.objects.filter(status=AccessRequest.Status.APPROVED,
                                                      provisioning=AccessRequest.Provisioning.FAILED),
         ("approved request without its credential", "approved requests without their credential"),
         _list("access-requests", "?status=approved&provisioning=failed")),
        ("webhooks", failing_webhooks(),
         ("webhook failing: its last delivery failed", "webhooks failing: their last delivery failed"),
         _list("webhook-deliveries", "?status=failed")),
        ("providers", Provider.objects.filter(status=Provider.Status.DOWN),
         ("provider unreachable at the last sync", "providers unreachable at the last sync"),
         _list("providers", "?status=down")),
        ("product-sync", Product.objects.filter(sync_problem_since__isnull=False),
         ("product whose policy is unreadable", "products whose policy is unreadable"),
         _list("products", "?sync_problem=1")),
        ("plan-sync", Plan.objects.filter(sync_problem_since__isnull=False),
         ("plan whose policy is unreadable", "plans whose policy is unreadable"), _list("plans", "?sync_problem=1")),
        ("product-push", Product.objects.filter(push_state=PushState.FAILED),
         ("product not written to its provider", "products not written to their provider"),
         _list("products", "?push_failed=1")),
        ("plan-push", Plan.objects.filter(push_state=PushState.FAILED),
         ("plan not written to its provider", "plans not written to their provider"),
         _list("plans", "?push_failed=1")),
    ]


def _named(key: str) -> list[tuple[str, str]]:
    """Some of the items whose write to the provider failed, with their pages."""
    model: type[Product] | type[Plan] = Product if key == "product-push" else Plan
    slug = "products" if model is Product else "plans"
    rows = model.objects.filter(push_state=PushState.FAILED).order_by("display_name", "pk").values_list(
        "pk", "display_name")[:NAMED]
    return [(name, reverse("adminportal:resource_edit", kwargs={"slug": slug, "pk": pk})) for pk, name in rows]


def build() -> list[Waiting]:
    """What is waiting, most urgent first; kinds with nothing waiting left out."""
    kinds = _kinds()
    counts = counting.count_each([queryset for _, queryset, _, _ in kinds])
    found = []
    for (key, _, (one, many), url), rows in zip(kinds, counts, strict=True):
        if not rows.value:
            continue
        items = _named(key) if key.endswith("-push") else []
        found.append(Waiting(key, rows, one if rows.is_one else many, url, items))
    return found

