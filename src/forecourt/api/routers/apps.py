"""/portal-api/apps: developer apps, their access requests and credentials, as in Tyk's portal API.

Apps are written through the Admin Portal's AppForm (an app belongs to its owner's organisation).
Credentials are listed without their secret, which Forecourt never stores: only its last
characters (`SecretHint`). Rotating a credential needs the provider integration, which is not
there yet: the rotate endpoints answer 422 and change nothing.
"""

import re

from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.errors import HttpError

from forecourt.access.models import AccessRequest, App, Credential

from .. import forms
from ..common import ERRORS, MessageOut, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out
from .access_requests import (
    AccessRequestDetail,
    AppAccessRequest,
    CredentialOut,
    credential,
    detail,
    in_app,
    requests,
)

router = Router(tags=["apps"])

# Tyk's default when a new app's Visibility is left out (Client-basic.Visibility.default).
DEFAULT_VISIBILITY = App.Visibility.ORGANISATION

ROTATION_UNAVAILABLE = ("Rotating credentials is not available yet: it needs the provider integration, which "
                        "arrives in a later release. Nothing was changed.")

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


@router.put("/apps/{app_id}/credentials/{credential_id}/rotate", response={200: MessageOut, **ERRORS})
def rotate_credential(request: HttpRequest, app_id: PathId, credential_id: PathId) -> MessageOut:
    """Not available yet: always 422 (after 404 for an unknown app or credential), nothing changes.

    Rotation replaces the credential at the provider, which needs the provider integration that
    arrives with a later release.
    """
    get_object_or_404(Credential, pk=credential_id, app_id=app_id)
    raise HttpError(422, ROTATION_UNAVAILABLE)


@router.put("/apps/{app_id}/access-requests/{access_request_id}/credentials/{credential_id}/rotate",
            response={200: MessageOut, **ERRORS})
def rotate_access_request_credential(request: HttpRequest, app_id: PathId, access_request_id: PathId,
                                     credential_id: PathId) -> MessageOut:
    """Tyk's path for rotation. Not available yet: always 422 (after 404s), nothing changes."""
    get_object_or_404(Credential, pk=credential_id, app_id=app_id, access_request_id=access_request_id)
    raise HttpError(422, ROTATION_UNAVAILABLE)
