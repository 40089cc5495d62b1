"""Every Admin Portal list runs the same number of queries for 10 rows as for 500."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forecourt.adminportal.registry import RESOURCES

from . import factories

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


@pytest.mark.parametrize("slug", [r.slug for r in RESOURCES])
def test_list_query_count_does_not_grow_with_rows(client, admin, slug):
    client.force_login(admin)
    client.get("/portal-admin/")  # start-up check and the session's first activity stamp are not counted
    factories.many(slug, 10)
    small = queries_for(client, f"/portal-admin/{slug}/")
    factories.many(slug, 490)
    large = queries_for(client, f"/portal-admin/{slug}/")
    assert large == small, f"{slug}: {small} queries with ~10 rows, {large} with ~500"
    assert small <= 12, f"{slug}: {small} queries"
    # Later pages and searches cost the same.
    assert queries_for(client, f"/portal-admin/{slug}/?page=3") == small
