"""What the people concerned and the webhook endpoints hear when an account or organisation changes.

Each function runs inside the caller's transaction: the e-mail (forecourt.notify.email.send)
and the webhook event (forecourt.webhooks.events.emit) are rows written with the change, so
they go out if and only if it commits. Event messages carry ids and names, never secrets.
"""

from typing import Any

from django.conf import settings
from django.urls import reverse

from forecourt.notify import email
from forecourt.webhooks import events

from . import attributes
from .models import Organisation, OrganisationRequest, User


def public_link(view: str, base_url: str = "", **kwargs: Any) -> str:
    """An absolute link into the portal: from `base_url` (the request's, see notify.links), else
    PublicURL; "" when neither is known (a change made outside a request without PublicURL)."""
    root = base_url or getattr(settings, "PUBLIC_URL", "")
    return root.rstrip("/") + reverse(view, kwargs=kwargs or None) if root else ""


def user_message(user: User) -> dict[str, Any]:
    """A user in webhook events, with their custom attributes' values by identifier (all of them:
    endpoints are the admins')."""
    return {"ID": user.pk, "Email": user.email, "FirstName": user.first_name, "LastName": user.last_name,
            "Role": user.role, "OrganisationID": user.organisation_id, "Active": user.is_active,
            "CustomAttributes": attributes.values_by_identifier(user)}


def user_event(name: str, user: User, **extra: Any) -> None:
    events.emit(name, {**user_message(user), **extra})


def activation_changed(user: User, active: bool, base_url: str = "", *, email_user: bool = True) -> None:
    """Tell the webhooks, and the user by e-mail, that their account was activated (they can sign
    in) or deactivated. `email_user=False` when the user did it themselves and sees the result."""
    user_event("UserAccountActivated" if active else "UserAccountDeactivated", user)
    if not email_user:
        return
    if active:
        email.send([user.email], "account_activated", {
            "user_name": user.get_full_name(), "sign_in_url": public_link("live:sign_in", base_url)})
    else:
        email.send([user.email], "account_deactivated", {"user_name": user.get_full_name()})


def organisation_registered(organisation: Organisation, requested_by: User | None = None) -> None:
    events.emit("OrganisationRegistered", {"ID": organisation.pk, "Name": organisation.name,
                                           "RequestedBy": requested_by.email if requested_by else None})


def organisation_request_event(name: str, request: OrganisationRequest) -> None:
    events.emit(name, {"ID": request.pk, "Name": request.name, "Status": request.status,
                       "Requester": request.requester.email, "RequesterID": request.requester_id,
                       "OrganisationID": request.organisation_id, "Reason": request.reason})
