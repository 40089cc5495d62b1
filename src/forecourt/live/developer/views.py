"""Live Portal developer pages: the dashboard, apps, access requests and credentials.

Thin views over forecourt.access (services, credentials, visibility, reveal): every app, access
request and credential is looked up within `visible_apps(request.user)`, and one outside it, or
one the user may see but not change, is a 404 (never a 403), so ids reveal nothing. Catalogues,
products and plans come from forecourt.catalog.services (visible_catalogues, visible_products, and
requestable_products / offered_plans for a request: RequestAccessForm).
Every page needs a signed-in user; visitors are sent to the sign-in page and brought back.
Changes are POSTs with their CSRF token; the destructive ones (delete, rotate, revoke) are asked
for on a confirmation page first.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from forecourt import themes
from forecourt.access import credentials as credential_service
from forecourt.access import custom_credentials
from forecourt.access import services as access
from forecourt.access.models import AccessRequest, App, Credential, CustomCredential
from forecourt.access.reveal import reveal_once
from forecourt.access.visibility import can_manage_app, is_owner, visible_apps
from forecourt.accounts.models import User
from forecourt.audit import services as audit
from forecourt.catalog.models import Catalogue, Plan, Product
from forecourt.catalog.services import visible_products
from forecourt.live.account.forms import form_data
from forecourt.live.signin import sign_in_required
from forecourt.notify import links
from forecourt.ops import unstorable

from . import data
from .forms import AppForm, RequestAccessForm

PAGE_METHODS = ["GET", "HEAD", "POST"]


def page(methods: list[str]) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A developer page: signed-in users only, never cached, only the given methods."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        return never_cache(require_http_methods(methods)(sign_in_required(view)))

    return decorate


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _render(request: HttpRequest, view: str, title: str, status: int = 200, **context: Any) -> HttpResponse:
    return themes.render(request, f"views/{view}.html", {"page": {"title": title}, **context}, status=status)


def _app_or_404(request: HttpRequest, pk: int) -> App:
    return get_object_or_404(visible_apps(_me(request)).select_related("owner"), pk=pk)


def _managed_app_or_404(request: HttpRequest, pk: int) -> App:
    app = _app_or_404(request, pk)
    if not can_manage_app(_me(request), app):
        raise Http404("no such app")
    return app


def _credential_or_404(app: App, credential_pk: int) -> Credential:
    found = data.credentials_for(App.objects.filter(pk=app.pk)).filter(pk=credential_pk).first()
    if found is None:
        raise Http404("no such credential")
    return found


def _app_url(app: App) -> str:
    return reverse("live:app", kwargs={"pk": app.pk})


# -- dashboard and apps ------------------------------------------------------------------------

@page(["GET", "HEAD"])
def dashboard(request: HttpRequest) -> HttpResponse:
    return _render(request, "dashboard", _("Dashboard"), **data.dashboard(_me(request)))


@page(["GET", "HEAD"])
def app_list(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    return _render(request, "app_list", _("My apps"), apps=[data.app_summary(a, user) for a in data.apps_for(user)],
                   can_create=user.organisation_id is not None)


def _requested_product(request: HttpRequest) -> Product | None:
    """The product a "Request access" link carried (?product=slug), if the user may see it."""
    slug = (request.GET.get("product") or request.POST.get("product") or "").strip()
    if not slug or unstorable.problem(slug):  # a posted slug no form reads: never looked up if unstorable
        return None
    return visible_products(_me(request)).filter(slug=slug).first()


NO_ORGANISATION = gettext_lazy("Your account does not belong to an organisation, so it cannot own apps.")


@page(PAGE_METHODS)
def app_create(request: HttpRequest) -> HttpResponse:
    """A new app, owned by the user, in their organisation (and first team). From a product's
    "Request access" (?product=slug), the request form follows with the new app chosen."""
    user = _me(request)
    product = _requested_product(request)
    form = AppForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        organisation_id = user.organisation_id
        if organisation_id is None:
            form.add_error(None, NO_ORGANISATION)
        elif form.is_valid():
            with transaction.atomic():
                app = form.save(commit=False)
                app.owner = user
                app.organisation_id = organisation_id
                app.team = user.teams.filter(organisation_id=organisation_id).order_by("pk").first()
                app.save()
                audit.record(user, "create", app, audit.diff({}, audit.snapshot(app)))
                access.app_registered(app)
            messages.success(request, _("The app “%(name)s” was created.") % {"name": app.name})
            if product is not None:
                return redirect(reverse("live:request_access") + "?" + urlencode({"app": app.pk,
                                                                                   "product": product.slug}))
            return redirect(_app_url(app))
    return _render(request, "app_form", _("New app"), status=400 if form.errors else 200, form=form_data(form),
                   app=None, product=data.product_summary(product) if product else None,
                   can_create=user.organisation_id is not None,
                   action=reverse("live:app_create") + (f"?{urlencode({'product': product.slug})}" if product else ""))


@page(["GET", "HEAD"])
def app_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    app = _app_or_404(request, pk)
    return _render(request, "app_detail", app.name, **data.app_page(app, user),
                   can_request_access=is_owner(user, app))


@page(PAGE_METHODS)
def app_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    app = _managed_app_or_404(request, pk)
    before = audit.snapshot(app)
    form = AppForm(request.POST if request.method == "POST" else None, instance=app)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            app = form.save()
            audit.record(user, "update", app, audit.diff(before, audit.snapshot(app)))
        messages.success(request, _("Your changes were saved."))
        return redirect(_app_url(app))
    app.refresh_from_db(fields=["name"])  # the heading shows the saved name, not a rejected one
    return _render(request, "app_form", _("Edit %(name)s") % {"name": app.name}, status=400 if form.errors else 200,
                   form=form_data(form), app=data.app_summary(app, user), product=None, can_create=True,
                   action=reverse("live:app_edit", kwargs={"pk": app.pk}))


@page(PAGE_METHODS)
def app_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then delete: its live credentials are revoked at the gateway (access.credentials.delete_app)."""
    user = _me(request)
    app = _managed_app_or_404(request, pk)
    if request.method == "POST":
        name = app.name
        with transaction.atomic():
            audit.record(user, "delete", app, audit.diff(audit.snapshot(app), {}))
            credential_service.delete_app(app, user)
        messages.success(request, _("The app “%(name)s” was deleted; its credentials are being revoked.")
                         % {"name": name})
        return redirect("live:apps")
    live = Credential.objects.filter(app=app, status__in=Credential.LIVE).count()
    return _render(request, "app_delete", _("Delete %(name)s") % {"name": app.name}, app=data.app_summary(app, user),
                   live_credentials=live)


# -- requesting access ---------------------------------------------------------------------------

PRESELECTING = ("product", "catalogue", "app")  # what a GET's query string may name


@page(PAGE_METHODS)
def request_access(request: HttpRequest) -> HttpResponse:
    """Choose products of one catalogue, one of its plans and one of your apps, then submit
    (access.services.submit_request, which auto-approves if the plan says so).

    GET ?product=<slug> preselects that product and the first catalogue (by name) that offers it;
    ?catalogue=<id> picks another catalogue; ?app=<id> preselects an app. Ids and slugs the user
    may not see (another audience's catalogue, another's app) are 404s, on GET and POST alike
    (RequestAccessForm says which can be used).
    """
    user = _me(request)
    submitting = request.method == "POST"
    params = request.POST if submitting else {k: v for k, v in request.GET.items() if k in PRESELECTING}
    form = RequestAccessForm(user, params, submitting=submitting)
    form.is_valid()
    if form.not_found():
        raise Http404("no such product, catalogue, app or plan")
    chosen = form.cleaned_data
    product: Product | None = chosen.get("product")
    catalogue: Catalogue | None = chosen.get("catalogue")
    chosen_app: App | None = chosen.get("app")
    products, plans = form.requestable, form.plans
    if submitting:
        chosen_products: list[Product] = chosen.get("products") or []
        chosen_plan: Plan | None = chosen.get("plan")
    else:
        chosen_products = [product] if product and any(p.pk == product.pk for p in products) else []
        chosen_plan = plans[0] if len(plans) == 1 else None
    errors = [str(message) for messages_ in form.errors.values() for message in messages_]

    if submitting and not errors:
        assert catalogue is not None
        assert chosen_app is not None
        assert chosen_plan is not None
        try:
            submitted = access.submit_request(chosen_app, catalogue, chosen_plan, chosen_products, user,
                                              links.base_url(request))
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            if submitted.status == submitted.Status.APPROVED:
                messages.success(request, _("Access was approved. Your credential is being created; it "
                                            "appears on this page, and its secret is shown to you once."))
            else:
                messages.success(request, _("Your request was sent. An administrator will review it; "
                                            "its status is shown on this page."))
            return redirect(_app_url(chosen_app))

    own_apps = form.own_apps()
    choices = list(form.offering)
    chosen_ids = {p.pk for p in chosen_products}

    def switch_url(other: Catalogue) -> str:
        query = {"catalogue": other.pk, **({"product": product.slug} if product else {}),
                 **({"app": chosen_app.pk} if chosen_app else {})}
        return reverse("live:request_access") + "?" + urlencode(query)

    context = {
        "catalogue": {"id": catalogue.pk, "name": catalogue.translated("name")} if catalogue else None,
        "catalogues": [{"id": c.pk, "name": c.translated("name"),
                        "selected": catalogue is not None and c.pk == catalogue.pk,
                        "url": switch_url(c)} for c in choices],
        "product": data.product_summary(product) if product else None,
        "products": [{**data.product_summary(p), "selected": p.pk in chosen_ids} for p in products],
        "plans": [{**data.plan_summary(p), "selected": chosen_plan is not None and p.pk == chosen_plan.pk}
                  for p in plans],
        "apps": [{"id": a.pk, "name": a.name, "selected": chosen_app is not None and a.pk == chosen_app.pk}
                 for a in own_apps],
        "errors": errors,
        "new_app_url": reverse("live:app_create") + (f"?{urlencode({'product': product.slug})}" if product else ""),
        "action": reverse("live:request_access"),
    }
    return _render(request, "request_access", _("Request access"), status=400 if errors else 200, **context)


# -- credentials ---------------------------------------------------------------------------------

@page(PAGE_METHODS)
def credential_reveal(request: HttpRequest, pk: int, credential: int) -> HttpResponse:
    """POST: show the secret once (access.reveal). GET leads back to the app's page."""
    user = _me(request)
    app = _app_or_404(request, pk)
    found = _credential_or_404(app, credential)
    if request.method != "POST" or not is_owner(user, app):
        if not is_owner(user, app):
            raise Http404("no such credential")
        return redirect(_app_url(app))

    def show(locked: Credential, secret: str) -> HttpResponse:
        summary = data.credential_summary(found, user, can_manage_app(user, app))
        summary.update(secret_waiting=False, reveal_url=None)
        if found.type == Credential.Type.KEY:  # the example calls carry the key itself, on this page only
            summary["apis"] = data.credential_apis(found, secret)
        response = _render(request, "credential_secret",
                           _("%(type)s of %(app)s") % {"type": found.get_type_display(), "app": app.name},
                           app=data.app_link(app), credential=summary, secret=secret)
        response["Cache-Control"] = "no-store, private"
        return response

    response = reveal_once(found.pk, user, show)
    if response is None:
        messages.info(request, _("That secret was shown already. If you no longer have it, rotate the credential "
                                 "to get a new one."))
        return redirect(_app_url(app))
    return response


@page(PAGE_METHODS)
def custom_credential_reveal(request: HttpRequest, pk: int, credential: int) -> HttpResponse:
    """POST: show a custom credential's key and secret to the app's owner once
    (access.custom_credentials.reveal_once). GET leads back to the app's page."""
    user = _me(request)
    app = _app_or_404(request, pk)
    if not is_owner(user, app):
        raise Http404("no such credential")
    get_object_or_404(CustomCredential, pk=credential, app=app)
    if request.method != "POST":
        return redirect(_app_url(app))

    def show(locked: CustomCredential, key: str, secret: str) -> HttpResponse:
        summary = next(c for c in data.custom_credentials(app, user) if c["id"] == locked.pk)
        response = _render(request, "custom_credential_secret",
                           _("%(type)s of %(app)s") % {"type": locked.alias, "app": app.name},
                           app=data.app_link(app), credential=summary, key=key, secret=secret)
        response["Cache-Control"] = "no-store, private"
        return response

    response = custom_credentials.reveal_once(credential, user, show)
    if response is None:
        messages.info(request, _("That credential was shown already. If you no longer have it, ask the portal's "
                                 "administrators for a new one."))
        return redirect(_app_url(app))
    return response


def _credential_action(request: HttpRequest, pk: int, credential: int, view: str, title: str,
                       act: Callable[[User, Credential], str]) -> HttpResponse:
    user = _me(request)
    app = _managed_app_or_404(request, pk)
    found = _credential_or_404(app, credential)
    summary = data.credential_summary(found, user, True)
    if not summary[f"{view.removeprefix('credential_')}_url"]:
        status = str(found.get_status_display()).lower()
        messages.info(request, _("That credential is %(status)s: it cannot be rotated now.") % {"status": status}
                      if view == "credential_rotate" else
                      _("That credential is %(status)s: it cannot be revoked now.") % {"status": status})
        return HttpResponseRedirect(_app_url(app))
    if request.method == "POST":
        try:
            messages.success(request, act(user, found))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(_app_url(app))
    return _render(request, view, title, app=data.app_link(app), credential=summary)


@page(PAGE_METHODS)
def credential_rotate(request: HttpRequest, pk: int, credential: int) -> HttpResponse:
    """Ask, then rotate: a new credential is made; the old one works until the new one does."""

    def rotate(user: User, found: Credential) -> str:
        credential_service.rotate(found, user)
        return _("A new credential is being created. Its secret is shown on this page once it is ready; "
                 "the old one keeps working until then, and is revoked afterwards.")

    return _credential_action(request, pk, credential, "credential_rotate", _("Rotate a credential"), rotate)


@page(PAGE_METHODS)
def credential_revoke(request: HttpRequest, pk: int, credential: int) -> HttpResponse:
    """Ask, then revoke: the credential stops working once the gateway has removed it."""

    def revoke(user: User, found: Credential) -> str:
        if not credential_service.revoke(found, user, note=credential_service.REVOKED_BY_CONSUMER):
            raise ValidationError(_("That credential was revoked already."))
        return _("The credential is being revoked; it stops working within moments.")

    return _credential_action(request, pk, credential, "credential_revoke", _("Revoke a credential"), revoke)


@never_cache
@require_http_methods(["POST"])
@sign_in_required
def credential_reissue(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    """POST (the button on the app's page): a new credential for an approved request whose
    credential was revoked (access.credentials.reissue). Managers of the app only (404 for others)."""
    user = _me(request)
    app = _managed_app_or_404(request, pk)
    found = get_object_or_404(AccessRequest.objects.select_related("plan"), pk=request_id, app=app)
    try:
        credential_service.reissue(found, user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("A new credential is being created. Its secret is shown on this page once "
                                    "it is ready."))
    return HttpResponseRedirect(_app_url(app) + "#credentials")
