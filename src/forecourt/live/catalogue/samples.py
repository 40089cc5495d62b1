"""Sample context for each catalogue page and partial, for theme validation (`forecourt theme validate` renders
every template with it). docs/themes.md documents what each view gets; these values show it."""

from typing import Any

_PLAN = {"id": 1, "name": "Gold", "description": "For production traffic.",
         "limits": "1,000 requests per minute, 100,000 requests per 30 days", "rate_unlimited": False,
         "rate_limit": 1000, "rate_per": 60, "quota_unlimited": False, "quota_max": 100000,
         "quota_renewal_seconds": 2592000, "key_expires_in": 0, "auto_approve": True}
_API = {"id": 1, "name": "Payments API", "api_id": "payments", "listen_path": "/payments/",
        "auth_type": "authToken", "auth_label": "Auth token", "has_document": True,
        "docs_url": "/catalogue-products/payments/1/docs", "document_url": "/catalogue-products/payments/1/openapi",
        "has_graphql": True, "graphql_url": "/catalogue-products/payments/1/graphql"}
_SPEC = {"id": 1, "name": "Webhooks", "alias": "webhooks", "anchor": "spec-1", "has_document": True,
         "docs_url": "/catalogue-products/payments/specs/1/docs",
         "document_url": "/catalogue-products/payments/specs/1/openapi", "has_graphql": True,
         "graphql_url": "/catalogue-products/payments/specs/1/graphql", "has_asyncapi": True,
         "asyncapi_url": "/catalogue-products/payments/specs/1/asyncapi",
         "asyncapi_document_url": "/catalogue-products/payments/specs/1/asyncapi/document"}
_SUMMARY = {
    "id": 1, "name": "Payments", "slug": "payments", "url": "/catalogue-products/payments",
    "description": "Take card payments.", "logo_url": "/catalogue-products/payments/logo",
    "tags": ["payments", "cards"], "documentation_only": False,
    "auth_types": [{"value": "authToken", "label": "Auth token"}], "apis": [_API],
    "docs": [{"id": 1, "title": "Quick start", "url": "/catalogue-products/payments#doc-1"}], "plans": [_PLAN],
}
_CATALOGUE = {"id": 1, "name": "Public APIs", "visibility": "public"}

SAMPLES: dict[str, dict[str, Any]] = {
    "views/catalogue.html": {
        "page": {"title": "Catalogue"},
        "products": [_SUMMARY, {**_SUMMARY, "id": 2, "slug": "guides", "name": "Guides", "logo_url": None,
                                "documentation_only": True, "apis": [], "plans": [], "auth_types": []}],
        "filters": {"q": "pay", "catalogue": 1, "tag": "payments", "auth": "authToken"},
        "choices": {"catalogues": [_CATALOGUE], "tags": ["cards", "payments"],
                    "auth_types": [{"value": "authToken", "label": "Auth token"}]},
        "pagination": {"page": 2, "pages": 3, "count": 45, "per_page": 20,
                       "previous_url": "/catalogue-products?q=pay", "next_url": "/catalogue-products?q=pay&page=3"},
    },
    "views/product.html": {
        "page": {"title": "Payments"},
        "product": {**_SUMMARY, "content": "## Overview\n\nSome *Markdown*.",
                    "docs": [{"id": 1, "title": "Quick start", "content": "1. Get a key\n2. Call the API",
                              "anchor": "doc-1"}],
                    "catalogues": [_CATALOGUE], "specs": [_SPEC],
                    "request_access_url": "/apps/request-access?product=payments",
                    "preview_url": "/catalogue-products/payments/preview"},
    },
    "views/api_docs.html": {
        "page": {"title": "Payments API · Payments"},
        "product": {"id": 1, "name": "Payments", "slug": "payments", "description": "Take card payments.",
                    "url": "/catalogue-products/payments"},
        "api": {**{k: _API[k] for k in ("id", "name", "api_id", "listen_path", "auth_type", "auth_label",
                                        "document_url")}, "format": "json",
                "gateway_url": "https://api.example.com/payments/"},
        "renderer": {"name": "stoplight", "script_url": "/static/live/vendor/elements/web-components.min.js",
                     "style_url": "/static/live/vendor/elements/styles.min.css"},
        # The "Try it" panel, for a signed-in developer with a credential for the product (live/catalogue/try_it.py).
        "try_it": {"credentials": [{"id": 1, "app": "Checkout", "kind": "key", "kind_label": "API key",
                                    "hint": "3f9a", "label": "Checkout: API key …3f9a"}],
                   "address": "https://api.example.com/payments/", "key": {"in": "header", "name": "Authorization"},
                   "proxy_url": "", "origins": [], "callback_url": "/portal/try-it/callback",
                   "script_url": "/static/live/try-it.js"},
    },
}
SAMPLES["views/try_it_callback.html"] = {"page": {"title": "Signing in"},
                                         "script_url": "/static/live/try-it-callback.js"}
SAMPLES["views/graphql_docs.html"] = {
    "page": {"title": "Payments GraphQL · Payments"},
    "product": SAMPLES["views/api_docs.html"]["product"],
    "graphql": {"name": "Payments GraphQL", "endpoint": "https://api.example.com/payments/graphql",
                "introspection": {"__schema": {"queryType": {"name": "Query"}, "types": []}},
                "scripts": ["/static/live/vendor/react/react.production.min.js",
                            "/static/live/vendor/react/react-dom.production.min.js",
                            "/static/live/vendor/graphiql/graphiql.min.js", "/static/live/graphiql-start.js"],
                "style_url": "/static/live/vendor/graphiql/graphiql.min.css"},
}
SAMPLES["views/asyncapi_docs.html"] = {
    "page": {"title": "Payment events · Payments"},
    "product": SAMPLES["views/api_docs.html"]["product"],
    "asyncapi": {"name": "Payment events", "title": "Payment events", "version": "1.0.0", "asyncapi": "3.0.0",
                 "channels": 2, "operations": 3, "format": "yaml",
                 "document_url": "/catalogue-products/payments/specs/1/asyncapi/document",
                 "scripts": ["/static/live/vendor/asyncapi/asyncapi-standalone.js", "/static/live/asyncapi-start.js"],
                 "style_url": "/static/live/vendor/asyncapi/default.min.css"},
}
# Partials are validated on their own too, with what their includers give them.
SAMPLES["partials/catalogue_product_card.html"] = {"product": _SUMMARY}
SAMPLES["partials/product_logo.html"] = {"product": _SUMMARY, "size": "small"}
SAMPLES["partials/catalogue_plans.html"] = {"plans": [_PLAN]}
SAMPLES["partials/catalogue_pagination.html"] = {"pagination": SAMPLES["views/catalogue.html"]["pagination"]}
# The home page (live/catalogue/home.py): featured cards as the catalogue's, and the steps to a key.
SAMPLES["views/home.html"] = {
    "page": {"title": "Home", "path": "/", "template": "home"},
    "featured": SAMPLES["views/catalogue.html"]["products"],
    "steps": [
        {"number": 1, "state": "done", "title": "Create an account", "text": "Sign up.",
         "url": "/auth/password/register", "action": "Sign up"},
        {"number": 2, "state": "current", "title": "Create an app and request access", "text": "Pick a plan.",
         "url": "/apps/new", "action": "Create an app"},
        {"number": 3, "state": "todo", "title": "Get your credentials", "text": "Copy your key.",
         "url": "/dashboard", "action": "Open your dashboard"},
    ],
}
