"""Organisation requests: a consumer of the Default Organisation asks for an organisation of their
own (`request_organisation`); an admin approves it, which creates the organisation and makes the
requester its consumer-admin, or rejects it with a reason. Channel-free rules taking plain values,
called by the Live Portal, the Admin Portal and the Admin API.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from forecourt.audit import services as audit
from forecourt.notify import email
from forecourt.portalconfig.models import PortalSettings

from . import notices
from .models import ADMIN_ROLES, Organisation, OrganisationRequest, Role, Team, User
from .services import DEFAULT_TEAM


def may_request_organisation(user: Any) -> bool:
    """Consumers still in the Default Organisation may ask for one of their own, if the general
    settings allow organisation requests."""
    if not getattr(user, "is_authenticated", False) or user.is_admin:
        return False
    if user.organisation_id is not None and not user.organisation.is_default:
        return False
    return bool(PortalSettings.load().allow_organisation_requests)


def request_organisation(user: User, name: str, base_url: str) -> OrganisationRequest:
    if not may_request_organisation(user):
        raise ValidationError("You cannot request an organisation.")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time per user
        if OrganisationRequest.objects.filter(requester=user, status=OrganisationRequest.Status.PENDING).exists():
            raise ValidationError("You already have a request waiting for an admin.")
        problem = organisation_name_problem(name)
        if problem:
            raise ValidationError(problem)
        request = OrganisationRequest.objects.create(name=name.strip(), requester=user)
        notices.organisation_request_event("OrganisationRequestCreated", request)
        settings = PortalSettings.load()
        if settings.admin_notification_address:
            email.send([settings.admin_notification_address], "organisation_request_submitted", {
                "user_name": user.get_full_name(), "user_email": user.email, "organisation_name": request.name,
                "admin_url": base_url.rstrip("/") + reverse("adminportal:organisation_request",
                                                            kwargs={"pk": request.pk}),
            })
    return request


def organisation_name_problem(name: str) -> str:
    """Why `name` cannot be a new organisation's name; empty when it can."""
    name = name.strip()
    if not name:
        return "Enter the organisation's name."
    if len(name) > 255:
        return "The name can be at most 255 characters."
    if Organisation.objects.filter(name__iexact=name).exists():
        return "An organisation of that name already exists: choose another name."
    return ""


def _decide_organisation_request(request: OrganisationRequest, actor: User) -> OrganisationRequest:
    """The request, locked for this transaction, if it is still pending; else ValidationError."""
    locked = OrganisationRequest.objects.select_for_update().select_related("requester").get(pk=request.pk)
    if locked.status != OrganisationRequest.Status.PENDING:
        raise ValidationError([f"This request was already {locked.get_status_display().lower()}."])
    return locked


def approve_organisation_request(request: OrganisationRequest, actor: User, base_url: str = "") -> Organisation:
    """Create the requested organisation with its Default Team and make the requester its
    consumer-admin (moved out of their current organisation and teams). The requester is told
    by e-mail when `base_url` is given. ValidationError if the request is no longer pending or
    the name has been taken since."""
    with transaction.atomic():
        locked = _decide_organisation_request(request, actor)
        problem = organisation_name_problem(locked.name)
        if problem:
            raise ValidationError([problem])
        organisation = Organisation.objects.create(name=locked.name.strip())
        team = Team.objects.create(organisation=organisation, name=DEFAULT_TEAM, is_default=True)
        requester = locked.requester
        before = {"organisation": str(requester.organisation) if requester.organisation_id else None,
                  "role": requester.role}
        if requester.role not in ADMIN_ROLES:
            requester.role = Role.CONSUMER_ADMIN
        requester.organisation = organisation
        requester.save(update_fields=["organisation", "role"])
        requester.teams.set([team])
        locked.status = OrganisationRequest.Status.APPROVED
        locked.organisation = organisation
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "organisation", "decided_by", "decided_at"])
        audit.record(actor, "approve", locked, {"status": ["pending", "approved"]})
        audit.record(actor, "create", organisation, note=f"requested by {requester.email}")
        notices.organisation_registered(organisation, requested_by=requester)
        notices.organisation_request_event("OrganisationRequestApproved", locked)
        audit.record(actor, "update", requester, {"organisation": [before["organisation"], organisation.name],
                                                  "role": [before["role"], requester.role]})
        if base_url:
            _tell_requester(locked, base_url)
    request.refresh_from_db()
    return organisation


MAX_REASON = 2000


def reject_organisation_request(request: OrganisationRequest, actor: User, base_url: str = "", *,
                                reason: str) -> None:
    """Reject a pending request, saying why: the reason is kept and, when `base_url` is given,
    e-mailed to the requester. ValidationError({"reason": ...}) without a reason (or with one
    that is too long), ValidationError if the request is no longer pending; nothing changes."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why, so the requester knows what to change."})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"At most {MAX_REASON} characters."})
    with transaction.atomic():
        locked = _decide_organisation_request(request, actor)
        locked.status = OrganisationRequest.Status.REJECTED
        locked.reason = reason
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        audit.record(actor, "reject", locked, {"status": ["pending", "rejected"]}, note=reason)
        notices.organisation_request_event("OrganisationRequestRejected", locked)
        if base_url:
            _tell_requester(locked, base_url)
    request.refresh_from_db()


def _tell_requester(request: OrganisationRequest, base_url: str) -> None:
    approved = request.status == OrganisationRequest.Status.APPROVED
    email.send([request.requester.email], f"organisation_request_{'approved' if approved else 'rejected'}", {
        "user_name": request.requester.get_full_name(),
        "organisation_name": request.name,
        "reason": request.reason,
        "portal_url": base_url.rstrip("/") + reverse("live:my_organisation"),
    })
