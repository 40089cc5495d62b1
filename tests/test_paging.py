"""forecourt.paging: a page of rows read in two steps when related objects are joined in, with the
same rows in the same order as one LIMIT/OFFSET query (tests/test_admin_scale.py measures why)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forecourt.accounts.models import User
from forecourt.paging import rows_between
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def users() -> list[User]:
    orgs = [factories.organisation(name) for name in ("Zeta", "Alpha", "Mu")]
    return [factories.consumer(orgs[i % 3]) for i in range(7)]


def test_a_joined_page_is_the_same_rows_in_the_same_order_as_one_query(users):
    # Ordered by a joined table's column, then the key: the keys' query keeps that order.
    queryset = User.objects.filter(pk__in=[u.pk for u in users]).select_related("organisation") \
        .order_by("organisation__name", "-pk")
    for start, stop in [(0, 3), (2, 5), (5, 10), (7, 9)]:
        expected = list(queryset[start:stop])
        with CaptureQueriesContext(connection) as ctx:
            rows = rows_between(queryset, start, stop)
            names = [row.organisation.name for row in rows]  # joined in: no query per row
        assert [r.pk for r in rows] == [r.pk for r in expected], (start, stop)
        assert names == [r.organisation.name for r in expected]
        assert len(ctx.captured_queries) == (2 if expected else 1)
        assert "organisation" not in ctx.captured_queries[0]["sql"].split("FROM")[0].lower()


def test_a_page_without_joined_objects_is_one_query(users):
    queryset = User.objects.filter(pk__in=[u.pk for u in users]).order_by("email")
    with CaptureQueriesContext(connection) as ctx:
        rows = rows_between(queryset, 1, 4)
    assert rows == list(queryset[1:4])
    assert len(ctx.captured_queries) == 1


def test_a_row_deleted_between_the_two_reads_is_left_out(users, monkeypatch):
    queryset = User.objects.filter(pk__in=[u.pk for u in users]).select_related("organisation").order_by("pk")
    gone = users[1]
    real_filter = type(queryset).filter
    deleted = []

    def filter_after_a_delete(self, *args, **kwargs):
        if "pk__in" in kwargs and not deleted:
            deleted.append(gone.pk)
            User.objects.filter(pk=gone.pk).delete()
        return real_filter(self, *args, **kwargs)

    monkeypatch.setattr(type(queryset), "filter", filter_after_a_delete)
    rows = rows_between(queryset, 0, 3)
    assert deleted == [gone.pk]
    assert [r.pk for r in rows] == [users[0].pk, users[2].pk]
