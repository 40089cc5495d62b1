"""/portal-api/themes: list, upload (multipart `file`), activate, download and delete Live Portal themes.

A theme's ID is its name, as in Tyk. Divergences from Tyk, on purpose:

* Templates are Jinja2, not Go templates (docs/themes.md). An upload is checked (limits, paths,
  theme.json) and validated by rendering every template; a theme that fails is refused (422)
  with every error, each with its file and line. An upload over MaxUploadSize is 413.
* `Source` says where a theme comes from: `bundled` (the read-only default), `folder` (the
  operator's Theming.Path, read-only) or `uploaded`. `Base` is the default-theme version a
  theme was derived from.
* Upload, activation and deletion are for super-admins (a theme's scripts run on the portal's
  origin); other admins may list and download.
"""

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router
from ninja import Path as PathParam
from ninja.errors import HttpError
from ninja.files import UploadedFile

from forecourt.themes import archive, services, storage
from forecourt.themes.models import Theme

from ..auth import require_super_admin
from ..common import ERRORS, StatusOut, actor, tyk_time
from ..schemas_base import Out

router = Router(tags=["themes"])

# Tyk's words for a theme's status.
STATUS_CURRENT = "Current"
STATUS_UNUSED = "Not in use"

ThemeId = Annotated[str, PathParam(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                                   description="The theme's name.")]


class ThemeOut(Out):
    ID: str = Field(description="The theme's name.")
    Name: str
    Version: str
    Author: str
    Base: str = Field(description="The default-theme version it was derived from.")
    Source: str = Field(description="`bundled` (the default theme), `folder` (Theming.Path) or `uploaded`.")
    ReadOnly: bool
    Status: str = Field(description="`Current` (the active theme) or `Not in use`, as in Tyk.")
    Size: int | None = Field(description="Bytes of its files (uploaded themes).")
    UpdatedAt: str | None
    UploadedBy: str = Field(description="The admin who uploaded it, if it was uploaded.")


class UploadOut(ThemeOut):
    Replaced: bool = Field(description="Whether it replaced a theme of the same name.")
    Skipped: list[str] = Field(description="Files outside the theme's folders, not stored.")


def _out(info: storage.ThemeInfo) -> ThemeOut:
    return ThemeOut(ID=info.name, Name=info.name, Version=info.version, Author=info.author, Base=info.base,
                    Source=info.kind, ReadOnly=info.read_only, Status=STATUS_CURRENT if info.active else STATUS_UNUSED,
                    Size=info.size, UpdatedAt=tyk_time(info.updated_at), UploadedBy=info.uploaded_by)


def _find(name: str) -> ThemeOut:
    for info in storage.listing():
        if info.name == name:
            return _out(info)
    raise HttpError(404, f"there is no theme called {name!r}")


@router.get("/themes", response={200: list[ThemeOut], **ERRORS})
def list_themes(request: HttpRequest) -> list[ThemeOut]:
    """Every theme: the default first, then the others by name."""
    return [_out(info) for info in storage.listing()]


@router.post("/themes/upload", response={200: UploadOut, **ERRORS})
def upload_theme(request: HttpRequest, file: File[UploadedFile]) -> UploadOut:
    """Upload a theme zip (multipart field `file`); a theme with the same name is replaced."""
    require_super_admin(request)
    if file.size is not None and file.size > archive.max_upload():
        raise HttpError(413, f"the upload is larger than MaxUploadSize ({archive.max_upload()} bytes)")
    try:
        result = services.upload(file, file.size, actor(request))
    except services.UploadRefused as exc:
        error = HttpError(422, exc.errors[0])
        error.errors = exc.errors  # type: ignore[attr-defined]
        raise error from None
    out = _find(result.theme.name)
    return UploadOut(**out.model_dump(), Replaced=result.replaced, Skipped=result.skipped)


@router.get("/themes/{theme_id}", response={200: ThemeOut, **ERRORS})
def get_theme(request: HttpRequest, theme_id: ThemeId) -> ThemeOut:
    return _find(theme_id)


@router.put("/themes/{theme_id}/activate", response={200: ThemeOut, **ERRORS})
def activate_theme(request: HttpRequest, theme_id: ThemeId) -> ThemeOut:
    """Make the theme the Live Portal's theme, on every replica."""
    require_super_admin(request)
    try:
        storage.activate(theme_id, actor(request))
    except storage.Refused as exc:
        raise HttpError(404, str(exc)) from None
    return _find(theme_id)


@router.get("/themes/{theme_id}/download", response={200: bytes, **ERRORS},
            openapi_extra={"responses": {200: {"content": {"application/zip": {}}}}})
def download_theme(request: HttpRequest, theme_id: ThemeId) -> HttpResponse:
    """The theme as a zip, ready to edit and upload under another name."""
    source = storage.source(theme_id)
    if source is None:
        raise HttpError(404, f"there is no theme called {theme_id!r}")
    response = HttpResponse(archive.pack(source), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{source.name}-{source.manifest.version}.zip"'
    return response


@router.delete("/themes/{theme_id}", response={200: StatusOut, **ERRORS})
def delete_theme(request: HttpRequest, theme_id: ThemeId) -> StatusOut:
    """Delete an uploaded theme; refused (409) for the default theme, folder themes and the active theme."""
    require_super_admin(request)
    try:
        storage.delete(theme_id, actor(request))
    except storage.Refused as exc:
        raise HttpError(409, str(exc)) from None
    except Theme.DoesNotExist as exc:
        raise HttpError(404, str(exc)) from None
    return StatusOut()
