"""The catalogue page's data shared by signed-in users who see the same catalogues.

It was pagecache/fragments.py's `catalogue_page`, which made the page cache (a low layer) import
the catalogue and the Live Portal; the page cache keeps the general tool (`fragments.cached_with_key`)
and this Live Portal page uses it (ARCHITECTURE.md, "Layers").
"""

import json
from dataclasses import asdict
from typing import Any

from forecourt.catalog.services import visible_catalogues
from forecourt.pagecache import fragments

from . import data


def catalogue_page(user: Any, filters: data.Filters) -> tuple[dict[str, Any], str | None]:
    """data.catalogue_page(user, filters) as JSON data, and the key it is kept under (None for
    visitors). For a signed-in user it is shared by every user who sees the same catalogues: the page
    depends on the user only through visible_catalogues(user), whose IDs (read fresh, one query:
    memberships of teams change no revision) are part of the key."""
    if not getattr(user, "is_authenticated", False):
        # Anonymous pages are cached whole; this is JSON data all the same, as the docstring promises.
        return json.loads(json.dumps(data.catalogue_page(user, filters))), None
    ids = sorted(visible_catalogues(user).values_list("pk", flat=True))
    found, key = fragments.cached_with_key("catalogue-page", [ids, asdict(filters)],
                                           lambda: data.catalogue_page(user, filters))
    return found, key
