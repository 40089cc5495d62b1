"""The menus' items kept in the database, as plain data for forecourt.themes.menus (one query)."""

from typing import Any

from .models import MenuItem, Page


def _target(item: MenuItem) -> str | None:
    if item.page_id is None:
        return item.url
    assert item.page is not None
    return item.page.path if item.page.status == Page.Status.PUBLISHED else None


def database_items() -> list[dict[str, Any]]:
    """Top-level items in order, each {menu, label, url, position, visibility, children: [...]};
    an item whose page is a draft is left out (with its children)."""
    rows = list(MenuItem.objects.select_related("page")
                .only("menu", "label", "translations", "url", "position", "visibility", "parent_id", "page__path",
                      "page__status")
                .order_by("position", "id"))
    children: dict[int, list[dict[str, Any]]] = {}
    top: list[tuple[int, dict[str, Any]]] = []
    for row in rows:
        url = _target(row)
        if url is None:
            continue
        entry = {"menu": row.menu, "label": row.translated("label"), "url": url, "position": row.position,
                 "visibility": row.visibility, "children": []}
        if row.parent_id is None:
            top.append((row.pk, entry))
        else:
            children.setdefault(row.parent_id, []).append(entry)
    for pk, entry in top:
        entry["children"] = children.get(pk, [])
    return [entry for _pk, entry in top]
