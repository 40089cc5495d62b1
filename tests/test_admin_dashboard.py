"""The Admin Portal dashboard: the set-up checklist that ticks itself from the data, the things
waiting for an admin, and the activity of the last 30 days; its query count at any size."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forecourt.access import services as access
from forecourt.access.models import AccessRequest, Credential
from forecourt.accounts import services as accounts
from forecourt.accounts.models import OrganisationRequest, Role, User
from forecourt.adminportal import activity, checklist, counting, waiting
from forecourt.catalog.models import Plan, Product, PushState
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.portalconfig.models import PortalSettings
from forecourt.providers import sync
from forecourt.providers.models import Provider
from forecourt.sso.models import SsoProfile
from forecourt.themes.models import ThemeState
from forecourt.webhooks.models import Delivery, Event, Webhook

from . import factories
from .support.tyk import ORG_ID, SECRET, tyk_dashboard

__all__ = ["tyk_dashboard"]
pytestmark = pytest.mark.django_db

DASHBOARD = "/portal-admin/"
REQUIRED = ["provider", "sync", "publish", "catalogue", "mail", "approve", "credential"]


def done(is_super_admin: bool = True) -> dict[str, bool]:
    return {step.key: step.done for step in checklist.build(is_super_admin).steps}


def run_jobs() -> None:
    """Every due job, as the worker would (e-mails are not what these tests are about)."""
    Job.objects.filter(name__startswith="notify.").delete()
    while queue.run_next("test") is not None:
        pass


def page(client) -> str:
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.content.decode()


# -- the set-up checklist --------------------------------------------------------------------------

def test_an_empty_portal_has_no_step_done(client, admin):
    steps = checklist.build(True)
    assert [s.key for s in steps.required] == REQUIRED
    assert not any(s.done for s in steps.steps)
    assert {s.key for s in steps.steps if s.optional} == {"theme", "sso"}
    client.force_login(admin)
    body = page(client)
    assert "<strong>0 of 7</strong> required steps done" in body
    assert "Set-up complete" not in body
    assert "Nothing is waiting for an admin." in body
    assert not PortalSettings.objects.exists(), "reading the dashboard writes nothing"
    # Each step links to where it is done.
    assert 'href="/portal-admin/providers/new/"' in body and 'href="/portal-admin/settings/"' in body


def test_each_step_ticks_when_its_data_appears(client, admin, tyk_dashboard):
    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                       policy_tags=["portal"])
    assert done()["provider"] and not done()["sync"]

    sync.sync(provider)
    assert done()["sync"] and not done()["publish"]

    product = Product.objects.get(provider=provider, name="Payments Product")
    product.published = True
    product.save()
    assert done()["publish"] and not done()["catalogue"]

    plan = Plan.objects.get(provider=provider, name="Free Plan")
    unpublished_only = factories.catalogue([factories.product()], [plan])
    assert not done()["catalogue"], "a catalogue of unpublished products does not count"
    catalogue = factories.catalogue([product], [plan])
    assert done()["catalogue"]

    settings = PortalSettings.load()
    settings.smtp_host = "smtp.example.com"
    settings.save()
    assert not done()["mail"], "no From address: notify sends nothing"
    settings.from_address = "portal@example.com"
    settings.save()
    assert done()["mail"]

    owner = factories.consumer()
    request = access.submit_request(factories.app(owner), catalogue, plan, [product], owner)
    assert not done()["approve"]
    access.approve(request, admin)
    assert done()["approve"] and not done()["credential"], "the credential is still being made"
    run_jobs()
    assert Credential.objects.get(access_request=request).status == Credential.Status.ACTIVE
    assert done()["credential"]

    # Every required step done: the checklist folds into one line.
    client.force_login(admin)
    body = page(client)
    assert '<details class="dash-checklist complete" id="set-up">' in body
    assert "Set-up complete: all 7 required steps are done." in body

    # The optional steps tick too, from their own data.
    assert not done()["theme"] and not done()["sso"]
    state = ThemeState.load()
    state.active = "brand"
    state.save()
    SsoProfile.objects.create(key="corp", name="Corp", oidc_discovery_url="https://idp.example.com/.well-known",
                              oidc_client_id="portal", oidc_client_secret="s3cret-value", enabled=True)
    assert done()["theme"] and done()["sso"]

    # Derived, never stored: undoing the data undoes the step.
    product.published = False
    product.save()
    assert not done()["publish"] and not done()["catalogue"]
    assert unpublished_only.pk  # kept: it never counted
    body = page(client)
    assert "<strong>5 of 7</strong> required steps done" in body


def test_a_failed_sync_is_not_a_synced_provider(client, admin, tyk_dashboard):
    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID)
    tyk_dashboard.down()
    with pytest.raises(Exception, match="cannot be reached"):
        sync.sync(provider)
    tyk_dashboard.heal()
    provider.refresh_from_db()
    assert provider.status == Provider.Status.DOWN
    assert done()["provider"] and not done()["sync"]
    client.force_login(admin)
    body = page(client)
    assert '<a href="/portal-admin/providers/?status=down"><strong>1</strong> provider unreachable' in body


def test_an_admin_who_is_not_super_admin_is_told_who_sets_up_mail(client):
    accounts.ensure_default_organisation()
    admin = User.objects.create_user("ops@example.com", "a-long-passphrase", role=Role.PROVIDER_ADMIN)
    mail = next(s for s in checklist.build(False).steps if s.key == "mail")
    assert mail.url == ""
    client.force_login(admin)
    body = page(client)
    assert "A super-admin does this." in body
    assert 'href="/portal-admin/settings/"' not in body


# -- things waiting --------------------------------------------------------------------------------

def failed_delivery(hook: Webhook, event: Event, status: str = Delivery.Status.FAILED, ago: int = 0) -> Delivery:
    delivery = Delivery.objects.create(event=event, endpoint=hook, status=status)
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(minutes=ago))
    return delivery


def test_things_waiting_show_their_counts_and_links(client, admin):
    client.force_login(admin)
    assert waiting.build() == []

    factories.pending_request()
    factories.pending_request()
    stuck = access.approve(factories.pending_request(), admin)
    AccessRequest.objects.filter(pk=stuck.pk).update(provisioning=AccessRequest.Provisioning.FAILED)
    OrganisationRequest.objects.create(name="Wanted", requester=factories.consumer())
    decided = OrganisationRequest.objects.create(name="Done", requester=factories.consumer(),
                                                 status=OrganisationRequest.Status.APPROVED)
    assert decided.pk

    event = Event.objects.create(name="AccessRequestCreated", message={})
    failing = Webhook.objects.create(name="Failing", url="https://hooks.example.com/a", events=[])
    failed_delivery(failing, event, Delivery.Status.SUCCEEDED, ago=10)
    failed_delivery(failing, event, Delivery.Status.FAILED, ago=5)
    failed_delivery(failing, event, Delivery.Status.PENDING, ago=1)  # still being tried: not the last outcome
    recovered = Webhook.objects.create(name="Recovered", url="https://hooks.example.com/b", events=[])
    failed_delivery(recovered, event, Delivery.Status.FAILED, ago=10)
    failed_delivery(recovered, event, Delivery.Status.SUCCEEDED, ago=5)
    disabled = Webhook.objects.create(name="Off", url="https://hooks.example.com/c", events=[], enabled=False)
    failed_delivery(disabled, event)

    provider = factories.provider()
    broken = factories.product(provider=provider, display_name="Zeta Broken")
    Product.objects.filter(pk=broken.pk).update(push_state=PushState.FAILED, push_error="HTTP 500")
    Product.objects.filter(pk=factories.product(provider=provider).pk).update(sync_problem_since=timezone.now(),
                                                                              sync_problem="no access rights")
    plan = factories.plan(provider=provider, display_name="Alpha Broken")
    Plan.objects.filter(pk=plan.pk).update(push_state=PushState.FAILED, push_error="HTTP 500")

    found = {item.key: (str(item.count), item.label, item.url) for item in waiting.build()}
    assert found == {
        "access-requests": ("2", "access requests to decide", "/portal-admin/access-requests/?status=pending"),
        "organisation-requests": ("1", "organisation request to decide",
                                  "/portal-admin/organisation-requests/?status=pending"),
        "provisioning": ("1", "approved request without its credential",
                         "/portal-admin/access-requests/?status=approved&provisioning=failed"),
        "webhooks": ("1", "webhook failing: its last delivery failed",
                     "/portal-admin/webhook-deliveries/?status=failed"),
        "product-sync": ("1", "product whose policy is unreadable", "/portal-admin/products/?sync_problem=1"),
        "product-push": ("1", "product not written to its provider", "/portal-admin/products/?push_failed=1"),
        "plan-push": ("1", "plan not written to its provider", "/portal-admin/plans/?push_failed=1"),
    }
    body = page(client)
    pending = '<a href="/portal-admin/access-requests/?status=pending"><strong>2</strong> access requests to decide'
    assert pending in body
    assert f'<a href="/portal-admin/products/{broken.pk}/">Zeta Broken</a>' in body
    assert f'<a href="/portal-admin/plans/{plan.pk}/">Alpha Broken</a>' in body
    assert "Nothing is waiting" not in body
    # Each link leads to a list that shows what was counted.
    assert client.get("/portal-admin/access-requests/?status=approved&provisioning=failed").status_code == 200
    deliveries = client.get("/portal-admin/webhook-deliveries/?status=failed").content.decode()
    assert "Failing" in deliveries
    products = client.get("/portal-admin/products/?push_failed=1").content.decode()
    assert "Zeta Broken" in products
    assert "Alpha Broken" in client.get("/portal-admin/plans/?push_failed=1").content.decode()
    in_step = client.get("/portal-admin/products/?push_failed=0").content.decode()
    assert "Zeta Broken" not in in_step


def test_counts_in_one_query_are_capped_like_single_counts(admin):
    factories.many("users", 5)
    with CaptureQueriesContext(connection) as ctx:
        capped, exact, none = counting.count_each(
            [User.objects.all(), User.objects.filter(email=admin.email), User.objects.filter(email="nobody")], cap=3)
    assert len(ctx.captured_queries) == 1
    assert (str(capped), capped.exact) == ("3+", False)
    assert (str(exact), exact.is_one, none.value) == ("1", True, 0)
    assert counting.count_each([]) == [] and counting.exists_each([]) == []
    with CaptureQueriesContext(connection) as ctx:
        assert counting.exists_each([User.objects.all(), User.objects.filter(email="nobody")]) == [True, False]
    assert len(ctx.captured_queries) == 1


# -- activity --------------------------------------------------------------------------------------

def at(day, hour: int = 12) -> datetime:
    """A moment on `day` in the portal's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour)), timezone.get_current_timezone())


def test_activity_counts_per_day_with_zero_days_and_nothing_older_than_30_days(admin):
    today = timezone.localdate()
    days = activity.window(today)
    assert len(days) == 30 and days[-1] == today and days[0] == today - timedelta(days=29)

    User.objects.filter(pk=admin.pk).update(date_joined=at(today - timedelta(days=40)))
    first, second, third, old = (factories.consumer() for _ in range(4))
    User.objects.filter(pk__in=[first.pk, second.pk]).update(date_joined=at(today, 0))
    User.objects.filter(pk=third.pk).update(date_joined=at(today - timedelta(days=29), 23))
    User.objects.filter(pk=old.pk).update(date_joined=at(today - timedelta(days=31)))

    requester = factories.consumer()
    User.objects.filter(pk=requester.pk).update(date_joined=at(today - timedelta(days=50)))
    requests = [factories.pending_request(owner=requester) for _ in range(4)]
    AccessRequest.objects.filter(pk=requests[0].pk).update(created_at=at(today - timedelta(days=3)))
    AccessRequest.objects.filter(pk__in=[requests[1].pk, requests[2].pk]).update(created_at=at(today))
    AccessRequest.objects.filter(pk=requests[3].pk).update(created_at=at(today - timedelta(days=31)))
    # Approvals by the day they were decided; a rejection is no approval.
    AccessRequest.objects.filter(pk=requests[0].pk).update(status=AccessRequest.Status.APPROVED,
                                                           decided_at=at(today - timedelta(days=1)))
    AccessRequest.objects.filter(pk=requests[1].pk).update(status=AccessRequest.Status.REJECTED, decided_at=at(today))
    AccessRequest.objects.filter(pk=requests[3].pk).update(status=AccessRequest.Status.APPROVED,
                                                           decided_at=at(today - timedelta(days=31)))

    with CaptureQueriesContext(connection) as ctx:
        signups, submitted, approvals = activity.build(today)
    assert len(ctx.captured_queries) == 3, "one aggregate query per series"

    def values(series: activity.Series) -> dict[int, int]:
        """Days ago -> count, for the days that have any."""
        return {(today - day).days: n for day, n in series.rows if n}

    assert values(signups) == {0: 2, 29: 1}
    assert values(submitted) == {0: 2, 3: 1}
    assert values(approvals) == {1: 1}
    assert signups.values.count(0) == 28 and len(submitted.values) == 30
    assert signups.total == 3
    assert signups.summary() == f"New users, last 30 days: 3 new users in total; the busiest day {today.day} " \
                                f"{today:%b} with 2."
    assert activity.Series("x", "Nothing", "thing", days, [0] * 30).summary() == "Nothing, last 30 days: none."


def test_the_day_is_the_same_whichever_way_the_engine_computes_it(admin):
    """On SQLite in UTC the day is cut from the stored text (activity._day); it must agree with
    Django's TruncDate, on moments either side of midnight, with and without microseconds."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    today = timezone.localdate()
    moments = [at(today, 0), at(today - timedelta(days=1), 23) + timedelta(minutes=59, seconds=59),
               at(today - timedelta(days=2), 12) + timedelta(microseconds=123456), at(today - timedelta(days=2), 0)]
    users = [factories.consumer() for _ in moments]
    for user, moment in zip(users, moments, strict=True):
        User.objects.filter(pk=user.pk).update(date_joined=moment)
    User.objects.filter(pk=admin.pk).update(date_joined=at(today - timedelta(days=45)))
    days = activity.window(today)
    day = TruncDate("date_joined", tzinfo=timezone.get_current_timezone())
    by_truncdate = dict(User.objects.order_by().annotate(day=day).values("day").annotate(n=Count("pk"))
                        .values_list("day", "n"))
    assert activity.per_day(User.objects.all(), "date_joined", days) == [by_truncdate.get(day, 0) for day in days]
    assert activity.per_day(User.objects.all(), "date_joined", days)[-3:] == [2, 1, 1]


def test_the_page_carries_the_numbers_as_json_and_as_tables(client, admin):
    client.force_login(admin)
    body = page(client)
    assert '<script id="dashboard-activity" type="application/json">' in body
    assert 'role="img" aria-label="New users, last 30 days: 1 new user in total;' in body
    assert body.count("<details class=\"dash-data\">") == 3
    assert 'src="/static/live/vendor/chart/chart.umd.min.js"' in body
    assert 'src="/static/adminportal/dashboard.js"' in body
    assert "<script>" not in body  # nothing inline: the CSP allows none


# -- cost ------------------------------------------------------------------------------------------

def fill(count: int) -> None:
    """`count` rows of everything the dashboard counts or charts."""
    factories.many("users", count)
    for kind in ("access-requests", "organisation-requests", "webhook-deliveries"):
        factories.many(kind, count)
    for _ in range(min(count, 3)):
        factories.pending_request()
    provider = factories.provider()
    for i in range(count):
        item = factories.product(provider=provider, published=True)
        Product.objects.filter(pk=item.pk).update(push_state=PushState.FAILED, push_error=f"HTTP {i}")


def queries_for(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        page(client)
    return len(ctx.captured_queries)


def test_the_dashboard_costs_the_same_with_1_row_as_with_50(client, admin, django_assert_max_num_queries):
    client.force_login(admin)
    page(client)  # the start-up check and the session's first activity stamp are not counted
    fill(1)
    page(client)  # what is read once per content revision (the languages offered) is not counted
    small = queries_for(client)
    fill(49)
    page(client)
    with django_assert_max_num_queries(small):
        page(client)
    assert small <= 12, f"{small} queries"
