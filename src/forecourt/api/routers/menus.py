"""/portal-api/menu-items: the Live Portal menus' items.

Not in Tyk's API (Tyk edits menus in its admin UI only), so the names are Forecourt's, in Tyk's
style and after Tyk's menu item form (`Title`, `Path`). An item leads to a page (`PageID`) or to a
`Path` (a path of the portal or an http(s) URL), exactly one of them. The built-in items (Home,
Catalogue...) are not rows: an item with the same URL replaces one (docs/themes.md, "Menus").
"""

from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from forecourt.content.models import MenuItem

from .. import forms, translations
from ..common import ERRORS, MAX_ID, Id, PagingQuery, PathId, StatusOut, actor, page_of, tyk_time
from ..compat import TykIn
from ..schemas_base import Out

router = Router(tags=["menus"])

MenuName = Literal["primary", "footer"]
Shown = Literal["always", "signed-in", "signed-out", "hidden"]
FIELDS = {"Menu": "menu", "Title": "label", "PageID": "page", "Path": "url", "Position": "position",
          "ParentID": "parent", "Visibility": "visibility"}
NAMES = translations.names({form: api for api, form in FIELDS.items()})
TRANSLATED = translations.TranslatedFields(MenuItem, FIELDS)


class MenuItemOut(Out):
    ID: int
    Menu: MenuName
    Title: str = Field(description="The text shown.")
    PageID: int | None = Field(description="The page it leads to (shown while the page is published).")
    Path: str = Field(description="Where it leads when it is not a page; empty for a page.")
    URL: str = Field(description="Where it leads: the page's path or `Path`.")
    Position: int = Field(description="Smaller first, among the built-in items too (Home 0, Catalogue 10...).")
    ParentID: int | None = Field(description="The top-level item it is a child of.")
    Visibility: Shown
    Translations: translations.Translations = translations.answer_field(TRANSLATED)
    CreatedAt: str | None
    UpdatedAt: str | None


class MenuItemIn(TykIn):
    """A menu item to create, or the changes to one: fields left out keep their value; `PageID` or
    `ParentID` null removes it (give `Path` when removing the page)."""

    TYK_IGNORED = frozenset({"ID", "URL", "CreatedAt", "UpdatedAt"})
    Menu: MenuName | None = Field(None, description="New items: `primary`.")
    Title: str | None = Field(None, max_length=100)
    PageID: Id | None = None
    Path: str | None = Field(None, max_length=500)
    Position: int | None = Field(None, ge=0, le=MAX_ID, description="New items: 100.")
    ParentID: Id | None = None
    Visibility: Shown | None = Field(None, description="New items: `always`.")
    Translations: translations.Translations | None = translations.body_field(TRANSLATED)


class MenuFilter(Schema):
    menu: MenuName | None = Field(None, description="Only this menu's items.")


def _out(item: MenuItem) -> MenuItemOut:
    return MenuItemOut(ID=item.pk, Menu=item.menu, Title=item.label, PageID=item.page_id,  # type: ignore[arg-type]
                       Path=item.url, URL=item.page.path if item.page is not None else item.url,
                       Position=item.position, ParentID=item.parent_id,
                       Visibility=item.visibility,  # type: ignore[arg-type]  # one of the choices
                       Translations=TRANSLATED.answer(item),
                       CreatedAt=tyk_time(item.created_at), UpdatedAt=tyk_time(item.updated_at))


def _get(item_id: int) -> MenuItem:
    return get_object_or_404(MenuItem.objects.select_related("page"), pk=item_id)


def _changes(payload: MenuItemIn, creating: bool) -> dict[str, Any]:
    sent = payload.model_dump(exclude_unset=True)
    changes = {FIELDS[k]: v for k, v in sent.items() if k in FIELDS}
    changes.update(TRANSLATED.changes(payload.Translations))
    if changes.get("page") is not None and "url" not in changes:
        changes["url"] = ""  # pointing at a page replaces a URL
    if changes.get("url") and "page" not in changes:
        changes["page"] = None  # and the other way round
    if creating:
        changes.setdefault("menu", MenuItem.Menu.PRIMARY)
        changes.setdefault("position", 100)
        changes.setdefault("visibility", MenuItem.Visibility.ALWAYS)
    return changes


@router.get("/menu-items", response={200: list[MenuItemOut], **ERRORS})
def list_menu_items(request: HttpRequest, paging: PagingQuery, filters: Query[MenuFilter]) -> list[MenuItemOut]:
    """The items of every menu (or of `menu`), in menu order: by position."""
    queryset = MenuItem.objects.select_related("page").order_by("menu", "position", "pk")
    if filters.menu:
        queryset = queryset.filter(menu=filters.menu)
    return [_out(i) for i in page_of(queryset, paging)]


@router.post("/menu-items", response={200: MenuItemOut, **ERRORS})
def create_menu_item(request: HttpRequest, payload: MenuItemIn) -> MenuItemOut:
    item = forms.save("menu-items", _changes(payload, creating=True), actor(request), names=NAMES)
    return _out(_get(item.pk))


@router.get("/menu-items/{item_id}", response={200: MenuItemOut, **ERRORS})
def get_menu_item(request: HttpRequest, item_id: PathId) -> MenuItemOut:
    return _out(_get(item_id))


@router.put("/menu-items/{item_id}", response={200: MenuItemOut, **ERRORS})
def update_menu_item(request: HttpRequest, item_id: PathId, payload: MenuItemIn) -> MenuItemOut:
    item = _get(item_id)
    forms.save("menu-items", _changes(payload, creating=False), actor(request), instance=item, names=NAMES)
    return _out(_get(item_id))


@router.delete("/menu-items/{item_id}", response={200: StatusOut, **ERRORS})
def delete_menu_item(request: HttpRequest, item_id: PathId) -> StatusOut:
    """Delete an item and its children."""
    forms.delete("menu-items", _get(item_id), actor(request))
    return StatusOut()
