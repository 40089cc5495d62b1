"""The Tyk Dashboard simulator (tools/tyk_simulator.py) against the published Dashboard contract.

Every answer the simulator gives in these tests, for each endpoint, success and error, paged
and unpaged, is validated with openapi-core against contracts/tyk/dashboard-swagger.yml
(path, method and status code must be documented; the body must match that response's schema).
The contract's README adds what the spec does not state; where the spec is incomplete (policy
fields it omits), its schemas allow additional properties, which a test below checks.
"""

import base64
import concurrent.futures
import json
import math
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.configurations import Config
from openapi_core.testing import MockRequest, MockResponse

from .support import tyk
from .support.tyk import simulator, tyk_dashboard

__all__ = ["tyk_dashboard"]

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "tyk"
SPEC_HOST = "https://localhost:3000"  # the spec's server, https://{tenant} with its default

API_PAYMENTS, API_WEATHER, API_ACCOUNTS = simulator.API_PAYMENTS, simulator.API_WEATHER, simulator.API_ACCOUNTS
API_PETSTORE, API_RETIRED, API_SAMPLE = simulator.API_PETSTORE, simulator.API_RETIRED, simulator.API_SAMPLE
SEEDED_APIS = 13  # app_sample, 6 realistic ones, 6 that policies-testdata.json refers to
SEEDED_POLICIES = 73  # 60 from policies-testdata.json less "difforg" + 15 portal-style less another org's


def _load_spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((CONTRACTS / "dashboard-swagger.yml").read_text(), Loader=loader)  # noqa: S506 - a safe loader


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return _load_spec()


@pytest.fixture(scope="module")
def contract(spec: dict[str, Any]) -> OpenAPI:
    # The published document does not pass the OpenAPI meta-schema itself (a boolean query
    # parameter has the string "false" as its default), so only responses are validated.
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def validate(contract: OpenAPI, response: httpx.Response) -> None:
    """Raise unless `response` is documented for its request in the contract and matches it."""
    request = response.request
    contract.validate_response(
        MockRequest(SPEC_HOST, request.method.lower(), request.url.path, args=dict(request.url.params)),
        MockResponse(response.content, status_code=response.status_code, headers=dict(response.headers),
                     content_type=response.headers.get("content-type", "")),
    )


class Checked:
    """An httpx client for the simulator that checks the status of, and validates, every answer."""

    def __init__(self, dashboard: Any, contract: OpenAPI, authorization: str | None = None) -> None:
        headers = {} if authorization is None else {"Authorization": authorization}
        self.http = httpx.Client(base_url=dashboard.url, headers=headers, timeout=10)
        self.contract = contract
        self.validated = 0

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text[:500]}"
        validate(self.contract, response)
        self.validated += 1
        return response

    def get(self, path: str, expect: int = 200, **kwargs: Any) -> httpx.Response:
        return self.call("GET", path, expect, **kwargs)

    def post(self, path: str, expect: int = 200, **kwargs: Any) -> httpx.Response:
        return self.call("POST", path, expect, **kwargs)

    def put(self, path: str, expect: int = 200, **kwargs: Any) -> httpx.Response:
        return self.call("PUT", path, expect, **kwargs)

    def delete(self, path: str, expect: int = 200, **kwargs: Any) -> httpx.Response:
        return self.call("DELETE", path, expect, **kwargs)


@pytest.fixture
def api(tyk_dashboard: Any, contract: OpenAPI) -> Any:
    checked = Checked(tyk_dashboard, contract, tyk_dashboard.secret)
    yield checked
    checked.http.close()


def error(message: str) -> dict[str, Any]:
    return {"Status": "Error", "Message": message, "Meta": None}


def ok(message: str) -> dict[str, Any]:
    return {"Status": "OK", "Message": message, "Meta": None}


NEW_POLICY: dict[str, Any] = {
    "name": "Gold Plan", "rate": 100, "per": 60, "quota_max": 5000, "quota_renewal_rate": 3600,
    "partitions": {"rate_limit": True, "quota": True}, "tags": ["portal", "plan"], "state": "active",
    "active": True, "auth_type": "authToken", "auth_types": ["authToken"], "access_rights": {},
    "meta_data": {"tier": "gold"}, "key_expires_in": 2592000,
}

META = {"tyk_developer_id": "62b3fb9a1d5e4f00017226f5", "app": "Ünïcode <app> & \"co\"", "count": 3,
        "nested": {"list": [1, "two", None, True], "ratio": 0.25}}


# --------------------------------------------------------------------------------------------
# The contract itself


def test_policy_schema_lets_dashboard_only_fields_through(spec: dict[str, Any], contract: OpenAPI,
                                                         tyk_dashboard: Any) -> None:
    schemas = spec["components"]["schemas"]
    for name in ("Policy", "ReturnDataStruct", "SessionState", "KeyData", "ApiDefinitionWrapper", "OAuthClient"):
        assert schemas[name].get("additionalProperties", True) is not False, name
    readme_fields = {"state", "auth_type", "auth_types", "graphql_access_rights"}
    assert not readme_fields & set(schemas["Policy"]["properties"])  # what the README says the spec omits
    with tyk.client(tyk_dashboard) as http:
        response = http.get("/api/portal/policies", params={"p": -1})
    assert all(readme_fields <= set(policy) for policy in response.json()["Data"])
    validate(contract, response)


def test_validation_is_not_vacuous(contract: OpenAPI, tyk_dashboard: Any) -> None:
    with tyk.client(tyk_dashboard) as http:
        good = http.get("/api/portal/policies")
    validate(contract, good)
    tampered = [
        {"Data": [{"name": 3}], "Pages": 1},
        {"Data": [], "Pages": "1"},
        {"Data": [{"quota_max": 1.5}], "Pages": 1},  # int64 fields must be integers
        {"Data": [{"access_rights": {"x": {"versions": "Default"}}}], "Pages": 1},
    ]
    for body in tampered:
        bad = httpx.Response(200, json=body, request=good.request)
        with pytest.raises(Exception, match=r"not valid|Invalid"):
            validate(contract, bad)
    undocumented = httpx.Response(418, json=error("teapot"), request=good.request)
    with pytest.raises(Exception, match=r"Unknown response|418|not found"):
        validate(contract, undocumented)


# --------------------------------------------------------------------------------------------
# Authorisation


ENDPOINTS = [
    ("GET", "/api/apis"),
    ("GET", "/api/apis/{api}"),
    ("GET", "/api/apis/oas/{oas_api}"),
    ("GET", "/api/portal/policies"),
    ("POST", "/api/portal/policies"),
    ("GET", "/api/portal/policies/{policy}"),
    ("PUT", "/api/portal/policies/{policy}"),
    ("DELETE", "/api/portal/policies/{policy}"),
    ("POST", "/api/keys"),
    ("POST", "/api/keys/{custom_key}"),
    ("GET", "/api/keys/{key}"),
    ("PUT", "/api/keys/{key}"),
    ("DELETE", "/api/keys/{key}"),
    ("GET", "/api/apis/oauth/{oauth_api}"),
    ("POST", "/api/apis/oauth/{oauth_api}"),
    ("GET", "/api/apis/oauth/{oauth_api}/{client}"),
    ("DELETE", "/api/apis/oauth/{oauth_api}/{client}"),
]
BODIES: dict[str, Any] = {
    "POST /api/portal/policies": NEW_POLICY,
    "PUT /api/portal/policies/{policy}": {**NEW_POLICY, "name": "Renamed"},
    "POST /api/keys": {"apply_policies": ["free-plan"], "meta_data": META},
    "POST /api/keys/{custom_key}": {"apply_policies": ["free-plan"], "meta_data": META},
    "PUT /api/keys/{key}": {"apply_policies": [], "meta_data": {}},
    "POST /api/apis/oauth/{oauth_api}": {"redirect_uri": "https://app.example.com/cb"},
}


def _targets(dashboard: Any) -> dict[str, str]:
    """IDs for every path placeholder, made through the simulator's own API."""
    with tyk.client(dashboard) as http:
        key = http.post("/api/keys", json={"apply_policies": ["free-plan"]}).json()["key_id"]
        client = http.post(f"/api/apis/oauth/{API_ACCOUNTS}", json={"redirect_uri": "https://a.example/cb"})
    return {"api": API_PAYMENTS, "oas_api": API_PETSTORE, "oauth_api": API_ACCOUNTS, "key": key,
            "custom_key": "portal-chosen-" + uuid.uuid4().hex,
            "policy": dashboard.policy_named("Payments Product")["_id"], "client": client.json()["client_id"]}


def _state(dashboard: Any) -> tuple[Any, ...]:
    return dashboard.apis, dashboard.policies, dashboard.keys, dashboard.oauth_clients


@pytest.mark.parametrize(("method", "template"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_every_endpoint_refuses_anything_but_the_raw_key(method: str, template: str, tyk_dashboard: Any,
                                                         contract: OpenAPI) -> None:
    path = template.format(**_targets(tyk_dashboard))
    body = BODIES.get(f"{method} {template}")
    before = _state(tyk_dashboard)
    for authorization in (None, f"Bearer {tyk_dashboard.secret}", "wrong-key", tyk_dashboard.secret.upper(), ""):
        checked = Checked(tyk_dashboard, contract, authorization)
        with checked.http:
            response = checked.call(method, path, 401, json=body)
        assert response.json() == error("Not authorised")
        assert response.headers["content-type"] == "application/json"
    assert _state(tyk_dashboard) == before  # nothing happened


def test_the_key_header_name_is_case_insensitive(tyk_dashboard: Any) -> None:
    with httpx.Client(base_url=tyk_dashboard.url) as http:
        assert http.get("/api/apis", headers={"authorization": tyk_dashboard.secret}).status_code == 200
        assert http.get("/api/apis", headers={"AUTHORIZATION": tyk_dashboard.secret}).status_code == 200


def test_unknown_paths_and_methods_answer_like_a_go_router(tyk_dashboard: Any) -> None:
    with tyk.client(tyk_dashboard) as http:
        missing = http.get("/api/nothing-here")
        assert (missing.status_code, missing.text) == (404, "404 page not found\n")
        assert missing.headers["content-type"].startswith("text/plain")
        assert http.delete("/api/apis").status_code == 405
        assert http.patch(f"/api/keys/{uuid.uuid4().hex}").status_code == 405
    with httpx.Client(base_url=tyk_dashboard.url) as anonymous:
        assert anonymous.get("/api/nothing-here").status_code == 404
    tyk_dashboard.clear_requests()  # paths the contract does not have: nothing to validate them against


# --------------------------------------------------------------------------------------------
# APIs, paging


def test_api_list_pages_by_ten_and_p_below_zero_returns_all(api: Checked) -> None:
    first = api.get("/api/apis").json()
    assert first["pages"] == math.ceil(SEEDED_APIS / 10) == 2
    assert len(first["apis"]) == 10
    assert api.get("/api/apis", params={"p": 1}).json() == first
    assert api.get("/api/apis", params={"p": 0}).json() == first
    second = api.get("/api/apis", params={"p": 2}).json()
    assert (len(second["apis"]), second["pages"]) == (3, 2)
    assert api.get("/api/apis", params={"p": 3}).json() == {"apis": None, "pages": 2}  # Go's nil slice
    everything = api.get("/api/apis", params={"p": -1}).json()
    assert everything["apis"] == first["apis"] + second["apis"]
    assert api.get("/api/apis", params={"p": -2}).json() == everything
    ids = [w["api_definition"]["api_id"] for w in everything["apis"]]
    assert len(set(ids)) == SEEDED_APIS
    assert ids[0] == "graphql-api" and ids[-1] == API_SAMPLE  # newest first, as the real one sorts
    assert API_RETIRED not in ids  # deleted after its product was made


def test_api_list_sorts_and_searches(api: Checked) -> None:
    by_name = api.get("/api/apis", params={"p": -1, "sort": "name"}).json()["apis"]
    names = [w["api_definition"]["name"] for w in by_name]
    assert names == sorted(names, key=str.lower)
    assert [w["api_definition"]["name"] for w in
            api.get("/api/apis", params={"p": -1, "sort": "-name"}).json()["apis"]] == names[::-1]
    found = api.get("/api/apis", params={"q": "payments"}).json()
    assert [w["api_definition"]["api_id"] for w in found["apis"]] == [API_PAYMENTS]
    assert api.get("/api/apis", params={"q": "no such api"}).json() == {"apis": None, "pages": 0}


def test_page_size_is_a_setting(contract: OpenAPI) -> None:
    with tyk.running(page_size=4) as dashboard:
        checked = Checked(dashboard, contract, dashboard.secret)
        with checked.http:
            assert checked.get("/api/apis").json()["pages"] == math.ceil(SEEDED_APIS / 4)
            assert len(checked.get("/api/apis", params={"p": 4}).json()["apis"]) == SEEDED_APIS - 12
            assert checked.get("/api/portal/policies").json()["Pages"] == math.ceil(SEEDED_POLICIES / 4)


def test_an_empty_dashboard_lists_nothing(contract: OpenAPI) -> None:
    with tyk.running(seed=False) as dashboard:
        checked = Checked(dashboard, contract, dashboard.secret)
        with checked.http:
            assert checked.get("/api/apis").json() == {"apis": None, "pages": 0}
            assert checked.get("/api/apis", params={"p": -1}).json() == {"apis": None, "pages": 0}
            assert checked.get("/api/portal/policies").json() == {"Data": None, "Pages": 0}


def test_get_api_by_public_or_internal_id(api: Checked) -> None:
    wrapper = api.get(f"/api/apis/{API_PAYMENTS}").json()
    definition = wrapper["api_definition"]
    assert (definition["name"], definition["use_standard_auth"]) == ("Payments API", True)
    assert len(definition["id"]) == 24
    assert api.get(f"/api/apis/{definition['id']}").json() == wrapper
    assert "oas" not in wrapper
    assert api.get(f"/api/apis/{uuid.uuid4().hex}", 400).json() == error("Could not retrieve API detail")
    assert api.get(f"/api/apis/{API_RETIRED}", 400).json() == error("Could not retrieve API detail")


def test_seeded_apis_cover_the_auth_types(api: Checked) -> None:
    apis = {w["api_definition"]["api_id"]: w for w in api.get("/api/apis", params={"p": -1}).json()["apis"]}
    assert apis[API_WEATHER]["api_definition"]["use_keyless"] is True
    assert apis[API_PAYMENTS]["api_definition"]["use_standard_auth"] is True
    accounts = apis[API_ACCOUNTS]["api_definition"]
    assert accounts["use_oauth2"] is True and "authorization_code" in accounts["oauth_meta"]["allowed_access_types"]
    assert apis[simulator.API_SHIPPING]["api_definition"]["enable_jwt"] is True
    assert apis[simulator.API_LEGACY]["api_definition"]["active"] is False
    sample = json.loads((CONTRACTS / "app_sample.json").read_text())
    stored = apis[API_SAMPLE]["api_definition"]
    assert {k: v for k, v in stored.items() if k in sample and k != "org_id"} == \
        {k: v for k, v in sample.items() if k != "org_id"}
    assert stored["org_id"] == tyk.ORG_ID
    petstore = apis[API_PETSTORE]
    assert petstore["api_definition"]["is_oas"] is True
    assert petstore["oas"]["openapi"] == "3.0.3" and "/pets" in petstore["oas"]["paths"]


def test_oas_endpoint_serves_the_openapi_document(api: Checked) -> None:
    document = api.get(f"/api/apis/oas/{API_PETSTORE}").json()
    assert document["info"]["title"] == "Petstore"
    assert document["x-tyk-api-gateway"]["server"]["listenPath"]["value"] == "/petstore/"
    assert api.get(f"/api/apis/oas/{API_PAYMENTS}", 400).json() == error("Could not retrieve API detail.")
    assert api.get(f"/api/apis/oas/{uuid.uuid4().hex}", 400).json() == error("Could not retrieve API detail.")


# --------------------------------------------------------------------------------------------
# Policies


def test_policy_list_pages_and_p_below_zero_returns_all(api: Checked) -> None:
    first = api.get("/api/portal/policies").json()
    pages = math.ceil(SEEDED_POLICIES / 10)
    assert (first["Pages"], len(first["Data"])) == (pages, 10)
    assert api.get("/api/portal/policies", params={"p": 1}).json() == first
    collected = []
    for p in range(1, pages + 1):
        collected += api.get("/api/portal/policies", params={"p": p}).json()["Data"]
    everything = api.get("/api/portal/policies", params={"p": -1}).json()
    assert everything["Pages"] == pages
    assert everything["Data"] == collected and len(collected) == SEEDED_POLICIES
    assert len({p["_id"] for p in collected}) == SEEDED_POLICIES
    assert api.get("/api/portal/policies", params={"p": pages + 1}).json() == {"Data": None, "Pages": pages}
    active = api.get("/api/portal/policies", params={"p": -1, "active": "true"}).json()["Data"]
    assert {p["name"] for p in everything["Data"]} - {p["name"] for p in active} == {"Draft Product"}


def test_seeded_policies(api: Checked, tyk_dashboard: Any) -> None:
    policies = api.get("/api/portal/policies", params={"p": -1}).json()["Data"]
    by_name = {p["name"]: p for p in policies}
    testdata = json.loads((CONTRACTS / "policies-testdata.json").read_text())
    assert set(testdata) - {"difforg"} <= set(by_name)
    assert "difforg" not in by_name and "Other Org Product" not in by_name  # other organisations'
    per_api = by_name["per_api_and_partitions"]
    assert per_api["partitions"] == {"quota": True, "rate_limit": True, "complexity": False, "acl": True,
                                     "per_api": True}
    assert per_api["access_rights"]["d"]["limit"]["rate"] == 20 and per_api["id"] == "per_api_and_partitions"
    assert by_name["acl1"]["id"] == "" and by_name["acl1"]["access_rights"]["a"]["api_id"] == ""
    assert "quota_renews" not in by_name["endpoint_rate_limits_on_quota_partition_only"]  # not a Policy field

    portal = [p for p in policies if "portal" in (p["tags"] or [])]
    products = [p for p in portal if p["name"].endswith(("Product", "Bundle"))]
    plans = [p for p in portal if p["name"].endswith("Plan")]
    assert len(products) >= 6 and len(plans) >= 4
    for product in products:
        assert product["partitions"]["acl"] and not product["partitions"]["rate_limit"]
    for plan in plans:
        parts = plan["partitions"]
        assert parts["rate_limit"] and parts["quota"] and not parts["acl"]
    assert {p["state"] for p in portal} >= {"active", "draft", "deny"}
    retired = by_name["Retired Product"]
    assert list(retired["access_rights"]) == [API_RETIRED]
    api.get(f"/api/apis/{API_RETIRED}", 400)
    malformed = by_name[""]
    assert malformed["access_rights"] is None and malformed["meta_data"] is None and malformed["state"] == ""
    graphql = by_name["GraphQL People Product"]
    assert graphql["graphql_access_rights"] == {"graphql-api": {}}
    other = tyk_dashboard.policy_named("Other Org Product")
    api.get(f"/api/portal/policies/{other['_id']}", 404)


def test_get_policy_by_database_id_or_policy_id(api: Checked, tyk_dashboard: Any) -> None:
    free = tyk_dashboard.policy_named("Free Plan")
    assert free["id"] == "free-plan" and len(free["_id"]) == 24
    assert api.get(f"/api/portal/policies/{free['_id']}").json() == free
    assert api.get("/api/portal/policies/free-plan").json() == free
    payments = tyk_dashboard.policy_named("Payments Product")
    assert payments["id"] == ""
    assert api.get(f"/api/portal/policies/{payments['_id']}").json()["name"] == "Payments Product"
    for missing in ("no-such-policy", "0" * 24):
        assert api.get(f"/api/portal/policies/{missing}", 404).json() == error("Could not retrieve portal object.")


def test_create_policy_decodes_like_the_dashboard(api: Checked) -> None:
    created = api.post("/api/portal/policies", json={**NEW_POLICY, "not_a_policy_field": 1}).json()
    assert created["Status"] == "OK" and created["Meta"] is None
    policy_id = created["Message"]
    stored = api.get(f"/api/portal/policies/{policy_id}").json()
    assert stored["_id"] == policy_id and stored["id"] == ""
    assert "not_a_policy_field" not in stored
    for field in ("name", "rate", "per", "quota_max", "tags", "state", "auth_type", "auth_types", "meta_data"):
        assert stored[field] == NEW_POLICY[field], field
    assert stored["partitions"] == {"quota": True, "rate_limit": True, "complexity": False, "acl": False,
                                    "per_api": False}
    assert stored["org_id"] == tyk.ORG_ID and stored["date_created"].endswith("Z")
    assert stored["smoothing"] is None and stored["graphql_access_rights"] is None
    listed = api.get("/api/portal/policies", params={"p": -1}).json()["Data"]
    assert stored in listed and len(listed) == SEEDED_POLICIES + 1

    with_id = api.post("/api/portal/policies", json={**NEW_POLICY, "name": "Platinum", "id": "platinum"}).json()
    assert api.get("/api/portal/policies/platinum").json()["_id"] == with_id["Message"]
    assert api.post("/api/portal/policies", json={"name": "Nameless state"}).json()["Status"] == "OK"


def test_create_policy_errors(api: Checked) -> None:
    duplicate = api.post("/api/portal/policies", 400, json={**NEW_POLICY, "name": "Free Plan"}).json()
    assert duplicate == error("This policy name has already been used. Enter a unique policy name.")
    api.post("/api/portal/policies", 400, json={**NEW_POLICY, "name": "Another", "id": "free-plan"})
    for body in (b"{not json", b"", b"[]", json.dumps({"rate": "fast"}).encode(),
                 json.dumps({"quota_max": 1.5}).encode(), json.dumps({"quota_max": 1e3}).encode(),
                 json.dumps({"tags": "portal"}).encode(), json.dumps({"active": "yes"}).encode(),
                 json.dumps({"access_rights": {"x": []}}).encode()):
        response = api.post("/api/portal/policies", 403, content=body, headers={"Content-Type": "application/json"})
        assert response.json() == error("Request body malformed.")
    assert len(api.get("/api/portal/policies", params={"p": -1}).json()["Data"]) == SEEDED_POLICIES


def test_update_policy(api: Checked, tyk_dashboard: Any) -> None:
    before = tyk_dashboard.policy_named("Pro Plan")
    changed = {**before, "rate": 250, "tags": ["portal", "plan", "beta"], "state": "draft", "active": False}
    assert api.put(f"/api/portal/policies/{before['_id']}", json=changed).json() == ok("Data updated")
    after = api.get(f"/api/portal/policies/{before['_id']}").json()
    assert (after["rate"], after["tags"], after["state"], after["active"]) == (250, ["portal", "plan", "beta"],
                                                                            "draft", False)
    assert after["date_created"] == before["date_created"]
    api.put("/api/portal/policies/free-plan", json={**NEW_POLICY, "name": "Free Plan", "rate": 1})
    assert api.get("/api/portal/policies/free-plan").json()["rate"] == 1
    assert api.put(f"/api/portal/policies/{'1' * 24}", 404, json=NEW_POLICY).json() == \
        error("Could not retrieve portal object.")
    api.put(f"/api/portal/policies/{before['_id']}", 403, content=b"nope")
    api.put(f"/api/portal/policies/{before['_id']}", 400, json={**changed, "name": "Free Plan"})


def test_delete_policy(api: Checked, tyk_dashboard: Any) -> None:
    policy_id = tyk_dashboard.policy_named("Petstore Product")["_id"]
    assert api.delete(f"/api/portal/policies/{policy_id}").json() == ok("Data deleted")
    api.get(f"/api/portal/policies/{policy_id}", 404)
    assert api.delete(f"/api/portal/policies/{policy_id}", 404).json() == \
        error("Could not retrieve object for deletion")
    api.delete("/api/portal/policies/free-plan")
    api.get("/api/portal/policies/free-plan", 404)
    assert len(api.get("/api/portal/policies", params={"p": -1}).json()["Data"]) == SEEDED_POLICIES - 2


# --------------------------------------------------------------------------------------------
# Keys


def test_keys_keep_exactly_the_policies_and_metadata_posted(api: Checked, tyk_dashboard: Any) -> None:
    product = tyk_dashboard.policy_named("Payments Product")["_id"]
    posted = {"apply_policies": ["free-plan", product], "meta_data": META, "tags": ["edge", "portal-app-7"],
              "expires": 1718439136, "alias": "dev@example.com", "access_rights": {}}
    created = api.post("/api/keys", json=posted).json()
    key_id = created["key_id"]
    assert set(created) == {"api_model", "key_id", "key_hash", "data"}
    assert key_id.startswith(tyk.ORG_ID) and len(key_id) == 56
    assert created["key_hash"] == simulator.key_hash(key_id) and len(created["key_hash"]) == 8
    for got in (created["data"], api.get(f"/api/keys/{key_id}").json()["data"], tyk_dashboard.keys[key_id]):
        assert got["apply_policies"] == posted["apply_policies"]
        assert got["meta_data"] == META
        assert got["tags"] == posted["tags"]
        assert (got["expires"], got["alias"], got["org_id"]) == (1718439136, "dev@example.com", tyk.ORG_ID)
    data = created["data"]
    assert list(data["access_rights"]) == [API_PAYMENTS]  # the product's ACL
    assert (data["rate"], data["per"], data["quota_max"], data["quota_remaining"]) == (10, 60, 1000, 1000)  # plan

    replaced = {"apply_policies": ["commerce-bundle"], "meta_data": {"rotated": "yes"}, "tags": []}
    assert api.put(f"/api/keys/{key_id}", json=replaced).json()["data"]["apply_policies"] == ["commerce-bundle"]
    again = api.get(f"/api/keys/{key_id}").json()["data"]
    assert (again["apply_policies"], again["meta_data"], again["tags"]) == (["commerce-bundle"],
                                                                          {"rotated": "yes"}, [])
    assert set(again["access_rights"]) == {API_PAYMENTS, API_PETSTORE}
    assert again["date_created"] == data["date_created"]


def test_key_lookup_by_hash_and_errors(api: Checked) -> None:
    created = api.post("/api/keys", json={"apply_policies": []}).json()
    key_id, hashed = created["key_id"], created["key_hash"]
    assert api.get(f"/api/keys/{hashed}", params={"hashed": "1"}).json()["key_id"] == key_id
    assert api.get(f"/api/keys/{hashed}", params={"auto_guess": "true"}).json()["key_id"] == key_id
    assert api.get(f"/api/keys/{hashed}", 404).json() == error("Could not retrieve key detail.")
    missing = tyk.ORG_ID + uuid.uuid4().hex
    api.get(f"/api/keys/{missing}", 404)
    api.put(f"/api/keys/{missing}", 404, json={})
    api.put(f"/api/keys/{key_id}", 403, content=b"{")
    api.put(f"/api/keys/{key_id}", 500, json={"apply_policies": ["no-such-policy"]})
    assert api.delete(f"/api/keys/{key_id}").json() == ok("Key deleted successfully.")
    api.get(f"/api/keys/{key_id}", 404)
    assert api.delete(f"/api/keys/{key_id}", 404).json() == error("Could not retrieve key detail.")


def test_create_key_errors(api: Checked, tyk_dashboard: Any) -> None:
    unknown = api.post("/api/keys", 500, json={"apply_policies": ["free-plan", "no-such-policy"]}).json()
    assert unknown == error("Failed to create key, ensure security settings are correct.")
    for body in ({"expires": 1.718439136e9}, {"meta_data": ["not", "a", "map"]}, {"apply_policies": "free-plan"},
                 {"rate": "1000"}, ["not a session"]):
        assert api.post("/api/keys", 403, json=body).json() == error("Request body malformed.")
    api.post("/api/keys", 403, content=b"")
    assert tyk_dashboard.keys == {}


def test_custom_key_keeps_the_id_chosen(api: Checked, tyk_dashboard: Any) -> None:
    key_id = "portal-chosen-" + uuid.uuid4().hex
    posted = {"apply_policies": ["free-plan"], "meta_data": META, "tags": ["portal"]}
    created = api.post(f"/api/keys/{key_id}", json=posted).json()
    assert (created["key_id"], created["key_hash"]) == (key_id, simulator.key_hash(key_id))
    got = api.get(f"/api/keys/{key_id}").json()["data"]
    assert (got["apply_policies"], got["meta_data"], got["tags"]) == (["free-plan"], META, ["portal"])
    assert api.post(f"/api/keys/{uuid.uuid4().hex}", 403, content=b"[").json() == error("Request body malformed.")
    api.post(f"/api/keys/{uuid.uuid4().hex}", 500, json={"apply_policies": ["no-such-policy"]})
    assert list(tyk_dashboard.keys) == [key_id]


def test_keys_are_created_concurrently(tyk_dashboard: Any) -> None:
    def create(index: int) -> str:
        with tyk.client(tyk_dashboard) as http:
            response = http.post("/api/keys", json={"apply_policies": ["free-plan"], "meta_data": {"i": index}})
            assert response.status_code == 200
            return str(response.json()["key_id"])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(create, range(24)))
    assert len(set(ids)) == 24
    assert sorted(k["meta_data"]["i"] for k in tyk_dashboard.keys.values()) == list(range(24))


# --------------------------------------------------------------------------------------------
# OAuth clients


def test_oauth_clients(api: Checked, tyk_dashboard: Any) -> None:
    path = f"/api/apis/oauth/{API_ACCOUNTS}"
    assert api.get(path).json() == {"apps": None, "pages": 0}
    plan = tyk_dashboard.policy_named("Accounts Product")["_id"]
    body = {"redirect_uri": "https://app.example.com/callback", "policy_id": plan,
            "meta_data": {"user_id": "362b3fb9a1d5e4f00017226f5"}, "description": "Dev's app"}
    client = api.post(path, json=body).json()
    assert len(client["client_id"]) == 32
    uuid.UUID(base64.b64decode(client["secret"]).decode())  # a base64-encoded UUID, like the real one
    for field, value in body.items():
        assert client[field] == value
    assert client["dcr_registration"] == {"provider": "", "client_uri": "", "access_token": ""}
    assert api.get(path).json() == {"apps": [client], "pages": 1}
    assert api.get(f"{path}/{client['client_id']}").json() == client
    plain = api.post(path, json={"redirect_uri": "https://other.example.com/cb"}).json()
    assert "meta_data" not in plain and plain["policy_id"] == ""
    assert len(api.get(path).json()["apps"]) == 2
    assert api.delete(f"{path}/{client['client_id']}").json() == ok("OAuth client deleted successfully.")
    assert api.get(f"{path}/{client['client_id']}", 404).json() == error("Could not retrieve app detail.")
    assert api.delete(f"{path}/{client['client_id']}", 404).json() == error("Could not retrieve app detail.")
    assert [(a, c) for a, c in tyk_dashboard.oauth_clients] == [(API_ACCOUNTS, plain["client_id"])]


def test_oauth_client_errors(api: Checked) -> None:
    nowhere = f"/api/apis/oauth/{uuid.uuid4().hex}"
    assert api.post(nowhere, 400, json={"redirect_uri": "https://x.example/cb"}).json() == \
        error("API reference not found.")
    assert api.get(nowhere, 400).json() == error("API Reference not found.")
    assert api.get(f"{nowhere}/{uuid.uuid4().hex}", 400).json() == error("API reference not found.")
    assert api.delete(f"{nowhere}/{uuid.uuid4().hex}", 400).json() == error("API Reference not found.")
    path = f"/api/apis/oauth/{API_ACCOUNTS}"
    assert api.post(path, 500, json={"redirect_uri": "https://x.example/cb", "policy_id": "nope"}).json() == \
        error("Could not retrieve policy details.")
    assert api.post(path, 403, content=b"redirect_uri=x").json() == error("Request body malformed.")
    api.post(path, 403, json={"redirect_uri": 7})
    assert api.get(path).json()["apps"] is None


# --------------------------------------------------------------------------------------------
# Failure modes


@pytest.mark.parametrize("status", [401, 403, 500])
@pytest.mark.parametrize(("method", "template"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_status_failure_on_every_endpoint(method: str, template: str, status: int, tyk_dashboard: Any,
                                          contract: OpenAPI) -> None:
    path = template.format(**_targets(tyk_dashboard))
    before = _state(tyk_dashboard)
    tyk_dashboard.fail_status(status)
    checked = Checked(tyk_dashboard, contract, tyk_dashboard.secret)
    with checked.http:
        body = checked.call(method, path, status, json=BODIES.get(f"{method} {template}")).json()
    assert body["Status"] == "Error" and body["Meta"] is None
    assert _state(tyk_dashboard) == before  # the failing Dashboard did nothing


def test_status_failure_for_a_path_and_a_number_of_requests(api: Checked, tyk_dashboard: Any) -> None:
    failure = tyk_dashboard.fail_status(500, path="/api/portal/policies", times=2)
    assert api.get("/api/portal/policies", 500).json() == error("Internal server error.")
    api.get("/api/apis")  # another path: not failing, and not counted
    api.post("/api/portal/policies", 500, json=NEW_POLICY)
    assert failure not in tyk_dashboard.failures
    api.get("/api/portal/policies")
    api.post("/api/portal/policies", json=NEW_POLICY)

    tyk_dashboard.fail("status", status=401, method="POST")
    api.get("/api/portal/policies")
    api.post("/api/keys", 401, json={})
    tyk_dashboard.heal()
    api.post("/api/keys", json={})


def test_status_failure_with_a_body_of_its_own(tyk_dashboard: Any) -> None:
    page = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
    tyk_dashboard.fail("status", status=503, body=page, times=1)
    with tyk.client(tyk_dashboard) as http:
        response = http.get("/api/apis")
        assert (response.status_code, response.text) == (503, page)
        assert http.get("/api/apis").status_code == 200


def test_down_refuses_connections_until_up(tyk_dashboard: Any) -> None:
    url = tyk_dashboard.url
    with tyk.client(tyk_dashboard) as kept_alive:
        assert kept_alive.get("/api/apis").status_code == 200
        failure = tyk_dashboard.fail("down")
        assert not tyk_dashboard.running
        with pytest.raises(httpx.TransportError):
            kept_alive.get("/api/apis")  # its open connection was closed too
    with httpx.Client(base_url=url, headers={"Authorization": tyk_dashboard.secret}) as fresh:
        with pytest.raises(httpx.ConnectError):
            fresh.get("/api/apis")
        failure.cancel()  # listens again, on the same port, with the same state
        assert tyk_dashboard.url == url
        assert len(fresh.get("/api/portal/policies", params={"p": -1}).json()["Data"]) == SEEDED_POLICIES
        tyk_dashboard.down()
        with pytest.raises(httpx.ConnectError):
            fresh.get("/api/apis")
        tyk_dashboard.heal()
        assert fresh.get("/api/apis").status_code == 200


def test_down_for_a_path_drops_the_connection(tyk_dashboard: Any) -> None:
    tyk_dashboard.fail("down", path="/api/keys", times=1)
    with tyk.client(tyk_dashboard) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.post("/api/keys", json={})
        assert http.get("/api/apis").status_code == 200
        assert http.post("/api/keys", json={}).status_code == 200
    dropped = tyk_dashboard.requests_to("POST", "/api/keys")[0]
    assert (dropped.status, dropped.failures) == (None, ("down",))
    assert len(tyk_dashboard.keys) == 1


def test_slow(tyk_dashboard: Any) -> None:
    tyk_dashboard.slow(0.4, path="/api/portal/policies", times=1)
    with tyk.client(tyk_dashboard) as http:
        started = time.monotonic()
        assert http.get("/api/apis").status_code == 200
        assert time.monotonic() - started < 0.3
        started = time.monotonic()
        assert http.get("/api/portal/policies").status_code == 200
        assert time.monotonic() - started >= 0.4
        started = time.monotonic()
        assert http.get("/api/portal/policies").status_code == 200
        assert time.monotonic() - started < 0.3


def test_slow_beyond_the_client_timeout(tyk_dashboard: Any) -> None:
    tyk_dashboard.slow(30)
    with tyk.client(tyk_dashboard, timeout=0.3) as http, pytest.raises(httpx.ReadTimeout):
        http.get("/api/apis")
    started = time.monotonic()
    tyk_dashboard.heal()  # releases the waiting request; the next ones are not delayed
    with tyk.client(tyk_dashboard) as http:
        assert http.get("/api/apis").status_code == 200
    assert time.monotonic() - started < 5


def test_truncated_body(tyk_dashboard: Any) -> None:
    tyk_dashboard.truncate(path="/api/keys", times=1)
    with tyk.client(tyk_dashboard) as http:
        response = http.post("/api/keys", json={"meta_data": META})
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            response.json()
        assert response.text.startswith('{"api_model":{},"key_id":"')
        assert len(tyk_dashboard.keys) == 1  # the key was made, only its answer was lost
        whole = http.get(f"/api/keys/{next(iter(tyk_dashboard.keys))}")
        assert len(response.content) == len(whole.content) // 2


def test_truncated_body_with_the_full_length_announced(tyk_dashboard: Any) -> None:
    tyk_dashboard.truncate(times=1, keep_length=True)
    with tyk.client(tyk_dashboard) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/api/portal/policies", params={"p": -1})
        assert len(http.get("/api/portal/policies", params={"p": -1}).json()["Data"]) == SEEDED_POLICIES


def test_invalid_json(tyk_dashboard: Any) -> None:
    tyk_dashboard.invalid_json(path="/api/apis")
    with tyk.client(tyk_dashboard) as http:
        for path in ("/api/apis", f"/api/apis/{API_PAYMENTS}"):
            response = http.get(path)
            assert response.status_code == 200 and response.headers["content-type"] == "application/json"
            with pytest.raises(json.JSONDecodeError):
                response.json()
        assert http.get("/api/portal/policies").json()["Pages"] > 0
    tyk_dashboard.fail("invalid-json", body="null-ish", times=1)
    with tyk.client(tyk_dashboard) as http:
        assert http.get("/api/portal/policies").text == "null-ish"


def test_failures_are_listed_cancelled_and_checked(tyk_dashboard: Any) -> None:
    with pytest.raises(ValueError, match="unknown failure mode"):
        tyk_dashboard.fail("flaky")
    first = tyk_dashboard.fail_status(500, path="/api/apis")
    second = tyk_dashboard.invalid_json(path="/api/keys", times=3)
    assert tyk_dashboard.failures == [first, second]
    first.cancel()
    assert tyk_dashboard.failures == [second]
    tyk_dashboard.heal()
    assert tyk_dashboard.failures == []


def test_request_log(tyk_dashboard: Any) -> None:
    with tyk.client(tyk_dashboard) as http:
        http.post("/api/keys", json={"apply_policies": ["free-plan"], "meta_data": META},
                  headers={"X-Request-Id": "abc"})
        http.get("/api/apis", params={"p": "-1"}, headers={"Authorization": "Bearer nope"})
    post, listing = tyk_dashboard.requests
    assert (post.method, post.path, post.status) == ("POST", "/api/keys", 200)
    assert post.headers["authorization"] == tyk_dashboard.secret and post.headers["x-request-id"] == "abc"
    assert post.json == {"apply_policies": ["free-plan"], "meta_data": META}
    assert (listing.method, listing.path, listing.query, listing.status) == ("GET", "/api/apis", {"p": ["-1"]}, 401)
    assert listing.headers["authorization"] == "Bearer nope" and listing.json is None
    assert tyk_dashboard.requests_to("get", "/api/") == [listing]
    tyk_dashboard.clear_requests()
    assert tyk_dashboard.requests == []


# --------------------------------------------------------------------------------------------
# Seeding for benchmarks, the fixture, standalone use


def test_seed_bulk(contract: OpenAPI) -> None:
    with tyk.running(seed=False) as dashboard:
        dashboard.seed_bulk()
        checked = Checked(dashboard, contract, dashboard.secret)
        with checked.http:
            apis = checked.get("/api/apis").json()
            assert (apis["pages"], len(apis["apis"])) == (200, 10)
            assert len(checked.get("/api/apis", params={"p": 200}).json()["apis"]) == 10
            policies = checked.get("/api/portal/policies", params={"p": 1000}).json()
            assert (policies["Pages"], len(policies["Data"])) == (1000, 10)
            everything = checked.http.get("/api/portal/policies", params={"p": -1}).json()["Data"]
            all_apis = checked.http.get("/api/apis", params={"p": -1}).json()["apis"]
    assert (len(everything), len(all_apis)) == (10000, 2000)
    assert len({p["_id"] for p in everything}) == 10000 and len({p["name"] for p in everything}) == 10000
    api_ids = {w["api_definition"]["api_id"] for w in all_apis}
    assert len(api_ids) == 2000
    assert all(set(p["access_rights"]) <= api_ids for p in everything)
    portal = [p for p in everything if "portal" in p["tags"]]
    assert len(portal) == 9000
    assert all(p["partitions"]["acl"] != p["partitions"]["quota"] for p in portal)


def test_the_fixture_gives_a_seeded_running_dashboard(tyk_dashboard: Any) -> None:
    assert tyk_dashboard.running and tyk_dashboard.url.startswith("http://127.0.0.1:")
    assert tyk_dashboard.secret == tyk.SECRET and tyk_dashboard.org_id == tyk.ORG_ID
    assert len(tyk_dashboard.apis) == SEEDED_APIS and tyk_dashboard.keys == {}


def test_murmur_key_hash_matches_reference_vectors() -> None:
    assert simulator.murmur3_32(b"") == 0
    assert simulator.murmur3_32(b"hello") == 0x248BFA47
    assert simulator.murmur3_32(b"Hello, world!", 1234) == 0xFAF6CDB3
    assert simulator.key_hash("abc") == "b3dd93fa"


def test_standalone(tmp_path: Path) -> None:
    command = [sys.executable, str(tyk.SIMULATOR), "--port", "0", "--secret", "S", "--org-id", "O", "--seed"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith("Tyk Dashboard simulator on http://127.0.0.1:"), line + proc.stderr.read()
            url = line.split()[4]
            with httpx.Client(base_url=url, headers={"Authorization": "S"}, timeout=10) as http:
                assert http.get("/api/apis").json()["pages"] == 2
                assert http.post("/api/keys", json={}).json()["key_id"].startswith("O")
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_the_fixture_validates_every_answer_the_simulator_gave(tyk_dashboard: Any) -> None:
    """What makes "every response in the tests is validated" true for the provider tests too."""
    from .support.tyk_contract import validate_log

    with tyk.client(tyk_dashboard) as http:
        assert http.get("/api/apis", params={"p": 1}).status_code == 200
        assert http.get("/api/portal/policies/no-such-policy").status_code == 404
    assert validate_log(tyk_dashboard) == 2
    # A reply that breaks the contract is caught, naming the request.
    tyk_dashboard.requests[0].reply = b'{"apis": "not a list", "pages": 1}'
    with pytest.raises(AssertionError, match="GET /api/apis"):
        validate_log(tyk_dashboard)
    tyk_dashboard.clear_requests()
