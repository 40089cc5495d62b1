"""Sorting the Admin Portal's lists by their columns: every sortable column of every list sorts both
ways, in the same number of queries as the unsorted page; only database columns sort; a made-up
?sort= is ignored; headers link to the other direction, keep the search and filters, and say which
column is sorted (aria-sort)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forecourt.accounts.models import User
from forecourt.adminportal import lists
from forecourt.adminportal.registry import BY_SLUG, RESOURCES

from . import factories

pytestmark = pytest.mark.django_db


def fetch(client, url: str):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response, len(ctx.captured_queries)


def comparable(value):
    """A cell's value as Python orders it like the databases do, for values whose order no collation
    changes (numbers, dates, booleans); None for the rest (their order is checked by reversal)."""
    if isinstance(value, bool | int | float | datetime.datetime | datetime.date):
        return value
    return None


@pytest.mark.parametrize("slug", [r.slug for r in RESOURCES])
def test_every_sortable_column_sorts_both_ways_in_the_same_queries(client, admin, slug):
    resource = BY_SLUG[slug]
    client.force_login(admin)
    client.get("/portal-admin/")  # start-up check and the session's first activity stamp are not counted
    factories.many(slug, 8)
    client.get(f"/portal-admin/{slug}/")  # the languages offered, read once per revision: not counted
    _, unsorted = fetch(client, f"/portal-admin/{slug}/")
    keys = resource.sort_keys()
    for label, key in keys.items():
        column = next(c for c in resource.columns if c.label == label)
        up, up_queries = fetch(client, f"/portal-admin/{slug}/?sort={key}")
        down, down_queries = fetch(client, f"/portal-admin/{slug}/?sort=-{key}")
        assert up_queries == down_queries == unsorted, f"{slug} by {key}: {up_queries}/{down_queries} vs {unsorted}"
        assert not up.context["page"].has_next, "the whole list must fit on one page for this check"
        assert (up.context["page"].sort, down.context["page"].sort) == (key, f"-{key}")
        ups = [column.of(row) for row in up.context["page"].object_list]
        downs = [column.of(row) for row in down.context["page"].object_list]
        # Whatever the engine's collation and NULL placement, one direction is the other reversed.
        assert [str(v) for v in ups] == [str(v) for v in reversed(downs)], f"{slug} by {key}"
        plain = [comparable(v) for v in ups]
        if all(v is not None for v in plain):
            assert plain == sorted(plain), f"{slug} by {key}: {plain}"


def test_only_database_columns_are_sortable():
    keys = BY_SLUG["users"].sort_keys()
    assert keys == {"E-mail": "email", "Role": "role", "Organisation": "organisation", "Active": "is_active"}
    # Teams (many-valued), Name and Attributes (computed in Python) are not.
    assert "n_apis" in BY_SLUG["products"].sort_keys().values()  # an annotation of the list's queryset
    assert "limits_in_words" not in BY_SLUG["plans"].sort_keys().values()  # a property
    assert lists.Column("Teams", "teams__name").sort_key(User, []) == ""
    assert lists.Column("Org", "organisation__name").sort_key(User, []) == "organisation__name"
    assert lists.Column("X", "no_such_field").sort_key(User, []) == ""


@pytest.mark.parametrize("sort", ["password", "-password", "--email", "teams__name", "email;drop", "", "-"])
def test_an_unknown_sort_is_ignored(client, admin, sort):
    client.force_login(admin)
    factories.many("users", 3)
    response = client.get("/portal-admin/users/", {"sort": sort})
    assert response.status_code == 200
    assert response.context["page"].sort == ""
    assert "aria-sort" not in response.content.decode()


def test_users_sort_by_e_mail_with_ties_broken_by_pk_across_pages(client, admin):
    client.force_login(admin)
    for name in ("carol", "alice", "bob"):
        User.objects.create_user(f"{name}@example.com", "a-long-passphrase", role="consumer-team-member",
                                 organisation=factories.organisation())
    emails = [u.email for u in client.get("/portal-admin/users/?sort=email").context["page"].object_list]
    assert emails == sorted(emails) and emails.index("alice@example.com") < emails.index("carol@example.com")
    emails = [u.email for u in client.get("/portal-admin/users/?sort=-email").context["page"].object_list]
    assert emails == sorted(emails, reverse=True)
    # 60 users with one role: pages by role never repeat or skip a user.
    factories.many("users", 60)
    seen = []
    for number in (1, 2, 3):  # 64 users: 25, 25, 14
        page = client.get("/portal-admin/users/", {"sort": "role", "page": number}).context["page"]
        seen += [u.pk for u in page.object_list]
    assert len(seen) == len(set(seen)) == User.objects.count()


def test_headers_link_to_sorting_keeping_search_and_filters(client, admin):
    client.force_login(admin)
    factories.many("users", 3)
    page = client.get("/portal-admin/users/", {"q": "bulk", "active": "1", "page": "2"}).content.decode()
    assert '<a href="?q=bulk&amp;active=1&amp;sort=email" class="sort">E-mail' in page
    assert "aria-sort" not in page
    page = client.get("/portal-admin/users/", {"q": "bulk", "sort": "email"}).content.decode()
    assert '<th scope="col" aria-sort="ascending"><a href="?q=bulk&amp;sort=-email" class="sort sorted ascending">' \
           'E-mail<span class="visually-hidden"> (sort descending)</span></a></th>' in page
    page = client.get("/portal-admin/users/", {"sort": "-email"}).content.decode()
    assert 'aria-sort="descending"><a href="?sort=email"' in page
    assert "<th scope=\"col\">Teams</th>" in page  # not sortable: no link
    # Pagination keeps the sort.
    factories.many("users", 30)
    page = client.get("/portal-admin/users/", {"sort": "-email"}).content.decode()
    assert 'href="?sort=-email&amp;page=2" rel="next"' in page
