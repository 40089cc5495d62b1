"""How many rows a list has, without counting a huge table on every page.

An exact COUNT(*) reads the whole table (or index) each time: with 50,000 access requests that is
most of what a list page costs. Lists say "123" exactly up to CAP rows, "10,000+" beyond when they
are filtered or searched, and "about 50,000" for a whole table on an engine that keeps an estimate
(PostgreSQL's pg_class.reltuples, MariaDB's information_schema.TABLES.TABLE_ROWS; SQLite keeps none,
so it says "10,000+"). Each answer is one query whatever the table's size: the count reads at most
CAP + 1 rows, and where the estimate is above CAP the count is not run at all (a CASE in the same
statement).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext

CAP = 10_000


@dataclass(frozen=True)
class RowCount:
    value: int
    exact: bool = True
    estimated: bool = False  # the engine's estimate of a whole table, not a count

    def __str__(self) -> str:
        """The count as a page shows it, grouped the active language's way (1,234; 1.234; 1 234)."""
        shown = number_format(self.value, use_l10n=True, force_grouping=True)
        if self.exact:
            return shown
        if self.estimated:
            # Translators: an estimate of how many rows a list has ("about 51,000").
            return gettext("about %(count)s") % {"count": shown}
        return f"{shown}+"

    @property
    def is_one(self) -> bool:
        """Whether the list's name is singular ("1 user"; "10,000+ users")."""
        return self.exact and self.value == 1


def _rounded(estimate: int) -> int:
    """Two significant figures: an estimate is not precise, so it should not look it (51,234 -> 51,000)."""
    step: int = 10 ** max(len(str(estimate)) - 2, 0)
    return round(estimate / step) * step


def _estimate_sql(vendor: str, table: str, quoted: str) -> tuple[str, list[Any]] | None:
    """A scalar subquery giving the engine's row estimate for `table` (NULL or -1 when it has none)."""
    if vendor == "postgresql":
        return "(SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s))", [quoted]
    if vendor == "mysql":
        return ("(SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                "AND TABLE_NAME = %s)"), [table]
    return None


def count(queryset: QuerySet[Any], whole_table: bool = False, cap: int | None = None) -> RowCount:
    """The number of rows of `queryset` (its filters only: ordering, annotations and related rows
    are left out), exact up to `cap` (CAP). `whole_table`: the queryset is the unfiltered table, so
    the engine's estimate may stand in."""
    cap = CAP if cap is None else cap
    sliced = queryset.order_by().values("pk")[: cap + 1]
    sql, params = sliced.query.get_compiler(using=sliced.db).as_sql()
    connection = connections[sliced.db]
    # Only SQL that Django compiled and the fixed estimate queries are put together; values stay parameters.
    capped = f"SELECT COUNT(*) FROM ({sql}) capped_rows"  # noqa: S608
    estimate = None
    estimated: Any = None
    if whole_table:
        table = queryset.model._meta.db_table
        estimate = _estimate_sql(connection.vendor, table, connection.ops.quote_name(table))
    with connection.cursor() as cursor:
        if estimate is None:
            cursor.execute(capped, params)
            counted = cursor.fetchone()[0]
        else:
            estimate_sql, estimate_params = estimate
            # The capped count runs only when the estimate does not already say "more than CAP".
            combined = (f"SELECT e.n, CASE WHEN e.n > %s THEN NULL ELSE ({capped}) END "  # noqa: S608
                        f"FROM (SELECT {estimate_sql} AS n) e")
            cursor.execute(combined, [cap, *params, *estimate_params])  # in the order they appear
            estimated, counted = cursor.fetchone()
    if counted is None:
        return RowCount(_rounded(int(estimated)), exact=False, estimated=True)
    if counted > cap:
        return RowCount(cap, exact=False)
    return RowCount(int(counted))


def _compiled(queryset: QuerySet[Any], limit: int) -> tuple[str, list[Any]]:
    """The SQL and parameters of the first `limit` primary keys of `queryset` (its filters only)."""
    sliced = queryset.order_by().values("pk")[:limit]
    sql, params = sliced.query.get_compiler(using=sliced.db).as_sql()
    return sql, list(params)


def count_each(querysets: Sequence[QuerySet[Any]], cap: int | None = None) -> list[RowCount]:
    """The capped count of each queryset, in ONE query: a page showing several counts (the dashboard's
    things waiting) pays one round trip, not one per count, and each count still reads at most cap + 1
    rows. All querysets must use the default database."""
    if not querysets:
        return []
    cap = CAP if cap is None else cap
    parts, params = [], []
    for i, queryset in enumerate(querysets):
        sql, part_params = _compiled(queryset, cap + 1)
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) capped_{i})")  # noqa: S608 - SQL Django compiled
        params += part_params
    # Only SQL that Django compiled is put together; values stay parameters.
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return [RowCount(cap, exact=False) if n > cap else RowCount(int(n)) for n in row]


def exists_each(querysets: Sequence[QuerySet[Any]]) -> list[bool]:
    """Whether each queryset has a row, in ONE query of EXISTS tests (each stops at its first row)."""
    if not querysets:
        return []
    parts, params = [], []
    for queryset in querysets:
        sql, part_params = _compiled(queryset, 1)
        parts.append(f"CASE WHEN EXISTS ({sql}) THEN 1 ELSE 0 END")
        params += part_params
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return [bool(value) for value in row]
