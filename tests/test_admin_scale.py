"""The Admin Portal's and the Admin API's lists at scale: the same queries with 100 rows as with 10,000
(50,000 access requests), and a time that does not grow with the table (issue 15, item 6).

The rows are bulk-created once for the module, inside one transaction that is rolled back at the end,
and every list is measured twice in that fixture: with ~100 rows of each kind, then with ~10,000. The
tests then compare the two measurements, one test per list. tests/test_admin_queries.py keeps the
quicker 10-vs-500 check of each Admin Portal list with its own factories.
"""

import itertools
import os
import time
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forecourt.access.models import AccessRequest, App, Credential
from forecourt.accounts import services as accounts
from forecourt.accounts import tokens
from forecourt.accounts.models import InviteCode, Organisation, OrganisationRequest, Role, Team, User
from forecourt.adminportal.registry import RESOURCES
from forecourt.audit.models import AuditEntry
from forecourt.catalog.models import Catalogue, Plan, Product, ProductAPI, ProductDoc
from forecourt.content.models import ContentBlock, MenuItem, Page
from forecourt.notify.models import EmailLog
from forecourt.providers.models import Provider
from forecourt.webhooks.models import Delivery, Event, Webhook

# The marker makes pytest-django create the test database; the rows are the module fixture's.
pytestmark = pytest.mark.django_db

SMALL, LARGE, LARGE_REQUESTS = 100, 10_000, 50_000
BATCH = 2_000

# Every Admin Portal list, its third page and a search; the dashboard.
PORTAL = ["/portal-admin/"] + [url for r in RESOURCES for url in (
    f"/portal-admin/{r.slug}/", f"/portal-admin/{r.slug}/?page=3", f"/portal-admin/{r.slug}/?q=7")]
PORTAL += ["/portal-admin/access-requests/?status=pending", "/portal-admin/users/?role=consumer-team-member"]
# Every top-level Admin API list, at its largest page, and a later page (rows 21-30: there at 100 rows too,
# even of the pending third of the access requests).
API = [f"/portal-api{path}{sep}{extra}" for path in (
    "/products", "/plans", "/catalogues", "/organisations", "/users", "/apps", "/access_requests",
    "/access_requests?status=pending", "/audit-log", "/webhooks", "/webhook-deliveries", "/invite-codes",
    "/menu-items", "/pages", "/providers", "/organisation-requests",
) for sep in ["&" if "?" in path else "?"] for extra in ("per_page=100", "per_page=10&page=3")]


class Builder:
    """Adds rows of every kind a list shows, up to a number of each, in bulk."""

    def __init__(self) -> None:
        self.seq = itertools.count(1)
        self.organisation, self.team = accounts.ensure_default_organisation()
        self.provider = Provider.objects.create(name="Scale dashboard", url="https://dashboard.example.com",
                                                secret="k", org_id="o")
        self.owner = User.objects.create(email="owner@scale.example.com", organisation=self.organisation,
                                         role=Role.CONSUMER_ADMIN)
        self.product = Product.objects.create(name="scale", display_name="Scale", slug="scale")
        self.plan = Plan.objects.create(name="scale", display_name="Scale plan")
        self.catalogue = Catalogue.objects.create(name="Scale catalogue")
        self.catalogue.products.add(self.product)
        self.catalogue.plans.add(self.plan)
        self.event = Event.objects.create(name="AccessRequestCreated", message={})

    def bulk(self, model: Any, rows: Any) -> list[Any]:
        return model.objects.bulk_create(rows, batch_size=BATCH)

    def grow(self, count: int, requests: int) -> None:
        b = next(self.seq)
        r = range(count)
        orgs = self.bulk(Organisation, (Organisation(name=f"Org {b}-{i}") for i in r))
        teams = self.bulk(Team, (Team(organisation=o, name="Default Team", is_default=True) for o in orgs))
        users = self.bulk(User, (User(email=f"u{b}-{i}@scale.example.com", first_name=f"U{i}",
                                      organisation=orgs[i], role=Role.CONSUMER_TEAM_MEMBER) for i in r))
        self.bulk(User.teams.through, (User.teams.through(user_id=u.pk, team_id=teams[i].pk)
                                       for i, u in enumerate(users)))
        self.bulk(Provider, (Provider(name=f"Provider {b}-{i}", url="https://d.example.com", secret="")
                             for i in r))
        products = self.bulk(Product, (Product(name=f"p{b}-{i}", display_name=f"Product {b}-{i}", slug=f"p-{b}-{i}",
                                               provider=self.provider, published=i % 2 == 0) for i in r))
        self.bulk(ProductAPI, (ProductAPI(product=p, name=f"API {p.pk}", listen_path=f"/a{p.pk}/") for p in products))
        self.bulk(ProductDoc, (ProductDoc(product=p, title=f"Doc {p.pk}") for p in products))
        plans = self.bulk(Plan, (Plan(name=f"pl{b}-{i}", display_name=f"Plan {b}-{i}", provider=self.provider)
                                 for i in r))
        catalogues = self.bulk(Catalogue, (Catalogue(name=f"Catalogue {b}-{i}") for i in r))
        self.bulk(Catalogue.products.through, (Catalogue.products.through(catalogue_id=c.pk, product_id=products[i].pk)
                                               for i, c in enumerate(catalogues)))
        self.bulk(Catalogue.plans.through, (Catalogue.plans.through(catalogue_id=c.pk, plan_id=plans[i].pk)
                                            for i, c in enumerate(catalogues)))
        self.bulk(InviteCode, (InviteCode(code=f"code-{b}-{i}", organisation=orgs[i], team=teams[i]) for i in r))
        self.bulk(OrganisationRequest, (OrganisationRequest(name=f"Wanted {b}-{i}", requester=users[i]) for i in r))
        apps = self.bulk(App, (App(name=f"App {b}-{i}", owner=users[i], organisation=orgs[i]) for i in r))
        statuses = [AccessRequest.Status.PENDING, AccessRequest.Status.APPROVED, AccessRequest.Status.REJECTED]
        access_requests = self.bulk(AccessRequest, (
            AccessRequest(app=apps[i % count], catalogue=self.catalogue, plan=self.plan, requester=users[i % count],
                          status=statuses[i % 3]) for i in range(requests)))
        self.bulk(AccessRequest.products.through, (
            AccessRequest.products.through(accessrequest_id=a.pk, product_id=self.product.pk) for a in access_requests))
        self.bulk(Credential, (Credential(app=a.app, access_request=a, provider_reference=f"k{a.pk}",
                                          secret_hint="abcd") for a in access_requests[:count]))
        self.bulk(AuditEntry, (AuditEntry(action="create", object_type="catalog.product", object_id=str(i),
                                          object_repr=f"Product {b}-{i}", actor_email="admin@example.com",
                                          changes={"name": [None, f"p{i}"]}) for i in r))
        pages = self.bulk(Page, (Page(title=f"Page {b}-{i}", path=f"/scale-{b}-{i}") for i in r))
        self.bulk(ContentBlock, (ContentBlock(page=p, name="Body", content="Hello") for p in pages))
        self.bulk(MenuItem, (MenuItem(label=f"Menu {b}-{i}", page=p) for i, p in enumerate(pages)))
        hooks = self.bulk(Webhook, (Webhook(name=f"Hook {b}-{i}", url="https://hooks.example.com/",
                                            events=["AccessRequestCreated"]) for i in r))
        self.bulk(Delivery, (Delivery(event=self.event, endpoint=h) for h in hooks))
        self.bulk(EmailLog, (EmailLog(to=f"dev{b}-{i}@example.com", subject=f"Hello {i}", template="welcome",
                                      body_text="Hello") for i in r))


def _measure(client: Client, headers: dict[str, str], urls: list[str]) -> dict[str, tuple[int, float]]:
    """url -> (queries, the least milliseconds of two requests), after one request that warms it up."""
    results = {}
    for url in urls:
        assert client.get(url, headers=headers).status_code == 200, url
        times, queries = [], []
        for _ in range(2):
            connection.queries_log.clear()  # a full log (it keeps 9,000) would capture nothing
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.content[:300])
            queries.append(len(ctx.captured_queries))
        # The fewer: the session's activity time, written at most once a minute, can fall in either.
        results[url] = (min(queries), min(times))
    return results


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """{"small": {url: (queries, ms)}, "large": {...}}, measured on rows that are rolled back afterwards."""
    from django.conf import settings

    from forecourt.ops import secret

    if not secret.is_active():  # as conftest's _secret_key, which runs later (it is per test)
        settings.SECRET_KEY = "in-process-tests-only-" + "x" * 40
    with django_db_blocker.unblock(), transaction.atomic():
        admin = accounts.bootstrap("admin@scale.example.com", "a-long-passphrase", "Ada", "Admin").user
        token = tokens.issue(admin)
        client = Client()
        client.force_login(admin)
        client.get("/portal-admin/")  # the start-up check and the session's first activity stamp
        builder = Builder()
        builder.grow(SMALL, SMALL)
        small = {**_measure(client, {}, PORTAL), **_measure(client, {"Authorization": token}, API)}
        start = time.perf_counter()
        builder.grow(LARGE - SMALL, LARGE_REQUESTS - SMALL)
        built = time.perf_counter() - start
        assert AccessRequest.objects.count() >= LARGE_REQUESTS
        large = {**_measure(client, {}, PORTAL), **_measure(client, {"Authorization": token}, API)}
        transaction.set_rollback(True)
    report = os.environ.get("ADMIN_SCALE_REPORT")  # a file for the numbers (xdist swallows print)
    if report:
        with open(report, "w") as out:
            out.write(f"{connection.vendor}: bulk-created the large data set in {built:.1f} s\n")
            out.write(f"{'list':72} {'queries':>9} {'ms at 100':>10} {'ms at 10k':>10}\n")
            out.writelines(f"{url:72} {small[url][0]:4}/{large[url][0]:<4} {small[url][1]:10.1f} "
                          f"{large[url][1]:10.1f}\n" for url in small)
    return {"small": small, "large": large}


def test_every_list_costs_the_same_at_10_000_rows(measured):
    """One test for every list, so that one worker builds the rows (a parametrized test would have each
    pytest-xdist worker build them again); it names every list that fails, not only the first."""
    problems = []
    for url in PORTAL + API:
        (small_queries, small_ms), (large_queries, large_ms) = measured["small"][url], measured["large"][url]
        if large_queries != small_queries:
            problems.append(f"{url}: {small_queries} queries at {SMALL} rows, {large_queries} at {LARGE}")
        if not 0 < small_queries <= 12:
            problems.append(f"{url}: {small_queries} queries")
        # A hundred times the rows: a list that reads them all takes many times as long; one that reads
        # a page does not (the margin absorbs the noise of a shared, busy machine).
        if large_ms >= 4 * small_ms + 500:
            problems.append(f"{url}: {small_ms:.0f} ms at {SMALL} rows, {large_ms:.0f} ms at {LARGE}")
    assert not problems, "\n".join(problems)
