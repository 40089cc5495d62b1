"""/portal-api/extended_attributes and /portal-api/users/{id}/custom-attributes: Tyk's custom
attributes of the User model (its one "extended model", ID 1), and users' values of them.

The rules are accounts.attributes'; definitions are written through the form the Admin Portal
uses (forecourt.resources). Differences from Tyk, on purpose (docs/migrating-from-tyk.md):

* A user custom attribute's `ID`, and the `{custom_attribute_id}` of its path, is the attribute's
  ID (a user has one value per attribute): the list answers every attribute, `Value` "" where the
  user has none, and `PUT` sets a value whether or not the user had one.
* `Type` may change, as may options and the regular expression, unless a user's value would no
  longer be valid (422, with how many). Tyk never lets the type change.
* A value sent back unchanged is always accepted (a GET body PUT back); otherwise a Write-once
  value that is set, or an empty required one, is refused (422), on `DELETE` too.
"""

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Status

from forecourt.accounts import attributes
from forecourt.accounts.models import CustomAttribute, User
from forecourt.audit.models import AuditEntry

from .. import forms
from ..common import ERRORS, PathId, StatusOut, actor, tyk_time
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["custom attributes"])

USER_MODEL_ID = 1
FIELDS = {"Name": "name", "Identifier": "identifier", "Description": "description", "Type": "type",
          "Behaviour": "behaviour", "DropdownValues": "dropdown_values", "ValidationRegExp": "validation_regexp",
          "AddToKeyMetadata": "add_to_key_metadata", "Required": "required", "ShowOnSignUp": "show_on_signup",
          "WriteOnceReadMany": "write_once"}
NAMES = {form: api for api, form in FIELDS.items()}
TYPES = "1: String, 2: Dropdown, 3: Boolean, 4: Number"
BEHAVIOURS = ("1: developers can view and edit it, 2: developers can only view it, "
              "3: developers cannot see it")
JSONScalar = str | bool | int | float


class CustomAttributeOut(Out):
    ID: int
    Name: str = Field(description="The label forms show.")
    Identifier: str = Field(description="Letters, digits, dashes and underscores; unique.")
    Description: str
    Type: int = Field(description=TYPES)
    Behaviour: int = Field(description=BEHAVIOURS)
    DropdownValues: str = Field(description="Type 2: the options, separated by commas.")
    ValidationRegExp: str = Field(description="Type 1: a value must match it whole (RE2 syntax, as in Go and Tyk).")
    AddToKeyMetadata: bool
    Required: bool
    ShowOnSignUp: bool
    WriteOnceReadMany: bool


class CustomAttributeIn(TykIn):
    """A custom attribute to create, or the changes to one: fields left out keep their value."""

    READ_ONLY = frozenset({"ID"})
    Name: str | None = Field(None, max_length=255)
    Identifier: str | None = Field(None, max_length=64)
    Description: str | None = Field(None, max_length=attributes.MAX_DESCRIPTION)
    Type: Annotated[int, Field(ge=1, le=4)] | None = Field(None, description=f"{TYPES}. New attributes: 1.")
    Behaviour: Annotated[int, Field(ge=1, le=3)] | None = Field(None, description=f"{BEHAVIOURS}. New: 1.")
    DropdownValues: str | None = Field(None, max_length=attributes.MAX_OPTIONS * (attributes.MAX_OPTION + 1))
    ValidationRegExp: str | None = Field(None, max_length=500)
    AddToKeyMetadata: bool | None = None
    Required: bool | None = None
    ShowOnSignUp: bool | None = None
    WriteOnceReadMany: bool | None = None


class DefaultAttributeOut(Out):
    ID: int
    Label: str
    AddToKeyMetadata: bool


class DefaultAttributeIn(TykIn):
    READ_ONLY = frozenset({"ID", "Label"})
    AddToKeyMetadata: bool | None = None


class ExtendedModelOut(Out):
    ID: int
    ModelName: str
    LastUpdatedBy: str = Field(description="Who last changed one of its attributes; empty if nobody has.")
    UpdatedAt: str | None


class ExtendedModelShow(ExtendedModelOut):
    CustomAttributes: list[CustomAttributeOut]
    DefaultAttributes: list[DefaultAttributeOut]


class UserAttributeDetail(Out):
    Name: str
    Identifier: str
    Type: str = Field(description="String, Dropdown, Boolean or Number.")
    Behaviour: str
    AddToKeyMetadata: bool
    Required: bool
    ShowOnSignUp: bool
    WriteOnceReadMany: bool


class UserAttributeOut(Out):
    ID: int = Field(description="The custom attribute's ID (a user has one value of each).")
    Value: str = Field(description='The value as text ("true", "12.5"); "" when the user has none.')
    CustomAttribute: UserAttributeDetail


class UserAttributeIn(TykIn):
    READ_ONLY = frozenset({"ID", "CustomAttribute"})
    Value: JSONScalar | None = Field(None, description='Text, or a JSON boolean or number; "" or null removes it.')


def _out(a: CustomAttribute) -> CustomAttributeOut:
    return CustomAttributeOut(ID=a.pk, Name=a.name, Identifier=a.identifier, Description=a.description, Type=a.type,
                              Behaviour=a.behaviour, DropdownValues=a.dropdown_values,
                              ValidationRegExp=a.validation_regexp, AddToKeyMetadata=a.add_to_key_metadata,
                              Required=a.required, ShowOnSignUp=a.show_on_signup, WriteOnceReadMany=a.write_once)


def _defaults() -> list[DefaultAttributeOut]:
    settings = attributes.default_settings()
    return [DefaultAttributeOut(ID=d.id, Label=d.label, AddToKeyMetadata=settings[d.key])
            for d in attributes.DEFAULT_ATTRIBUTES]


def _model(model_id: int) -> None:
    if model_id != USER_MODEL_ID:
        raise Http404("Not Found")


def _extended() -> ExtendedModelOut:
    last = (AuditEntry.objects.filter(object_type__in=("accounts.customattribute", "accounts.defaultattributesetting"))
            .order_by("-at", "-pk").first())
    by = ""
    at: datetime | None = None
    if last is not None:
        who = User.objects.filter(pk=last.actor_id).first() if last.actor_id else None
        name = who.get_full_name() if who is not None else ""
        by = f"{name} - {last.actor_email}" if name and name != last.actor_email else last.actor_email
        at = last.at
    return ExtendedModelOut(ID=USER_MODEL_ID, ModelName="User", LastUpdatedBy=by, UpdatedAt=tyk_time(at))


def _changes(payload: CustomAttributeIn) -> dict[str, Any]:
    return {field: getattr(payload, name) for name, field in FIELDS.items() if getattr(payload, name) is not None}


def _attribute(model_id: int, attribute_id: int) -> CustomAttribute:
    _model(model_id)
    return get_object_or_404(CustomAttribute, pk=attribute_id)


@router.get("/extended_attributes", response={200: list[ExtendedModelOut], **ERRORS})
def list_extended_models(request: HttpRequest) -> list[ExtendedModelOut]:
    """The models custom attributes extend: the User model only (ID 1)."""
    return [_extended()]


@router.get("/extended_attributes/{extended_attribute_id}", response={200: ExtendedModelShow, **ERRORS})
def get_extended_model(request: HttpRequest, extended_attribute_id: PathId) -> ExtendedModelShow:
    _model(extended_attribute_id)
    return ExtendedModelShow(**_extended().model_dump(),
                             CustomAttributes=[_out(a) for a in CustomAttribute.objects.order_by("pk")],
                             DefaultAttributes=_defaults())


@router.get("/extended_attributes/{extended_attribute_id}/custom-attributes",
            response={200: list[CustomAttributeOut], **ERRORS})
def list_custom_attributes(request: HttpRequest, extended_attribute_id: PathId) -> list[CustomAttributeOut]:
    _model(extended_attribute_id)
    return [_out(a) for a in CustomAttribute.objects.order_by("pk")]


@router.post("/extended_attributes/{extended_attribute_id}/custom-attributes",
             response={201: CustomAttributeOut, **ERRORS})
def create_custom_attribute(request: HttpRequest, extended_attribute_id: PathId,
                            payload: CustomAttributeIn) -> Status[CustomAttributeOut]:
    """Create a custom attribute (201, as Tyk). `Name` and `Identifier` are required."""
    _model(extended_attribute_id)
    changes = {"type": CustomAttribute.Type.STRING, "behaviour": CustomAttribute.Behaviour.EDIT, **_changes(payload)}
    attribute = forms.save("custom-attributes", changes, actor(request), names=NAMES)
    return Status(201, _out(attribute))


@router.get("/extended_attributes/{extended_attribute_id}/custom-attributes/{custom_attribute_id}",
            response={200: CustomAttributeOut, **ERRORS})
def get_custom_attribute(request: HttpRequest, extended_attribute_id: PathId,
                         custom_attribute_id: PathId) -> CustomAttributeOut:
    return _out(_attribute(extended_attribute_id, custom_attribute_id))


@router.put("/extended_attributes/{extended_attribute_id}/custom-attributes/{custom_attribute_id}",
            response={200: CustomAttributeOut, **ERRORS})
def update_custom_attribute(request: HttpRequest, extended_attribute_id: PathId, custom_attribute_id: PathId,
                            payload: CustomAttributeIn) -> CustomAttributeOut:
    """Change a custom attribute; fields left out keep their value. A change users' values would not
    survive (a type, options or a regular expression they fail) is refused (422)."""
    attribute = _attribute(extended_attribute_id, custom_attribute_id)
    return _out(forms.save("custom-attributes", _changes(payload), actor(request), instance=attribute, names=NAMES))


@router.delete("/extended_attributes/{extended_attribute_id}/custom-attributes/{custom_attribute_id}",
               response={200: StatusOut, **ERRORS})
def delete_custom_attribute(request: HttpRequest, extended_attribute_id: PathId,
                            custom_attribute_id: PathId) -> StatusOut:
    """Delete a custom attribute and every user's value of it (the audit log counts them)."""
    forms.delete("custom-attributes", _attribute(extended_attribute_id, custom_attribute_id), actor(request))
    return StatusOut()


def _default(model_id: int, default_id: int) -> attributes.DefaultAttribute:
    _model(model_id)
    default = attributes.DEFAULTS_BY_ID.get(default_id)
    if default is None:
        raise Http404("Not Found")
    return default


@router.get("/extended_attributes/{extended_attribute_id}/default-attributes",
            response={200: list[DefaultAttributeOut], **ERRORS})
def list_default_attributes(request: HttpRequest, extended_attribute_id: PathId) -> list[DefaultAttributeOut]:
    """The users' built-in fields that can be added to credentials' metadata."""
    _model(extended_attribute_id)
    return _defaults()


@router.get("/extended_attributes/{extended_attribute_id}/default-attributes/{default_attribute_id}",
            response={200: DefaultAttributeOut, **ERRORS})
def get_default_attribute(request: HttpRequest, extended_attribute_id: PathId,
                          default_attribute_id: PathId) -> DefaultAttributeOut:
    default = _default(extended_attribute_id, default_attribute_id)
    return next(d for d in _defaults() if default.id == d.ID)


@router.put("/extended_attributes/{extended_attribute_id}/default-attributes/{default_attribute_id}",
            response={200: DefaultAttributeOut, **ERRORS})
def update_default_attribute(request: HttpRequest, extended_attribute_id: PathId, default_attribute_id: PathId,
                             payload: DefaultAttributeIn) -> DefaultAttributeOut:
    """Whether this built-in field goes into credentials' metadata."""
    default = _default(extended_attribute_id, default_attribute_id)
    if payload.AddToKeyMetadata is not None:
        attributes.set_default(default, payload.AddToKeyMetadata, actor(request))
    return next(d for d in _defaults() if default.id == d.ID)


# --- users' values ------------------------------------------------------------------------------

def _user_value(attribute: CustomAttribute, value: str) -> UserAttributeOut:
    return UserAttributeOut(ID=attribute.pk, Value=value, CustomAttribute=UserAttributeDetail(
        Name=attribute.name, Identifier=attribute.identifier, Type=attribute.get_type_display(),
        Behaviour=attribute.get_behaviour_display(), AddToKeyMetadata=attribute.add_to_key_metadata,
        Required=attribute.required, ShowOnSignUp=attribute.show_on_signup, WriteOnceReadMany=attribute.write_once))


def _set(user: User, attribute: CustomAttribute, value: object, request: HttpRequest) -> None:
    try:
        attributes.set_values(user, {attribute: value}, attributes.Channel.ADMIN, actor(request))
    except ValidationError as exc:
        raise forms.Invalid([f"Value: {m}" for m in exc.messages]) from exc


@router.get("/users/{user_id}/custom-attributes", response={200: list[UserAttributeOut], **ERRORS},
            tags=["users"])
def list_user_attributes(request: HttpRequest, user_id: PathId) -> list[UserAttributeOut]:
    """Every custom attribute with the user's value ("" where they have none)."""
    values = attributes.current_values(get_object_or_404(User, pk=user_id))
    return [_user_value(a, values.get(a.pk, "")) for a in CustomAttribute.objects.order_by("pk")]


@router.get("/users/{user_id}/custom-attributes/{custom_attribute_id}",
            response={200: UserAttributeOut, **ERRORS}, tags=["users"])
def get_user_attribute(request: HttpRequest, user_id: PathId, custom_attribute_id: PathId) -> UserAttributeOut:
    user = get_object_or_404(User, pk=user_id)
    attribute = get_object_or_404(CustomAttribute, pk=custom_attribute_id)
    return _user_value(attribute, attributes.current_values(user).get(attribute.pk, ""))


@router.put("/users/{user_id}/custom-attributes/{custom_attribute_id}",
            response={200: UserAttributeOut, **ERRORS}, tags=["users"])
def update_user_attribute(request: HttpRequest, user_id: PathId, custom_attribute_id: PathId,
                          payload: UserAttributeIn) -> UserAttributeOut:
    """Set the user's value, checked as the attribute's type says (422 otherwise)."""
    user = get_object_or_404(User, pk=user_id)
    attribute = get_object_or_404(CustomAttribute, pk=custom_attribute_id)
    with transaction.atomic():
        _set(user, attribute, payload.Value, request)
    return _user_value(attribute, attributes.current_values(user).get(attribute.pk, ""))


@router.delete("/users/{user_id}/custom-attributes/{custom_attribute_id}",
               response={200: StatusOut, **ERRORS}, tags=["users"])
def delete_user_attribute(request: HttpRequest, user_id: PathId, custom_attribute_id: PathId) -> StatusOut:
    """Remove the user's value (a required or set Write-once one is refused: 422)."""
    user = get_object_or_404(User, pk=user_id)
    attribute = get_object_or_404(CustomAttribute, pk=custom_attribute_id)
    _set(user, attribute, "", request)
    return StatusOut()

