"""Rules about apps and access requests: the approval queue and what approval sets in motion.

Approving records the decision first and provisions the credential afterwards, in a job: a
gateway that is down delays the credential but never loses the decision, and the admin can
retry provisioning from the request's page.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from forecourt.accounts.models import User
from forecourt.accounts.notices import public_link
from forecourt.audit import services as audit
from forecourt.catalog.services import is_requestable, offered_plans
from forecourt.jobs import handler, queue
from forecourt.notify import email
from forecourt.notify import locale as mail_locale
from forecourt.portalconfig.models import PortalSettings
from forecourt.webhooks import events

from . import credentials, gateway
from .models import AccessRequest, App

MAX_REASON = 2000


class NotPending(Exception):
    """The request has been decided already."""


def _decision_email(request: AccessRequest, template: str, base_url: str) -> None:
    """The requester hears of the decision, with a link to the app's page (its credentials and
    requests); `portal_url` (the root) stays for themes written before `app_url` existed."""
    language = mail_locale.language_of([request.requester.email])  # names as the e-mail's reader reads them
    email.send([request.requester.email], template, {
        "user_name": request.requester.get_full_name(),
        "app_name": request.app.name,
        "plan_name": request.plan.translated("display_name", language),
        "products": [p.translated("display_name", language) for p in request.products.all()],
        "reason": request.reason,
        "portal_url": base_url,
        "app_url": public_link("live:app", base_url, pk=request.app_id),
    })


def _webhook_event(name: str, request: AccessRequest) -> None:
    """Record webhook event `name` about `request`, in the caller's transaction (docs/webhooks.md)."""
    events.emit(name, {
        "ID": request.pk, "Status": request.status, "AppID": request.app_id, "App": request.app.name,
        "PlanID": request.plan_id, "Plan": request.plan.display_name, "CatalogueID": request.catalogue_id,
        "Products": [p.display_name for p in request.products.all()], "Requester": request.requester.email,
        "Reason": request.reason,
    })


def app_registered(app: App) -> None:
    """Record ApplicationRegistered for a new app, in the caller's transaction."""
    events.emit("ApplicationRegistered", {
        "ID": app.pk, "Name": app.name, "OwnerID": app.owner_id, "Owner": app.owner.email,
        "OrganisationID": app.organisation_id, "TeamID": app.team_id, "Visibility": app.visibility})


def save_app(form: Any, actor: User) -> App:
    """Save an app from the Admin Portal or the Admin API; a new one is announced to the webhooks."""
    creating = form.instance.pk is None
    app: App = form.save()
    if creating:
        app_registered(app)
    return app


def _tell_admins_of(request: AccessRequest, base_url: str) -> None:
    """E-mail the Admin notification address (if set) that `request` waits for a decision."""
    address = PortalSettings.load().admin_notification_address
    if not address:
        return
    language = mail_locale.language_of([address])
    email.send([address], "access_request_submitted", {
        "requester_name": request.requester.get_full_name(), "requester_email": request.requester.email,
        "app_name": request.app.name, "plan_name": request.plan.translated("display_name", language),
        "products": [p.translated("display_name", language) for p in request.products.all()],
        "admin_url": public_link("adminportal:access_request", base_url, pk=request.pk),
    })


def _lock_pending(request: AccessRequest) -> AccessRequest:
    locked = AccessRequest.objects.select_for_update().select_related("plan", "app", "requester").get(pk=request.pk)
    if locked.status != AccessRequest.Status.PENDING:
        raise NotPending(f"access request #{locked.pk} was already {locked.status}")
    return locked


def approve(request: AccessRequest, actor: User | None, base_url: str = "") -> AccessRequest:
    """Approve a pending request (actor None: the plan's auto-approval) and queue provisioning."""
    with transaction.atomic():
        locked = _lock_pending(request)
        locked.status = AccessRequest.Status.APPROVED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        needs_gateway = locked.plan.provider_id is not None
        locked.provisioning = (AccessRequest.Provisioning.PENDING if needs_gateway
                               else AccessRequest.Provisioning.NOT_NEEDED)
        locked.save(update_fields=["status", "decided_by", "decided_at", "provisioning"])
        audit.record(actor, "approve", locked, {"status": ["pending", "approved"]},
                     note="" if actor else "approved automatically by the plan")
        if needs_gateway:
            queue.enqueue("access.provision", {"request_id": locked.pk})
        _decision_email(locked, "access_request_approved", base_url)
        _webhook_event("AccessRequestApproved", locked)
    return locked


def checked_reason(reason: str, *, reason_required: bool = True) -> str:
    """A rejection's reason, stripped; refused when missing (if required) or too long. Its own
    function so a bulk rejection checks its one reason before deciding any request."""
    reason = (reason or "").strip()
    if not reason and reason_required:
        raise ValidationError({"reason": "Say why, so the consumer knows what to change."})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"At most {MAX_REASON} characters."})
    return reason


def reject(request: AccessRequest, actor: User, reason: str, base_url: str = "", *,
           reason_required: bool = True) -> AccessRequest:
    """Reject a pending request; the consumer is e-mailed, with the reason if there is one.

    A person deciding in the Admin Portal must say why, so the consumer knows what to change.
    Tyk's API rejects with no body at all, so its clients (portal-go's RejectAR, scripts) cannot
    send a reason: the Admin API passes `reason_required=False`, and such a rejection has none.
    """
    reason = checked_reason(reason, reason_required=reason_required)
    with transaction.atomic():
        locked = _lock_pending(request)
        locked.status = AccessRequest.Status.REJECTED
        locked.reason = reason
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        audit.record(actor, "reject", locked, {"status": ["pending", "rejected"]}, note=reason)
        _decision_email(locked, "access_request_rejected", base_url)
        _webhook_event("AccessRequestRejected", locked)
    return locked


def submit_request(app: App, catalogue: Any, plan: Any, products: list[Any], requester: User,
                   base_url: str = "") -> AccessRequest:
    """A consumer asks for `products` on `plan` for `app`; a plan with auto-approval approves at once.

    The plan must be one the catalogue offers and every product in it and requestable
    (catalog.services.offered_plans, is_requestable); the app must be one the requester owns.
    """
    problems = []
    if app.owner_id != requester.pk:
        problems.append("You can request access only for your own apps.")
    if not products:
        problems.append("Choose at least one product.")
    if not offered_plans(catalogue).filter(pk=plan.pk).exists():
        problems.append(f"The plan {plan} is not offered in the catalogue {catalogue}.")
    offered = set(catalogue.products.filter(pk__in=[p.pk for p in products]).values_list("pk", flat=True))
    missing = [str(p) for p in products if p.pk not in offered]
    if missing:
        problems.append(f"Not in the catalogue {catalogue}: {', '.join(missing)}.")
    closed = [str(p) for p in products if not is_requestable(p)]
    if closed:
        problems.append(f"Access cannot be requested to: {', '.join(closed)} (unpublished or documentation only).")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        request = AccessRequest.objects.create(app=app, catalogue=catalogue, plan=plan, requester=requester)
        request.products.set(products)
        audit.record(requester, "create", request)
        _webhook_event("AccessRequestCreated", request)
        if not plan.auto_approve:
            _tell_admins_of(request, base_url)
    if plan.auto_approve:
        request = approve(request, None, base_url)
    return request


def retry_provisioning(request: AccessRequest, actor: User) -> None:
    if request.status != AccessRequest.Status.APPROVED or request.provisioning != AccessRequest.Provisioning.FAILED:
        raise ValidationError("Only approved requests whose provisioning failed can be retried.")
    with transaction.atomic():
        AccessRequest.objects.filter(pk=request.pk).update(provisioning=AccessRequest.Provisioning.PENDING,
                                                           provisioning_error="")
        audit.record(actor, "other", request, note="provisioning retried")
        queue.enqueue("access.provision", {"request_id": request.pk})


def provision_app(app: App, actor: User, base_url: str = "") -> tuple[list[int], list[int]]:
    """Provision everything `app` waits for, as Tyk's `PUT /apps/{id}/provision` does: approve its
    pending requests (each as the Admin Portal's Approve does: decision, e-mail, provisioning job)
    and retry the provisioning of its approved requests whose provisioning failed (the Admin
    Portal's Retry). Returns the IDs approved and retried. A request decided meanwhile by someone
    else is left as they decided it; one whose retry is no longer due (it succeeded) is skipped.
    """
    approved, retried = [], []
    for pending in AccessRequest.objects.filter(app=app, status=AccessRequest.Status.PENDING).order_by("pk"):
        try:
            approved.append(approve(pending, actor, base_url).pk)
        except NotPending:
            continue
    failed = AccessRequest.objects.filter(app=app, status=AccessRequest.Status.APPROVED,
                                          provisioning=AccessRequest.Provisioning.FAILED).order_by("pk")
    for request in failed:
        try:
            retry_provisioning(request, actor)
        except ValidationError:
            continue
        retried.append(request.pk)
    return approved, retried


@handler("access.provision")
def provision(request_id: int) -> None:
    """Create the approved request's credential at the provider (see access.credentials for the
    steps). An integration that is missing fails for good; anything else is retried by the queue."""
    request = AccessRequest.objects.select_related("plan__provider").filter(pk=request_id).first()
    if request is None or request.provisioning != AccessRequest.Provisioning.PENDING:
        return  # deleted with its app meanwhile (its credentials' revocation is queued), or done
    provider = request.plan.provider
    if provider is None:
        AccessRequest.objects.filter(pk=request_id).update(provisioning=AccessRequest.Provisioning.NOT_NEEDED)
        return
    try:
        with transaction.atomic():
            locked = AccessRequest.objects.select_for_update().get(pk=request_id)
            # The request's first credential is the one provisioning makes, whatever became of it:
            # one revoked before the gateway had it must not be replaced by a retry of this job.
            credential = locked.credentials.order_by("created_at", "pk").first() or credentials.record(locked)
    except gateway.NoGateway as exc:
        AccessRequest.objects.filter(pk=request_id).update(provisioning=AccessRequest.Provisioning.FAILED,
                                                           provisioning_error=str(exc))
        return
    try:
        credentials.activate(credential.pk)
    except Exception as exc:  # shown on the request's page while the job queue retries
        AccessRequest.objects.filter(pk=request_id).update(provisioning_error=str(exc)[:2000])
        raise
    AccessRequest.objects.filter(pk=request_id).update(provisioning=AccessRequest.Provisioning.DONE,
                                                       provisioning_error="")
