"""Menus every Live Portal page gets (`menus.primary`, `menus.footer`).

Two sources, merged per menu:

* code: each Live Portal area adds its pages, `menus.add("primary", "Catalogue", "catalogue", order=10)`;
* the database: the items admins manage (forecourt.content), handed over by `use_database()`.

The rule: items are sorted by their number (a code item's `order`, a database item's position;
a code item first on a tie). A database item whose URL is a code item's replaces it, which is how an
admin renames, moves or hides ("hidden") a built-in item; the other built-in items stay.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .urls_names import reverse_live

SHOW = ("always", "signed-in", "signed-out")


@dataclass(frozen=True)
class Item:
    label: str | Promise  # gettext_lazy: read in the language of each request
    url_name: str  # a Live Portal URL name (see forecourt.themes.urls_names)
    order: int = 100
    show: str = "always"  # always, signed-in, signed-out


_MENUS: dict[str, list[Item]] = {"primary": [Item(gettext_lazy("Home"), "home", 0)], "footer": []}
# Returns the database's top-level items: [{menu, label, url, position, visibility, children: [...]}].
_database: Callable[[], list[dict[str, Any]]] | None = None


def add(menu: str, label: str | Promise, url_name: str, order: int = 100, show: str = "always") -> None:
    if show not in SHOW:
        raise ValueError(f"show must be always, signed-in or signed-out, not {show!r}")
    items = _MENUS.setdefault(menu, [])
    items[:] = [i for i in items if i.url_name != url_name] + [Item(label, url_name, order, show)]
    items.sort(key=lambda i: i.order)


def use_database(loader: Callable[[], list[dict[str, Any]]] | None) -> None:
    """Where the admins' menu items come from (forecourt.content sets it; None: code items only)."""
    global _database
    _database = loader


def _shown(visibility: str, signed_in: bool) -> bool:
    if visibility == "signed-in":
        return signed_in
    if visibility == "signed-out":
        return not signed_in
    return visibility == "always"


def _active(path: str, url: str) -> bool:
    if not url.startswith("/") or url.startswith("//"):
        return False  # another site
    url = url.split("?", 1)[0].split("#", 1)[0]
    return path == url or (url not in ("", "/") and path.startswith(url.rstrip("/") + "/"))


def for_page(path: str, signed_in: bool) -> dict[str, list[dict[str, object]]]:
    """Each menu as plain data: [{"label", "url", "active", "children": [{"label", "url", "active", "children"}]}]."""
    database = _database() if _database is not None else []
    out: dict[str, list[dict[str, object]]] = {}
    for menu in dict.fromkeys([*_MENUS, *(item["menu"] for item in database)]):
        ranked: list[tuple[int, int, dict[str, object]]] = []
        mine = [item for item in database if item["menu"] == menu]
        taken = {item["url"] for item in mine}
        for item in _MENUS.get(menu, []):
            try:
                url = reverse_live(item.url_name)
            except NoReverseMatch:
                continue
            if url in taken or not _shown(item.show, signed_in):
                continue
            ranked.append((item.order, 0, {"label": str(item.label), "url": url, "active": _active(path, url),
                                           "children": []}))
        for row in mine:
            if not _shown(row["visibility"], signed_in):
                continue
            children = [{"label": c["label"], "url": c["url"], "active": _active(path, c["url"]), "children": []}
                        for c in row["children"] if _shown(c["visibility"], signed_in)]
            active = _active(path, row["url"]) or any(c["active"] for c in children)
            ranked.append((row["position"], 1, {"label": row["label"], "url": row["url"], "active": active,
                                                "children": children}))
        ranked.sort(key=lambda r: (r[0], r[1]))
        out[menu] = [entry for _order, _source, entry in ranked]
    return out
