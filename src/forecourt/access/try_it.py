"""Which of a developer's credentials may try a product's APIs from its docs page (issue 19).

THE rule, called by the docs page (what the "Try it" panel offers) and by the portal's try-it
proxy (who may send through it): the live credentials of the apps the user may see
(`visibility.visible_apps`, the one rule of who sees an app) that an approved access request
gave for that product. Never the secret: the portal shows a secret once (`reveal.py`) and cannot
give it back, so the developer pastes it into the page, which keeps it in its own memory.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from forecourt.catalog.models import Product
from forecourt.oauth.models import OAuthProvider

from .models import AccessRequest, Credential
from .visibility import visible_apps


def usable_credentials(user: Any, product: Product) -> QuerySet[Credential]:
    """The user's active, unexpired credentials for `product`, newest first, with their apps."""
    return (Credential.objects.filter(app__in=visible_apps(user), status=Credential.Status.ACTIVE,
                                      access_request__status=AccessRequest.Status.APPROVED,
                                      access_request__products=product)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
            .select_related("app").distinct().order_by("-created_at", "-pk"))


def may_try(user: Any, product: Product) -> bool:
    """Whether `user` has a credential to try `product`'s APIs with (who may use the try-it proxy)."""
    return usable_credentials(user, product).exists()


def discovery_urls(credentials: list[Credential]) -> dict[int, str]:
    """For the OAuth clients an identity provider registered (DCR), its discovery document's URL by
    credential ID (one query): the page reads the token and authorization endpoints from it, so a
    provider's endpoints are never copied into the portal. A Tyk OAuth client's token endpoint is
    the gateway's, which the portal does not name yet: those clients have none here."""
    wanted: dict[int, int] = {}
    for c in credentials:
        provider = c.provider_data.get("oauth_provider_id") if isinstance(c.provider_data, dict) else None
        if c.type == Credential.Type.DCR_CLIENT and isinstance(provider, int):
            wanted[c.pk] = provider
    urls: dict[int, str] = dict(OAuthProvider.objects.filter(pk__in=set(wanted.values()))
                                .values_list("pk", "well_known_url")) if wanted else {}
    return {pk: urls[provider] for pk, provider in wanted.items() if urls.get(provider)}
