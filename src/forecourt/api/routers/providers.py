"""/portal-api/providers: the gateways' management APIs (Tyk Dashboards), as in Tyk's portal API.

Divergences from Tyk, on purpose:

* The provider's API key (`Secret` in `Configuration.MetaData`) is never returned: it reads
  "********". Sending "********" (or "" or nothing) back on update keeps the stored key, so a
  provider read with GET can be PUT back unchanged.
* `Configuration.MetaData` is a JSON object in a string, as in Tyk; a plain JSON object is
  accepted as well. Keys left out of it on update keep their values.
* `Configuration.ID` is the provider's own ID (Forecourt keeps the settings on the provider).
* `LastSyncedAt` is a timestamp ("YYYY-MM-DD hh:mm", UTC) or null, not Tyk's "7 minutes ago".
* `DELETE` refuses (409) while products or plans come from the provider, instead of deleting them.
* `PUT /providers/{id}/synchronize` and `PUT /providers/all/synchronize` (every provider) queue
  the synchronisation and answer at once, with how many were queued.
"""

import json
from typing import Any

import pydantic
from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router

from forecourt.providers import jobs as provider_jobs
from forecourt.providers.models import Provider
from forecourt.wording import counted

from .. import forms
from ..common import ERRORS, MessageOut, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["providers"])

MASK = "********"

# Form field -> where it is in the request body, for error messages.
NAMES = {"name": "Name", "type": "Type", "url": "Configuration.MetaData.URL",
         "secret": "Configuration.MetaData.Secret", "org_id": "Configuration.MetaData.OrgID",
         "policy_tags": "Configuration.MetaData.PoliciesTags",
         "insecure_skip_verify": "Configuration.MetaData.InsecureSkipVerify",
         "gateway_url": "Configuration.MetaData.Gateway"}
# MetaData key -> form field.
META_FIELDS = {"URL": "url", "Secret": "secret", "OrgID": "org_id", "Gateway": "gateway_url",
               "InsecureSkipVerify": "insecure_skip_verify"}

METADATA_HELP = (
    'The connection settings, as JSON in a string (Tyk\'s format): {"URL": the Dashboard\'s address, '
    '"Secret": the Dashboard user\'s API key, "OrgID", "Gateway": where consumers call the APIs, '
    '"PoliciesTags": import only policies with one of these tags, "InsecureSkipVerify"}.'
)


class ProviderSummary(Out):
    ID: int
    Name: str
    Type: str = Field(description="The gateway type: `tyk-pro` (Tyk Dashboard).")
    Status: str = Field(description="`Up`, `Down`, or `Unknown` until the first synchronisation.")
    LastSyncedAt: str | None = Field(description="The last successful synchronisation (UTC), null before.")


class ProviderConfig(Out):
    ID: int = Field(description="The provider's ID.")
    MetaData: str = Field(description=METADATA_HELP + f' `Secret` is never returned: it reads "{MASK}".')


class SyncProblem(Out):
    Policy: str = Field(description="The policy's ID.")
    Name: str
    Reason: str = Field(description="Why the last synchronisation skipped it.")


class ProviderOut(ProviderSummary):
    Configuration: ProviderConfig
    CreatedAt: str | None
    UpdatedAt: str | None
    LastError: str = Field("", description="Forecourt's own: why the last synchronisation failed, if it did.")
    SyncProblems: list[SyncProblem] = Field(
        default_factory=list, description="Forecourt's own: the policies the last synchronisation skipped (the rest "
                                          "were synchronised).")


class ProviderMetaData(TykIn):
    URL: str | None = None
    Secret: str | None = Field(None, description=f'Empty, missing or "{MASK}": keep the stored key (on update).')
    OrgID: str | None = None
    Gateway: str | None = None
    PoliciesTags: list[str] | None = None
    InsecureSkipVerify: bool | None = None


class ProviderConfigIn(TykIn):
    TYK_IGNORED = frozenset({"ID"})
    MetaData: str | dict[str, Any] | None = Field(
        None, description=METADATA_HELP + " A JSON object is accepted too. On update, keys left out keep their values.")


class ProviderIn(TykIn):
    TYK_IGNORED = frozenset({"ID", "Status", "LastSyncedAt", "CreatedAt", "UpdatedAt"})
    READ_ONLY = frozenset({"LastError", "SyncProblems"})
    Name: str | None = None
    Type: str | None = Field(None, description="`tyk-pro` (the default).")
    Configuration: ProviderConfigIn | None = None


def _queryset() -> QuerySet[Provider]:
    """Providers without their API key (not decrypted, never shown), knowing whether they have one."""
    return Provider.objects.defer("secret").annotate(
        has_secret=Case(When(secret="", then=Value(False)), default=Value(True), output_field=BooleanField()))


def _summary(provider: Provider) -> ProviderSummary:
    return ProviderSummary(ID=provider.pk, Name=provider.name, Type=provider.type,
                           Status=provider.get_status_display(), LastSyncedAt=tyk_time(provider.last_synced_at))


def _full(provider_id: PathId) -> ProviderOut:
    provider = get_object_or_404(_queryset(), pk=provider_id)
    metadata = {"URL": provider.url, "Secret": MASK if getattr(provider, "has_secret", True) else "",
                "OrgID": provider.org_id, "Gateway": provider.gateway_url,
                "PoliciesTags": list(provider.policy_tags or []), "InsecureSkipVerify": provider.insecure_skip_verify}
    return ProviderOut(
        **_summary(provider).model_dump(),
        Configuration=ProviderConfig(ID=provider.pk, MetaData=json.dumps(metadata, separators=(",", ":"))),
        CreatedAt=tyk_time(provider.created_at), UpdatedAt=tyk_time(provider.updated_at),
        LastError=provider.last_error,
        SyncProblems=[SyncProblem(Policy=str(p.get("policy", "")), Name=str(p.get("name", "")),
                                  Reason=str(p.get("reason", ""))) for p in provider.sync_problems or []],
    )


def _metadata(raw: str | dict[str, Any]) -> ProviderMetaData:
    where = "Configuration.MetaData"
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError):
            raise forms.Invalid([f"{where}: is not valid JSON"]) from None
    if not isinstance(raw, dict):
        raise forms.Invalid([f"{where}: must be a JSON object (in a string)"])
    try:
        return ProviderMetaData.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise forms.Invalid([f"{'.'.join([where, *map(str, e['loc'])])}: {e['msg']}" for e in exc.errors()]) from None


def _changes(payload: ProviderIn, provider: Provider | None) -> dict[str, Any]:
    """The request as ProviderForm data (form field names); what is missing keeps its value."""
    changes: dict[str, Any] = {}
    if payload.Name is not None:
        changes["name"] = payload.Name
    if payload.Type is not None:
        changes["type"] = payload.Type
    elif provider is None:
        changes["type"] = Provider.Type.TYK_PRO
    metadata = ProviderMetaData.model_validate({})
    if payload.Configuration is not None and payload.Configuration.MetaData is not None:
        metadata = _metadata(payload.Configuration.MetaData)
    for key, field in META_FIELDS.items():
        value = getattr(metadata, key)
        if value is not None:
            changes[field] = value
    if changes.get("secret") == MASK:
        changes["secret"] = ""  # ProviderForm keeps the stored key when none is given
    tags = metadata.PoliciesTags
    if tags is None and provider is not None:
        tags = list(provider.policy_tags or [])  # sent as the form's text: see forms._form_data and lists
    if tags is not None:
        if any("," in tag for tag in tags):
            raise forms.Invalid([f"{NAMES['policy_tags']}: a tag may not contain a comma"])
        changes["policy_tags"] = ", ".join(tags)
    return changes


@router.get("/providers", response={200: list[ProviderSummary], **ERRORS})
def list_providers(request: HttpRequest, paging: PagingQuery) -> list[ProviderSummary]:
    return [_summary(p) for p in page_of(_queryset().order_by("name", "pk"), paging)]


@router.post("/providers", response={200: ProviderOut, **ERRORS})
def create_provider(request: HttpRequest, payload: ProviderIn) -> ProviderOut:
    """Connect a provider. Its `Status` is `Unknown` until it is first synchronised."""
    provider = forms.save("providers", _changes(payload, None), actor(request), names=NAMES)
    return _full(provider.pk)


@router.get("/providers/{provider_id}", response={200: ProviderOut, **ERRORS})
def get_provider(request: HttpRequest, provider_id: PathId) -> ProviderOut:
    return _full(provider_id)


@router.put("/providers/{provider_id}", response={200: ProviderOut, **ERRORS})
def update_provider(request: HttpRequest, provider_id: PathId, payload: ProviderIn) -> ProviderOut:
    """Change a provider. Fields (and `MetaData` keys) left out keep their values."""
    provider = get_object_or_404(Provider, pk=provider_id)
    forms.save("providers", _changes(payload, provider), actor(request), instance=provider, names=NAMES)
    return _full(provider.pk)


@router.delete("/providers/{provider_id}", response={200: StatusOut, **ERRORS})
def delete_provider(request: HttpRequest, provider_id: PathId) -> StatusOut:
    """Delete a provider; refused (409) while products or plans come from it."""
    forms.delete("providers", get_object_or_404(Provider, pk=provider_id), actor(request))
    return StatusOut()


# Before /providers/{provider_id}/synchronize, which would otherwise take "all" for an ID (and answer 422).
@router.put("/providers/all/synchronize", response={200: MessageOut, **ERRORS})
def synchronize_all_providers(request: HttpRequest) -> MessageOut:
    """Queue a synchronisation of every provider (portal-go's SyncProviders); a provider whose
    synchronisation is already queued or running keeps that one."""
    queued = provider_jobs.enqueue_sync_all()
    return MessageOut(message=f"{counted(queued, 'synchronisation')} queued")


@router.put("/providers/{provider_id}/synchronize", response={200: MessageOut, **ERRORS})
def synchronize_provider(request: HttpRequest, provider_id: PathId) -> MessageOut:
    """Queue a synchronisation of the provider's policies into products and plans."""
    provider = get_object_or_404(Provider.objects.only("pk"), pk=provider_id)
    queued = provider_jobs.enqueue_sync(provider.pk)
    return MessageOut(message="synchronisation queued" if queued else "a synchronisation is already queued")
