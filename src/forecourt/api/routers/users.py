"""/portal-api/users, as in Tyk's portal API, and the calling admin's own account and API token.

Divergences from Tyk, on purpose:

* `JWTToken` is never returned: API tokens are stored as SHA-256 digests, so there is nothing to
  show. An admin gets a new token (and loses the old one) with `POST /users/me/api-token`.
  `APITokenCreatedAt` says when the current one was issued.
* There is no password field (as in Tyk); `"ResetPassword": true` on create or update e-mails the
  user a link to set one.
* `Teams` is accepted on create as well as on update (team IDs, as strings or numbers) and read
  back as team names, as Tyk does.
* `OrganisationID` is 0 when the user has no organisation. An admin may belong to one in Forecourt
  (the bootstrap admin is in the Default Organisation), and then it is that organisation's ID.
* `Provider` is always `password` (Forecourt has no other identity providers) and is ignored on write.
* `UpdatedAt` is the last change to the user in the audit log (else `CreatedAt`).
* `CustomAttributes` (Forecourt's): the user's custom attribute values by identifier, answered by
  `GET /users/{id}` and accepted on create and update (each checked as its attribute says; an unknown
  identifier is a 422); Tyk sets them only through `/users/{id}/custom-attributes/{id}`, which
  Forecourt has too.
* `DELETE` refuses (409) to delete a user who owns apps, instead of deleting the apps; `force` has
  no effect.
"""

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from forecourt.accounts import attributes, tokens
from forecourt.accounts import services as accounts
from forecourt.accounts.models import Role, Team, User
from forecourt.audit.models import AuditEntry
from forecourt.notify import links

from .. import forms
from ..common import ERRORS, MAX_ID, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["users"])

# User and team IDs in bodies; 0 is Tyk's "no organisation".
Id = Annotated[int, Field(ge=0, le=MAX_ID)]

# API field -> form field, and back for error messages.
FIELDS = {"Email": "email", "First": "first_name", "Last": "last_name", "Role": "role",
          "OrganisationID": "organisation", "Teams": "teams"}
NAMES = {form: api for api, form in FIELDS.items()} | {"is_active": "Active"}
# Audit actions that change a user (a password reset e-mail does not).
_CHANGES = ("create", "update", "activate", "deactivate")


class UserListItem(Out):
    ID: int
    Email: str
    First: str
    Last: str
    Role: str
    Active: bool
    Provider: str = Field(description="Always `password`: Forecourt has no other identity providers.")
    OrganisationID: int = Field(description="0: no organisation.")
    Organisation: str = Field(description="The organisation's name; empty for none.")
    Teams: list[str] = Field(description="Team names.")
    CreatedAt: str | None
    UpdatedAt: str | None


class UserShow(UserListItem):
    CustomAttributes: dict[str, str] = Field(
        description="Forecourt's: the user's custom attribute values by identifier (those they have).")
    APITokenCreatedAt: str | None = Field(
        description="Date (YYYY-MM-DD) the user's current Admin API token was issued; null without one. "
                    "The token itself (Tyk's `JWTToken`) is never shown: only its digest is stored.")


class UserWrite(TykIn):
    """A user to create, or the changes to one: fields left out (or null) keep their value."""

    TYK_IGNORED = frozenset({"ID", "CreatedAt", "UpdatedAt", "Organisation", "JWTToken", "APITokenCreatedAt",
                             "Provider"})
    Email: str | None = None
    First: str | None = None
    Last: str | None = None
    Role: str | None = Field(None, description=f"One of {', '.join(Role.values)}; new users: "
                                               f"{Role.CONSUMER_TEAM_MEMBER.value}.")
    Active: bool | None = Field(None, description="New users: true.")
    OrganisationID: Id | None = Field(None, description="0: no organisation (admins only).")
    Teams: list[Id | str] | None = Field(None, description='Team IDs, as numbers or strings ("1"); they replace the '
                                                           "user's teams and must belong to their organisation. "
                                                           "The team names a GET answers are accepted unchanged.")
    ResetPassword: bool | None = Field(None, description="true: e-mail the user a link to set a password.")
    CustomAttributes: dict[Annotated[str, Field(max_length=64)], str | bool | int | float | None] | None = Field(
        None, max_length=attributes.MAX_OPTIONS,
        description="Forecourt's: custom attribute values by identifier; the ones left out keep their value, "
                    '"" or null removes one.')


class ApiTokenOut(Schema):
    status: str = "ok"
    api_token: str = Field(description="The new token. Shown this once; the previous one no longer works.")


def _queryset() -> QuerySet[User]:
    return User.objects.select_related("organisation").prefetch_related(
        Prefetch("teams", Team.objects.order_by("name", "pk")))


def _last_changes(users: list[User]) -> dict[str, datetime]:
    """User ID (as text, as the audit log keeps it) -> when the audit log last saw the user change."""
    if not users:
        return {}
    rows = (AuditEntry.objects.filter(object_type="accounts.user", action__in=_CHANGES,
                                      object_id__in=[str(u.pk) for u in users])
            .values("object_id").annotate(last=Max("at")).values_list("object_id", "last"))
    return dict(rows)


def _item(user: User, last_changes: dict[str, datetime]) -> dict[str, Any]:
    organisation = user.organisation
    changed = last_changes.get(str(user.pk))
    return {
        "ID": user.pk, "Email": user.email, "First": user.first_name, "Last": user.last_name, "Role": user.role,
        "Active": user.is_active, "Provider": "password",
        "OrganisationID": organisation.pk if organisation else 0,
        "Organisation": organisation.name if organisation else "",
        "Teams": [t.name for t in user.teams.all()],
        "CreatedAt": tyk_time(user.date_joined),
        "UpdatedAt": tyk_time(max(changed, user.date_joined) if changed else user.date_joined),
    }


def _show(user: User) -> UserShow:
    user = _queryset().get(pk=user.pk)
    issued = user.api_tokens.order_by("-created_at").values_list("created_at", flat=True).first()
    return UserShow(**_item(user, _last_changes([user])),
                    CustomAttributes=attributes.values_by_identifier(user),
                    APITokenCreatedAt=issued.strftime("%Y-%m-%d") if issued else None)


def _changes(payload: UserWrite, user: User | None = None) -> dict[str, Any]:
    """The form field values the body sets (null and absent fields are left out, as are `Teams`
    sent back as the names a GET answered)."""
    changes: dict[str, Any] = {}
    for name, field in FIELDS.items():
        value = getattr(payload, name)
        if value is None:
            continue
        if name == "OrganisationID":
            value = value or None  # 0: no organisation
        elif name == "Teams":
            names = [] if user is None else [t.name for t in user.teams.all()]
            value = forms.ids_or_read_form(value, "Teams", names)
            if value is None:
                continue
            value = list(dict.fromkeys(value))
        changes[field] = value
    return changes


def _set_attributes(user: User, payload: UserWrite, request: HttpRequest) -> None:
    """The body's `CustomAttributes`, by identifier: an unknown one, or a value its attribute refuses, is a 422."""
    if not payload.CustomAttributes:
        return
    found, unknown = attributes.by_identifier(payload.CustomAttributes)
    if unknown:
        raise forms.Invalid([f"CustomAttributes: there is no custom attribute {name!r}" for name in unknown])
    submitted = {found[name]: value for name, value in payload.CustomAttributes.items()}
    try:
        attributes.set_values(user, submitted, attributes.Channel.ADMIN, actor(request))
    except ValidationError as exc:
        raise forms.Invalid([f"CustomAttributes.{name}: {' '.join(messages)}"
                             for name, messages in exc.message_dict.items()]) from exc


def _reset_password(user: User, request: HttpRequest) -> None:
    accounts.send_password_reset(user, actor(request), links.base_url(request))


@router.get("/users", response={200: list[UserListItem], **ERRORS})
def list_users(request: HttpRequest, paging: PagingQuery) -> list[UserListItem]:
    users = page_of(_queryset().order_by("email", "pk"), paging)
    last_changes = _last_changes(users)
    return [UserListItem(**_item(u, last_changes)) for u in users]


@router.post("/users", response={200: UserShow, **ERRORS})
def create_user(request: HttpRequest, payload: UserWrite) -> UserShow:
    """Create a user. New users have no password: send `"ResetPassword": true` to e-mail them a link."""
    changes = {"role": Role.CONSUMER_TEAM_MEMBER, "is_active": True, **_changes(payload)}
    if payload.Active is not None:
        changes["is_active"] = payload.Active
    with transaction.atomic():
        user = forms.save("users", changes, actor(request), names=NAMES)
        _set_attributes(user, payload, request)
        if payload.ResetPassword:
            _reset_password(user, request)
    return _show(user)


@router.get("/users/me", response={200: UserShow, **ERRORS})
def get_me(request: HttpRequest) -> UserShow:
    """The admin the token belongs to."""
    return _show(actor(request))


@router.post("/users/me/api-token", response={200: ApiTokenOut, **ERRORS})
def rotate_api_token(request: HttpRequest) -> ApiTokenOut:
    """Give the calling admin a new API token; every previous token of theirs stops working at once."""
    me = actor(request)
    return ApiTokenOut(api_token=tokens.rotate(me))  # audited by tokens.rotate


@router.get("/users/{user_id}", response={200: UserShow, **ERRORS})
def get_user(request: HttpRequest, user_id: PathId) -> UserShow:
    return _show(get_object_or_404(User, pk=user_id))


@router.put("/users/{user_id}", response={200: UserShow, **ERRORS})
def update_user(request: HttpRequest, user_id: PathId, payload: UserWrite) -> UserShow:
    """Change a user; fields left out keep their value. `Active` follows the Admin Portal's rules:
    nobody deactivates their own account or the last active super-admin."""
    user = get_object_or_404(User, pk=user_id)
    changes = _changes(payload, user)
    with transaction.atomic():
        if changes:
            user = forms.save("users", changes, actor(request), instance=user, names=NAMES)
        if payload.Active is not None and payload.Active != user.is_active:
            try:
                accounts.set_active(user, payload.Active, actor(request))
            except ValidationError as exc:
                raise forms.Invalid([f"Active: {m}" for m in exc.messages]) from exc
        _set_attributes(user, payload, request)
        if payload.ResetPassword:
            _reset_password(user, request)
    return _show(user)


@router.delete("/users/{user_id}", response={200: StatusOut, **ERRORS})
def delete_user(request: HttpRequest, user_id: PathId) -> StatusOut:
    """Delete a user. Refused (409) for yourself, the last active super-admin and owners of apps."""
    forms.delete("users", get_object_or_404(User, pk=user_id), actor(request))
    return StatusOut()
