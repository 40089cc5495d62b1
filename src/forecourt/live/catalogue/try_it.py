"""The docs page's "Try it" panel data: plain values the theme writes into the page as JSON
(`tojson` in a `<script type="application/json">`, never script) for static/live/try-it.js.

Only what the signed-in user may see for this product (`access.try_it.usable_credentials`):
each credential's label, app, kind and hint, an OAuth client's ID (not a secret), never a secret;
where the API takes a key (`ProductAPI.key_in` / `key_name`, from the sync); the API's address at
the gateway; the proxy's URL when the operator turned it on.
"""

from typing import Any
from urllib.parse import urlsplit

from forecourt.access.try_it import discovery_urls, usable_credentials
from forecourt.catalog.models import Product, ProductAPI
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


def panel(user: Any, product: Product, api: ProductAPI, address: str, *, proxy: bool) -> dict[str, Any] | None:
    """The panel's data, or None when there is nothing to try with (signed out, no credential for
    the product, or no gateway address to call)."""
    if not address:
        return None
    found = list(usable_credentials(user, product))
    discovery = discovery_urls(found)
    credentials = [{"id": c.pk, "app": c.app.name, "kind": c.type, "kind_label": c.get_type_display(),
                    "hint": c.secret_hint, "label": f"{c.app.name}: {c.get_type_display()} …{c.secret_hint}",
                    **({"client_id": c.provider_reference, "discovery_url": discovery.get(c.pk, ""),
                        "scope": str((c.provider_data or {}).get("scope") or "")} if c.is_oauth_client else {})}
                   for c in found]
    if not credentials:
        return None
    return {"credentials": credentials, "address": address,
            "origins": sorted({o for o in map(origin, discovery.values()) if o}),
            "callback_url": reverse_live("try_it_callback"),

            "key": {"in": api.key_in, "name": api.key_name},
            "proxy_url": reverse_live("try_it_proxy", product.slug, api.pk) if proxy else ""}
