"""One page of an ordered list of rows, in a time that does not grow with the table, on every engine.

A list's page is LIMIT/OFFSET over its ordered rows. When the rows' related objects are joined in
(`select_related`), MariaDB's optimizer may start the join from a smaller related table and sort the
whole join before taking the page (EXPLAIN: "Using temporary; Using filesort" on `access_app`), instead
of reading the list's own order index: the Admin API's third page of access requests took 19 ms at 100
rows and 347 ms at 50,000 (tests/test_admin_scale.py). So such a page is read in two steps: the page's
primary keys from the list's own query without the joined objects (which the order index answers),
then those rows with their related objects and prefetches, by primary key. A query without joined
objects is read in one step, as it always was.

The Admin Portal's lists (`adminportal/lists.py`) and the Admin API's (`api/common.py`) both page here.
"""

from typing import Any

from django.db.models import QuerySet


def rows_between(queryset: QuerySet[Any], start: int, stop: int) -> list[Any]:
    """The rows of an ordered, unsliced `queryset` from `start` to `stop` (as `queryset[start:stop]`)."""
    if not queryset.query.select_related:
        return list(queryset[start:stop])
    keys = list(queryset.values_list("pk", flat=True)[start:stop])
    if not keys:
        return []
    rows = {row.pk: row for row in queryset.filter(pk__in=keys).order_by()}
    # A row deleted between the two reads is left out, as if the page had been read a moment later.
    return [rows[key] for key in keys if key in rows]
