"""The provider contract (tests/provider_contract.py) for the Tyk Dashboard, against the simulator
(tools/tyk_simulator.py), started empty: each test arranges the APIs and policies it needs the way
an admin makes them in the Dashboard. Every answer the simulator gave is validated against Tyk's
published contract when the test ends, as with the `tyk_dashboard` fixture."""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest

from forecourt.access.models import Credential
from forecourt.providers import registry
from forecourt.providers.models import Provider

from .provider_contract import ProviderContract
from .support import tyk
from .support.tyk_contract import validate_log

PRODUCT = {"acl": True, "rate_limit": False, "quota": False, "complexity": False, "per_api": False}
PLAN = {"acl": False, "rate_limit": True, "quota": True, "complexity": False, "per_api": False}


class TykGateway:
    """The contract's Gateway for the Tyk Dashboard simulator."""

    def __init__(self, dashboard: Any) -> None:
        self.dashboard = dashboard

    def provider(self) -> Provider:
        return Provider.objects.create(name="Tyk", type=Provider.Type.TYK_PRO, url=self.dashboard.url,
                                       secret=tyk.SECRET, org_id=tyk.ORG_ID, policy_tags=["portal"])

    def add_api(self, name: str) -> str:
        slug = name.lower().replace(" ", "-")
        wrapper = self.dashboard.add_api({
            "name": name, "use_standard_auth": True, "use_keyless": False,
            "proxy": {"listen_path": f"/{slug}/", "target_url": "https://upstream.example.com",
                      "strip_listen_path": True}})
        return str(wrapper["api_definition"]["api_id"])

    def remove_api(self, api_id: str) -> None:
        self.dashboard.remove_api(api_id)

    def _policy(self, name: str, partitions: dict[str, bool], rights: dict[str, Any], **fields: Any) -> str:
        stored = self.dashboard.add_policy({
            "name": name, "active": True, "is_inactive": False, "state": "active", "tags": ["portal"],
            "partitions": partitions, "access_rights": rights, "rate": 0, "per": 0, "quota_max": -1,
            "quota_renewal_rate": 0, "key_expires_in": 0, **fields})
        return str(stored["_id"])

    @staticmethod
    def _rights(api_ids: list[str]) -> dict[str, Any]:
        return {api_id: {"api_id": api_id, "api_name": api_id, "versions": ["Default"], "allowed_urls": [],
                         "restricted_types": [], "limit": None} for api_id in api_ids}

    def add_product(self, name: str, api_ids: list[str]) -> str:
        return self._policy(name, PRODUCT, self._rights(api_ids))

    def add_plan(self, name: str, *, rate: int, per: int, quota: int) -> str:
        return self._policy(name, PLAN, {}, rate=rate, per=per, quota_max=quota, quota_renewal_rate=2592000)

    def add_unreadable_product(self, name: str) -> str:
        return self._policy(name, PRODUCT, self._rights(["no-such-api"]))

    def remove_product(self, key: str) -> None:
        with tyk.client(self.dashboard) as http:
            assert http.delete(f"/api/portal/policies/{key}").status_code == 200

    def make_unreadable(self, key: str) -> None:
        policy = self.dashboard.policies[key]
        with tyk.client(self.dashboard) as http:
            response = http.put(f"/api/portal/policies/{key}",
                                json={**policy, "access_rights": self._rights(["no-such-api"])})
            assert response.status_code == 200, response.text

    def has_credential(self, credential: Credential) -> bool:
        if credential.type == Credential.Type.OAUTH2_CLIENT:
            return (credential.provider_data["api_id"], credential.provider_reference) in self.dashboard.oauth_clients
        if credential.provider_data.get("hashed"):
            return credential.provider_reference in self.dashboard.hashed_keys
        return bool(credential.gateway_key) and credential.gateway_key in self.dashboard.keys

    def add_traffic(self, credential: Credential, day: datetime.date, *, ok: int, errors_4xx: int, errors_5xx: int,
                    latency_ms: float, max_latency_ms: int) -> None:
        self.dashboard.set_traffic(tyk.traffic_id(credential), day, tyk.simulator.Traffic(
            ok=ok, errors_4xx=errors_4xx, errors_5xx=errors_5xx, latency_ms=latency_ms,
            max_latency_ms=max_latency_ms))

    def down(self) -> None:
        self.dashboard.down()

    def up(self) -> None:
        self.dashboard.up()


class TestTykProviderContract(ProviderContract):
    @pytest.fixture
    def gateway(self) -> Iterator[TykGateway]:
        with tyk.running(seed=False) as dashboard:
            yield TykGateway(dashboard)
            validate_log(dashboard)

    def test_a_keys_usage_is_read_per_api_from_the_units_api_ids(
            self, gateway: TykGateway, provider: Provider, offered: dict[str, str], admin: object) -> None:
        request = self.granted(provider, offered, admin, "bundle")  # a key to both APIs
        (credential,) = Credential.objects.filter(access_request=request)
        day = datetime.date(2025, 3, 30)
        gateway.add_traffic(credential, day, ok=91, errors_4xx=7, errors_5xx=1, latency_ms=40.0, max_latency_ms=900)
        (read,) = registry.client_for(provider).read_usage(credential, day, day)
        apis = {a.api_id: a for a in read.apis}
        assert set(apis) == {offered["orders"], offered["stock"]}
        assert {a.api_name for a in read.apis} == {"Orders API", "Stock API"}
        assert sorted((a.requests, a.errors_4xx, a.errors_5xx) for a in read.apis) == [(48, 3, 0), (51, 4, 1)]
        assert (sum(a.requests for a in read.apis), read.requests) == (99, 99)
        assert max(a.latency_max_ms or 0 for a in read.apis) == 900
        assert all(a.latency_avg_ms is not None and 0 < a.latency_avg_ms <= 900 for a in read.apis)
