"""/portal-api/organisations and their teams, as in Tyk's portal API.

A team's `Users` are answered as Tyk does and portal-go's `Team` decodes them: strings such as
"User#6". Bodies may give them that way, or as user IDs (numbers or digit strings).
"""

import re
from collections.abc import Iterable
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router

from forecourt.accounts import services as accounts
from forecourt.accounts.models import Organisation, Team, User

from .. import forms
from ..common import ERRORS, MAX_ID, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out
from . import organisation_requests

router = Router(tags=["organisations"])


class TeamSummary(Out):
    ID: int
    Name: str
    Default: bool


class UserSummary(Out):
    ID: int
    Email: str
    First: str
    Last: str
    Role: str
    Active: bool


class OrganisationSummary(Out):
    ID: int
    Name: str
    Teams: list[TeamSummary]


class OrganisationOut(OrganisationSummary):
    CreatedAt: str | None
    UpdatedAt: str | None
    Users: list[UserSummary]


class OrganisationIn(TykIn):
    TYK_IGNORED = frozenset({"CID", "ID", "CreatedAt", "UpdatedAt", "Teams", "Users"})
    Name: str


class TeamOut(Out):
    ID: int
    Name: str
    Default: bool
    OrganisationID: int
    Users: list[str] = Field(description='The members, as Tyk gives them: "User#<ID>".')
    CreatedAt: str | None
    UpdatedAt: str | None


class TeamIn(TykIn):
    TYK_IGNORED = frozenset({"CID", "ID", "CreatedAt", "UpdatedAt", "Default"})
    READ_ONLY = frozenset({"OrganisationID"})
    Name: str | None = None
    Users: list[Annotated[int, Field(ge=1, le=MAX_ID)] | str] | None = Field(
        None, description='The members (they replace the current ones): user IDs as numbers, digit strings or '
                          '"User#<ID>" (as a GET answers them).')


def _team(team: Team) -> TeamSummary:
    return TeamSummary(ID=team.pk, Name=team.name, Default=bool(team.is_default))


def _summary(org: Organisation) -> OrganisationSummary:
    return OrganisationSummary(ID=org.pk, Name=org.name, Teams=[_team(t) for t in org.teams.all()])


def _full(org: Organisation) -> OrganisationOut:
    org = Organisation.objects.prefetch_related("teams", "users").get(pk=org.pk)
    return OrganisationOut(
        ID=org.pk, Name=org.name, CreatedAt=tyk_time(org.created_at), UpdatedAt=tyk_time(org.updated_at),
        Teams=[_team(t) for t in org.teams.all()],
        Users=[UserSummary(ID=u.pk, Email=u.email, First=u.first_name, Last=u.last_name, Role=u.role,
                           Active=u.is_active) for u in org.users.all()],
    )


def _members(ids: Iterable[int]) -> list[str]:
    """Members as Tyk names them, by ID."""
    return [f"User#{pk}" for pk in sorted(ids)]


_MEMBER = re.compile(r"\s*(?:User#)?([0-9]+)\s*")


def _member_ids(values: list[int | str]) -> list[int]:
    """User IDs from numbers, digit strings and "User#6"; 422 naming anything else."""
    ids: list[int] = []
    for n, value in enumerate(values):
        match = _MEMBER.fullmatch(value) if isinstance(value, str) else None
        number = value if isinstance(value, int) else int(match.group(1)) if match else 0
        if not 1 <= number <= MAX_ID:
            raise forms.Invalid([f'Users.{n}: a user ID is a number, a digit string or "User#<ID>"'])
        ids.append(number)
    return ids


def _team_out(team: Team) -> TeamOut:
    return TeamOut(ID=team.pk, Name=team.name, Default=bool(team.is_default), OrganisationID=team.organisation_id,
                   Users=_members(team.members.values_list("pk", flat=True)), CreatedAt=tyk_time(team.created_at),
                   UpdatedAt=tyk_time(team.updated_at))


@router.get("/organisations", response={200: list[OrganisationSummary], **ERRORS})
def list_organisations(request: HttpRequest, paging: PagingQuery) -> list[OrganisationSummary]:
    queryset = Organisation.objects.prefetch_related(Prefetch("teams", Team.objects.order_by("name")))
    return [_summary(o) for o in page_of(queryset.order_by("name", "pk"), paging)]


@router.post("/organisations", response={200: OrganisationOut, **ERRORS})
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> OrganisationOut:
    org = forms.save("organisations", {"name": payload.Name}, actor(request), names={"name": "Name"})
    return _full(org)


@router.get("/organisations/{organisation_id}", response={200: OrganisationOut, **ERRORS})
def get_organisation(request: HttpRequest, organisation_id: PathId) -> OrganisationOut:
    return _full(get_object_or_404(Organisation, pk=organisation_id))


@router.put("/organisations/{organisation_id}", response={200: OrganisationOut, **ERRORS})
def update_organisation(request: HttpRequest, organisation_id: PathId, payload: OrganisationIn) -> OrganisationOut:
    org = get_object_or_404(Organisation, pk=organisation_id)
    org = forms.save("organisations", {"name": payload.Name}, actor(request), instance=org, names={"name": "Name"})
    return _full(org)


@router.delete("/organisations/{organisation_id}", response={200: StatusOut, **ERRORS})
def delete_organisation(request: HttpRequest, organisation_id: PathId) -> StatusOut:
    forms.delete("organisations", get_object_or_404(Organisation, pk=organisation_id), actor(request))
    return StatusOut()


@router.get("/organisations/{organisation_id}/teams", response={200: list[TeamOut], **ERRORS})
def list_teams(request: HttpRequest, organisation_id: PathId, paging: PagingQuery) -> list[TeamOut]:
    org = get_object_or_404(Organisation, pk=organisation_id)
    queryset = Team.objects.filter(organisation=org).prefetch_related(
        Prefetch("members", User.objects.only("pk"))).order_by("name", "pk")
    return [TeamOut(ID=t.pk, Name=t.name, Default=bool(t.is_default), OrganisationID=org.pk,
                    Users=_members(u.pk for u in t.members.all()), CreatedAt=tyk_time(t.created_at),
                    UpdatedAt=tyk_time(t.updated_at)) for t in page_of(queryset, paging)]


@router.post("/organisations/{organisation_id}/teams", response={200: TeamOut, **ERRORS})
def create_team(request: HttpRequest, organisation_id: PathId, payload: TeamIn) -> TeamOut:
    org = get_object_or_404(Organisation, pk=organisation_id)
    team = forms.save("teams", {"organisation": org.pk, "name": payload.Name or ""}, actor(request),
                      names={"name": "Name"})
    if payload.Users is not None:
        _set_members(team, payload.Users, request)
    return _team_out(team)


@router.get("/organisations/{organisation_id}/teams/{team_id}", response={200: TeamOut, **ERRORS})
def get_team(request: HttpRequest, organisation_id: PathId, team_id: PathId) -> TeamOut:
    return _team_out(get_object_or_404(Team, pk=team_id, organisation_id=organisation_id))


@router.put("/organisations/{organisation_id}/teams/{team_id}", response={200: TeamOut, **ERRORS})
def update_team(request: HttpRequest, organisation_id: PathId, team_id: PathId, payload: TeamIn) -> TeamOut:
    team = get_object_or_404(Team, pk=team_id, organisation_id=organisation_id)
    if payload.Name is not None:
        team = forms.save("teams", {"name": payload.Name}, actor(request), instance=team, names={"name": "Name"})
    if payload.Users is not None:
        _set_members(team, payload.Users, request)
    return _team_out(team)


@router.delete("/organisations/{organisation_id}/teams/{team_id}", response={200: StatusOut, **ERRORS})
def delete_team(request: HttpRequest, organisation_id: PathId, team_id: PathId) -> StatusOut:
    forms.delete("teams", get_object_or_404(Team, pk=team_id, organisation_id=organisation_id), actor(request))
    return StatusOut()


def _set_members(team: Team, user_ids: list[int | str], request: HttpRequest) -> None:
    """Make exactly these users the team's members; they must belong to the team's organisation."""
    try:
        accounts.set_team_members(team, _member_ids(user_ids), actor(request))
    except ValidationError as exc:
        raise forms.Invalid([f"Users: {m}" for m in exc.messages]) from exc


# Organisation requests have a router of their own, mounted inside this one, so api/views.py
# registers it with this one: /portal-api/organisation-requests.
router.add_router("", organisation_requests.router)
