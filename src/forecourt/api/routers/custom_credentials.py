"""/portal-api/apps/{app_id}/custom_credentials: credentials an admin brings to an app from
outside the portal, as in Tyk's portal API (forecourt.access.custom_credentials holds the rules).

The key and the secret (`CredentialKey`, `CredentialSecret`) are written, never read: the admin
who sends them knows them, and they are shown to the app's owner once, in the Live Portal.
Answers carry only their last characters (`KeyHint`, `SecretHint`) and whether the owner has been
shown them (`ShownAt`). Only `Alias` changes with PUT (Tyk's update takes only it); the other
fields a GET answers are accepted unchanged and ignored, so a GET can be PUT back.
A custom credential of another app is a 404.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from forecourt.access import custom_credentials as service
from forecourt.access.models import App, CustomCredential

from .. import forms
from ..common import ERRORS, MessageOut, PagingQuery, PathId, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["apps"])

NAMES = {"alias": "Alias", "type": "Type", "plan": "PlanID", "products": "ProductIDs",
         "authentication_method": "AuthenticationMethod", "auth_token_type": "AuthTokenType", "key_id": "KeyID",
         "credential_key": "CredentialKey", "credential_secret": "CredentialSecret", "provider": "ProviderID",
         "client_type_id": "ClientTypeID"}


class CustomCredentialOut(Out):
    """Tyk's CustomCredential-show (`PlanID` a string, as Tyk answers it), without the values:
    Forecourt adds `KeyHint`, `SecretHint` (their last characters, empty for short ones) and
    `ShownAt` (when the app's owner was shown them; null while they wait)."""

    ID: int
    AppID: int
    Alias: str
    Type: str
    PlanID: str | None
    AuthenticationMethod: str
    ProductIDs: list[int]
    AuthTokenType: str
    KeyID: str
    ProviderID: int | None
    ClientTypeID: int | None
    KeyHint: str
    SecretHint: str
    ShownAt: str | None
    CreatedAt: str | None
    UpdatedAt: str | None


class CustomCredentialIn(TykIn):
    """Tyk's create body. `CredentialKey` and `CredentialSecret` are stored encrypted and never answered."""

    Alias: str | None = None
    Type: str | None = None
    PlanID: int | None = None
    AuthenticationMethod: str | None = None
    ProductIDs: list[int] | None = None
    AuthTokenType: str | None = None
    KeyID: str | None = None
    CredentialKey: str | None = None
    CredentialSecret: str | None = None
    ProviderID: int | None = None
    ClientTypeID: int | None = None


class CustomCredentialUpdate(TykIn):
    """Tyk's CustomCredential-update: `Alias`. What a GET answers is accepted and ignored."""

    READ_ONLY = frozenset({"ID", "AppID", "Type", "PlanID", "AuthenticationMethod", "ProductIDs", "AuthTokenType",
                           "KeyID", "ProviderID", "ClientTypeID", "KeyHint", "SecretHint", "ShownAt", "CreatedAt",
                           "UpdatedAt"})
    Alias: str | None = None


def custom_out(c: CustomCredential) -> CustomCredentialOut:
    return CustomCredentialOut(
        ID=c.pk, AppID=c.app_id, Alias=c.alias, Type=c.type, PlanID=str(c.plan_id) if c.plan_id else None,
        AuthenticationMethod=c.authentication_method, ProductIDs=sorted(p.pk for p in c.products.all()),
        AuthTokenType=c.auth_token_type, KeyID=c.key_id, ProviderID=c.provider_id, ClientTypeID=c.client_type_id,
        KeyHint=c.key_hint, SecretHint=c.secret_hint, ShownAt=tyk_time(c.secret_shown_at),
        CreatedAt=tyk_time(c.created_at), UpdatedAt=tyk_time(c.updated_at))


def _invalid(exc: ValidationError) -> forms.Invalid:
    messages = []
    for message in exc.messages:
        field, _, text = message.partition(": ")
        messages.append(f"{NAMES.get(field, field)}: {text}")
    return forms.Invalid(messages)


def _one(app_id: int, credential_id: int) -> CustomCredential:
    return get_object_or_404(CustomCredential.objects.prefetch_related("products"), pk=credential_id, app_id=app_id)


@router.get("/apps/{app_id}/custom_credentials", response={200: list[CustomCredentialOut], **ERRORS})
def list_custom_credentials(request: HttpRequest, app_id: PathId, paging: PagingQuery) -> list[CustomCredentialOut]:
    """The app's custom credentials, oldest first; never their key or secret."""
    app = get_object_or_404(App, pk=app_id)
    queryset = CustomCredential.objects.filter(app=app).prefetch_related("products").order_by("created_at", "pk")
    return [custom_out(c) for c in page_of(queryset, paging)]


@router.post("/apps/{app_id}/custom_credentials", response={201: CustomCredentialOut, **ERRORS})
def create_custom_credential(request: HttpRequest, app_id: PathId,
                             payload: CustomCredentialIn) -> Status[Any]:
    """Add a custom credential (201). 422, changing nothing, for a missing `Alias`, no `KeyID`,
    `CredentialKey` or `CredentialSecret`, an unknown plan, product or provider, or
    `CREDENTIAL_TYPE_TYK_MANAGED` (Forecourt issues Tyk keys through access requests)."""
    app = get_object_or_404(App, pk=app_id)
    data = {field: getattr(payload, name) for field, name in NAMES.items()}
    try:
        custom = service.create(app, data, actor(request))
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return Status(201, custom_out(_one(app.pk, custom.pk)))


@router.get("/apps/{app_id}/custom_credentials/{credential_id}", response={200: CustomCredentialOut, **ERRORS})
def get_custom_credential(request: HttpRequest, app_id: PathId, credential_id: PathId) -> CustomCredentialOut:
    return custom_out(_one(app_id, credential_id))


@router.put("/apps/{app_id}/custom_credentials/{credential_id}", response={200: CustomCredentialOut, **ERRORS})
def update_custom_credential(request: HttpRequest, app_id: PathId, credential_id: PathId,
                             payload: CustomCredentialUpdate) -> CustomCredentialOut:
    """Rename it (`Alias`); left out, the alias is kept. Its values cannot change: delete it and add it again."""
    custom = _one(app_id, credential_id)
    try:
        service.rename(custom, payload.Alias if payload.Alias is not None else custom.alias, actor(request))
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return custom_out(_one(app_id, credential_id))


@router.delete("/apps/{app_id}/custom_credentials/{credential_id}", response={200: MessageOut, **ERRORS})
def delete_custom_credential(request: HttpRequest, app_id: PathId, credential_id: PathId) -> MessageOut:
    """Remove it; answers `status` and a `message` naming it (Tyk's v1.14: StatusWithMessage)."""
    custom = _one(app_id, credential_id)
    alias = custom.alias
    service.delete(custom, actor(request))
    return MessageOut(message=f"custom credential {alias!r} deleted")
