"""The rules of OAuth providers and client types that are not a form's: what blocks deleting a provider,
and which client type an access request's products register (THE rule, asked by access/dcr.py)."""

from collections.abc import Iterable

from .models import ClientType, OAuthProvider


def provider_delete_blockers(provider: OAuthProvider, actor: object) -> list[str]:
    """A provider whose client types products still use cannot go: approving access to those products
    would have nowhere to register clients. Detach them first (their credentials stay revocable:
    each keeps its own registration access token and client URI)."""
    used = (ClientType.objects.filter(provider=provider, products__isnull=False)
            .values_list("name", flat=True).distinct().order_by("name"))
    names = list(used[:5])
    if names:
        reason = f"{provider.name} has client types used by products ({', '.join(names)}): take them off the " \
                 "products first."
        return [reason]
    return []


def client_type_for(product_ids: Iterable[int]) -> ClientType | None:
    """The client type an access request for these products registers: the lowest-ID client type of
    any of them (one client per request, as one key is), or None for a product without client types."""
    return (ClientType.objects.select_related("provider").filter(products__in=list(product_ids))
            .order_by("pk").first())


def is_dcr_product(product_id: int) -> bool:
    return ClientType.objects.filter(products=product_id).exists()
