"""/portal-api/invite-codes: codes that let someone register straight into an organisation's team.

Not in Tyk's API (Tyk has invite codes in its admin UI only), so the names are Forecourt's own,
in Tyk's style. The code itself is generated and cannot be chosen or changed.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router

from forecourt.accounts.models import InviteCode, Team

from .. import forms
from ..common import ERRORS, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["invite codes"])

MAX_INT = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_INT)]

FIELDS = {"OrganisationID": "organisation", "TeamID": "team", "ExpiresAt": "expires_at", "MaxUses": "max_uses",
          "Active": "is_active"}
NAMES = {form: api for api, form in FIELDS.items()}


class InviteCodeOut(Out):
    ID: int
    Code: str
    OrganisationID: int
    TeamID: int
    ExpiresAt: str | None = Field(description="UTC, YYYY-MM-DD hh:mm; null: never expires.")
    MaxUses: int = Field(description="0: unlimited.")
    Uses: int
    Active: bool
    Usable: bool = Field(description="Active, not expired and not used up.")
    CreatedAt: str | None


class InviteCodeIn(TykIn):
    """An invite code to create, or the changes to one: fields left out keep their value.

    On create, `OrganisationID` may be left out when `TeamID` is given (it is the team's), and
    `TeamID` when `OrganisationID` is given (the organisation's Default Team).
    """

    READ_ONLY = frozenset({"ID", "Uses", "Usable", "CreatedAt"})
    OrganisationID: Id | None = None
    TeamID: Id | None = None
    Code: str | None = Field(None, description="Read-only: accepted on update when it is the code's own "
                                               "(a body read with GET and sent back); any other value is a 422.")
    ExpiresAt: datetime | None = Field(None, description="ISO 8601 or YYYY-MM-DD hh:mm; without a time zone, UTC. "
                                                         "null: never expires.")
    MaxUses: int | None = Field(None, ge=0, le=MAX_INT, description="0: unlimited. New codes: 1.")
    Active: bool | None = Field(None, description="New codes: true.")


def _out(code: InviteCode) -> InviteCodeOut:
    return InviteCodeOut(ID=code.pk, Code=code.code, OrganisationID=code.organisation_id, TeamID=code.team_id,
                         ExpiresAt=tyk_time(code.expires_at), MaxUses=code.max_uses, Uses=code.uses,
                         Active=code.is_active, Usable=code.is_usable, CreatedAt=tyk_time(code.created_at))


def _changes(payload: InviteCodeIn, code: InviteCode | None = None) -> dict[str, Any]:
    if payload.Code is not None and (code is None or payload.Code != code.code):
        raise forms.Invalid(["Code: is generated and cannot be chosen or changed"])
    changes: dict[str, Any] = {}
    for name, field in FIELDS.items():
        value = getattr(payload, name)
        if name == "ExpiresAt" and name in payload.model_fields_set:
            if value is not None and value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            changes[field] = value  # null clears it
        elif value is not None:
            changes[field] = value
    return changes


@router.get("/invite-codes", response={200: list[InviteCodeOut], **ERRORS})
def list_invite_codes(request: HttpRequest, paging: PagingQuery) -> list[InviteCodeOut]:
    """Newest first."""
    return [_out(c) for c in page_of(InviteCode.objects.order_by("-created_at", "-pk"), paging)]


@router.post("/invite-codes", response={200: InviteCodeOut, **ERRORS})
def create_invite_code(request: HttpRequest, payload: InviteCodeIn) -> InviteCodeOut:
    changes = {"max_uses": 1, "is_active": True, **_changes(payload)}
    if payload.TeamID is not None and payload.OrganisationID is None:
        team = Team.objects.filter(pk=payload.TeamID).first()
        if team is not None:
            changes["organisation"] = team.organisation_id
    elif payload.OrganisationID is not None and payload.TeamID is None:
        default = Team.objects.filter(organisation_id=payload.OrganisationID, is_default=True).first()
        if default is not None:
            changes["team"] = default.pk
    code = forms.save("invite-codes", changes, actor(request), names=NAMES)
    return _out(code)


@router.get("/invite-codes/{code_id}", response={200: InviteCodeOut, **ERRORS})
def get_invite_code(request: HttpRequest, code_id: PathId) -> InviteCodeOut:
    return _out(get_object_or_404(InviteCode, pk=code_id))


@router.put("/invite-codes/{code_id}", response={200: InviteCodeOut, **ERRORS})
def update_invite_code(request: HttpRequest, code_id: PathId, payload: InviteCodeIn) -> InviteCodeOut:
    code = get_object_or_404(InviteCode, pk=code_id)
    code = forms.save("invite-codes", _changes(payload, code), actor(request), instance=code, names=NAMES)
    return _out(code)


@router.delete("/invite-codes/{code_id}", response={200: StatusOut, **ERRORS})
def delete_invite_code(request: HttpRequest, code_id: PathId) -> StatusOut:
    forms.delete("invite-codes", get_object_or_404(InviteCode, pk=code_id), actor(request))
    return StatusOut()
