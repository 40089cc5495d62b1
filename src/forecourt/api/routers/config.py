"""/portal-api/config: configuration as code over the Admin API (Forecourt's own; docs/config-as-code.md).

`GET /config/export` answers what `forecourt export` writes, `POST /config/plan` what `forecourt plan`
prints, `POST /config/apply` applies as `forecourt apply` does (one transaction, the Admin Portal's
forms, audit log and provider pushes), with the token's admin as the audit log's actor. The same
engine (forecourt.promotion) does the work; this module only moves files in and out of HTTP.

* An export's answer can be posted back unchanged: `{"Files": {name: YAML text}, "Assets": {path:
  base64}}`. A single YAML file may be posted as the body instead (`Content-Type: application/yaml`).
* Secrets are references, as in files, but a request's `{env: NAME}` names an entry of its own
  `Secrets` (`{"Secrets": {NAME: value}}`), never the server's environment; `{file: PATH}` is
  refused. Otherwise a request could copy the server's own secrets into a provider's key.
* Super-admins only: a configuration holds the settings and themes, which only they may change,
  and a plan shows the settings' current values.
* Refusals are 422 with the API's envelope, each problem also as `{File, Line, Reason}`; nothing is
  changed. The body is held to the API's body limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 6 MB), checked
  against its declared length before it is read: a larger configuration is applied with the CLI.
"""

import base64
import binascii
import json
from typing import Any

import pydantic
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError, ValidationError

from forecourt.ops import unstorable
from forecourt.promotion import apply as applying
from forecourt.promotion import export as exporting
from forecourt.promotion import plan as planning
from forecourt.promotion import reading
from forecourt.promotion.errors import ConfigRefused, Problem
from forecourt.promotion.source import Source

from ..auth import SuperAdminToken
from ..common import ERRORS, ErrorOut, actor
from ..schemas_base import Out

router = Router(tags=["config"], auth=SuperAdminToken())

YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
YAML_BODY_NAME = "request.yaml"  # the name problems and the audit log give a YAML body


class ProblemOut(Out):
    File: str = Field(description="The file (or the parameter) the problem is in.")
    Line: int | None = Field(description="The line in that file, when there is one.")
    Reason: str


class ConfigErrorOut(ErrorOut):
    Problems: list[ProblemOut] = Field(default_factory=list, description="Each problem of a refused configuration "
                                       "(422: not on other errors); `errors` has the same as \"file:line: reason\".")


RESPONSES: dict[int, type[Schema]] = {**ERRORS, 415: ErrorOut, 422: ConfigErrorOut}


class ConfigExportOut(Out):
    Files: dict[str, str] = Field(description="Each kind's file: its name (`products.yaml`) and its YAML text.")
    Assets: dict[str, str] = Field(description="The files the YAML names (images, theme archives): the path "
                                               "relative to the files, and the content in base64.")


class ConfigFilesIn(Schema):
    """What plan and apply read: an export's answer, sent back as it came, or edited."""

    model_config = pydantic.ConfigDict(extra="forbid")

    Files: dict[str, str] = Field(min_length=1, description="File name (`*.yaml` or `*.yml`) -> YAML text.")
    Assets: dict[str, str] = Field(default_factory=dict, description="Path -> base64, as export answers them.")
    Secrets: dict[str, str] = Field(default_factory=dict, description="The values of the files' `{env: NAME}` "
                                    "references, by NAME. The server's environment is never read.")


class FieldChangeOut(Out):
    Old: Any = Field(description='The value now (null when created; "(secret)" for a secret that is set).')
    New: Any = Field(description="The value after the change.")


class ChangeOut(Out):
    Action: str = Field(description="`create`, `update` or `delete`.")
    Kind: str = Field(description="The kind (`products`, or a child's `products.apis`).")
    Key: str = Field(description="The object's natural key (a child's as `parent/child`).")
    Fields: dict[str, FieldChangeOut] = Field(description="Each changed field, by its name in the file.")


class SummaryOut(Out):
    Create: int
    Update: int
    Delete: int


class ConfigPlanOut(Out):
    Source: str = Field(description="The files read.")
    Changes: list[ChangeOut]
    Summary: SummaryOut
    Applied: bool = Field(description="Whether the changes were made: false for a plan, true for an apply that "
                                      "had changes to make.")
    Rewritten: list[ChangeOut] = Field(default_factory=list, description=(
        "After an apply: the values the portal stored otherwise than the files write them (a tag's spaces "
        "trimmed...), as a new plan would show them (Old: as stored, New: as written). Write them as stored, "
        "or every plan shows them again."))


BODY = {"requestBody": {"required": True, "description": "The files (an export's answer), at most 6 MB in all; or "
                        "one YAML file as the body.",
                        "content": {"application/json": {"schema": ConfigFilesIn.model_json_schema()},
                                    "application/yaml": {"schema": {"type": "string"}}}}}


def _change_out(change: dict[str, Any]) -> ChangeOut:
    return ChangeOut(Action=change["action"], Kind=change["kind"], Key=change["key"],
                     Fields={name: FieldChangeOut(Old=v["old"], New=v["new"]) for name, v in change["fields"].items()})


def _plan_out(plan: planning.Plan, applied: bool) -> ConfigPlanOut:
    """The plan's JSON (Plan.as_json, the CLI's `--json`) with the API's PascalCase names."""
    data = plan.as_json()
    summary = data["summary"]
    return ConfigPlanOut(Source=data["source"], Changes=[_change_out(c) for c in data["changes"]], Applied=applied,
                         Summary=SummaryOut(Create=summary["create"], Update=summary["update"],
                                            Delete=summary["delete"]),
                         Rewritten=[_change_out(c) for c in data.get("rewritten", [])])


def _files_in(request: HttpRequest) -> ConfigFilesIn:
    """A JSON body's files. `request.body` refuses (413) a body whose declared length is over the
    limit before reading it."""
    if request.content_type not in ("application/json", ""):
        raise HttpError(415, "send the files as application/json ({\"Files\": ...}) or one file as "
                             "application/yaml")
    try:
        data = json.loads(request.body)
    except ValueError:
        raise HttpError(400, "the body is not JSON") from None
    unstorable.refuse(data)
    try:
        return ConfigFilesIn.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError([dict(e) for e in exc.errors(include_url=False, include_context=False)]) from None


def _source(request: HttpRequest) -> Source:
    """The configuration the request sends, read with every problem found (ConfigRefused)."""
    if request.content_type in YAML_TYPES:  # one file, and no secrets but the request's (none)
        return reading.read_texts({YAML_BODY_NAME: request.body}, secrets={})
    body = _files_in(request)
    problems = [Problem(name, None, "a configuration file's name ends in .yaml or .yml and has no folder")
                for name in body.Files if "/" in name or "\\" in name or not name.endswith((".yaml", ".yml"))]
    assets: dict[str, bytes] = {}
    for path, encoded in body.Assets.items():
        try:
            assets[path] = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            problems.append(Problem(path, None, "an asset's content is base64"))
    if problems:
        raise ConfigRefused(problems)
    return reading.read_texts(body.Files, assets, secrets=body.Secrets)


@router.get("/config/export", response={200: ConfigExportOut, **RESPONSES})
def export_config(request: HttpRequest, only: str = "") -> ConfigExportOut:
    """The portal's configuration, as `forecourt export` writes it: one YAML file per kind, and the files
    they name. `only`: the kinds, comma-separated (`products,plans`). Secrets are references (`{env:
    NAME}`), never values. Super-admins only."""
    kinds = [name.strip() for name in only.split(",") if name.strip()]
    exported = exporting.export(kinds or None, where="only")
    return ConfigExportOut(Files=exported.files,
                           Assets={path: base64.b64encode(content).decode("ascii")
                                   for path, content in sorted(exported.assets.items())})


@router.post("/config/plan", response={200: ConfigPlanOut, **RESPONSES}, openapi_extra=BODY)
def plan_config(request: HttpRequest, prune: bool = False) -> ConfigPlanOut:
    """What applying the files would change, as `forecourt plan` says it; changes nothing. `prune`: also
    the deletions of objects the files leave out (only of the kinds they give). 422 with every
    problem when the files cannot be applied. Super-admins only."""
    return _plan_out(planning.make_plan(_source(request), prune=prune), applied=False)


@router.post("/config/apply", response={200: ConfigPlanOut, **RESPONSES}, openapi_extra=BODY)
def apply_config(request: HttpRequest, prune: bool = False) -> ConfigPlanOut:
    """Apply the files in one transaction, as `forecourt apply` does, through the Admin Portal's rules;
    the audit log names the token's admin and notes the files and "Admin API". Answers the plan it
    carried out. `prune`: delete the objects the files leave out (only of the kinds they give),
    refused where that would orphan consumers' data. 422 with every problem: nothing changed.
    Super-admins only."""
    source = _source(request)
    plan = applying.apply(source, actor=actor(request), prune=prune,
                          note=f"forecourt apply {source.label} (Admin API)")
    return _plan_out(plan, applied=not plan.empty)
