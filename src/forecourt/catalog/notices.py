"""What the admins hear when a sync cannot read the policy of a published product or plan.

The item stays as it was last read (see forecourt.providers.sync); this is how the admins learn
that it no longer follows its policy. Called once per item, when its problem first appears,
inside the sync's transaction: the e-mail and the webhook events are rows written with the flag.
It lives with the products and plans, not in providers/, which never imports webhooks (the
providers' and the webhooks' SSRF policies stay apart: tests/test_netguard.py).
"""

from typing import Any, Protocol

from django.conf import settings
from django.urls import reverse

from forecourt.notify import email
from forecourt.portalconfig.models import PortalSettings
from forecourt.webhooks import events

from .models import Product


class Provider(Protocol):
    """What is said of the provider (a forecourt.providers Provider: providers sits above catalog)."""

    @property
    def pk(self) -> Any: ...

    @property
    def name(self) -> str: ...

EVENT = "ProviderPolicyUnreadable"


def _admin_link(item: Any) -> str:
    root = getattr(settings, "PUBLIC_URL", "")
    slug = "products" if isinstance(item, Product) else "plans"
    path = reverse("adminportal:resource_edit", kwargs={"slug": slug, "pk": item.pk})
    return root.rstrip("/") + path if root else path


def policies_unreadable(provider: Provider, items: list[Any]) -> None:
    """One webhook event per item, one e-mail (to the admin notification address) for them all."""
    rows = []
    for item in items:
        kind = "product" if isinstance(item, Product) else "plan"
        events.emit(EVENT, {"ID": item.pk, "Type": kind, "Name": item.display_name, "ProviderID": provider.pk,
                            "Provider": provider.name, "PolicyID": item.reference_id or "",
                            "Reason": item.sync_problem})
        rows.append({"kind": kind, "name": item.display_name, "policy": item.reference_id or "",
                     "reason": item.sync_problem, "admin_url": _admin_link(item)})
    address = PortalSettings.load().admin_notification_address
    if address and rows:
        email.send([address], "policy_unreadable", {"provider_name": provider.name, "items": rows})
