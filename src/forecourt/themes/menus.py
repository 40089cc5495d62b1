"""Menus every Live Portal page gets (`menus.primary`, `menus.footer`). Until the content app keeps
menus in the database, code adds its pages here: `menus.add("primary", "Catalogue", "catalogue")`."""

from dataclasses import dataclass

from django.urls import NoReverseMatch

from .urls_names import reverse_live


@dataclass(frozen=True)
class Item:
    label: str
    url_name: str  # a Live Portal URL name (see forecourt.themes.urls_names)
    order: int = 100
    show: str = "always"  # always, signed-in, signed-out


_MENUS: dict[str, list[Item]] = {"primary": [Item("Home", "home", 0)], "footer": []}


def add(menu: str, label: str, url_name: str, order: int = 100, show: str = "always") -> None:
    if show not in ("always", "signed-in", "signed-out"):
        raise ValueError(f"show must be always, signed-in or signed-out, not {show!r}")
    items = _MENUS.setdefault(menu, [])
    items[:] = [i for i in items if i.url_name != url_name] + [Item(label, url_name, order, show)]
    items.sort(key=lambda i: i.order)


def for_page(path: str, signed_in: bool) -> dict[str, list[dict[str, object]]]:
    """Each menu as plain data: [{"label", "url", "active"}]."""
    out: dict[str, list[dict[str, object]]] = {}
    for menu, items in _MENUS.items():
        entries: list[dict[str, object]] = []
        for item in items:
            if (item.show == "signed-in" and not signed_in) or (item.show == "signed-out" and signed_in):
                continue
            try:
                url = reverse_live(item.url_name)
            except NoReverseMatch:
                continue
            active = path == url or (url != "/" and path.startswith(url))
            entries.append({"label": item.label, "url": url, "active": active, "children": []})
        out[menu] = entries
    return out

