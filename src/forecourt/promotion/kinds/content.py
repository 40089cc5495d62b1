"""Pages (with their content blocks), the Live Portal's menus, the blog's categories and posts, as
configuration files give them.

Pages are matched by path, their blocks by name within the page, categories by name, posts by path.
A post's tags are the catalogue's tags, by name (a tag the portal does not have yet is made, as the
Admin API's tag attach does). A menu is one object keyed by the menu's name (`primary`, `footer`)
whose `items` are its tree (children under `items:`, one level, as menus allow), each item leading
to a page (by path) or a URL: menu items have no natural key of their own, so a menu that differs
from the file is replaced as a whole, item by item through the menu item form and audited writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from forecourt.blog.models import Category, Post
from forecourt.catalog.models import Tag
from forecourt.content.models import ContentBlock, MenuItem, Page
from forecourt.resources import definitions, writes

from .base import INT, STRING, TEXT, Child, ChildKind, Context, Field, Invalid, Kind, choice, nullable, translations


class ContentBlocks(ChildKind):
    name = "pages.blocks"
    model = ContentBlock
    resource = "content-blocks"
    parent_form_field = "page"
    fields = (Field("position", INT), Field("content", TEXT), translations(ContentBlock))

    def order_of(self, obj: Any) -> Any:
        return (obj.position, obj.name)


class Pages(Kind):
    name = "pages"
    model = Page
    resource = "pages"
    key = "path"
    description = "Live Portal pages (template: a view of the active theme) with their content blocks (Markdown)."
    fields = (
        Field("title", STRING),
        Field("template", STRING),
        Field("status", choice(Page.Status.values)),
        translations(Page),
    )
    children = (Child("blocks", ContentBlocks()),)


# --- menus ----------------------------------------------------------------------------------------

DEFAULT_POSITION = 100
DEFAULT_VISIBILITY = MenuItem.Visibility.ALWAYS.value
ITEM_TRANSLATIONS = translations(MenuItem)  # an item's label in other languages (no kind of its own)

_ITEM_PROPERTIES: dict[str, Any] = {
    "label": {"type": "string", "minLength": 1},
    "page": nullable(STRING),
    "url": nullable(STRING),
    "position": INT,
    "visibility": choice(MenuItem.Visibility.values),
    "translations": ITEM_TRANSLATIONS.json_schema(),
}
CHILD_ITEM: dict[str, Any] = {"type": "object", "properties": _ITEM_PROPERTIES, "required": ["label"],
                              "additionalProperties": False}
TOP_ITEM: dict[str, Any] = {"type": "object", "properties": {**_ITEM_PROPERTIES,
                                                             "items": {"type": "array", "items": CHILD_ITEM}},
                            "required": ["label"], "additionalProperties": False}


def _item_order(item: dict[str, Any]) -> Any:
    return (item["position"], item["label"], item.get("page") or "", item.get("url") or "")


def _normal_items(items: Any) -> list[dict[str, Any]]:
    """Menu items as export writes them: defaults filled in, a page or a URL (not an empty other),
    children only when there are some, each list in menu order."""
    out = []
    for item in items or []:
        normal: dict[str, Any] = {"label": item.get("label")}
        if item.get("page"):
            normal["page"] = item["page"]
        if item.get("url") or not item.get("page"):
            normal["url"] = item.get("url") or ""
        normal["position"] = item.get("position", DEFAULT_POSITION)
        normal["visibility"] = item.get("visibility", DEFAULT_VISIBILITY)
        translated = ITEM_TRANSLATIONS.canonical(item.get("translations"))
        if translated:  # only when there are some: a menu without any reads as before
            normal["translations"] = translated
        children = _normal_items(item.get("items"))
        if children:
            normal["items"] = children
        out.append(normal)
    return sorted(out, key=_item_order)


Path = tuple[str | int, ...]  # a place inside a menu's values: ("items", 0, "items", 1)


@dataclass(frozen=True)
class Menu:
    """One menu of the Live Portal: the menu items with that `menu` value. Not a row: no pk."""

    name: str
    pk: None = None

    def rows(self) -> list[MenuItem]:
        return list(MenuItem.objects.filter(menu=self.name).select_related("page").order_by("position", "pk"))


class Menus(Kind):
    name = "menus"
    model = MenuItem
    resource = "menu-items"
    key = "menu"
    key_schema = choice(MenuItem.Menu.values)
    description = ("The Live Portal's menus (primary, footer): each item leads to a page (its path) or a URL; "
                   "children, one level, under items. A menu that differs is replaced as a whole.")
    fields = (Field("items", {"type": "array", "items": TOP_ITEM}, normalise=_normal_items),)

    def objects(self) -> list[Any]:
        used = set(MenuItem.objects.values_list("menu", flat=True))
        return [Menu(name) for name in sorted(used)]

    def key_of(self, obj: Any) -> str:
        return str(obj.name)

    def find(self, key: str, parent: Any = None) -> Any:
        return Menu(key) if MenuItem.objects.filter(menu=key).exists() else None

    def blank(self) -> Any:
        return Menu("")

    def export_field(self, obj: Any, f: Field, ctx: Context) -> Any:
        rows = obj.rows()
        children: dict[int, list[MenuItem]] = {}
        for row in rows:
            if row.parent_id is not None:
                children.setdefault(row.parent_id, []).append(row)

        def item(row: MenuItem) -> dict[str, Any]:
            out: dict[str, Any] = {"label": row.label}
            if row.page is not None:
                out["page"] = row.page.path
            else:
                out["url"] = row.url
            out["position"] = row.position
            out["visibility"] = row.visibility
            out["translations"] = row.translations
            if children.get(row.pk):
                out["items"] = [item(child) for child in children[row.pk]]
            return out

        return _normal_items([item(row) for row in rows if row.parent_id is None])

    def references(self, values: dict[str, Any]) -> list[tuple[str, str, tuple[str | int, ...]]]:
        out: list[tuple[str, str, tuple[str | int, ...]]] = []
        for i, top in enumerate(values.get("items") or []):
            if top.get("page"):
                out.append(("pages", str(top["page"]), ("items", i, "page")))
            for j, child in enumerate(top.get("items") or []):
                if child.get("page"):
                    out.append(("pages", str(child["page"]), ("items", i, "items", j, "page")))
        return out

    def save(self, values: dict[str, Any], obj: Any, ctx: Context, parent: Any = None) -> Any:
        """Replace the menu's items by the file's: the old ones deleted, the new ones made, each
        through the menu item form and the audited writes. A refused item names its place."""
        menu = str(values[self.key])
        self.delete(Menu(menu), ctx)
        items = values.get("items") or []
        for top, (where, children) in zip(items, self._places(menu, items, ctx), strict=True):
            made = self._save_item(menu, top, None, ctx, where)
            for child, child_where in zip(top.get("items") or [], children, strict=True):
                self._save_item(menu, child, made, ctx, child_where)
        return Menu(menu)

    def _places(self, menu: str, items: list[dict[str, Any]], ctx: Context) -> list[tuple[Path, list[Path]]]:
        """Where the file gives each item (in menu order, as compared) and each of its children, so
        that a refused one is named at its own line however the file orders them."""
        original: list[dict[str, Any]] = []
        for entry in ctx.source.items.get(self.name, []) if ctx.source is not None else []:
            if str(entry.values.get(self.key)) == menu:
                original = entry.values.get("items") or []

        def index_of(item: dict[str, Any], given: list[dict[str, Any]], default: int) -> int:
            return next((k for k, o in enumerate(given) if _normal_items([o]) == [item]), default)

        out: list[tuple[Path, list[Path]]] = []
        for n, top in enumerate(items):
            i = index_of(top, original, n)
            given = (original[i].get("items") or []) if i < len(original) else []
            children: list[Path] = [("items", i, "items", index_of(child, given, m))
                                    for m, child in enumerate(top.get("items") or [])]
            out.append((("items", i), children))
        return out

    def _save_item(self, menu: str, item: dict[str, Any], parent: MenuItem | None, ctx: Context,
                   where: Path) -> MenuItem:
        page = Page.objects.filter(path=item["page"]).first() if item.get("page") else None
        translated = ITEM_TRANSLATIONS.canonical(item.get("translations"))
        data = {"menu": menu, "label": item.get("label", ""), "page": page.pk if page is not None else "",
                "url": item.get("url") or "", "position": item.get("position", DEFAULT_POSITION),
                "visibility": item.get("visibility", DEFAULT_VISIBILITY),
                "parent": parent.pk if parent is not None else "", "translations": translated}
        definition = definitions.BY_SLUG[self.resource]
        assert definition.form is not None
        form = definition.form(data=data, instance=MenuItem())
        if not form.is_valid():
            path = ".".join(str(p) for p in where)
            raise Invalid({".".join(str(p) for p in (*where, name)) if name != "__all__" else path:
                           [str(m) for m in messages] for name, messages in form.errors.items()})
        made: MenuItem = writes.save_form(definition, form, ctx.actor)  # type: ignore[arg-type]
        return made

    def delete(self, obj: Any, ctx: Context) -> None:
        definition = definitions.BY_SLUG[self.resource]
        rows = obj.rows()
        for row in [r for r in rows if r.parent_id is not None] + [r for r in rows if r.parent_id is None]:
            writes.delete(definition, row, ctx.actor)  # type: ignore[arg-type]

    def delete_blockers(self, obj: Any, ctx: Context) -> list[str]:
        return []


# --- the blog --------------------------------------------------------------------------------------

class PostCategories(Kind):
    name = "post_categories"
    model = Category
    resource = "post-categories"
    description = "The blog's categories."
    fields = (translations(Category),)


def _utc_minute(value: Any) -> Any:
    """A publish date as export writes it (UTC, to the minute, as the post form keeps it); a value
    that is no date stays as it is, for the form to refuse with its line."""
    if not isinstance(value, str):
        return value
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed.astimezone(dt.UTC).replace(second=0, microsecond=0).isoformat()


def _sorted(value: Any) -> Any:
    return sorted(value) if isinstance(value, list) else value


def _tag_names(value: Any) -> Any:
    """Tags as export writes them: a tag the portal has, spelt as it has it (tags are one whatever
    their case), once each, in order."""
    if not isinstance(value, list):
        return value
    names = {str(name).strip().casefold(): str(name).strip() for name in value}
    names.update(Tag.objects.filter(folded__in=list(names)).values_list("folded", "name"))
    return sorted(names.values())


TAG = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^,]+$"}


class Posts(Kind):
    name = "posts"
    model = Post
    resource = "posts"
    key = "path"
    description = ("Blog posts (served at /blog/PATH); published_at in UTC (ISO 8601); tags are the catalogue's "
                   "tags, by name.")
    fields = (
        Field("title", STRING),
        Field("lede", TEXT),
        Field("content", TEXT),
        Field("author_name", STRING),
        Field("status", choice(Post.Status.values)),
        Field("published_at", STRING, normalise=_utc_minute),
        Field("categories", ref="post_categories", many=True, normalise=_sorted),
        Field("tags", {"type": "array", "items": TAG}, normalise=_tag_names),
        translations(Post),
    )

    def export_field(self, obj: Any, f: Field, ctx: Context) -> Any:
        if f.name == "published_at":
            return _utc_minute(obj.published_at.isoformat()) if obj.published_at else None
        if f.name == "tags":
            return sorted(tag.name for tag in obj.tags.all()) if obj.pk else []
        return super().export_field(obj, f, ctx)

    def form_values(self, values: dict[str, Any], obj: Any, ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
        data, files = super().form_values(values, obj, ctx)
        data["tags"] = [self._tag(name).pk for name in values.get("tags") or []]
        return data, files

    @staticmethod
    def _tag(name: str) -> Tag:
        """The catalogue's tag of that name (any case), made if the portal has none yet."""
        name = name.strip()
        Tag.objects.bulk_create([Tag(name=name, folded=name.casefold())], ignore_conflicts=True)
        return Tag.objects.get(folded=name.casefold())


KINDS_HERE: tuple[Kind, ...] = (Pages(), Menus(), PostCategories(), Posts())
