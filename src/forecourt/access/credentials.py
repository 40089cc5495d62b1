"""A credential's life at the gateway: issued, rotated, moved to another plan, revoked.

Every change is recorded in the database first, in the transaction of the decision, together
with the job that carries it to the provider; the jobs are idempotent steps that the queue
retries with backoff while the gateway is down. So a crash (kill -9) at any point leaves:

- a pending credential whose key the next attempt creates, or finds if the crash came after
  the gateway made it (its identifiers were chosen and committed before the call): never a key
  the portal does not know, never a portal credential without its key once the job is done,
  never a duplicate;
- a revoking credential whose removal the next attempt finishes ("gone" counts as done).

Rotation makes a new credential (pending, `replaces` the old) and revokes the old one in the
same transaction that activates the new one: the app always has a working credential.
Re-issuing gives an approved request whose credential was revoked a new one, by the same steps.
"""

import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forecourt.accounts.models import User
from forecourt.audit import services as audit
from forecourt.audit.models import AuditEntry
from forecourt.jobs import handler, queue
from forecourt.ops.faults import crash_point
from forecourt.webhooks import events

from . import dcr, gateway
from .models import AccessRequest, App, Credential

log = logging.getLogger("forecourt.access")


def _client(provider: models.Model) -> gateway.CredentialGateway:
    return gateway.for_provider(provider)


def _gateway_of(credential: Credential) -> gateway.CredentialGateway:
    """Where a credential lives: the identity provider for a DCR client (forecourt.access.dcr), else the
    gateway of its provider."""
    if credential.type == Credential.Type.DCR_CLIENT:
        return dcr.DCRGateway()
    if credential.provider is None:
        raise gateway.NoGateway(f"credential #{credential.pk} has no provider")
    return _client(credential.provider)


def record(request: AccessRequest, replaces: Credential | None = None) -> Credential:
    """Step 1: the pending row with the identifiers the provider chose (the caller commits it). A request
    for products with OAuth client types gets a client registered at their identity provider (DCR)."""
    assert request.plan.provider is not None
    chosen = dcr.DCRGateway() if dcr.client_type_for(request) is not None else _client(request.plan.provider)
    spec = chosen.new_credential(request)
    return Credential.objects.create(app=request.app, access_request=request, provider=request.plan.provider,
                                     replaces=replaces, status=Credential.Status.PENDING, **spec)


def activate(credential_id: int) -> Credential | None:
    """Steps 2 and 3: make the recorded credential exist at the gateway, then mark it active
    (and start revoking the one it replaces). Returns None if the row is gone."""
    credential = (Credential.objects.select_related("access_request__plan", "access_request__app__owner", "provider")
                  .filter(pk=credential_id).first())
    if credential is None or credential.status != Credential.Status.PENDING:
        return credential
    client = _gateway_of(credential)
    crash_point("after-record")
    recorded = client.create_credential(credential) or {}
    crash_point("after-gateway")
    for name, value in recorded.items():  # the event and a revocation below see what the gateway answered
        setattr(credential, name, value)
    request = credential.access_request
    expires_in = request.plan.key_expires_in
    with transaction.atomic():
        activated = Credential.objects.filter(pk=credential.pk, status=Credential.Status.PENDING).update(
            status=Credential.Status.ACTIVE,
            expires_at=credential.created_at + timedelta(seconds=expires_in) if expires_in else None,
            **recorded)
        if activated and credential.replaces_id:
            old = Credential.objects.select_for_update().filter(pk=credential.replaces_id).first()
            if old is not None and old.status in Credential.LIVE:
                _start_revoking(old)
        if activated:
            _credential_registered(credential)
    if not activated:
        # Revoked (or its app deleted) while it was being created: what the gateway made goes
        # too. The reference is all that takes (with what the gateway answered); the row may be gone.
        client.revoke_credential(credential.gateway_ref())
        return Credential.objects.filter(pk=credential.pk).first()
    log.info("credential active", extra={"credential": credential.pk, "request": request.pk})
    credential.refresh_from_db()
    return credential


def _credential_registered(credential: Credential) -> None:
    """CredentialRegistered, in the transaction that makes the credential active (no secret in it)."""
    request = credential.access_request
    events.emit("CredentialRegistered", {
        "ID": credential.pk, "Type": credential.type, "AppID": request.app_id, "App": request.app.name,
        "OwnerID": request.app.owner_id, "AccessRequestID": request.pk, "PlanID": request.plan_id,
        "ReplacesID": credential.replaces_id, "Hint": credential.secret_hint,
        "ExpiresAt": (credential.created_at + timedelta(seconds=request.plan.key_expires_in)).isoformat()
        if request.plan.key_expires_in else None})


@handler("access.activate")
def activate_job(credential_id: int) -> None:
    activate(credential_id)


def _start_revoking(credential: Credential) -> None:
    credential.status = Credential.Status.REVOKING
    credential.revoked_at = timezone.now()
    credential.save(update_fields=["status", "revoked_at"])
    queue.enqueue("access.revoke", {"ref": credential.gateway_ref()})


@handler("access.revoke")
def revoke_job(ref: gateway.GatewayRef) -> None:
    """Remove the credential from the gateway; the row (if it still exists) becomes revoked."""
    provider_id = ref.get("provider_id")
    client: gateway.CredentialGateway | None
    if ref.get("type") == Credential.Type.DCR_CLIENT:
        client = dcr.DCRGateway()
    else:
        client = gateway.for_provider_id(provider_id) if provider_id is not None else None
    if client is not None:
        client.revoke_credential(ref)
        crash_point("after-revoke")
    Credential.objects.filter(pk=ref["credential_id"], status=Credential.Status.REVOKING).update(
        status=Credential.Status.REVOKED)


class StillPending(Exception):
    """The credential is still being created; the queue retries the update once it exists."""


@handler("access.update")
def update_job(credential_id: int) -> None:
    """Apply the request's current plan and products to a credential at the gateway. One still
    being created may have been made with the old plan: wait for it, then update it."""
    credential = (Credential.objects.select_related("access_request__plan", "access_request__app__owner", "provider")
                  .filter(pk=credential_id).first())
    if credential is None or credential.provider is None:
        return
    if credential.status == Credential.Status.PENDING:
        raise StillPending(f"credential #{credential_id} is still being created")
    if credential.status == Credential.Status.ACTIVE:
        _gateway_of(credential).update_credential(credential)


# -- what admins and consumers ask for ---------------------------------------------------------

def revoke(credential: Credential, actor: User | None, note: str = "") -> bool:
    """Revoke a credential (at the gateway, by a job). False if it was revoked already."""
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        before = locked.status
        if before not in Credential.LIVE:
            return False
        _start_revoking(locked)
        audit.record(actor, "other", locked, {"status": [before, locked.status]},
                     note=note or "credential revoked")
    credential.refresh_from_db()
    return True


def rotate(credential: Credential, actor: User | None) -> Credential:
    """Replace an active credential with a new one; the old one is revoked once the new one works."""
    with transaction.atomic():
        # No select_related: FOR UPDATE cannot lock the nullable side of an outer join (PostgreSQL).
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        if locked.status != Credential.Status.ACTIVE:
            raise ValidationError(_("Only active credentials can be rotated; this one is %(status)s.")
                                  % {"status": locked.get_status_display()})
        if locked.replaced_by.filter(status=Credential.Status.PENDING).exists():
            raise ValidationError("This credential is being rotated already.")
        if locked.provider_id is None or locked.access_request.plan.provider_id != locked.provider_id:
            raise ValidationError("This credential's provider is gone or no longer serves its plan.")
        new = record(locked.access_request, replaces=locked)
        audit.record(actor, "other", locked, note=f"credential rotated: replaced by credential #{new.pk}")
        queue.enqueue("access.activate", {"credential_id": new.pk})
    return new


# The audit note of a revocation asked for in the Live Portal by a manager of the app: only such a
# credential may be re-issued by them. One an admin revoked (in the Admin Portal or API, or by
# deactivating its owner) stays revoked until an admin decides otherwise.
REVOKED_BY_CONSUMER = "credential revoked by the consumer"
REVOKED_BY_ADMIN = gettext_lazy("An administrator revoked this credential, so it cannot be re-issued here. "
                                "Ask the portal's administrators, or request access again.")


def revoked_by_consumers(credential_ids: list[int]) -> set[int]:
    """Those of `credential_ids` whose revocation the app's managers asked for (the audit log
    says: REVOKED_BY_CONSUMER), in one query."""
    if not credential_ids:
        return set()
    found = AuditEntry.objects.filter(object_type="access.credential", note=REVOKED_BY_CONSUMER,
                                      object_id__in=[str(pk) for pk in credential_ids])
    return {int(pk) for pk in found.values_list("object_id", flat=True)}


def reissue_problem(request: AccessRequest, check_credentials: bool = True) -> str:  # noqa: PLR0911 - one answer per reason a re-issue cannot go ahead, in order
    """Why `request` cannot be given a new credential now; "" if it can. A new one is for an
    approved request whose credentials were all revoked, the last by the app's managers, once
    provisioning had made the first (a request still being provisioned, or whose provisioning
    failed, is the admin's to retry), while the app's owner can still sign in.
    `check_credentials=False` leaves out the checks of its credentials (the app page makes them
    for all its requests at once)."""
    if request.status != AccessRequest.Status.APPROVED:
        return _("Only approved requests get credentials; this one is %(status)s.") % {
            "status": request.get_status_display().lower()}
    if request.provisioning != AccessRequest.Provisioning.DONE:
        return _("This request's credential is not made yet, or needs no credential.")
    if request.plan.provider_id is None:
        return _("This request's plan is not served by a gateway.")
    if request.plan.hidden_by_sync:
        return _("The plan %(plan)s's policy is gone from its provider: it cannot be granted.") % {"plan": request.plan}
    if not request.app.owner.is_active:
        return _("The app's owner's account is deactivated.")
    if not check_credentials:
        return ""
    if request.credentials.filter(status__in=Credential.LIVE).exists():
        return _("This request has a credential already.")
    last = request.credentials.order_by("-revoked_at", "-pk").first()
    if last is None:
        return _("This request has no credential to replace.")
    if last.pk not in revoked_by_consumers([last.pk]):
        return str(REVOKED_BY_ADMIN)
    return ""


def reissue(request: AccessRequest, actor: User | None) -> Credential:
    """A new credential for an approved request whose credential was revoked: the same steps as
    provisioning and rotation (recorded pending with its identifiers, then the `access.activate`
    job, which announces it with CredentialRegistered), so a crash cannot break it. The request
    row is locked, so two clicks make one credential. ValidationError when `reissue_problem`."""
    with transaction.atomic():
        locked = AccessRequest.objects.select_for_update().get(pk=request.pk)
        problem = reissue_problem(locked)  # its plan and app are read after the lock, not joined in it
        if problem:
            raise ValidationError(problem)
        new = record(locked)
        audit.record(actor, "other", locked, note=f"credential re-issued: credential #{new.pk}")
        queue.enqueue("access.activate", {"credential_id": new.pk})
    return new


def change_plan(request: AccessRequest, plan: Any, actor: User | None) -> AccessRequest:
    """Move an approved request to another plan of its catalogue; its credentials follow at the
    gateway (live ones by update jobs; one still being created is updated once it exists)."""
    with transaction.atomic():
        locked = AccessRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != AccessRequest.Status.APPROVED:
            raise ValidationError("Only approved requests can change plan.")
        if not locked.catalogue.plans.filter(pk=plan.pk).exists():
            raise ValidationError(_("The plan %(plan)s is not offered in the catalogue %(catalogue)s.")
                                  % {"plan": plan, "catalogue": locked.catalogue})
        if plan.provider_id != locked.plan.provider_id:
            raise ValidationError("The new plan must come from the same provider as the current one.")
        if plan.hidden_by_sync:
            raise ValidationError(_("The plan %(plan)s's policy is gone from its provider: it cannot be granted.")
                                  % {"plan": plan})
        if plan.pk == locked.plan_id:
            return locked
        before = locked.plan_id
        locked.plan = plan
        locked.save(update_fields=["plan"])
        audit.record(actor, "update", locked, {"plan": [before, plan.pk]}, note="plan changed")
        live = locked.credentials.filter(status__in=Credential.LIVE).values_list("pk", flat=True)
        for credential_id in live:
            queue.enqueue("access.update", {"credential_id": credential_id})
    return locked


def delete_app(app: App, actor: User | None) -> None:
    """Delete an app; its credentials are revoked at the gateway by jobs that outlive the rows."""
    with transaction.atomic():
        for credential in Credential.objects.select_for_update().filter(app=app, status__in=Credential.LIVE):
            _start_revoking(credential)
        app.delete()


def revoke_all_of(user: User, actor: User | None, note: str) -> int:
    """Revoke every live credential of the apps `user` owns (they were deactivated, say)."""
    count = 0
    live = Credential.objects.filter(Q(app__owner=user), status__in=Credential.LIVE)
    for credential in live:
        count += revoke(credential, actor, note)
    return count
