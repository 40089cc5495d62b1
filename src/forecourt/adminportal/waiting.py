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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils.translation import ngettext

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


# key, queryset, label for a count (ngettext: singular or plural, in the admin's language), list URL
def _kinds() -> list[tuple[str, QuerySet[Any], Callable[[int], str], str]]:
    return [
        ("access-requests", AccessRequest.objects.filter(status=AccessRequest.Status.PENDING),
         lambda n: ngettext("access request to decide", "access requests to decide", n),
         _list("access-requests", "?status=pending")),
        ("organisation-requests", OrganisationRequest.objects.filter(status=OrganisationRequest.Status.PENDING),
         lambda n: ngettext("organisation request to decide", "organisation requests to decide", n),
         _list("organisation-requests", "?status=pending")),
        ("provisioning", AccessRequest.objects.filter(status=AccessRequest.Status.APPROVED,
                                                      provisioning=AccessRequest.Provisioning.FAILED),
         lambda n: ngettext("approved request without its credential", "approved requests without their credential", n),
         _list("access-requests", "?status=approved&provisioning=failed")),
        ("webhooks", failing_webhooks(),
         lambda n: ngettext("webhook failing: its last delivery failed",
                            "webhooks failing: their last delivery failed", n),
         _list("webhook-deliveries", "?status=failed")),
        ("providers", Provider.objects.filter(status=Provider.Status.DOWN),
         lambda n: ngettext("provider unreachable at the last sync", "providers unreachable at the last sync", n),
         _list("providers", "?status=down")),
        ("product-sync", Product.objects.filter(sync_problem_since__isnull=False),
         lambda n: ngettext("product whose policy is unreadable", "products whose policy is unreadable", n),
         _list("products", "?sync_problem=1")),
        ("plan-sync", Plan.objects.filter(sync_problem_since__isnull=False),
         lambda n: ngettext("plan whose policy is unreadable", "plans whose policy is unreadable", n),
         _list("plans", "?sync_problem=1")),
        ("product-push", Product.objects.filter(push_state=PushState.FAILED),
         lambda n: ngettext("product not written to its provider", "products not written to their provider", n),
         _list("products", "?push_failed=1")),
        ("plan-push", Plan.objects.filter(push_state=PushState.FAILED),
         lambda n: ngettext("plan not written to its provider", "plans not written to their provider", n),
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
    for (key, _, label, url), rows in zip(kinds, counts, strict=True):
        if not rows.value:
            continue
        items = _named(key) if key.endswith("-push") else []
        # The count's own number picks the plural form (a capped count, "10,000+", counts as 10,000).
        found.append(Waiting(key, rows, label(rows.value), url, items))
    return found

