"""Sample context for each developer page and partial, for theme validation (`forecourt theme validate` renders
every template with it). docs/themes.md documents what each view gets; these values show it."""

import datetime
from typing import Any

from ..samples import field

_WHEN = datetime.datetime(2026, 1, 31, 9, 0, tzinfo=datetime.UTC)


_APP_FORM = {
    "fields": {
        "name": field("name", "Name", value="Checkout", maxlength=255, errors=["Give the app a name."]),
        "description": field("description", "Description", "textarea", "Our web shop.", required=False),
        "redirect_urls": field("redirect_urls", "Redirect URLs", "textarea", "https://shop.example.com/callback",
                                required=False, help="One URL per line."),
        "visibility": field("visibility", "Visibility", "select", "team", choices=[
            {"value": "personal", "label": "Personal", "selected": False},
            {"value": "team", "label": "Team", "selected": True},
            {"value": "organisation", "label": "Organisation", "selected": False}]),
    },
    "order": ["name", "description", "redirect_urls", "visibility"],
    "errors": ["Sample form error."],
}
_OWNER = {"id": 1, "name": "Dana Developer", "email": "dev@example.com"}
_APP = {"id": 1, "name": "Checkout", "description": "Our web shop.", "redirect_urls": ["https://shop.example.com/cb"],
        "visibility": "team", "visibility_label": "Team", "visibility_help": "The members of your teams see it.",
        "owner": _OWNER, "is_mine": True, "can_manage": True, "created_at": _WHEN, "url": "/apps/1",
        "live_credentials": 1, "pending_requests": 1}
_USAGE_DAYS = [{"day": f"2026-01-{d:02d}", "requests": 100 + d, "ok": 95 + d, "errors_4xx": 4, "errors_5xx": 1,
                "errors_other": 0, "latency_avg_ms": 40.5, "latency_max_ms": 310.0, "latency_p50_ms": None,
                "latency_p99_ms": None} for d in range(25, 32)]
_USAGE_PAGE = {
    "period": {"label": "the last 7 days", "start": datetime.date(2026, 1, 25), "end": datetime.date(2026, 1, 31),
               "preset": 7, "presets": [{"days": n, "url": f"?days={n}", "current": n == 7} for n in (7, 30, 90)]},
    "period_problem": "The period ends before it starts.",
    "days": _USAGE_DAYS,
    "totals": {"requests": 896, "errors_4xx": 28, "errors_5xx": 7, "errors_other": 0, "latency_avg_ms": 40.5,
               "latency_max_ms": 310.0, "error_rate": 3.91},
    "percentiles": False,
    "refreshed": {"at": _WHEN, "never": False, "problem": True},
}
_APP_LINK = {"id": 1, "name": "Checkout", "url": "/apps/1"}
_PLAN = {"id": 1, "name": "Gold", "description": "For production traffic.",
         "limits": "1,000 requests per minute, no quota", "auto_approve": False}
_REQUEST = {"id": 1, "status": "rejected", "status_label": "Rejected", "state": "rejected", "state_label": "Rejected",
            "reason": "Tell us more about your use case.", "provisioning_failed": False, "app": _APP_LINK,
            "catalogue": {"id": 1, "name": "Public APIs"}, "plan": _PLAN,
            "products": [{"id": 1, "name": "Payments", "slug": "payments"}], "created_at": _WHEN, "decided_at": _WHEN}
_REQUESTS = [_REQUEST, {**_REQUEST, "id": 2, "status": "approved", "status_label": "Approved", "state": "provisioning",
                        "state_label": "Approved: provisioning pending", "reason": "", "provisioning_failed": True}]
_CREDENTIAL = {"id": 1, "type": "key", "type_label": "API key", "status": "active", "status_label": "Active",
               "masked": "…a1b2", "client_id": None, "redirect_url": None, "plan": "Gold", "app": _APP_LINK,
               "created_at": _WHEN, "expires_at": _WHEN, "revoked_at": None, "secret_shown_at": None,
               "replaces_id": None, "being_rotated": False, "secret_waiting": True,
               "reveal_url": "/apps/1/credentials/1/reveal", "rotate_url": "/apps/1/credentials/1/rotate",
               "revoke_url": "/apps/1/credentials/1/revoke",
               "apis": [{"name": "Payments API", "url": "https://api.example.com/payments/",
                         "listen_path": "/payments/", "auth_type": "authToken",
                         "curl": "curl -H 'Authorization: YOUR_KEY' 'https://api.example.com/payments/'",
                         "docs_url": None}]}
_OAUTH = {**_CREDENTIAL, "id": 2, "type": "oauth2-client", "type_label": "OAuth 2.0 client", "status": "pending",
          "status_label": "Being created at the gateway", "client_id": "3f9c0c1e", "secret_waiting": False,
          "redirect_url": "https://shop.example.com/cb", "replaces_id": 1, "reveal_url": None, "rotate_url": None}
_REVOKED = {**_CREDENTIAL, "id": 3, "status": "revoked", "status_label": "Revoked", "revoked_at": _WHEN,
            "secret_waiting": False, "reveal_url": None, "rotate_url": None, "revoke_url": None}
_CUSTOM = {"id": 1, "alias": "Legacy gateway", "type": "CREDENTIAL_TYPE_CUSTOM",
           "type_label": "Custom (issued outside the portal)",
           "key_id": "legacy-42", "key_hint": "…a1b2", "secret_hint": "…0042", "has_key": True, "has_secret": True,
           "authentication_method": "basic", "plan": "Gold", "products": ["Payments"], "created_at": _WHEN,
           "shown_at": None, "waiting": True, "reveal_url": "/apps/1/custom-credentials/1/reveal"}

SAMPLES: dict[str, dict[str, Any]] = {
    "views/dashboard.html": {
        "page": {"title": "Dashboard"},
        "apps": [_APP, {**_APP, "id": 2, "name": "Reports", "is_mine": False, "can_manage": False,
                        "visibility": "organisation", "visibility_label": "Organisation"}],
        "access_requests": _REQUESTS,
        "credentials": [_CREDENTIAL, _OAUTH],
        "organisation": {"id": 1, "name": "Example Organisation"},
        "teams": [{"id": 1, "name": "Default Team"}],
        "counts": {"apps": 2, "pending_requests": 0, "live_credentials": 2},
    },
    "views/app_list.html": {"page": {"title": "My apps"}, "apps": [_APP], "can_create": True},
    "views/app_form.html": {"page": {"title": "Edit Checkout"}, "form": _APP_FORM, "app": _APP,
                            "product": {"id": 1, "name": "Payments", "slug": "payments", "description": "",
                                        "url": "/catalogue-products/payments"},
                            "can_create": True, "action": "/apps/1/edit"},
    "views/app_detail.html": {"page": {"title": "Checkout"}, "app": _APP, "access_requests": _REQUESTS,
                              "credentials": [_CREDENTIAL, _OAUTH], "revoked_credentials": [_REVOKED],
                              "reissuable": [{"request_id": 2, "plan": "Gold", "products": ["Payments"],
                                              "reissue_url": "/apps/1/access-requests/2/reissue", "note": ""}],
                              "refresh": {"url": "/apps/1", "every": 3},
                              "can_request_access": True, "custom_credentials": [_CUSTOM]},
    "views/app_delete.html": {"page": {"title": "Delete Checkout"}, "app": _APP, "live_credentials": 2},
    "views/request_access.html": {
        "page": {"title": "Request access"},
        "catalogue": {"id": 1, "name": "Public APIs"},
        "catalogues": [{"id": 1, "name": "Public APIs", "selected": True, "url": "/apps/request-access?catalogue=1"},
                       {"id": 2, "name": "Partners", "selected": False, "url": "/apps/request-access?catalogue=2"}],
        "product": {"id": 1, "name": "Payments", "slug": "payments", "description": "Take card payments.",
                    "url": "/catalogue-products/payments"},
        "products": [{"id": 1, "name": "Payments", "slug": "payments", "description": "Take card payments.",
                      "url": "/catalogue-products/payments", "selected": True}],
        "plans": [{**_PLAN, "selected": True}, {**_PLAN, "id": 2, "name": "Free", "auto_approve": True,
                                                "selected": False}],
        "apps": [{"id": 1, "name": "Checkout", "selected": True}],
        "errors": ["Choose a plan."],
        "new_app_url": "/apps/new?product=payments",
        "action": "/apps/request-access",
    },
    "views/credential_secret.html": {"page": {"title": "API key of Checkout"}, "app": _APP_LINK,
                                     "credential": {**_CREDENTIAL, "secret_waiting": False},
                                     "secret": "0123456789abcdef0123456789a1b2"},
    "views/custom_credential_secret.html": {"page": {"title": "Legacy gateway of Checkout"}, "app": _APP_LINK,
                                            "credential": {**_CUSTOM, "waiting": False, "reveal_url": None},
                                            "key": "0123456789abcdef0123456789a1b2", "secret": "s3cr3t-value-0042"},
    "views/credential_rotate.html": {"page": {"title": "Rotate a credential"}, "app": _APP_LINK,
                                     "credential": _OAUTH},
    "views/credential_revoke.html": {"page": {"title": "Revoke a credential"}, "app": _APP_LINK,
                                     "credential": _CREDENTIAL},
    "views/app_usage.html": {"page": {"title": "Usage of Checkout"}, "app": _APP, **_USAGE_PAGE,
                             "credentials": [{"id": 1, "label": "API key #1 …a1b2", "status": "active",
                                              "status_label": "Active",
                                              "url": "/apps/1/usage?days=7&credential=1", "current": True},
                                             {"id": 2, "label": "OAuth 2.0 client #2 …c3d4",
                                              "status": "revoked", "status_label": "Revoked",
                                              "url": "/apps/1/usage?days=7&credential=2",
                                              "current": False}],
                             "all_url": "/apps/1/usage?days=7", "credential": {"id": 1, "label": "API key #1 …a1b2"},
                             "quota": {"limit": 10000, "window_days": 30, "used": 3220, "percent": 32.2},
                             "csv_url": "/apps/1/usage.csv?days=7&credential=1"},
    "views/organisation_usage.html": {"page": {"title": "Your organisation's usage"}, **_USAGE_PAGE,
                                      "apps": [{"name": "Checkout", "url": "/apps/1/usage?days=7", "requests": 460,
                                                "errors": 9, "latency_avg_ms": 42.5}]},
    # Partials are validated on their own too, with what their includers give them.
    "partials/request_status.html": {"access_request": _REQUEST},
    "partials/request_table.html": {"access_requests": _REQUESTS, "show_app": True},
    "partials/credential_card.html": {"credential": _OAUTH},
    "partials/usage_period.html": {**_USAGE_PAGE, "credential": {"id": 1, "label": "API key #1 …a1b2"}},
    "partials/usage_report.html": _USAGE_PAGE,
}
