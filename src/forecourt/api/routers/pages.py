"""/portal-api/pages and their content blocks, as in Tyk's portal API (Page-basic, ContentBlock-basic).

Divergences from Tyk, on purpose:

* `Status` is `draft` or `published` (any case on write); new pages are drafts. `Template` must be a
  page template of the active theme (its theme.json's, or the default theme's), `Path` a free path
  (lower-case, not under a route of the portal, see docs/themes.md). Rules shared with the Admin Portal.
* `AllowFormSubmission` and `PageTypeID` are accepted and ignored.
* A page's response also lists its `ContentBlocks`; a block also has `PageID` and `Position` (its order).
* POST answers 200 with the new object, as Tyk's do; a page still in a menu cannot be deleted (409).
"""

from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router

from forecourt.content.models import ContentBlock, Page

from .. import forms, translations
from ..common import ERRORS, MAX_ID, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["pages"])

PAGE_FIELDS = {"Title": "title", "Path": "path", "Template": "template", "Status": "status"}
PAGE_NAMES = translations.names({form: api for api, form in PAGE_FIELDS.items()})
BLOCK_FIELDS = {"Name": "name", "Content": "content", "Position": "position"}
BLOCK_NAMES = translations.names({**{form: api for api, form in BLOCK_FIELDS.items()}, "page": "PageID"})
PAGE_TRANSLATED = translations.TranslatedFields(Page, PAGE_FIELDS)
BLOCK_TRANSLATED = translations.TranslatedFields(ContentBlock, BLOCK_FIELDS)


class ContentBlockOut(Out):
    ID: int
    PageID: int
    Name: str = Field(description="The template shows it as blocks.NAME.content.")
    Content: str = Field(description="Markdown.")
    Position: int
    Translations: translations.Translations = translations.answer_field(BLOCK_TRANSLATED)
    CreatedAt: str | None
    UpdatedAt: str | None


class PageSummary(Out):
    ID: int
    Title: str
    Path: str
    Template: str
    Status: Literal["draft", "published"]
    Translations: translations.Translations = translations.answer_field(PAGE_TRANSLATED)


class PageOut(PageSummary):
    CreatedAt: str | None
    UpdatedAt: str | None
    ContentBlocks: list[ContentBlockOut] = Field(description="In their order.")


class PageIn(TykIn):
    """A page to create, or the changes to one: fields left out keep their value."""

    TYK_IGNORED = frozenset({"ID", "AllowFormSubmission", "PageTypeID", "CreatedAt", "UpdatedAt", "ContentBlocks"})
    Title: str | None = Field(None, max_length=255)
    Path: str | None = Field(None, max_length=255, description="e.g. /about-us; / is the home page.")
    Template: str | None = Field(None, max_length=64, description="New pages: `page`.")
    Status: str | None = Field(None, max_length=16, description="`draft` (new pages) or `published`.")
    Translations: translations.Translations | None = translations.body_field(PAGE_TRANSLATED)


class ContentBlockIn(TykIn):
    TYK_IGNORED = frozenset({"ID", "PageID", "CreatedAt", "UpdatedAt"})
    Name: str | None = Field(None, max_length=64)
    Content: str | None = Field(None, max_length=1_000_000, description="Markdown.")
    Position: int | None = Field(None, ge=0, le=MAX_ID, description="New blocks: after the page's last one.")
    Translations: translations.Translations | None = translations.body_field(BLOCK_TRANSLATED)


def _block_out(block: ContentBlock) -> ContentBlockOut:
    return ContentBlockOut(ID=block.pk, PageID=block.page_id, Name=block.name, Content=block.content,
                           Position=block.position, Translations=BLOCK_TRANSLATED.answer(block),
                           CreatedAt=tyk_time(block.created_at), UpdatedAt=tyk_time(block.updated_at))


def _summary(page: Page) -> PageSummary:
    return PageSummary(ID=page.pk, Title=page.title, Path=page.path, Template=page.template,
                       Status=page.status,  # type: ignore[arg-type]  # one of the two choices
                       Translations=PAGE_TRANSLATED.answer(page))


def _full(page_id: int) -> PageOut:
    page = get_object_or_404(Page.objects.prefetch_related("blocks"), pk=page_id)
    return PageOut(**_summary(page).model_dump(), CreatedAt=tyk_time(page.created_at),
                   UpdatedAt=tyk_time(page.updated_at), ContentBlocks=[_block_out(b) for b in page.blocks.all()])


def _page_changes(payload: PageIn, creating: bool) -> dict[str, Any]:
    changes = {PAGE_FIELDS[k]: v for k, v in payload.model_dump(exclude_unset=True).items()
               if v is not None and k in PAGE_FIELDS}
    changes.update(PAGE_TRANSLATED.changes(payload.Translations))
    if "status" in changes:
        changes["status"] = str(changes["status"]).lower()
    if creating:
        changes.setdefault("template", "page")
        changes.setdefault("status", Page.Status.DRAFT)
    return changes


@router.get("/pages", response={200: list[PageSummary], **ERRORS})
def list_pages(request: HttpRequest, paging: PagingQuery) -> list[PageSummary]:
    """Every content page, by path."""
    return [_summary(p) for p in page_of(Page.objects.order_by("path", "pk"), paging)]


@router.post("/pages", response={200: PageOut, **ERRORS})
def create_page(request: HttpRequest, payload: PageIn) -> PageOut:
    """Create a page (a draft unless `Status` is `published`); add its blocks with /content-blocks."""
    page = forms.save("pages", _page_changes(payload, creating=True), actor(request), names=PAGE_NAMES)
    return _full(page.pk)


@router.get("/pages/{page_id}", response={200: PageOut, **ERRORS})
def get_page(request: HttpRequest, page_id: PathId) -> PageOut:
    return _full(page_id)


@router.put("/pages/{page_id}", response={200: PageOut, **ERRORS})
def update_page(request: HttpRequest, page_id: PathId, payload: PageIn) -> PageOut:
    """Change a page; fields left out keep their values."""
    page = get_object_or_404(Page, pk=page_id)
    forms.save("pages", _page_changes(payload, creating=False), actor(request), instance=page, names=PAGE_NAMES)
    return _full(page.pk)


@router.delete("/pages/{page_id}", response={200: StatusOut, **ERRORS})
def delete_page(request: HttpRequest, page_id: PathId) -> StatusOut:
    """Delete a page and its blocks; refused (409) while a menu item leads to it."""
    forms.delete("pages", get_object_or_404(Page, pk=page_id), actor(request))
    return StatusOut()


@router.get("/pages/{page_id}/content-blocks", response={200: list[ContentBlockOut], **ERRORS})
def list_blocks(request: HttpRequest, page_id: PathId, paging: PagingQuery) -> list[ContentBlockOut]:
    page = get_object_or_404(Page.objects.only("pk"), pk=page_id)
    return [_block_out(b) for b in page_of(ContentBlock.objects.filter(page=page).order_by("position", "pk"), paging)]


def _block_changes(payload: ContentBlockIn) -> dict[str, Any]:
    changes = {BLOCK_FIELDS[k]: v for k, v in payload.model_dump(exclude_unset=True).items()
               if v is not None and k in BLOCK_FIELDS}
    return {**changes, **BLOCK_TRANSLATED.changes(payload.Translations)}


@router.post("/pages/{page_id}/content-blocks", response={200: ContentBlockOut, **ERRORS})
def create_block(request: HttpRequest, page_id: PathId, payload: ContentBlockIn) -> ContentBlockOut:
    """Add a named block to a page (Markdown); its name must be new on the page."""
    page = get_object_or_404(Page, pk=page_id)
    changes = {"page": page.pk, "content": "", **_block_changes(payload)}
    if "position" not in changes:
        last = ContentBlock.objects.filter(page=page).order_by("-position").values_list("position", flat=True).first()
        changes["position"] = 0 if last is None else last + 1
    block = forms.save("content-blocks", changes, actor(request), names=BLOCK_NAMES)
    return _block_out(block)


@router.get("/pages/{page_id}/content-blocks/{block_id}", response={200: ContentBlockOut, **ERRORS})
def get_block(request: HttpRequest, page_id: PathId, block_id: PathId) -> ContentBlockOut:
    return _block_out(get_object_or_404(ContentBlock, pk=block_id, page_id=page_id))


@router.put("/pages/{page_id}/content-blocks/{block_id}", response={200: ContentBlockOut, **ERRORS})
def update_block(request: HttpRequest, page_id: PathId, block_id: PathId, payload: ContentBlockIn) -> ContentBlockOut:
    """Change a block; fields left out keep their values."""
    block = get_object_or_404(ContentBlock, pk=block_id, page_id=page_id)
    block = forms.save("content-blocks", _block_changes(payload), actor(request), instance=block, names=BLOCK_NAMES)
    return _block_out(block)


@router.delete("/pages/{page_id}/content-blocks/{block_id}", response={200: StatusOut, **ERRORS})
def delete_block(request: HttpRequest, page_id: PathId, block_id: PathId) -> StatusOut:
    forms.delete("content-blocks", get_object_or_404(ContentBlock, pk=block_id, page_id=page_id), actor(request))
    return StatusOut()
