"""Sample context for the search page, for theme validation (docs/themes.md documents it)."""

from typing import Any

from markupsafe import Markup

SAMPLES: dict[str, dict[str, Any]] = {
    "views/search.html": {
        "page": {"title": "Search: payments"},
        "q": "payments",
        "hits": [
            {"kind": "product", "label": "Product", "title": "Payments API", "url": "/catalogue-products/payments",
             "snippet": Markup("Take <mark>payments</mark> by card."), "product": "Payments API", "method": "",
             "path": ""},
            {"kind": "operation", "label": "API operation", "title": "Refund a payment",
             "url": "/catalogue-products/payments/1/docs",
             "snippet": Markup("Refunds part or all of <mark>payments</mark>. POST /refunds"),
             "product": "Payments API", "method": "POST", "path": "/refunds"},
            {"kind": "post", "label": "Blog post", "title": "New payments", "url": "/blog/new-payments",
             "snippet": Markup("<mark>Payments</mark> in euros."), "product": "", "method": "", "path": ""},
        ],
        "pagination": {"page": 2, "previous_url": "/search?q=payments", "next_url": "/search?q=payments&page=3"},
    },
}
