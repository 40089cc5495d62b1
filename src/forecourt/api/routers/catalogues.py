"""/portal-api/catalogues and their audiences, as in Tyk's portal API.

Divergences from Tyk, on purpose:

* A private catalogue needs at least one audience (the Admin Portal's rule): create it with
  `OrgCatalogues`, or as public and add audiences before making it private. Removing the last
  audience of a private catalogue is refused (409).
* `OrgCatalogues` is accepted on update as well, and then replaces the audiences.
* `NameWithSlug` is derived from the name (Forecourt has no separate path); sent, it is ignored.
* An audience's `TeamID` is null for a whole organisation (0 is accepted for it on write).
  Audiences have no timestamps of their own. Adding an audience the catalogue already has is a 422.
* Catalogue-show also has `NameWithSlug`, and `OrgCatalogues` items also have `OrganisationID` and `TeamID`.
"""

from typing import Annotated, Any, Literal

from django.db.models import F, Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from ninja import Field, Router, Status
from ninja.errors import HttpError

from forecourt.accounts.models import Organisation, Team, User
from forecourt.catalog.models import Catalogue, CatalogueAudience, Plan, Product

from .. import forms, translations
from ..common import ERRORS, MAX_ID, Id, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["catalogues"])

VISIBILITY: dict[str, Literal["Private", "Public"]] = {Catalogue.Visibility.PRIVATE: "Private",
                                                      Catalogue.Visibility.PUBLIC: "Public"}
NAMES = translations.names({"name": "Name", "visibility": "VisibilityStatus", "products": "Products",
                            "plans": "Plans", "audiences": "OrgCatalogues"})
TRANSLATED = translations.TranslatedFields(Catalogue, {"Name": "name"})


class CatalogueSummary(Out):
    ID: int
    Name: str
    NameWithSlug: str = Field(description="The name as a URL slug.")
    VisibilityStatus: Literal["Private", "Public"]
    Translations: translations.Translations = translations.answer_field(TRANSLATED)


class CatalogueAudienceSummary(Out):
    ID: int = Field(description="The audience's ID.")
    Catalogue: str = Field(description="The catalogue's name.")
    Name: str = Field(description="The team's name; empty for a whole organisation.")
    Organisation: str = Field(description="The organisation's name.")
    OrganisationID: int
    TeamID: int | None = Field(description="null: every team of the organisation.")


class CatalogueOut(CatalogueSummary):
    CreatedAt: str | None
    UpdatedAt: str | None
    OrgCatalogues: list[CatalogueAudienceSummary] = Field(description="The audiences (who sees a private catalogue).")
    Plans: list[str] = Field(description="The plans' display names.")
    Products: list[str] = Field(description="The products' display names.")


class AudienceOut(Out):
    ID: int
    OrganisationID: int
    TeamID: int | None = Field(description="null: every team of the organisation.")


class AudienceIn(TykIn):
    TYK_IGNORED = frozenset({"ID", "CreatedAt", "UpdatedAt"})
    READ_ONLY = frozenset({"Catalogue", "Name", "Organisation"})  # an OrgCatalogues item as a GET answers it
    OrganisationID: Id
    TeamID: Annotated[int, Field(ge=0, le=MAX_ID)] | None = Field(
        None, description="One team of the organisation; null or 0: all its teams.")


class CatalogueIn(TykIn):
    TYK_IGNORED = frozenset({"ID", "NameWithSlug", "CreatedAt", "UpdatedAt"})
    Name: str | None = None
    VisibilityStatus: Literal["Private", "Public"] | None = Field(None, description="New catalogues: `Private`.")
    Products: list[Id | str] | None = Field(None, description="Product IDs. On update they replace the products; "
                                                              "null removes them all, left out keeps them. The "
                                                              "names a GET answers are accepted unchanged.")
    Plans: list[Id | str] | None = Field(None, description="Plan IDs. On update they replace the plans; null "
                                                           "removes them all, left out keeps them. The names a "
                                                           "GET answers are accepted unchanged.")
    OrgCatalogues: list[AudienceIn] | None = Field(None, description="The audiences. On update they replace them.")
    Translations: translations.Translations | None = translations.body_field(TRANSLATED)


# The same order on every database: an organisation's whole-organisation audience before its teams.
AUDIENCE_ORDER = ("organisation_id", F("team_id").asc(nulls_first=True), "pk")


def _audiences() -> QuerySet[CatalogueAudience]:
    return CatalogueAudience.objects.select_related("organisation", "team").order_by(*AUDIENCE_ORDER)


def _queryset() -> QuerySet[Catalogue]:
    return Catalogue.objects.prefetch_related(
        Prefetch("audiences", _audiences()),
        Prefetch("products", Product.objects.only("pk", "display_name").order_by("display_name", "pk")),
        Prefetch("plans", Plan.objects.only("pk", "display_name").order_by("display_name", "pk")),
    )


def _summary(catalogue: Catalogue) -> CatalogueSummary:
    return CatalogueSummary(ID=catalogue.pk, Name=catalogue.name, NameWithSlug=slugify(catalogue.name),
                            VisibilityStatus=VISIBILITY[catalogue.visibility],
                            Translations=TRANSLATED.answer(catalogue))


def _full(catalogue_id: PathId) -> CatalogueOut:
    catalogue = get_object_or_404(_queryset(), pk=catalogue_id)
    return CatalogueOut(
        **_summary(catalogue).model_dump(),
        CreatedAt=tyk_time(catalogue.created_at), UpdatedAt=tyk_time(catalogue.updated_at),
        OrgCatalogues=[CatalogueAudienceSummary(
            ID=a.pk, Catalogue=catalogue.name, Name=a.team.name if a.team is not None else "",
            Organisation=a.organisation.name, OrganisationID=a.organisation_id, TeamID=a.team_id,
        ) for a in catalogue.audiences.all()],
        Plans=[p.display_name for p in catalogue.plans.all()],
        Products=[p.display_name for p in catalogue.products.all()],
    )


def _audience_out(audience: CatalogueAudience) -> AudienceOut:
    return AudienceOut(ID=audience.pk, OrganisationID=audience.organisation_id, TeamID=audience.team_id)


def _key(organisation_id: int, team_id: int | None) -> str:
    """An audience as CatalogueForm's `audiences` choice."""
    return f"team:{team_id}" if team_id else f"org:{organisation_id}"


def _audience_keys(items: list[AudienceIn], where: str) -> list[str]:
    """The requested audiences as CatalogueForm choices; 422 naming any organisation or team that does not fit."""
    organisations = set(Organisation.objects.filter(pk__in={i.OrganisationID for i in items})
                        .values_list("pk", flat=True))
    teams = dict(Team.objects.filter(pk__in={i.TeamID for i in items if i.TeamID})
                 .values_list("pk", "organisation_id"))
    problems: list[str] = []
    for n, item in enumerate(items):
        prefix = f"{where}.{n}." if where else ""
        if item.OrganisationID not in organisations:
            problems.append(f"{prefix}OrganisationID: there is no organisation {item.OrganisationID}")
        elif item.TeamID and teams.get(item.TeamID) != item.OrganisationID:
            problems.append(f"{prefix}TeamID: organisation {item.OrganisationID} has no team {item.TeamID}")
    if problems:
        raise forms.Invalid(problems)
    return list(dict.fromkeys(_key(i.OrganisationID, i.TeamID) for i in items))


def _described(catalogue: Catalogue) -> list[str]:
    return sorted(str(a) for a in _audiences().filter(catalogue=catalogue))


def _save(changes: dict[str, Any], user: User, instance: Catalogue | None = None,
          names: dict[str, str] | None = None) -> Catalogue:
    """Save through CatalogueForm (the audit entry covers the audiences: Catalogue.audit_extra)."""
    catalogue: Catalogue = forms.save("catalogues", changes, user, instance=instance,
                                      names=NAMES if names is None else names)
    return catalogue


def set_membership(field: Literal["products", "plans"], obj_id: PathId, catalogue_ids: list[int], user: User) -> None:
    """Put a product or plan in exactly these catalogues (Tyk's `Catalogues` of a product or plan).

    Each catalogue that changes is saved through CatalogueForm, so its rules and audit apply.
    """
    wanted = set(catalogue_ids)
    known = set(Catalogue.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - known:
        raise forms.Invalid([f"Catalogues: there is no catalogue {i}" for i in sorted(wanted - known)])
    current = set(Catalogue.objects.filter(**{field: obj_id}).values_list("pk", flat=True))
    for catalogue in Catalogue.objects.filter(pk__in=wanted ^ current).prefetch_related(field).order_by("pk"):
        members = [o.pk for o in getattr(catalogue, field).all() if o.pk != obj_id]
        if catalogue.pk in wanted:
            members.append(obj_id)
        forms.save("catalogues", {field: members}, user, instance=catalogue,
                   names=dict.fromkeys(NAMES, f"Catalogues ({catalogue.name})"))


def _changes(payload: CatalogueIn, catalogue: Catalogue | None) -> dict[str, Any]:
    """The request as CatalogueForm data; what is missing keeps its value."""
    creating = catalogue is None
    sent = payload.model_fields_set
    changes: dict[str, Any] = {}
    if payload.Name is not None:
        changes["name"] = payload.Name
    if payload.VisibilityStatus is not None:
        changes["visibility"] = payload.VisibilityStatus.lower()
    elif creating:
        changes["visibility"] = Catalogue.Visibility.PRIVATE
    for api_name, field in (("Products", "products"), ("Plans", "plans")):
        if api_name in sent:  # null removes them all, as in Tyk
            names = [] if catalogue is None else [o.display_name for o in getattr(catalogue, field).all()]
            ids = forms.ids_or_read_form(getattr(payload, api_name) or [], api_name, names)
            if ids is not None:
                changes[field] = list(dict.fromkeys(ids))
    if payload.OrgCatalogues is not None:
        changes["audiences"] = _audience_keys(payload.OrgCatalogues, "OrgCatalogues")
    return {**changes, **TRANSLATED.changes(payload.Translations)}


@router.get("/catalogues", response={200: list[CatalogueSummary], **ERRORS})
def list_catalogues(request: HttpRequest, paging: PagingQuery) -> list[CatalogueSummary]:
    return [_summary(c) for c in page_of(Catalogue.objects.order_by("name", "pk"), paging)]


@router.post("/catalogues", response={200: CatalogueOut, **ERRORS})
def create_catalogue(request: HttpRequest, payload: CatalogueIn) -> CatalogueOut:
    """Create a catalogue. A private one (the default) needs at least one audience in `OrgCatalogues`."""
    catalogue = _save(_changes(payload, None), actor(request))
    return _full(catalogue.pk)


@router.get("/catalogues/{catalogue_id}", response={200: CatalogueOut, **ERRORS})
def get_catalogue(request: HttpRequest, catalogue_id: PathId) -> CatalogueOut:
    return _full(catalogue_id)


@router.put("/catalogues/{catalogue_id}", response={200: CatalogueOut, **ERRORS})
def update_catalogue(request: HttpRequest, catalogue_id: PathId, payload: CatalogueIn) -> CatalogueOut:
    """Change a catalogue. Fields left out keep their values; `Products` or `Plans` null removes them all."""
    catalogue = get_object_or_404(Catalogue, pk=catalogue_id)
    _save(_changes(payload, catalogue), actor(request), instance=catalogue)
    return _full(catalogue.pk)


@router.delete("/catalogues/{catalogue_id}", response={200: StatusOut, **ERRORS})
def delete_catalogue(request: HttpRequest, catalogue_id: PathId) -> StatusOut:
    """Delete a catalogue and its audiences; refused (409) once access requests were made through it."""
    forms.delete("catalogues", get_object_or_404(Catalogue, pk=catalogue_id), actor(request))
    return StatusOut()


@router.get("/catalogues/{catalogue_id}/audiences", response={200: list[AudienceOut], **ERRORS})
def list_audiences(request: HttpRequest, catalogue_id: PathId, paging: PagingQuery) -> list[AudienceOut]:
    catalogue = get_object_or_404(Catalogue.objects.only("pk"), pk=catalogue_id)
    queryset = CatalogueAudience.objects.filter(catalogue=catalogue).order_by(*AUDIENCE_ORDER)
    return [_audience_out(a) for a in page_of(queryset, paging)]


@router.post("/catalogues/{catalogue_id}/audiences", response={201: AudienceOut, **ERRORS})
def create_audience(request: HttpRequest, catalogue_id: PathId, payload: AudienceIn) -> Status[Any]:
    """Let a whole organisation (no `TeamID`) or one of its teams see the catalogue."""
    catalogue = get_object_or_404(Catalogue, pk=catalogue_id)
    key = _audience_keys([payload], "")[0]
    keys = [_key(a.organisation_id, a.team_id) for a in catalogue.audiences.all()]
    if key in keys:
        raise forms.Invalid(["the catalogue already has this audience"])
    _save({"audiences": [*keys, key]}, actor(request), instance=catalogue)
    same = {"team_id": payload.TeamID} if payload.TeamID else {"team__isnull": True}
    return Status(201, _audience_out(catalogue.audiences.get(organisation_id=payload.OrganisationID, **same)))


@router.get("/catalogues/{catalogue_id}/audiences/{audience_id}", response={200: AudienceOut, **ERRORS})
def get_audience(request: HttpRequest, catalogue_id: PathId, audience_id: PathId) -> AudienceOut:
    return _audience_out(get_object_or_404(CatalogueAudience, pk=audience_id, catalogue_id=catalogue_id))


@router.delete("/catalogues/{catalogue_id}/audiences/{audience_id}", response={200: StatusOut, **ERRORS})
def delete_audience(request: HttpRequest, catalogue_id: PathId, audience_id: PathId) -> StatusOut:
    """Remove an audience; refused (409) for the last audience of a private catalogue."""
    audience = get_object_or_404(CatalogueAudience.objects.select_related("catalogue"), pk=audience_id,
                                 catalogue_id=catalogue_id)
    catalogue = audience.catalogue
    keys = [_key(a.organisation_id, a.team_id) for a in catalogue.audiences.exclude(pk=audience.pk)]
    try:
        _save({"audiences": keys}, actor(request), instance=catalogue, names={"audiences": ""})
    except forms.Invalid as exc:
        raise HttpError(409, "; ".join(exc.errors)) from exc
    return StatusOut()
