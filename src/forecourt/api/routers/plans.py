"""/portal-api/plans, as in Tyk's portal API and its Go client (portal-go).

The list is a bare JSON array, as portal-go's `ListPlans` decodes it (Tyk's API reference shows
`{"data": [...]}`, which portal-go cannot read). `RateLimit` and `Quota` are answered as strings
holding the number (`"100"`), as portal-go's `Plan` declares them; bodies may give them as numbers
or as such strings. (Tyk's reference shows text such as "1000 calls / 1 minute(s)" there; the number
alone is what a client can send back.)

Divergences from Tyk, on purpose:

* `ProviderID` is optional (a plan may be made by hand); `DisplayName` defaults to `Name`
  and `Name` to `DisplayName` (portal-go creates with `DisplayName` only).
  New plans get Forecourt's defaults: 100 requests per 60 s, no quota, keys that never expire.
* `Quota` and `PlanQuota` are the same number here, as are `QuotaRenewalRate` and
  `PlanQuotaRenewalRate`; when a request has both, the `Plan...` one wins.
* As in Tyk's policies, a negative `RateLimit` or `Quota` means unlimited, and a positive one
  limited, unless `UnlimitedRateLimit` / `UnlimitedQuota` are sent too; a negative `Per` or
  `QuotaRenewalRate` is ignored. Numbers are whole.
* `RateLimit`, `Per`, `Quota` and `QuotaRenewalRate` keep their values when unlimited.
* `ReferenceID` (the provider policy) may be written; `JWTScope`, `MetaData` and `CID` are ignored.
* `DELETE` refuses (409) a plan that approved or pending access requests use.
"""

from typing import Annotated, Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router
from pydantic import WithJsonSchema

from forecourt.catalog.models import Catalogue, Plan
from forecourt.catalog.services import default_names

from .. import forms, translations
from ..common import ERRORS, MAX_ID, Id, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out
from .catalogues import set_membership

router = Router(tags=["plans"])

Number = Annotated[int, Field(ge=-MAX_ID, le=MAX_ID)]
# RateLimit and Quota: a whole number, or a string holding one ("5", "-1"), as Tyk answers them.
# Pydantic's lax mode parses such strings; the document says both are taken.
NumberOrText = Annotated[int, Field(ge=-MAX_ID, le=MAX_ID), WithJsonSchema({
    "oneOf": [{"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID},
              {"type": "string", "pattern": r"^\s*-?\d+\s*$"}]})]

# API field -> PlanForm field (quotas and limits are translated in _changes).
FIELDS = {"Name": "name", "DisplayName": "display_name", "Description": "description",
          "AutoApproveAccessRequests": "auto_approve", "KeyExpiresIn": "key_expires_in",
          "UnlimitedRateLimit": "rate_unlimited", "UnlimitedQuota": "quota_unlimited",
          "ProviderID": "provider", "ReferenceID": "reference_id"}
NAMES = translations.names({form: api for api, form in FIELDS.items()} | {
    "rate_limit": "RateLimit", "rate_per": "Per", "quota_max": "Quota", "quota_renewal_seconds": "QuotaRenewalRate"})
TRANSLATED = translations.TranslatedFields(Plan, FIELDS)
DEFAULTS = ("rate_limit", "rate_per", "quota_unlimited", "quota_max", "quota_renewal_seconds", "key_expires_in")


class PlanSummary(Out):
    ID: int
    Name: str
    DisplayName: str
    AutoApproveAccessRequests: bool
    RateLimit: str = Field(description="Requests per `Per` seconds, as a string (Tyk's type): `\"100\"`.")
    UnlimitedRateLimit: bool
    Quota: str = Field(description="Requests per `QuotaRenewalRate` seconds, as a string (Tyk's type).")
    UnlimitedQuota: bool
    Translations: translations.Translations = translations.answer_field(TRANSLATED)


class PlanOut(Out):
    ID: int
    Name: str = Field(description="The name at the provider.")
    DisplayName: str
    Description: str
    AutoApproveAccessRequests: bool
    KeyExpiresIn: int = Field(description="Seconds; 0: never.")
    RateLimit: str = Field(description="Requests per `Per` seconds, as a string (Tyk's type): `\"100\"`.")
    Per: int
    UnlimitedRateLimit: bool
    Quota: str = Field(description="Requests per `QuotaRenewalRate` seconds, as a string (Tyk's type).")
    QuotaRenewalRate: int
    PlanQuota: int = Field(description="The same as `Quota`, as a number.")
    PlanQuotaRenewalRate: int = Field(description="The same as `QuotaRenewalRate`.")
    UnlimitedQuota: bool
    ProviderID: int | None
    ReferenceID: str = Field(description="The provider policy it mirrors; empty for none.")
    Catalogues: list[int] = Field(description="The IDs of the catalogues it is in.")
    PushState: str = Field(description="Forecourt's own: whether the portal's changes reached the provider's "
                           "policy: \"\" (they did, or nothing to write), \"pending\" or \"failed\".")
    PushError: str = Field(description="Forecourt's own: why writing the policy failed; empty if it did not.")
    SyncProblem: str = Field(description="Forecourt's own: why the last sync could not read its provider policy "
                             "(it keeps its last good state and stays published); empty if it could.")
    SyncProblemSince: str | None = Field(description="Forecourt's own: since when the policy cannot be read.")
    Translations: translations.Translations = translations.answer_field(TRANSLATED)
    CreatedAt: str | None
    UpdatedAt: str | None


class PlanIn(TykIn):
    TYK_IGNORED = frozenset({"ID", "CID", "JWTScope", "MetaData", "CreatedAt", "UpdatedAt"})
    READ_ONLY = frozenset({"PushState", "PushError", "SyncProblem", "SyncProblemSince"})
    Name: str | None = Field(None, description="New plans: `DisplayName`.")
    DisplayName: str | None = Field(None, description="New plans: `Name`.")
    Description: str | None = None
    AutoApproveAccessRequests: bool | None = None
    KeyExpiresIn: Number | None = Field(None, description="Seconds; 0: never.")
    RateLimit: NumberOrText | None = Field(None, description="Requests per `Per` seconds (a number, or a string "
                                                               "holding one). Without `UnlimitedRateLimit`: negative "
                                                               "makes the rate unlimited, positive limited.")
    Per: Number | None = None
    UnlimitedRateLimit: bool | None = None
    Quota: NumberOrText | None = Field(None, description="Requests per `QuotaRenewalRate` seconds (a number, or a "
                                                         "string holding one). Without `UnlimitedQuota`: negative "
                                                         "makes the quota unlimited, positive limited.")
    QuotaRenewalRate: Number | None = None
    PlanQuota: Number | None = Field(None, description="The same as `Quota` (wins over it).")
    PlanQuotaRenewalRate: Number | None = Field(None, description="The same as `QuotaRenewalRate` (wins over it).")
    UnlimitedQuota: bool | None = None
    ProviderID: Id | None = Field(None, description="null: none.")
    ReferenceID: str | None = Field(None, description="The provider policy it mirrors; null: none.")
    Catalogues: list[Id] | None = Field(None, description="Catalogue IDs: the plan is in exactly these.")
    Translations: translations.Translations | None = translations.body_field(TRANSLATED)


def _queryset() -> QuerySet[Plan]:
    return Plan.objects.prefetch_related(Prefetch("catalogues", Catalogue.objects.only("pk").order_by("pk")))


def _summary(plan: Plan) -> PlanSummary:
    return PlanSummary(ID=plan.pk, Name=plan.name, DisplayName=plan.display_name,
                       AutoApproveAccessRequests=plan.auto_approve, RateLimit=str(plan.rate_limit),
                       UnlimitedRateLimit=plan.rate_unlimited, Quota=str(plan.quota_max),
                       UnlimitedQuota=plan.quota_unlimited, Translations=TRANSLATED.answer(plan))


def _full(plan_id: PathId) -> PlanOut:
    plan = get_object_or_404(_queryset(), pk=plan_id)
    return PlanOut(
        ID=plan.pk, Name=plan.name, DisplayName=plan.display_name, Description=plan.description,
        AutoApproveAccessRequests=plan.auto_approve, KeyExpiresIn=plan.key_expires_in,
        RateLimit=str(plan.rate_limit), Per=plan.rate_per, UnlimitedRateLimit=plan.rate_unlimited,
        Quota=str(plan.quota_max), QuotaRenewalRate=plan.quota_renewal_seconds, PlanQuota=plan.quota_max,
        PlanQuotaRenewalRate=plan.quota_renewal_seconds, UnlimitedQuota=plan.quota_unlimited,
        ProviderID=plan.provider_id, ReferenceID=plan.reference_id or "",
        Catalogues=[c.pk for c in plan.catalogues.all()],
        PushState=plan.push_state, PushError=plan.push_error, SyncProblem=plan.sync_problem,
        SyncProblemSince=tyk_time(plan.sync_problem_since), Translations=TRANSLATED.answer(plan),
        CreatedAt=tyk_time(plan.created_at), UpdatedAt=tyk_time(plan.updated_at),
    )


def _changes(payload: PlanIn, creating: bool) -> dict[str, Any]:
    """The request as PlanForm data; what is missing keeps its value, null clears a provider or policy."""
    sent = payload.model_fields_set
    changes = {field: getattr(payload, api) for api, field in FIELDS.items()
               if getattr(payload, api) is not None or (api in ("ProviderID", "ReferenceID") and api in sent)}
    if creating:
        defaults = Plan()
        changes = {**{f: getattr(defaults, f) for f in DEFAULTS}, **changes}
        changes["name"], changes["display_name"] = default_names(changes.get("name"), changes.get("display_name"))
    quota = payload.PlanQuota if payload.PlanQuota is not None else payload.Quota
    renewal = payload.PlanQuotaRenewalRate if payload.PlanQuotaRenewalRate is not None else payload.QuotaRenewalRate
    for value, field, unlimited, flag in ((payload.RateLimit, "rate_limit", "rate_unlimited", "UnlimitedRateLimit"),
                                          (quota, "quota_max", "quota_unlimited", "UnlimitedQuota")):
        if value is None:
            continue
        if value >= 0:
            changes[field] = value
        if value and getattr(payload, flag) is None:  # Tyk's -1: unlimited; a positive number: limited
            changes[unlimited] = value < 0
    for value, field in ((payload.Per, "rate_per"), (renewal, "quota_renewal_seconds")):
        if value is not None and value >= 0:
            changes[field] = value
    return {**changes, **TRANSLATED.changes(payload.Translations)}


def _save(payload: PlanIn, request: HttpRequest, plan: Plan | None = None) -> Plan:
    with transaction.atomic():
        saved: Plan = forms.save("plans", _changes(payload, plan is None), actor(request), instance=plan,
                                 names=NAMES)
        if payload.Catalogues is not None:
            set_membership("plans", saved.pk, payload.Catalogues, actor(request))
    return saved


@router.get("/plans", response={200: list[PlanSummary], **ERRORS})
def list_plans(request: HttpRequest, paging: PagingQuery) -> list[PlanSummary]:
    """The plans, as a bare array (what portal-go's ListPlans decodes)."""
    return [_summary(p) for p in page_of(Plan.objects.order_by("display_name", "pk"), paging)]


@router.post("/plans", response={200: PlanOut, **ERRORS})
def create_plan(request: HttpRequest, payload: PlanIn) -> PlanOut:
    return _full(_save(payload, request).pk)


@router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS})
def get_plan(request: HttpRequest, plan_id: PathId) -> PlanOut:
    return _full(plan_id)


@router.put("/plans/{plan_id}", response={200: PlanOut, **ERRORS})
def update_plan(request: HttpRequest, plan_id: PathId, payload: PlanIn) -> PlanOut:
    """Change a plan. Fields left out keep their values."""
    return _full(_save(payload, request, get_object_or_404(Plan, pk=plan_id)).pk)


@router.delete("/plans/{plan_id}", response={200: StatusOut, **ERRORS})
def delete_plan(request: HttpRequest, plan_id: PathId) -> StatusOut:
    """Delete a plan; refused (409) while approved or pending access requests use it."""
    forms.delete("plans", get_object_or_404(Plan, pk=plan_id), actor(request))
    return StatusOut()
