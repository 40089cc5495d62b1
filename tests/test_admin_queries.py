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
    client.get(f"/portal-admin/{slug}/")  # what is read once per content revision (the languages) is not counted
    small = queries_for(client, f"/portal-admin/{slug}/")
    factories.many(slug, 490)
    client.get(f"/portal-admin/{slug}/")
    large = queries_for(client, f"/portal-admin/{slug}/")
    assert large == small, f"{slug}: {small} queries with ~10 rows, {large} with ~500"
    assert small <= 12, f"{slug}: {small} queries"
    # Later pages and searches cost the same.
    assert queries_for(client, f"/portal-admin/{slug}/?page=3") == small


# --- counts that do not read a whole table (adminportal/counting.py) ----------------------------------

def test_a_count_is_exact_up_to_its_cap_and_says_more_beyond(admin):
    from forecourt.accounts.models import User
    from forecourt.adminportal import counting

    factories.many("users", 7)
    users = User.objects.filter(email__startswith="bulk")
    assert str(counting.count(users, cap=10)) == "7"
    assert counting.count(users, cap=10).exact
    capped = counting.count(users, cap=5)
    assert (str(capped), capped.exact, capped.is_one) == ("5+", False, False)
    assert counting.count(users.filter(email__startswith="nobody"), cap=5) == counting.RowCount(0)
    # The whole table: exact while it is small, whatever the engine keeps as an estimate.
    everyone = counting.count(User.objects.all(), whole_table=True, cap=1000)
    assert everyone == counting.RowCount(User.objects.count())


def test_an_estimate_is_rounded_and_says_about():
    from forecourt.adminportal import counting

    assert str(counting.RowCount(counting._rounded(51_234), exact=False, estimated=True)) == "about 51,000"
    assert str(counting.RowCount(10_000, exact=False)) == "10,000+"
    assert str(counting.RowCount(1)) == "1" and counting.RowCount(1).is_one


def test_a_list_beyond_the_cap_says_so_and_pages_on(client, admin, monkeypatch):
    from forecourt.adminportal import counting

    client.force_login(admin)
    factories.many("audit-log", 60)
    monkeypatch.setattr(counting, "CAP", 30)
    page = client.get("/portal-admin/audit-log/?q=P").content.decode()
    assert "30+ audit log" in page
    assert "Page 1<" in page and "Page 1 of" not in page  # no last page promised
    assert 'rel="next"' in page
    assert ">P 20<" in client.get("/portal-admin/audit-log/?q=P&page=2").content.decode()
    past = client.get("/portal-admin/audit-log/?q=P&page=50").content.decode()
    assert "Nothing on this page" in past
    # Below the cap the count is exact, and a page past the last shows the last.
    exact = client.get("/portal-admin/audit-log/?q=P+1&page=5").content.decode()
    assert "11 audit log" in exact and ">P 19<" in exact
    assert client.get("/portal-admin/audit-log/?page=999999999999").status_code == 200


def test_a_filter_with_too_many_choices_takes_an_id(client, admin, monkeypatch):
    from forecourt.accounts.models import Organisation, User
    from forecourt.adminportal import lists

    client.force_login(admin)
    factories.many("users", 3)
    org = User.objects.get(email__startswith="bulk", email__endswith="-0@example.com").organisation
    monkeypatch.setattr(lists, "MAX_CHOICES", 1)
    assert Organisation.objects.count() > 1
    page = client.get(f"/portal-admin/users/?organisation={org.pk}").content.decode()
    assert 'inputmode="numeric"' in page and f'value="{org.pk}"' in page
    assert page.count("@example.com</a>") == 3  # the organisation's three users, not everyone
    assert "3 users" in page
    # Not an ID: ignored, as a value that is not among a drop-down's options is.
    assert client.get("/portal-admin/users/?organisation=abc").status_code == 200


def test_the_audit_logs_type_filter_lists_the_portals_models(client, admin):
    client.force_login(admin)
    page = client.get("/portal-admin/audit-log/").content.decode()
    assert '<option value="catalog.product">' in page and '<option value="accounts.user">' in page
