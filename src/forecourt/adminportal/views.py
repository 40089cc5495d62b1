"""Admin Portal views: thin layers over its lists (lists.py), the resources' audited writes
(forecourt.resources.writes) and the domain services."""

from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from forecourt import configuration
from forecourt.access import credentials
from forecourt.access import services as access
from forecourt.access.models import AccessRequest, Credential
from forecourt.accounts import attributes, mfa, org_requests, tokens
from forecourt.accounts import services as accounts
from forecourt.accounts.models import ApiToken, OrganisationRequest, Role, User
from forecourt.audit import services as audit
from forecourt.lifecycle import dataversion, upgradecheck
from forecourt.notify import email, links
from forecourt.ops.models import SchemaVersion
from forecourt.portalconfig.models import PortalSettings
from forecourt.providers import jobs as provider_jobs
from forecourt.providers.models import Provider
from forecourt.resources import definitions, writes
from forecourt.resources.forms import PortalSettingsForm, UserForm
from forecourt.resources.preferences import PreferencesForm
from forecourt.sso import buttons as sso_buttons
from forecourt.sso import linked as sso_linked
from forecourt.sso import password_policy
from forecourt.sso.models import SsoIdentity

from . import lists, views_teams
from .forms import AdminAuthenticationForm, ChangePlanForm, RejectForm, TestEmailForm
from .guards import admin_required, super_admin_required
from .registry import BY_SLUG


class SignInView(auth_views.LoginView):
    """Sign-in, throttled with the Live Portal's rules and counts (AdminAuthenticationForm):
    a locked address or client gets 429 with Retry-After."""

    template_name = "adminportal/sign_in.html"
    authentication_form = AdminAuthenticationForm
    redirect_authenticated_user = False
    next_page = "adminportal:dashboard"  # resolve_url() takes URL names

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        after = self.get_redirect_url()
        context["sso_buttons"] = sso_buttons.for_sign_in_page(for_admins=True, after=after)
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        """The password is right: signed in now, or the second step first (accounts.mfa). An admin whom
        the settings send through single sign-on is refused here (forecourt.sso.password_policy)."""
        refused = password_policy.refusal(form.get_user())
        if refused:
            form.add_error(None, refused)
            response = self.form_invalid(form)
            response.status_code = 403
            return response
        step = mfa.after_first_factor(self.request, form.get_user())
        if step == "signed-in":
            return redirect(self.get_success_url())
        target = reverse("adminportal:sign_in_code" if step == "verify" else "adminportal:sign_in_set_up")
        after = self.get_redirect_url()
        return redirect(target + ("?" + urlencode({"next": after}) if after else ""))

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        wait = getattr(form, "retry_after", 0)
        if wait:
            response.status_code = 429
            response["Retry-After"] = str(wait)
        return response


class SignOutView(auth_views.LogoutView):
    """Sign out, and say so on the sign-in page it leads to (as the Live Portal does)."""

    next_page = "adminportal:login"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, gettext("You are signed out."))
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "adminportal/password_reset_confirm.html"
    post_reset_login = False

    def get_success_url(self) -> str:
        messages.success(self.request, gettext("Your password is set. Sign in with it."))
        return reverse("adminportal:login")


def _actor(request: HttpRequest) -> User:
    """The signed-in admin (the views are all behind admin_required)."""
    return cast("User", request.user)


def _resource(slug: str, user: Any) -> lists.Resource:
    resource = BY_SLUG.get(slug)
    if resource is None or (resource.super_admin_only and user.role != Role.SUPER_ADMIN):
        raise Http404("No such page.")
    return resource


def _form(resource: lists.Resource, request: HttpRequest, instance: Any = None) -> Any:
    assert resource.form is not None
    kwargs: dict[str, Any] = {"instance": instance}
    if request.method == "POST":
        kwargs.update(data=request.POST, files=request.FILES)
    elif instance is None:
        kwargs["initial"] = lists.presets(resource.form, request.GET)
    if resource.form is UserForm:
        kwargs.update(actor=request.user, with_attributes=True)
        form = resource.form(**kwargs)
        views_teams.enhance_user_form(form)
        return form
    return resource.form(**kwargs)


@admin_required
def resource_list(request: HttpRequest, slug: str) -> HttpResponse:
    resource = _resource(slug, request.user)
    page = resource.page(request.GET)
    active = page.active
    root = links.base_url(request).rstrip("/")

    def cell(column: lists.Column, obj: Any) -> Any:
        value = column.of(obj)
        return root + value if column.shareable_link and value else value

    rows = [(resource.row_url(obj), [(column, cell(column, obj)) for column in resource.columns],
             resource.can_delete and resource.row_deletable(obj), str(obj), obj.pk)
            for obj in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    filters = [(f, page.options[f.param], len(page.options[f.param]) > lists.MAX_CHOICES, active.get(f.param, ""))
               for f in resource.filters]
    return render(request, "adminportal/list.html", {
        "resource": resource, "page": page, "rows": rows, "active": active, "query": query.urlencode(),
        "filters": filters, "headers": lists.headers(resource, page.sort, request.GET),
    })


def _save_page(request: HttpRequest, resource: lists.Resource, obj: Any) -> HttpResponse:
    """The form page for creating (obj None) or editing an object of `resource`."""
    form = _form(resource, request, obj)
    back = _next(request)
    if request.method == "POST" and form.is_valid():
        saved = writes.save_form(resource.definition, form, _actor(request))
        note = getattr(form, "saved_note", "")  # what a form adds, e.g. the summary of a new OpenAPI document
        words = {"title": resource.title, "name": saved}
        done = (gettext("%(title)s “%(name)s” saved.") if obj else gettext("%(title)s “%(name)s” created.")) % words
        messages.success(request, f"{done} {note}" if note else done)
        return redirect(back or reverse("adminportal:resource_list", kwargs={"slug": resource.slug}))
    related = lists.related_lists(resource, obj) if obj is not None else []
    details = resource.details(obj, links.base_url(request)) if obj is not None and resource.details else []
    return render(request, "adminportal/form.html", {"resource": resource, "form": form, "object": obj,
                                                     "related": related, "back": back, "details": details})


def _next(request: HttpRequest) -> str:
    """Where to go after saving: ?next= when it is a page of the Admin Portal (a product's page, after
    editing one of its APIs), else "" (the resource's list)."""
    url = request.GET.get("next") or ""
    root = reverse("adminportal:dashboard")
    if url.startswith(root) and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return ""


@admin_required
def resource_create(request: HttpRequest, slug: str) -> HttpResponse:
    resource = _resource(slug, request.user)
    if not resource.can_create:
        raise Http404("This list is read-only.")
    return _save_page(request, resource, None)


@admin_required
def resource_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    resource = _resource(slug, request.user)
    if not resource.can_edit:
        raise Http404("This list is read-only.")
    return _save_page(request, resource, get_object_or_404(resource.model, pk=pk))


@admin_required
def resource_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    resource = _resource(slug, request.user)
    if not resource.can_delete:
        raise Http404("This list is read-only.")
    obj = get_object_or_404(resource.model, pk=pk)
    reasons = resource.delete_blockers(obj, _actor(request))
    if request.method == "POST" and not reasons:
        try:
            writes.delete(resource.definition, obj, _actor(request))
        except writes.DeleteRefused as exc:
            reasons = exc.reasons
        else:
            messages.success(request, gettext("%(title)s “%(name)s” deleted.") % {"title": resource.title, "name": obj})
            return redirect("adminportal:resource_list", slug=slug)
    status = 409 if request.method == "POST" and reasons else 200
    return render(request, "adminportal/confirm_delete.html",
                  {"resource": resource, "object": obj, "reasons": reasons}, status=status)


def _emailed() -> bool:
    """Whether a decision's e-mail is sent (only once a From address is set): its message says which."""
    return bool(PortalSettings.load().from_address)


def _change_plan(request: HttpRequest, access_request: AccessRequest, form: ChangePlanForm) -> bool:
    """Apply a valid change-plan form; False (with the problems as messages) if nothing changed."""
    if not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, gettext("Nothing changed: %(problems)s") % {"problems": " ".join(problems)})
        return False
    plan = form.cleaned_data["plan"]
    if plan.pk == access_request.plan_id:
        messages.info(request, gettext("The request is on the plan %(plan)s already: nothing changed.")
                      % {"plan": plan})
        return True
    try:
        credentials.change_plan(access_request, plan, _actor(request))
    except ValidationError as exc:
        messages.error(request, gettext("Nothing changed: %(problems)s") % {"problems": " ".join(exc.messages)})
        return False
    messages.success(request, gettext("Access request #%(pk)s moved to the plan %(plan)s; its active credentials are "
                                      "being updated at the gateway.") % {"pk": access_request.pk, "plan": plan})
    return True


@admin_required
def access_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = get_object_or_404(
        AccessRequest.objects.select_related("app__owner", "plan", "catalogue", "requester", "decided_by"), pk=pk)
    reject_form = RejectForm()
    plan_form = ChangePlanForm(access_request=access_request)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                access.approve(access_request, _actor(request), links.base_url(request))
                messages.success(request, (
                    gettext("Access request #%(pk)s approved; the consumer is told by e-mail.") if _emailed()
                    else gettext("Access request #%(pk)s approved. No e-mail was sent: set a From address in Settings "
                                 "to notify consumers.")) % {"pk": pk})
                return redirect("adminportal:access_request", pk=pk)
            if action == "reject":
                reject_form = RejectForm(request.POST)
                if reject_form.is_valid():
                    access.reject(access_request, _actor(request),
                                  reject_form.cleaned_data["reason"], links.base_url(request))
                    messages.success(request, (
                        gettext("Access request #%(pk)s rejected; the consumer is told by e-mail.") if _emailed()
                        else gettext("Access request #%(pk)s rejected. No e-mail was sent: set a From address in "
                                     "Settings to notify consumers.")) % {"pk": pk})
                    return redirect("adminportal:access_request", pk=pk)
            elif action == "retry":
                access.retry_provisioning(access_request, _actor(request))
                messages.success(request, gettext("Provisioning will be tried again."))
                return redirect("adminportal:access_request", pk=pk)
            elif action == "change-plan":
                if _change_plan(request, access_request, ChangePlanForm(request.POST, access_request=access_request)):
                    return redirect("adminportal:access_request", pk=pk)
            elif action != "reject":
                messages.error(request, gettext("Unknown action."))
        except access.NotPending as exc:
            messages.error(request, gettext("Nothing changed: %(problems)s.") % {"problems": exc})
            return redirect("adminportal:access_request", pk=pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    creds = list(access_request.credentials.select_related("replaces").order_by("-created_at", "-pk"))
    being_rotated = {c.replaces_id for c in creds if c.status == Credential.Status.PENDING and c.replaces_id}
    history = audit.history(access_request)
    return render(request, "adminportal/access_request.html", {
        "req": access_request, "products": access_request.products.all(), "reject_form": reject_form,
        "plan_form": plan_form if access_request.status == AccessRequest.Status.APPROVED else None,
        "credentials": [(c, c.pk in being_rotated) for c in creds], "history": history,
    })


@admin_required
def organisation_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A consumer's request for an organisation: Approve (the organisation is made, its requester
    its consumer-admin) or Reject with a reason the requester is e-mailed. POST only, with CSRF;
    a request decided meanwhile, or a name taken since, is a message and nothing changes."""
    organisation_request = get_object_or_404(
        OrganisationRequest.objects.select_related("requester__organisation", "decided_by", "organisation"), pk=pk)
    reject_form = RejectForm()
    reject_form.fields["reason"].help_text = gettext("E-mailed to the requester.")
    if request.method == "POST":
        action = request.POST.get("action")
        name = organisation_request.name
        try:
            if action == "approve":
                org_requests.approve_organisation_request(organisation_request, _actor(request),
                                                          links.base_url(request))
                words = {"name": name, "requester": organisation_request.requester}
                messages.success(request, (
                    gettext("Organisation “%(name)s” created; %(requester)s is its admin; the requester is told by "
                            "e-mail.") if _emailed()
                    else gettext("Organisation “%(name)s” created; %(requester)s is its admin. No e-mail was sent: "
                                 "set a From address in Settings to notify requesters.")) % words)
                return redirect("adminportal:organisation_request", pk=pk)
            if action == "reject":
                reject_form = RejectForm(request.POST)
                if reject_form.is_valid():
                    org_requests.reject_organisation_request(organisation_request, _actor(request),
                                                             links.base_url(request),
                                                             reason=reject_form.cleaned_data["reason"])
                    messages.success(request, (
                        gettext("The request for “%(name)s” is rejected; the requester is told by e-mail.")
                        if _emailed()
                        else gettext("The request for “%(name)s” is rejected. No e-mail was sent: set a From address "
                                     "in Settings to notify requesters.")) % {"name": name})
                    return redirect("adminportal:organisation_request", pk=pk)
            else:
                messages.error(request, gettext("Unknown action."))
        except ValidationError as exc:
            messages.error(request, gettext("Nothing changed: %(problems)s") % {"problems": " ".join(exc.messages)})
            return redirect("adminportal:organisation_request", pk=pk)
    return render(request, "adminportal/organisation_request.html", {
        "req": organisation_request, "reject_form": reject_form, "history": audit.history(organisation_request),
    }, status=400 if request.method == "POST" else 200)


CREDENTIAL_ACTIONS = ("rotate", "revoke")


@admin_required
def credential_action(request: HttpRequest, pk: int, credential_pk: int, action: str) -> HttpResponse:
    """Rotate or revoke one of an access request's credentials: GET asks for confirmation, POST does it.

    Errors (a credential that is not active, say) are shown as messages and change nothing.
    """
    if action not in CREDENTIAL_ACTIONS:
        raise Http404("No such action.")
    credential = get_object_or_404(Credential.objects.select_related("access_request__app", "replaces"),
                                   pk=credential_pk, access_request_id=pk)
    if request.method != "POST":
        return render(request, "adminportal/confirm_credential.html",
                      {"req": credential.access_request, "credential": credential, "action": action})
    try:
        if action == "rotate":
            new = credentials.rotate(credential, _actor(request))
            messages.success(request, gettext("Credential #%(pk)s is being rotated: the new credential #%(new)s is "
                                              "being created at the gateway, and replaces it once it is active.")
                             % {"pk": credential.pk, "new": new.pk})
        elif credentials.revoke(credential, _actor(request)):
            messages.success(request, gettext("Credential #%(pk)s revoked: it is being removed from the gateway.")
                             % {"pk": credential.pk})
        else:
            messages.info(request, gettext("Credential #%(pk)s was revoked already: nothing changed.")
                          % {"pk": credential.pk})
    except ValidationError as exc:
        messages.error(request, gettext("Nothing changed: %(problems)s") % {"problems": " ".join(exc.messages)})
    return redirect("adminportal:access_request", pk=pk)


@admin_required
def provider_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """A provider's sync status and the policies its last sync skipped; POST queues a sync."""
    provider = get_object_or_404(Provider, pk=pk)
    if request.method == "POST":
        queued = provider_jobs.enqueue_sync(provider.pk)
        messages.success(request, (gettext("Synchronisation of %(provider)s queued.") if queued
                                   else gettext("A synchronisation of %(provider)s is already queued."))
                         % {"provider": provider})
        return redirect("adminportal:provider_sync", pk=pk)
    return render(request, "adminportal/provider_sync.html",
                  {"provider": provider, "syncing": provider_jobs.is_syncing(provider)})


@admin_required
@require_POST
def providers_sync_all(request: HttpRequest) -> HttpResponse:
    queued = provider_jobs.enqueue_sync_all()
    messages.success(request, ngettext("%(count)s synchronisation queued.", "%(count)s synchronisations queued.",
                                       queued) % {"count": number_format(queued, use_l10n=True, force_grouping=True)})
    return redirect("adminportal:resource_list", slug="providers")


@admin_required
def profile(request: HttpRequest) -> HttpResponse:
    """The admin's own account: their language and time zone, and their Admin API token, rotated here
    (the new one is shown once)."""
    me = _actor(request)
    new_token = None
    preferences_form = PreferencesForm(instance=me)
    if request.method == "POST" and request.POST.get("action") == "rotate-token":
        new_token = tokens.rotate(me)  # audited by tokens.rotate
    elif request.method == "POST" and request.POST.get("action") == "preferences":
        preferences_form = PreferencesForm(request.POST, instance=me)
        if preferences_form.is_valid():
            preferences_form.save()
            messages.success(request, gettext("Your language and time zone are saved."))
            return redirect("adminportal:profile")
    current = ApiToken.objects.filter(user=me).order_by("-created_at").first()
    response = render(request, "adminportal/profile.html", {
        "token": current, "new_token": new_token, "factors": mfa.factors(me), "mfa_required": mfa.is_required(me),
        "preferences_form": preferences_form}, status=400 if preferences_form.errors else 200)
    if new_token:
        response["Cache-Control"] = "no-store"  # the token is in this page and nowhere else
    return response


@admin_required
def user_actions(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User.objects.select_related("organisation"), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("activate", "deactivate"):
                accounts.set_active(user, action == "activate", _actor(request))
                messages.success(request, (gettext("%(user)s activated.") if action == "activate"
                                           else gettext("%(user)s deactivated.")) % {"user": user})
            elif action == "reset-mfa":
                mfa.reset(user, _actor(request), links.base_url(request))
                messages.success(request, gettext("The second factors of %(user)s are removed; they were told by "
                                                  "e-mail.") % {"user": user})
            elif action == "reset-password":
                accounts.send_password_reset(user, _actor(request), links.base_url(request))
                messages.success(request, gettext("A password reset e-mail is on its way to %(email)s.")
                                 % {"email": user.email})
            elif action == "unlink-sso":
                row = _identity_of(user, request.POST.get("identity", ""))
                sso_linked.unlink(row, _actor(request))
                messages.success(request, gettext("%(user)s is no longer linked to %(profile)s: their next sign-in "
                                                  "through it is refused until the identity is linked again.")
                                 % {"user": user, "profile": row.profile.name})
            else:
                messages.error(request, gettext("Unknown action."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("adminportal:user_actions", pk=pk)
    return render(request, "adminportal/user_actions.html", {
        "subject": user, "history": audit.history(user), "custom_attributes": attributes.listed_for_admins(user),
        "factors": mfa.factors(user), "identities": sso_linked.identities_of(user)})


def _identity_of(user: User, identity_id: str) -> SsoIdentity:
    """One of `user`'s SSO links, by the ID the page posted; another's (or none) is a 404."""
    if not identity_id.isdigit() or int(identity_id) >= 2**31:
        raise Http404("No such link.")
    return get_object_or_404(SsoIdentity.objects.select_related("profile", "user"), pk=int(identity_id), user=user)


@admin_required
def default_attributes(request: HttpRequest) -> HttpResponse:
    """Which of the users' built-in fields credentials carry (Tyk's default attributes)."""
    if request.method == "POST":
        with transaction.atomic():
            for default in attributes.DEFAULT_ATTRIBUTES:
                attributes.set_default(default, f"default-{default.id}" in request.POST, _actor(request))
        messages.success(request, gettext("Saved."))
        return redirect("adminportal:default_attributes")
    settings = attributes.default_settings()
    return render(request, "adminportal/default_attributes.html",
                  {"defaults": [(d, settings[d.key]) for d in attributes.DEFAULT_ATTRIBUTES]})


@super_admin_required
def settings_page(request: HttpRequest) -> HttpResponse:
    current = PortalSettings.load()
    form = PortalSettingsForm(instance=current)
    test_form = TestEmailForm(initial={"to": getattr(request.user, "email", "")})
    if request.method == "POST":
        form = PortalSettingsForm(request.POST, instance=current)
        if form.is_valid():
            writes.save_form(definitions.SETTINGS, form, _actor(request))
            messages.success(request, gettext("Settings saved."))
            return redirect("adminportal:settings")
    return render(request, "adminportal/settings.html", {"form": form, "test_form": test_form})


@super_admin_required
@require_POST
def send_test_email(request: HttpRequest) -> HttpResponse:
    form = TestEmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Enter a valid e-mail address for the test."))
    else:
        ok, message = email.send_test(form.cleaned_data["to"])
        (messages.success if ok else messages.error)(request, gettext("Test e-mail: %(outcome)s")
                                                     % {"outcome": message})
    return redirect("adminportal:settings")


@admin_required
def about(request: HttpRequest) -> HttpResponse:
    """About / Upgrade: the running version, what migrated the database, the newest backup (by
    upgrade-check's rule, forecourt.lifecycle.backup_records: recorded and verified, else the folder), themes
    behind the default, provider sync health and the upgrade check's findings: the upgrade guide's
    checklist at a glance. Read-only; the provider column is what the last syncs recorded (the
    page does not call the gateways)."""
    report = upgradecheck.run(configuration.get(), live_providers=False)
    statuses = dict(Provider.Status.choices)
    for entry in report.providers:  # the code is the report's data (the command's --json); the page says it in words
        entry["status_words"] = statuses.get(entry["status"], entry["status"])
    backup_data = (report.newest_backup or {}).get("data_version")
    return render(request, "adminportal/about.html", {
        "report": report, "history": list(SchemaVersion.objects.order_by("-migrated_at", "-id")[:10]),
        "behind": [t for t in report.themes if t["upgrade_available"]],
        "backup_age": upgradecheck.age_words(timedelta(seconds=report.newest_backup["age_seconds"]))
        if report.newest_backup else None,
        # Named by the data it holds, apart from the version that wrote it (forecourt.lifecycle.dataversion).
        "backup_data": dataversion.data_words(backup_data) if backup_data else None,
    })
