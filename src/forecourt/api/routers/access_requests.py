"""/portal-api/access_requests: the approval queue, as in Tyk's portal API.

Approving and rejecting go through forecourt.access.services, as in the Admin Portal: the
decision is recorded and audited, the consumer is e-mailed, and approval queues provisioning.
Tyk's reject has no body; here it takes an optional {"Reason": "..."} (Forecourt's own), which
the consumer is told. Without one the request is rejected with no reason, as in Tyk (the Admin
Portal, for people, asks for one: forecourt.access.services.reject).

An approved request moves to another plan of its catalogue with `PUT .../plan` (a Forecourt
addition, through forecourt.access.credentials.change_plan): its live credentials follow at the
gateway by background jobs.
"""

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Body, Router
from ninja.errors import HttpError

from forecourt.access import credentials
from forecourt.access import services as access
from forecourt.access.models import AccessRequest, Credential
from forecourt.catalog.models import Plan, Product
from forecourt.notify import links

from .. import forms
from ..common import ERRORS, Id, MessageOut, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["access requests"])

class CredentialOut(Out):
    """A credential as Tyk lists it, without the secret, which is never shown here: only its last
    characters (`SecretHint`). Forecourt adds `Status` (pending: being created at the gateway;
    active; revoking: being removed from it; revoked) and `ReplacesID`, the credential a rotation
    made this one to replace (revoked once this one is active).

    `ProviderReference` is how the gateway knows the credential, never a secret: an OAuth
    client's ID; for a Tyk API key (whose ID at the gateway is the key itself) the key's hash, or
    `portal-<uuid>` while the Dashboard has not told the hash (or never does, with key hashing
    off). The key itself is shown only to its owner, once, in the Live Portal."""

    ID: int
    AccessRequest: str
    AccessRequestID: int
    Status: str
    ReplacesID: int | None
    Type: str
    ProviderID: int | None
    ProviderReference: str
    OAuthClientID: str
    SecretHint: str
    Expires: str | None
    CreatedAt: str | None
    RevokedAt: str | None


class AccessRequestBase(Out):
    ID: int
    Status: str
    Catalogue: str
    CatalogueID: int
    Plan: str
    PlanID: int
    Client: str
    AppID: int
    User: str
    UserID: int
    ProductIDs: list[int]
    AuthType: str
    ProvisionImmediately: bool
    Reason: str
    DecidedBy: str | None
    DecidedAt: str | None
    Provisioning: str
    ProvisioningError: str
    CreatedAt: str | None
    UpdatedAt: str | None


class AccessRequestOut(AccessRequestBase):
    Products: str


class AccessRequestDetail(AccessRequestOut):
    Credentials: list[CredentialOut]


class AppAccessRequest(AccessRequestBase):
    """An access request inside an app: here Tyk gives the products as an array of names."""

    Products: list[str]
    Credentials: list[CredentialOut]


class RejectIn(TykIn):  # the same as organisation_requests.RejectIn: the document has one schema of this name
    Reason: str | None = None


class PlanChangeIn(TykIn):
    PlanID: Id


def requests(with_credentials: bool = False) -> QuerySet[AccessRequest]:
    """Access requests with everything their output shows, in a constant number of queries."""
    queryset = AccessRequest.objects.select_related("app", "catalogue", "plan", "requester", "decided_by") \
        .prefetch_related(Prefetch("products", Product.objects.prefetch_related("apis")))
    if with_credentials:
        queryset = queryset.prefetch_related(Prefetch("credentials", Credential.objects.order_by("-created_at", "pk")))
    return queryset


def credential(c: Credential) -> CredentialOut:
    return CredentialOut(
        ID=c.pk, AccessRequest=f"AccessRequest#{c.access_request_id}", AccessRequestID=c.access_request_id,
        Status=c.status, ReplacesID=c.replaces_id, Type=c.type, ProviderID=c.provider_id,
        ProviderReference=c.provider_reference,
        OAuthClientID=c.provider_reference if c.is_oauth_client else "",
        SecretHint=c.secret_hint, Expires=tyk_time(c.expires_at), CreatedAt=tyk_time(c.created_at),
        RevokedAt=tyk_time(c.revoked_at),
    )


def _fields(r: AccessRequest) -> dict[str, Any]:
    products = list(r.products.all())
    auth_types = sorted({api.auth_type for p in products for api in p.apis.all() if api.auth_type})
    return {
        "ID": r.pk, "Status": r.status, "Catalogue": r.catalogue.name, "CatalogueID": r.catalogue_id,
        "Plan": r.plan.display_name, "PlanID": r.plan_id, "Client": r.app.name, "AppID": r.app_id,
        "User": r.requester.email, "UserID": r.requester_id, "ProductIDs": [p.pk for p in products],
        "AuthType": ",".join(auth_types), "ProvisionImmediately": r.plan.auto_approve, "Reason": r.reason,
        "DecidedBy": r.decided_by.email if r.decided_by else None, "DecidedAt": tyk_time(r.decided_at),
        "Provisioning": r.provisioning, "ProvisioningError": r.provisioning_error,
        "CreatedAt": tyk_time(r.created_at), "UpdatedAt": tyk_time(r.decided_at or r.created_at),
    }


def _product_names(r: AccessRequest) -> list[str]:
    return [p.display_name for p in r.products.all()]


def summary(r: AccessRequest) -> AccessRequestOut:
    return AccessRequestOut(**_fields(r), Products=", ".join(_product_names(r)))


def detail(r: AccessRequest) -> AccessRequestDetail:
    return AccessRequestDetail(**_fields(r), Products=", ".join(_product_names(r)),
                               Credentials=[credential(c) for c in r.credentials.all()])


def in_app(r: AccessRequest) -> AppAccessRequest:
    return AppAccessRequest(**_fields(r), Products=_product_names(r),
                            Credentials=[credential(c) for c in r.credentials.all()])


@router.get("/access_requests", response={200: list[AccessRequestOut], **ERRORS})
def list_access_requests(request: HttpRequest, paging: PagingQuery,
                         status: Literal["pending", "approved", "rejected"] | None = None) -> list[AccessRequestOut]:
    """All access requests, newest first; `status` (pending, approved, rejected) keeps only those."""
    queryset = requests()
    if status is not None:
        queryset = queryset.filter(status=status)
    return [summary(r) for r in page_of(queryset.order_by("-created_at", "-pk"), paging)]


@router.get("/access_requests/{access_request_id}", response={200: AccessRequestDetail, **ERRORS})
def get_access_request(request: HttpRequest, access_request_id: PathId) -> AccessRequestDetail:
    return detail(get_object_or_404(requests(with_credentials=True), pk=access_request_id))


@router.put("/access_requests/{access_request_id}/approve", response={200: MessageOut, **ERRORS})
def approve_access_request(request: HttpRequest, access_request_id: PathId) -> MessageOut:
    """Approve a pending request: the consumer is e-mailed and, for a plan with a provider, the
    credential is created there by a job (see `Provisioning`). A decided request is a 409."""
    pending = get_object_or_404(AccessRequest, pk=access_request_id)
    try:
        approved = access.approve(pending, actor(request), links.base_url(request))
    except access.NotPending as exc:
        raise HttpError(409, str(exc)) from exc
    message = f"Access request #{approved.pk} approved"
    if approved.provisioning == AccessRequest.Provisioning.PENDING:
        message += "; the credential is being created at the provider"
    return MessageOut(message=message)


@router.put("/access_requests/{access_request_id}/reject", response={200: MessageOut, **ERRORS})
def reject_access_request(request: HttpRequest, access_request_id: PathId,
                          payload: Body[RejectIn | None] = None) -> MessageOut:
    """Reject a pending request. The body is optional, as in Tyk (whose reject has none):
    `{"Reason": "..."}` (Forecourt's own) is e-mailed to the consumer; without it (or with an
    empty one) the request is rejected with no reason. A decided request is a 409.
    """
    pending = get_object_or_404(AccessRequest, pk=access_request_id)
    reason = (payload.Reason if payload is not None else None) or ""
    try:
        rejected = access.reject(pending, actor(request), reason, links.base_url(request), reason_required=False)
    except access.NotPending as exc:
        raise HttpError(409, str(exc)) from exc
    except ValidationError as exc:
        raise forms.Invalid([f"Reason: {m}" for m in exc.messages]) from exc
    return MessageOut(message=f"Access request #{rejected.pk} rejected")


@router.delete("/access_requests/{access_request_id}", response={200: StatusOut, **ERRORS})
def delete_access_request(request: HttpRequest, access_request_id: PathId) -> StatusOut:
    """Delete a pending request (a withdrawn one, say). Decided requests are kept as the record
    of the decision and answer 409; Tyk would also revoke an approved request's credentials."""
    return delete_pending(request, AccessRequest.objects.filter(pk=access_request_id))


def delete_pending(request: HttpRequest, found: QuerySet[AccessRequest]) -> StatusOut:
    """Delete the one access request of `found` (404 if none) if it is pending; 409 otherwise.
    Both of Tyk's paths (`/access_requests/{id}`, `/apps/{app_id}/access-requests/{id}`) use it."""
    with transaction.atomic():
        obj = get_object_or_404(found.select_for_update())
        if obj.status != AccessRequest.Status.PENDING:
            raise HttpError(409, f"access request #{obj.pk} was already {obj.status}: only pending requests "
                                 "can be deleted")
        forms.delete("access-requests", obj, actor(request))
    return StatusOut()


@router.put("/access_requests/{access_request_id}/plan", response={200: AccessRequestDetail, **ERRORS})
def change_access_request_plan(request: HttpRequest, access_request_id: PathId,
                               payload: PlanChangeIn) -> AccessRequestDetail:
    """Move an approved request to another plan of its catalogue: `{"PlanID": 7}` (a Forecourt
    addition). Its active credentials get the new plan's limits at the gateway by background jobs.

    422, changing nothing, for a request that is not approved, a plan that does not exist, is not
    in the request's catalogue or comes from another provider. The current plan is a 200 that
    changes nothing. The change is in the audit log.
    """
    access_request = get_object_or_404(AccessRequest.objects.select_related("plan", "catalogue"),
                                       pk=access_request_id)
    plan = Plan.objects.filter(pk=payload.PlanID).first()
    if plan is None:
        raise forms.Invalid([f"PlanID: there is no plan #{payload.PlanID}."])
    try:
        credentials.change_plan(access_request, plan, actor(request))
    except ValidationError as exc:
        raise forms.Invalid(list(exc.messages)) from exc
    return detail(get_object_or_404(requests(with_credentials=True), pk=access_request_id))
