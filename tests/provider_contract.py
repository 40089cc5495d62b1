"""The provider contract: the tests every gateway integration passes (docs/adding-a-provider.md).

A mixin of tests, like NetBox's generic view tests: a gateway's test module subclasses
`ProviderContract` in a class named `Test...` and gives it a `gateway` fixture, a `Gateway` driver
for a test instance of that gateway (a simulator), empty of anything for the portal. The tests
go through the portal's own paths (forecourt.providers.sync, the push job, the credential jobs
of forecourt.access, the upgrade check's question) and the interface
(forecourt.providers.interfaces.ProviderClient); the driver only arranges the gateway and says
what it holds, so nothing here knows how a gateway works.

tests/test_provider_contract_tyk.py runs it for the Tyk Dashboard against the simulator.
"""

import datetime
from typing import Protocol

import pytest
from django.utils import timezone

from forecourt.access import credentials
from forecourt.access import services as access
from forecourt.access.models import AccessRequest, Credential
from forecourt.catalog import policy_push
from forecourt.catalog.models import Plan, Product, ProductAPI
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.providers import registry, sync, usage
from forecourt.providers.models import Provider

from . import factories


class Gateway(Protocol):
    """A test instance of one kind of gateway, as the contract tests arrange and inspect it."""

    def provider(self) -> Provider:
        """A saved Provider row (with the type the integration is registered for) for this gateway."""

    def add_api(self, name: str) -> str:
        """An API at the gateway, keys (tokens) for authentication; its API ID."""

    def remove_api(self, api_id: str) -> None: ...

    def add_product(self, name: str, api_ids: list[str]) -> str:
        """A product for the portal granting access to these APIs; its key (what Product.reference_id holds)."""

    def add_plan(self, name: str, *, rate: int, per: int, quota: int) -> str:
        """A plan for the portal: `rate` requests per `per` seconds, `quota` requests a month; its key."""

    def add_unreadable_product(self, name: str) -> str:
        """A product for the portal that its integration cannot read (e.g. granting an API that does
        not exist); its key."""

    def remove_product(self, key: str) -> None: ...

    def make_unreadable(self, key: str) -> None:
        """Change the product with this key so that its integration can no longer read it."""

    def has_credential(self, credential: Credential) -> bool:
        """Whether the gateway holds this credential (a key, an OAuth client...)."""

    def add_traffic(self, credential: Credential, day: datetime.date, *, ok: int, errors_4xx: int, errors_5xx: int,
                    latency_ms: float, max_latency_ms: int) -> None:
        """Traffic of this credential on `day` in the gateway's analytics: `ok` successful requests and
        these errors, `latency_ms` their average latency and `max_latency_ms` the slowest."""

    def down(self) -> None:
        """Stop answering (until `up`)."""

    def up(self) -> None: ...


def run_jobs() -> None:
    """Every due job, as the worker runs them (e-mails are not what these tests are about)."""
    Job.objects.filter(name__startswith="notify.").delete()
    while queue.run_next("contract") is not None:
        Job.objects.filter(name__startswith="notify.").delete()


@pytest.mark.django_db
class ProviderContract:
    """The tests. A subclass provides the `gateway` fixture (a `Gateway`)."""

    @pytest.fixture
    def provider(self, gateway: Gateway) -> Provider:
        return gateway.provider()

    @pytest.fixture
    def offered(self, gateway: Gateway) -> dict[str, str]:
        """Two APIs, a product of one, a bundle of both and a plan, at the gateway: their IDs and keys."""
        orders, stock = gateway.add_api("Orders API"), gateway.add_api("Stock API")
        return {"orders": orders, "stock": stock,
                "product": gateway.add_product("Orders Product", [orders]),
                "bundle": gateway.add_product("Shop Bundle", [orders, stock]),
                "plan": gateway.add_plan("Gold Plan", rate=10, per=60, quota=1000)}

    # -- the interface ---------------------------------------------------------------------

    def test_the_integration_is_registered_and_implements_the_interface(self, provider: Provider) -> None:
        client = registry.client_for(provider)
        for method in ("read_catalogue", "sync", "health", "new_credential", "create_credential",
                       "update_credential", "revoke_credential", "push_policy", "dangling_references",
                       "read_usage"):
            assert callable(getattr(client, method, None)), method

    # -- sync ------------------------------------------------------------------------------

    def test_a_sync_of_a_fresh_gateway_imports_its_products_and_plans(self, provider: Provider,
                                                                      offered: dict[str, str]) -> None:
        report = sync.sync(provider)
        assert (report.products_created, report.plans_created, report.problems) == (2, 1, [])
        product = Product.objects.get(provider=provider, reference_id=offered["product"])
        assert (product.name, product.display_name) == ("Orders Product", "Orders Product")
        assert [(a.api_id, a.name) for a in product.apis.all()] == [(offered["orders"], "Orders API")]
        bundle = Product.objects.get(provider=provider, reference_id=offered["bundle"])
        assert sorted(bundle.apis.values_list("api_id", flat=True)) == sorted([offered["orders"], offered["stock"]])
        plan = Plan.objects.get(provider=provider, reference_id=offered["plan"])
        assert (plan.name, plan.rate_limit, plan.rate_per, plan.quota_max, plan.quota_unlimited) == (
            "Gold Plan", 10, 60, 1000, False)
        provider.refresh_from_db()
        assert (provider.status, provider.last_error, provider.sync_problems) == ("up", "", [])
        assert provider.last_synced_at is not None
        # What the integration read is what the sync applied; a second sync changes nothing.
        catalogue = registry.client_for(provider).read_catalogue()
        assert set(catalogue.products) == {offered["product"], offered["bundle"]} and set(catalogue.plans) == {
            offered["plan"]}
        assert sync.sync(provider).writes == 0

    def test_a_bad_product_is_skipped_and_reported_and_the_rest_synced(self, gateway: Gateway, provider: Provider,
                                                                       offered: dict[str, str]) -> None:
        bad = gateway.add_unreadable_product("Broken Product")
        report = sync.sync(provider)
        assert report.products_created == 2 and report.plans_created == 1
        assert not Product.objects.filter(name="Broken Product").exists()
        assert [(p["policy"], p["name"]) for p in report.problems] == [(bad, "Broken Product")]
        assert report.problems[0]["reason"]
        provider.refresh_from_db()
        assert provider.sync_problems == report.problems and provider.status == "up"

    def test_a_product_that_became_unreadable_keeps_its_last_state_and_is_flagged(
            self, gateway: Gateway, provider: Provider, offered: dict[str, str]) -> None:
        sync.sync(provider)
        product = Product.objects.get(reference_id=offered["product"])
        product.published = True
        product.save()
        gateway.make_unreadable(offered["product"])
        report = sync.sync(provider)
        product.refresh_from_db()
        assert product.published and not product.hidden_by_sync
        assert product.sync_problem and product.sync_problem_since is not None
        assert [a.api_id for a in product.apis.all()] == [offered["orders"]]  # as last read
        assert offered["product"] in {p["policy"] for p in report.problems}

    def test_a_product_gone_from_the_gateway_is_hidden_not_deleted(self, gateway: Gateway, provider: Provider,
                                                                   offered: dict[str, str]) -> None:
        sync.sync(provider)
        gateway.remove_product(offered["bundle"])
        report = sync.sync(provider)
        assert report.hidden == 1 and report.problems == []
        bundle = Product.objects.get(reference_id=offered["bundle"])
        assert bundle.hidden_by_sync and not bundle.sync_problem

    def test_a_gateway_that_is_down_changes_nothing_but_the_providers_status(
            self, gateway: Gateway, provider: Provider, offered: dict[str, str]) -> None:
        sync.sync(provider)
        gateway.down()
        with pytest.raises(registry.ProviderError):
            sync.sync(provider)
        provider.refresh_from_db()
        assert provider.status == "down" and provider.last_error
        assert Product.objects.filter(provider=provider, hidden_by_sync=False).count() == 2
        gateway.up()

    # -- push ------------------------------------------------------------------------------

    def test_a_product_made_in_the_portal_is_pushed_and_syncs_back_unchanged(
            self, provider: Provider, offered: dict[str, str]) -> None:
        sync.sync(provider)
        product = Product.objects.create(provider=provider, name="Portal Product", display_name="Portal Product",
                                         slug="portal-product", tags=["portal-made"])
        ProductAPI.objects.create(product=product, name="orders", api_id=offered["orders"])
        assert policy_push.needs_push(product, None, None)
        policy_push.schedule(product)
        run_jobs()
        product.refresh_from_db()
        assert (product.push_state, product.push_error) == ("", "") and product.reference_id
        catalogue = registry.client_for(provider).read_catalogue()
        read = catalogue.products[product.reference_id]
        assert read.name == "Portal Product" and "portal-made" in read.tags
        assert [a.api_id for a in read.apis] == [offered["orders"]]
        assert sync.sync(provider).writes == 0
        assert Product.objects.filter(provider=provider, name="Portal Product").count() == 1

    def test_a_plan_made_in_the_portal_is_pushed_and_syncs_back_unchanged(self, provider: Provider,
                                                                          offered: dict[str, str]) -> None:
        sync.sync(provider)
        plan = Plan.objects.create(provider=provider, name="Silver Plan", display_name="Silver Plan",
                                   rate_limit=5, rate_per=1, quota_unlimited=False, quota_max=500,
                                   quota_renewal_seconds=3600)
        policy_push.schedule(plan)
        run_jobs()
        plan.refresh_from_db()
        assert plan.push_state == "" and plan.reference_id
        read = registry.client_for(provider).read_catalogue().plans[plan.reference_id]
        assert (read.name, read.rate_limit, read.rate_per, read.quota_max) == ("Silver Plan", 5, 1, 500)
        assert sync.sync(provider).writes == 0

    # -- credentials -----------------------------------------------------------------------

    def granted(self, provider: Provider, offered: dict[str, str], admin: object,
                product_key: str = "product") -> AccessRequest:
        sync.sync(provider)
        product = Product.objects.get(reference_id=offered[product_key])
        product.published = True
        product.save()
        plan = Plan.objects.get(reference_id=offered["plan"])
        owner = factories.consumer()
        request = access.submit_request(factories.app(owner), factories.catalogue([product], [plan]), plan,
                                        [product], owner)
        access.approve(request, admin)
        run_jobs()
        request.refresh_from_db()
        assert request.provisioning == "done", request.provisioning_error
        return request

    def test_credentials_are_created_rotated_and_revoked_at_the_gateway(
            self, gateway: Gateway, provider: Provider, offered: dict[str, str], admin: object) -> None:
        request = self.granted(provider, offered, admin)
        (first,) = Credential.objects.filter(access_request=request)
        assert first.status == "active" and gateway.has_credential(first)

        second = credentials.rotate(first, admin)
        run_jobs()
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, second.status) == ("revoked", "active")
        assert gateway.has_credential(second) and not gateway.has_credential(first)

        assert credentials.revoke(second, admin) is True
        run_jobs()
        second.refresh_from_db()
        assert second.status == "revoked" and not gateway.has_credential(second)

    def test_a_revocation_while_the_gateway_is_down_finishes_when_it_is_back(
            self, gateway: Gateway, provider: Provider, offered: dict[str, str], admin: object) -> None:
        request = self.granted(provider, offered, admin)
        (credential,) = Credential.objects.filter(access_request=request)
        gateway.down()
        credentials.revoke(credential, admin)
        run_jobs()
        credential.refresh_from_db()
        assert credential.status == "revoking"
        gateway.up()
        Job.objects.filter(status=Job.Status.QUEUED).update(run_at=timezone.now())
        run_jobs()
        credential.refresh_from_db()
        assert credential.status == "revoked" and not gateway.has_credential(credential)

    # -- usage ---------------------------------------------------------------------------------

    def test_a_credentials_usage_is_read_per_day_from_the_gateways_analytics(
            self, gateway: Gateway, provider: Provider, offered: dict[str, str], admin: object) -> None:
        request = self.granted(provider, offered, admin)
        (credential,) = Credential.objects.filter(access_request=request)
        client = registry.client_for(provider)
        # Days long before the credential was made: only the traffic arranged below is there.
        first, second = datetime.date(2025, 3, 30), datetime.date(2025, 4, 2)
        gateway.add_traffic(credential, first, ok=90, errors_4xx=7, errors_5xx=3, latency_ms=40.0,
                            max_latency_ms=900)
        gateway.add_traffic(credential, second, ok=10, errors_4xx=0, errors_5xx=0, latency_ms=10.0,
                            max_latency_ms=30)
        days = client.read_usage(credential, datetime.date(2025, 3, 25), datetime.date(2025, 4, 5))
        assert [(d.day, d.requests, d.errors_4xx, d.errors_5xx, d.errors_other) for d in days] == [
            (first, 100, 7, 3, 0), (second, 10, 0, 0, 0)]
        for day in days:  # an average and a maximum, and percentiles only if the gateway has them
            assert day.latency_avg_ms is not None and day.latency_max_ms is not None
            assert 0 < day.latency_avg_ms <= day.latency_max_ms
            for percentile in (day.latency_p50_ms, day.latency_p99_ms):
                assert percentile is None or 0 <= percentile <= day.latency_max_ms
        assert days[0].latency_max_ms == 900
        for day in days:  # per API when the gateway says which API a call hit: the granted ones, adding up
            if day.apis:
                assert {a.api_id for a in day.apis} <= {offered["orders"]}
                assert sum(a.requests for a in day.apis) == day.requests
                assert sum(a.errors_4xx + a.errors_5xx + a.errors_other for a in day.apis) == day.errors
        # The range is inclusive and nothing outside it is answered.
        assert [d.day for d in client.read_usage(credential, second, second)] == [second]
        assert client.read_usage(credential, datetime.date(2025, 1, 1), datetime.date(2025, 1, 31)) == []
        with pytest.raises(usage.BadRange):
            client.read_usage(credential, second, first)
        gateway.down()
        with pytest.raises(registry.ProviderError):
            client.read_usage(credential, first, second)

    # -- health and the upgrade check ------------------------------------------------------

    def test_health_is_empty_when_the_gateway_answers_and_says_why_when_not(self, gateway: Gateway,
                                                                            provider: Provider) -> None:
        client = registry.client_for(provider)
        assert client.health() == ""
        gateway.down()
        assert client.health()
        gateway.up()
        assert client.health() == ""

    def test_dangling_references_name_products_granting_apis_the_gateway_no_longer_has(
            self, gateway: Gateway, provider: Provider, offered: dict[str, str]) -> None:
        client = registry.client_for(provider)
        assert client.dangling_references() == []
        gateway.remove_api(offered["stock"])
        assert client.dangling_references() == [
            {"policy": offered["bundle"], "name": "Shop Bundle", "api": offered["stock"]}]
        # Read-only: the portal holds nothing of it.
        assert not Product.objects.filter(provider=provider).exists()
