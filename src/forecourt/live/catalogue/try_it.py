"""The docs page's "Try it" panel data: plain values the theme writes into the page as JSON
(`tojson` in a `<script type="application/json">`, never script) for static/live/try-it.js.

Only what the signed-in user may see for this product (`access.try_it.usable_credentials`):
each credential's label, app, kind and hint, an OAuth client's ID (not a secret) and where it gets
tokens (its identity provider's discovery document, or for the provider's own clients the gateway's
token endpoint), never a secret;
where the API takes a key (`ProductAPI.key_in` / `key_name`, from the sync); the API's address at
the gateway; the proxy's URL when the operator turned it on.
"""

from typing import Any
from urllib.parse import urlsplit

from forecourt.access.models import Credential
from forecourt.access.try_it import discovery_urls, usable_credentials
from forecourt.catalog.models import Product, ProductAPI
from forecourt.providers import registry
from forecourt.themes.urls_names import reverse_live


def origin(url: str) -> str:
    """The scheme://host[:port] of an http(s) URL, for the page's connect-src; "" if unusable."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in parts.netloc for c in " ;,'\"\\"):
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def _gateway_token_url(product: Product, address: str) -> str:
    """Where the provider's own OAuth clients (Tyk's) get tokens for this API: its gateway's token
    endpoint, which only the provider's integration knows (`ProviderClient.oauth_token_url`)."""
    if product.provider is None:
        return ""
    try:
        return registry.client_for(product.provider).oauth_token_url(address)
    except registry.NoClient:
        return ""


def panel(user: Any, product: Product, api: ProductAPI, address: str, *, proxy: bool) -> dict[str, Any] | None:
    """The panel's data, or None when there is nothing to try with (signed out, no credential for
    the product, or no gateway address to call)."""
    if not address:
        return None
    found = list(usable_credentials(user, product))
    discovery = discovery_urls(found)
    gateway_token_url = _gateway_token_url(product, address) if any(
        c.type == Credential.Type.OAUTH2_CLIENT for c in found) else ""
    credentials = [{"id": c.pk, "app": c.app.name, "kind": c.type, "kind_label": str(c.get_type_display()),
                    "hint": c.secret_hint, "label": f"{c.app.name}: {c.get_type_display()} …{c.secret_hint}",
                    **({"client_id": c.provider_reference, "discovery_url": discovery.get(c.pk, ""),
                        "token_url": gateway_token_url if c.type == Credential.Type.OAUTH2_CLIENT else "",
                        "scope": str((c.provider_data or {}).get("scope") or "")} if c.is_oauth_client else {})}
                   for c in found]
    if not credentials:
        return None
    return {"credentials": credentials, "address": address,
            "origins": sorted({o for o in map(origin, [*discovery.values(), gateway_token_url]) if o}),
            "callback_url": reverse_live("try_it_callback"),

            "key": {"in": api.key_in, "name": api.key_name},
            "proxy_url": reverse_live("try_it_proxy", product.slug, api.pk) if proxy else ""}
