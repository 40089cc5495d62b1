"""The catalogue page's data kept in the page cache's fragments (forecourt.pagecache.fragments), shared
by every signed-in user who sees the same catalogues. Here, beside the page that knows the data,
so the page cache knows no Live Portal page."""

import json
from dataclasses import asdict
from typing import Any

from forecourt.catalog.services import visible_catalogues
from forecourt.pagecache import fragments

from . import data


def catalogue_page(user: Any, filters: data.Filters) -> tuple[dict[str, Any], str | None]:
    """data.catalogue_page(user, filters) as JSON data, and the key it is kept under (None for
    visitors). For a signed-in user it is shared by every user who sees the same catalogues: the
    page depends on the user only through visible_catalogues(user), whose IDs (read fresh, one
    query: memberships of teams change no revision) are part of the key."""
    if not getattr(user, "is_authenticated", False):
        # Anonymous pages are cached whole; this is JSON data all the same, as the docstring promises.
        found: dict[str, Any] = json.loads(json.dumps(data.catalogue_page(user, filters)))
        return found, None
    ids = sorted(visible_catalogues(user).values_list("pk", flat=True))
    value, key = fragments.cached_with_key("catalogue-page", [ids, asdict(filters)],
                                           lambda: data.catalogue_page(user, filters))
    return value, key
