"""What the developer pages show, as plain data (docs/themes.md, "The context contract").

Every query starts from forecourt.access.visibility.visible_apps(user): an app, access request or
credential outside it is never loaded, so it can neither be shown nor acted on. Lists are read
in a constant number of queries whatever their length (asserted in tests/test_live_developer.py).
A credential's secret is never loaded here (`defer("secret")`): pages only learn whether one is
waiting to be shown (access.reveal shows it).
"""

from typing import Any

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from forecourt.access.credentials import REVOKED_BY_ADMIN, reissue_problem, revoked_by_consumers
from forecourt.access.custom_credentials import waiting as custom_waiting
from forecourt.access.models import AccessRequest, App, Credential, CustomCredential
from forecourt.access.visibility import can_manage_app, visible_apps
from forecourt.accounts.models import User
from forecourt.catalog.models import Plan, Product, ProductAPI
from forecourt.live import gateway
from forecourt.themes.urls_names import reverse_live

VISIBILITY_LABELS: dict[str, str | Promise] = {
    App.Visibility.PERSONAL: _("Personal"),
    App.Visibility.TEAM: _("Team"),
    App.Visibility.ORGANISATION: _("Organisation"),
}
VISIBILITY_HELP: dict[str, str | Promise] = {
    App.Visibility.PERSONAL: _("Only you (and your organisation's admins) see it."),
    App.Visibility.TEAM: _("The members of your teams see it."),
    App.Visibility.ORGANISATION: _("Everyone in your organisation sees it."),
}
REQUEST_STATES: dict[str, str | Promise] = {
    "pending": _("Pending approval"),
    "provisioning": _("Approved: provisioning pending"),
    "approved": _("Approved"),
    "rejected": _("Rejected"),
}


def person(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": user.get_full_name(), "email": user.email}


def plan_summary(plan: Plan) -> dict[str, Any]:
    return {"id": plan.pk, "name": plan.translated("display_name"), "description": plan.translated("description"),
            "limits": plan.limits_in_words, "auto_approve": plan.auto_approve}


def product_summary(product: Product) -> dict[str, Any]:
    return {"id": product.pk, "name": product.translated("display_name"), "slug": product.slug,
            "description": product.translated("description"), "url": reverse_live("product", slug=product.slug)}


# -- apps ----------------------------------------------------------------------------------------

def apps_for(user: User) -> QuerySet[App]:
    """The apps `user` sees, with what their summaries show (owner, counts), in one query."""
    return (visible_apps(user).select_related("owner")
            .annotate(live_credentials=Count("credentials", filter=Q(credentials__status__in=Credential.LIVE),
                                             distinct=True),
                      pending_requests=Count("access_requests",
                                             filter=Q(access_requests__status=AccessRequest.Status.PENDING),
                                             distinct=True))
            .order_by("name", "pk"))


def app_summary(app: App, user: User) -> dict[str, Any]:
    redirect_urls = [line for line in app.redirect_urls.splitlines() if line.strip()]
    data = {
        "id": app.pk,
        "name": app.name,
        "description": app.description,
        "redirect_urls": redirect_urls,
        "visibility": app.visibility,
        "visibility_label": str(VISIBILITY_LABELS.get(app.visibility, app.visibility)),
        "visibility_help": str(VISIBILITY_HELP.get(app.visibility, "")),
        "owner": person(app.owner),
        "is_mine": app.owner_id == user.pk,
        "can_manage": can_manage_app(user, app),
        "created_at": app.created_at,
        "url": reverse_live("app", pk=app.pk),
    }
    if hasattr(app, "live_credentials"):  # annotated by apps_for()
        data["live_credentials"] = getattr(app, "live_credentials", 0)
        data["pending_requests"] = getattr(app, "pending_requests", 0)
    return data


def app_link(app: App) -> dict[str, Any]:
    return {"id": app.pk, "name": app.name, "url": reverse_live("app", pk=app.pk)}


# -- access requests ---------------------------------------------------------------------------

def requests_for(apps: QuerySet[App]) -> QuerySet[AccessRequest]:
    return (AccessRequest.objects.filter(app__in=apps.values("pk"))
            .select_related("app__owner", "catalogue", "plan")
            .prefetch_related(Prefetch("products", Product.objects.order_by("display_name", "pk")))
            .order_by("-created_at", "-pk"))


def request_state(request: AccessRequest) -> str:
    """pending, provisioning (approved, its credential still being made), approved or rejected."""
    if request.status == AccessRequest.Status.APPROVED and request.provisioning in (
            AccessRequest.Provisioning.PENDING, AccessRequest.Provisioning.FAILED):
        return "provisioning"
    return str(request.status)


def request_summary(request: AccessRequest) -> dict[str, Any]:
    state = request_state(request)
    return {
        "id": request.pk,
        "status": request.status,
        "status_label": str(request.get_status_display()),
        "state": state,
        "state_label": str(REQUEST_STATES.get(state, state)),
        # The reason is shown for rejections only; the gateway's error never (it is for admins).
        "reason": request.reason if request.status == AccessRequest.Status.REJECTED else "",
        "provisioning_failed": request.provisioning == AccessRequest.Provisioning.FAILED,
        "app": app_link(request.app),
        "catalogue": {"id": request.catalogue_id, "name": request.catalogue.translated("name")},
        "plan": plan_summary(request.plan),
        "products": [{"id": p.pk, "name": p.translated("display_name"), "slug": p.slug}
                     for p in request.products.all()],
        "created_at": request.created_at,
        "decided_at": request.decided_at,
    }


# -- credentials -------------------------------------------------------------------------------

def credentials_for(apps: QuerySet[App]) -> QuerySet[Credential]:
    """Credentials of `apps` without their secrets, knowing whether one waits to be shown and
    whether a rotation is under way."""
    rotating = Credential.objects.filter(replaces=OuterRef("pk"), status=Credential.Status.PENDING)
    apis = ProductAPI.objects.without_documents().order_by("name", "pk")
    products = Product.objects.defer("content").order_by("display_name", "pk").prefetch_related(
        Prefetch("apis", apis))
    return (Credential.objects.filter(app__in=apps.values("pk")).defer("secret", "gateway_key")
            .select_related("app", "access_request__plan", "provider")
            .prefetch_related(Prefetch("access_request__products", products))
            .annotate(has_secret=ExpressionWrapper(~Q(secret=""), output_field=BooleanField()),
                      being_rotated=Exists(rotating))
            .order_by("-created_at", "-pk"))


def masked(credential: Credential) -> str:
    return f"…{credential.secret_hint}" if credential.secret_hint else "…"


def credential_apis(credential: Credential, secret: str = gateway.KEY_PLACEHOLDER) -> list[dict[str, Any]]:
    """The APIs the credential opens (its request's products'), each with its address at the
    provider's gateway and an example call (live.gateway), the key shown as `secret`."""
    provider = credential.provider
    gateway_url = provider.gateway_url if provider is not None else ""
    return [gateway.api_entry(api.name, gateway_url, api.listen_path, api.auth_type, secret)
            for product in credential.access_request.products.all() for api in product.apis.all()]


def credential_summary(credential: Credential, user: User, manage: bool | None = None) -> dict[str, Any]:
    """A credential as the pages show it: never its secret, and never a key's ID (for Tyk keys the
    ID is the key). An OAuth 2.0 client shows its client ID and the redirect URL it was made with.
    `apis`: where to call what it opens, with an example call (a placeholder for the key)."""
    app = credential.app
    active = credential.status == Credential.Status.ACTIVE
    live = credential.status in Credential.LIVE
    manage = can_manage_app(user, app) if manage is None else manage
    oauth = credential.is_oauth_client
    redirect = next((line.strip() for line in app.redirect_urls.splitlines() if line.strip()), "")
    waiting = bool(getattr(credential, "has_secret", False)) and active and app.owner_id == user.pk
    being_rotated = bool(getattr(credential, "being_rotated", False))
    kwargs = {"pk": app.pk, "credential": credential.pk}
    return {
        "id": credential.pk,
        "type": credential.type,
        "type_label": str(credential.get_type_display()),
        "status": credential.status,
        "status_label": str(credential.get_status_display()),
        "masked": masked(credential),
        "client_id": credential.provider_reference if oauth else None,
        "redirect_url": redirect if oauth else None,
        "plan": credential.access_request.plan.translated("display_name"),
        "app": app_link(app),
        "created_at": credential.created_at,
        "expires_at": credential.expires_at,
        "revoked_at": credential.revoked_at,
        "secret_shown_at": credential.secret_shown_at,
        "replaces_id": credential.replaces_id,
        "being_rotated": being_rotated,
        "secret_waiting": waiting,
        "reveal_url": reverse_live("credential_reveal", **kwargs) if waiting else None,
        "rotate_url": reverse_live("credential_rotate", **kwargs) if manage and active and not being_rotated
        else None,
        "revoke_url": reverse_live("credential_revoke", **kwargs) if manage and live else None,
        "apis": credential_apis(credential),
    }


# -- pages -----------------------------------------------------------------------------------------

def dashboard(user: User) -> dict[str, Any]:
    apps = list(apps_for(user))
    visible = visible_apps(user)
    requests = [request_summary(r) for r in requests_for(visible)]
    credentials = [credential_summary(c, user) for c in credentials_for(visible).filter(status__in=Credential.LIVE)]
    organisation = user.organisation
    teams = list(user.teams.order_by("name").values("pk", "name")) if organisation is not None else []
    return {
        "apps": [app_summary(a, user) for a in apps],
        "access_requests": requests,
        "credentials": credentials,
        "organisation": {"id": organisation.pk, "name": organisation.name} if organisation else None,
        "teams": [{"id": t["pk"], "name": t["name"]} for t in teams],
        "counts": {
            "apps": len(apps),
            "pending_requests": sum(1 for r in requests if r["state"] == "pending"),
            "live_credentials": len(credentials),
        },
    }


def reissuable(requests: list[AccessRequest], credentials: list[Credential], manage: bool) -> list[dict[str, Any]]:
    """The approved requests whose credentials were all revoked: their access stands, and if the
    app's managers revoked the last one, a manager can have a new one issued in one step
    (`reissue_url`, a POST); if an admin did, `note` says so. The rule is
    access.credentials.reissue_problem's, with the credentials' part made here for all requests
    at once (one query, whatever their number)."""
    live = {c.access_request_id for c in credentials if c.status in Credential.LIVE}
    last: dict[int, Credential] = {}
    for credential in credentials:
        if credential.access_request_id in live:
            continue
        known = last.get(credential.access_request_id)
        if known is None or (credential.revoked_at or credential.created_at, credential.pk) > (
                known.revoked_at or known.created_at, known.pk):
            last[credential.access_request_id] = credential
    candidates = [r for r in requests if r.pk in last and not reissue_problem(r, check_credentials=False)]
    by_consumers = revoked_by_consumers([last[r.pk].pk for r in candidates])
    out = []
    for request in candidates:
        allowed = last[request.pk].pk in by_consumers
        out.append({"request_id": request.pk, "plan": request.plan.translated("display_name"),
                    "products": [p.translated("display_name") for p in request.products.all()],
                    "reissue_url": reverse_live("credential_reissue", pk=request.app_id, request_id=request.pk)
                    if manage and allowed else None,
                    "note": "" if allowed else str(REVOKED_BY_ADMIN)})
    return out


def app_page(app: App, user: User) -> dict[str, Any]:
    one = App.objects.filter(pk=app.pk)
    manage = can_manage_app(user, app)
    rows = list(credentials_for(one))
    requests = list(requests_for(one))
    credentials = [credential_summary(c, user, manage) for c in rows]
    return {
        "app": app_summary(app, user),
        "access_requests": [request_summary(r) for r in requests],
        "credentials": [c for c in credentials if c["status"] in Credential.LIVE],
        "revoked_credentials": [c for c in credentials if c["status"] not in Credential.LIVE],
        "reissuable": reissuable(requests, rows, manage),
        "refresh": refresh(app, requests, rows),
        "custom_credentials": custom_credentials(app, user),
    }


def custom_credentials(app: App, user: User) -> list[dict[str, Any]]:
    """The credentials an admin added to the app from outside the portal, never their values:
    `waiting` and `reveal_url` (a POST that shows them once) only for the app's owner while
    they have not been shown."""
    rows = CustomCredential.objects.filter(app=app).select_related("plan").prefetch_related("products")
    found = []
    for c in rows.order_by("created_at", "pk"):
        waiting = app.owner_id == user.pk and custom_waiting(c)
        found.append({
            "id": c.pk, "alias": c.alias, "type": c.type, "type_label": str(c.get_type_display()), "key_id": c.key_id,
            "key_hint": f"…{c.key_hint}" if c.key_hint else "",
            "secret_hint": f"…{c.secret_hint}" if c.secret_hint else "",
            "has_key": bool(c.key_hint or c.credential_key), "has_secret": bool(c.secret_hint or c.credential_secret),
            "authentication_method": c.authentication_method,
            "plan": c.plan.translated("display_name") if c.plan else None,
            "products": sorted(p.name for p in c.products.all()),
            "created_at": c.created_at, "shown_at": c.secret_shown_at, "waiting": waiting,
            "reveal_url": reverse_live("custom_credential_reveal", pk=app.pk, credential=c.pk) if waiting else None,
        })
    return found


REFRESH_SECONDS = 3


def refresh(app: App, requests: list[AccessRequest], credentials: list[Credential]) -> dict[str, Any] | None:
    """While the gateway is making or removing one of the app's credentials, the page asks for
    itself again every few seconds (the default theme: htmx, with a "Refresh" link without
    JavaScript) until it is done: {url, every} (seconds), or None when nothing is under way.
    A request whose provisioning failed waits for an admin, so it is not polled for."""
    busy = (any(c.status in (Credential.Status.PENDING, Credential.Status.REVOKING) for c in credentials)
            or any(r.status == AccessRequest.Status.APPROVED and r.provisioning == AccessRequest.Provisioning.PENDING
                   for r in requests))
    return {"url": reverse_live("app", pk=app.pk), "every": REFRESH_SECONDS} if busy else None
