"""/portal-api/organisation-requests: consumers' requests for an organisation of their own.

Tyk's portal API has no such resource (its v1.13 endpoint list has none), so the paths are
Forecourt's, after Tyk's `/access_requests`: list and detail, `PUT .../approve` and
`PUT .../reject` with `{"Reason": "..."}`. Fields are PascalCase as elsewhere in the API.

Decisions go through forecourt.accounts.org_requests, as in the Admin Portal: approval creates the
organisation with its Default Team and makes the requester its consumer-admin; rejection needs
a reason, which the requester is e-mailed. Both are audited. The router is mounted inside the
organisations router (see routers/organisations.py).
"""

from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Body, Router
from ninja.errors import HttpError

from forecourt.accounts import org_requests
from forecourt.accounts.models import OrganisationRequest
from forecourt.notify import links

from .. import forms
from ..common import ERRORS, MessageOut, PagingQuery, PathId, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["organisation requests"])

REASON_REQUIRED = 'Reason: say why the request is rejected, which the requester is told: send {"Reason": "..."}.'


class OrganisationRequestOut(Out):
    """`Status` is pending, approved or rejected; `OrganisationID` the organisation an approval
    made (else null); `Reason` why it was rejected."""

    ID: int
    Name: str
    Status: str
    User: str
    UserID: int
    OrganisationID: int | None
    Reason: str
    DecidedBy: str | None
    DecidedAt: str | None
    CreatedAt: str | None
    UpdatedAt: str | None


class RejectIn(TykIn):
    Reason: str | None = None


def _requests() -> QuerySet[OrganisationRequest]:
    return OrganisationRequest.objects.select_related("requester", "decided_by")


def _out(r: OrganisationRequest) -> OrganisationRequestOut:
    return OrganisationRequestOut(
        ID=r.pk, Name=r.name, Status=r.status, User=r.requester.email, UserID=r.requester_id,
        OrganisationID=r.organisation_id, Reason=r.reason,
        DecidedBy=r.decided_by.email if r.decided_by else None, DecidedAt=tyk_time(r.decided_at),
        CreatedAt=tyk_time(r.created_at), UpdatedAt=tyk_time(r.decided_at or r.created_at),
    )


def _base_url(request: HttpRequest) -> str:
    return links.base_url(request)


def _decided(r: OrganisationRequest) -> bool:
    r.refresh_from_db(fields=["status"])
    return r.status != OrganisationRequest.Status.PENDING


@router.get("/organisation-requests", response={200: list[OrganisationRequestOut], **ERRORS})
def list_organisation_requests(request: HttpRequest, paging: PagingQuery,
                               status: Literal["pending", "approved", "rejected"] | None = None,
                               ) -> list[OrganisationRequestOut]:
    """All organisation requests, newest first; `status` (pending, approved, rejected) keeps only those."""
    queryset = _requests()
    if status is not None:
        queryset = queryset.filter(status=status)
    return [_out(r) for r in page_of(queryset.order_by("-created_at", "-pk"), paging)]


@router.get("/organisation-requests/{organisation_request_id}", response={200: OrganisationRequestOut, **ERRORS})
def get_organisation_request(request: HttpRequest, organisation_request_id: PathId) -> OrganisationRequestOut:
    return _out(get_object_or_404(_requests(), pk=organisation_request_id))


@router.put("/organisation-requests/{organisation_request_id}/approve", response={200: MessageOut, **ERRORS})
def approve_organisation_request(request: HttpRequest, organisation_request_id: PathId) -> MessageOut:
    """Approve a pending request: the organisation is created with its Default Team, the requester
    becomes its consumer-admin (leaving their current organisation and teams) and is e-mailed.
    A decided request is a 409; a name taken since the request is a 422. Either changes nothing."""
    pending = get_object_or_404(OrganisationRequest, pk=organisation_request_id)
    try:
        organisation = org_requests.approve_organisation_request(pending, actor(request), _base_url(request))
    except ValidationError as exc:
        if _decided(pending):
            raise HttpError(409, " ".join(exc.messages)) from exc
        raise forms.Invalid([f"Name: {m}" for m in exc.messages]) from exc
    return MessageOut(message=f"Organisation request #{pending.pk} approved: organisation #{organisation.pk} "
                              f"“{organisation.name}” created")


@router.put("/organisation-requests/{organisation_request_id}/reject", response={200: MessageOut, **ERRORS})
def reject_organisation_request(request: HttpRequest, organisation_request_id: PathId,
                                payload: Body[RejectIn | None] = None) -> MessageOut:
    """Reject a pending request with `{"Reason": "..."}`, which the requester is e-mailed. Without
    a reason it is a 422; a decided request is a 409. Either changes nothing."""
    pending = get_object_or_404(OrganisationRequest, pk=organisation_request_id)
    reason = (payload.Reason if payload is not None else None) or ""
    if not reason.strip():
        raise forms.Invalid([REASON_REQUIRED])
    try:
        org_requests.reject_organisation_request(pending, actor(request), _base_url(request), reason=reason)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise forms.Invalid([f"Reason: {m}" for m in exc.messages]) from exc
        raise HttpError(409, " ".join(exc.messages)) from exc
    return MessageOut(message=f"Organisation request #{pending.pk} rejected")
