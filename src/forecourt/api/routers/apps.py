"""/portal-api/apps: developer apps, their access requests and credentials, as in Tyk's portal API.

Apps are written through the resources' AppForm, as in the Admin Portal (an app belongs to its owner's organisation).
Credentials are listed without their secret, which the Admin API never shows: only its last
characters (`SecretHint`).

Rotating and revoking go through forecourt.access.credentials, as in the Admin Portal (each is
audited there); the gateway is changed by background jobs, so the answers describe what is
recorded and `Status` shows how far the gateway has got:

- rotate (`PUT .../credentials/{id}/rotate`, both of Tyk's paths) answers the NEW credential,
  pending until the gateway has it; the old one stays active until then, and is revoked when the
  new one becomes active, so the app always has a working credential. Only an active credential
  that is not being rotated already can be rotated: otherwise 422, and nothing changes.
- revoke (`DELETE /apps/{app_id}/credentials/{id}`, a Forecourt addition) answers 200 and the
  key is removed from the gateway by a job. Revoking a credential that is revoked (or being
  revoked) already is a 200 too and changes nothing: DELETE is idempotent, so a script can
  safely repeat it.

- delete (`DELETE /apps/{app_id}/access-requests/{ar_id}/credentials/{id}`, Tyk's path) is the
  same revoke. `GET` on that path shows the credential, never its secret.

`PUT /apps/{app_id}/provision` approves the app's pending access requests and retries failed
provisioning (forecourt.access.services.provision_app). Deleting one of the app's access requests
follows `DELETE /access_requests/{id}`: only a pending one; a decided one is a 409.

A credential of another app (or of another of the app's requests) is a 404.
"""

import re

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from forecourt.access import credentials
from forecourt.access import services as access
from forecourt.access.models import AccessRequest, App, Credential
from forecourt.notify import links

from .. import forms
from ..common import ERRORS, MessageOut, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out
from .access_requests import (
    AccessRequestDetail,
    AppAccessRequest,
    CredentialOut,
    credential,
    delete_pending,
    detail,
    in_app,
    requests,
)

router = Router(tags=["apps"])

# Tyk's default when a new app's Visibility is left out (Client-basic.Visibility.default).
DEFAULT_VISIBILITY = App.Visibility.ORGANISATION

NAMES = {"name": "Name", "description": "Description", "redirect_urls": "RedirectURLs", "owner": "UserID",
         "visibility": "Visibility"}


class AppOut(Out):
    ID: int
    Name: str
    Description: str
    RedirectURLs: str
    UserID: int
    Visibility: str
    OrganisationID: int
    TeamID: int | None
    CreatedAt: str | None
    UpdatedAt: str | None


class AppDetail(AppOut):
    AccessRequests: list[AppAccessRequest]


class AppIn(TykIn):
    """Tyk's Client-basic. On PUT, what is left out keeps its value."""

    TYK_IGNORED = frozenset({"ID", "CreatedAt", "AccessRequests"})
    READ_ONLY = frozenset({"OrganisationID", "TeamID", "UpdatedAt"})  # Forecourt's own, from the owner
    Name: str | None = None
    Description: str | None = None
    RedirectURLs: str | None = None
    UserID: int | None = None
    Visibility: str | None = None


def _redirect_urls_in(value: str) -> str:
    """One string, as Tyk takes it: URLs separated by commas or new lines (the form wants lines)."""
    return "\n".join(part.strip() for part in re.split(r"[,\r\n]", value) if part.strip())


def _redirect_urls_out(value: str) -> str:
    """As Tyk gives it: one string, the URLs separated by commas."""
    return ",".join(line for line in value.splitlines() if line)


def _app(app: App) -> AppOut:
    return AppOut(ID=app.pk, Name=app.name, Description=app.description,
                  RedirectURLs=_redirect_urls_out(app.redirect_urls), UserID=app.owner_id,
                  Visibility=app.visibility, OrganisationID=app.organisation_id, TeamID=app.team_id,
                  CreatedAt=tyk_time(app.created_at), UpdatedAt=tyk_time(app.updated_at))


def _full(app: App) -> AppDetail:
    app = App.objects.prefetch_related(
        Prefetch("access_requests", requests(with_credentials=True).order_by("-created_at", "-pk"))).get(pk=app.pk)
    return AppDetail(**_app(app).model_dump(), AccessRequests=[in_app(r) for r in app.access_requests.all()])


def _changes(payload: AppIn) -> dict[str, object]:
    changes: dict[str, object] = {"name": payload.Name, "description": payload.Description,
                                  "owner": payload.UserID, "visibility": payload.Visibility}
    if payload.RedirectURLs is not None:
        changes["redirect_urls"] = _redirect_urls_in(payload.RedirectURLs)
    return {k: v for k, v in changes.items() if v is not None}


@router.get("/apps", response={200: list[AppOut], **ERRORS})
def list_apps(request: HttpRequest, paging: PagingQuery) -> list[AppOut]:
    return [_app(a) for a in page_of(App.objects.order_by("name", "pk"), paging)]


@router.post("/apps", response={200: AppDetail, **ERRORS})
def create_app(request: HttpRequest, payload: AppIn) -> AppDetail:
    """Create an app for the user `UserID` (a consumer). `Visibility` defaults to `organisation`, as in Tyk."""
    changes = {"visibility": DEFAULT_VISIBILITY, **_changes(payload)}
    return _full(forms.save("apps", changes, actor(request), names=NAMES))


@router.get("/apps/{app_id}", response={200: AppDetail, **ERRORS})
def get_app(request: HttpRequest, app_id: PathId) -> AppDetail:
    return _full(get_object_or_404(App, pk=app_id))


@router.put("/apps/{app_id}", response={200: AppDetail, **ERRORS})
def update_app(request: HttpRequest, app_id: PathId, payload: AppIn) -> AppDetail:
    app = get_object_or_404(App, pk=app_id)
    return _full(forms.save("apps", _changes(payload), actor(request), instance=app, names=NAMES))


@router.delete("/apps/{app_id}", response={200: StatusOut, **ERRORS})
def delete_app(request: HttpRequest, app_id: PathId) -> StatusOut:
    """Delete an app with its access requests; its live credentials are revoked at the gateway
    by background jobs that outlive the rows."""
    forms.delete("apps", get_object_or_404(App, pk=app_id), actor(request))
    return StatusOut()


@router.get("/apps/{app_id}/access-requests", response={200: list[AccessRequestDetail], **ERRORS})
def list_app_access_requests(request: HttpRequest, app_id: PathId, paging: PagingQuery) -> list[AccessRequestDetail]:
    app = get_object_or_404(App, pk=app_id)
    queryset = requests(with_credentials=True).filter(app=app).order_by("-created_at", "-pk")
    return [detail(r) for r in page_of(queryset, paging)]


@router.get("/apps/{app_id}/access-requests/{access_request_id}", response={200: AccessRequestDetail, **ERRORS})
def get_app_access_request(request: HttpRequest, app_id: PathId, access_request_id: PathId) -> AccessRequestDetail:
    return detail(get_object_or_404(requests(with_credentials=True), pk=access_request_id, app_id=app_id))


@router.delete("/apps/{app_id}/access-requests/{access_request_id}", response={200: StatusOut, **ERRORS})
def delete_app_access_request(request: HttpRequest, app_id: PathId, access_request_id: PathId) -> StatusOut:
    """Delete one of the app's access requests: as `DELETE /access_requests/{id}`, only a pending
    one (a decided request is kept as the record of the decision: 409, and nothing changes; revoke
    its credentials instead). Another app's request is a 404."""
    return delete_pending(request, AccessRequest.objects.filter(pk=access_request_id, app_id=app_id))


@router.put("/apps/{app_id}/provision", response={200: MessageOut, **ERRORS})
def provision_app(request: HttpRequest, app_id: PathId) -> MessageOut:
    """Provision the app's access (portal-go's ProvisionApp): approve its pending access requests,
    and retry the provisioning of approved ones whose provisioning failed, as the Admin Portal's
    Approve and Retry do (forecourt.access.services.provision_app). Credentials are then created
    at the gateway by background jobs (see each request's `Provisioning`). An app with nothing to
    provision is a 200 that changes nothing."""
    app = get_object_or_404(App, pk=app_id)
    approved, retried = access.provision_app(app, actor(request), links.base_url(request))
    parts = []
    if approved:
        parts.append("approved access requests " + ", ".join(f"#{pk}" for pk in approved))
    if retried:
        parts.append("retried provisioning of " + ", ".join(f"#{pk}" for pk in retried))
    return MessageOut(message=f"App #{app.pk}: " + ("; ".join(parts) if parts else "nothing to provision"))


@router.get("/apps/{app_id}/credentials", response={200: list[CredentialOut], **ERRORS})
def list_app_credentials(request: HttpRequest, app_id: PathId, paging: PagingQuery) -> list[CredentialOut]:
    """The app's credentials, revoked ones included (`RevokedAt`). Never a secret: only `SecretHint`."""
    app = get_object_or_404(App, pk=app_id)
    return [credential(c) for c in page_of(Credential.objects.filter(app=app).order_by("-created_at", "-pk"), paging)]


@router.get("/apps/{app_id}/access-requests/{access_request_id}/credentials",
            response={200: list[CredentialOut], **ERRORS})
def list_access_request_credentials(request: HttpRequest, app_id: PathId, access_request_id: PathId,
                                    paging: PagingQuery) -> list[CredentialOut]:
    """Tyk's path for the credentials of one of the app's access requests."""
    access_request = get_object_or_404(AccessRequest, pk=access_request_id, app_id=app_id)
    queryset = Credential.objects.filter(access_request=access_request).order_by("-created_at", "-pk")
    return [credential(c) for c in page_of(queryset, paging)]


def _rotate(request: HttpRequest, old: Credential) -> CredentialOut:
    try:
        new = credentials.rotate(old, actor(request))
    except ValidationError as exc:
        raise forms.Invalid(list(exc.messages)) from exc
    return credential(new)


@router.put("/apps/{app_id}/credentials/{credential_id}/rotate", response={200: CredentialOut, **ERRORS})
def rotate_credential(request: HttpRequest, app_id: PathId, credential_id: PathId) -> CredentialOut:
    """Replace an active credential with a new one, answered here with `Status` pending: the
    gateway gets it by a background job, which then revokes the old one (until then both work).
    422, changing nothing, for a credential that is not active or is being rotated already."""
    return _rotate(request, get_object_or_404(Credential, pk=credential_id, app_id=app_id))


@router.put("/apps/{app_id}/access-requests/{access_request_id}/credentials/{credential_id}/rotate",
            response={200: CredentialOut, **ERRORS})
def rotate_access_request_credential(request: HttpRequest, app_id: PathId, access_request_id: PathId,
                                     credential_id: PathId) -> CredentialOut:
    """Tyk's other path for rotation: the same as `PUT /apps/{app_id}/credentials/{credential_id}/rotate`."""
    return _rotate(request, get_object_or_404(Credential, pk=credential_id, app_id=app_id,
                                              access_request_id=access_request_id))


def _in_request(app_id: int, access_request_id: int, credential_id: int) -> Credential:
    return get_object_or_404(Credential, pk=credential_id, app_id=app_id, access_request_id=access_request_id)


@router.get("/apps/{app_id}/access-requests/{access_request_id}/credentials/{credential_id}",
            response={200: CredentialOut, **ERRORS})
def get_access_request_credential(request: HttpRequest, app_id: PathId, access_request_id: PathId,
                                  credential_id: PathId) -> CredentialOut:
    """One credential of one of the app's access requests, without its secret (only `SecretHint`):
    Tyk shows the key or the OAuth client's secret here; Forecourt shows a secret once, to its
    owner, in the Live Portal."""
    return credential(_in_request(app_id, access_request_id, credential_id))


@router.delete("/apps/{app_id}/access-requests/{access_request_id}/credentials/{credential_id}",
               response={200: StatusOut, **ERRORS})
def delete_access_request_credential(request: HttpRequest, app_id: PathId, access_request_id: PathId,
                                     credential_id: PathId) -> StatusOut:
    """Tyk's path for deleting a credential: revokes it as `DELETE /apps/{app_id}/credentials/{id}`
    does (removed from the gateway by a background job; the row is kept, with `RevokedAt`;
    repeating it is a 200 that changes nothing)."""
    credentials.revoke(_in_request(app_id, access_request_id, credential_id), actor(request))
    return StatusOut()


@router.delete("/apps/{app_id}/credentials/{credential_id}", response={200: StatusOut, **ERRORS})
def revoke_credential(request: HttpRequest, app_id: PathId, credential_id: PathId) -> StatusOut:
    """Revoke a credential (a Forecourt addition): `Status` becomes revoking, and revoked once a
    background job has removed it from the gateway. A credential that is revoked (or being
    revoked) already is a 200 that changes nothing. The row is kept, with `RevokedAt`."""
    credentials.revoke(get_object_or_404(Credential, pk=credential_id, app_id=app_id), actor(request))
    return StatusOut()
