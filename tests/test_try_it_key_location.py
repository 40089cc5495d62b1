"""Where an API key goes (issue 19, "Try it"): the sync reads each API's key location from its Tyk
definition (classic `auth`, Tyk OAS authentication) into ProductAPI, through the Dashboard simulator."""

import copy

import pytest

from forecourt.catalog.models import Product
from forecourt.providers import sync
from forecourt.providers.models import Provider
from forecourt.providers.tyk.sync_mapping import key_location

from .support.tyk import ORG_ID, SECRET, simulator, tyk_dashboard

__all__ = ["tyk_dashboard"]


def test_the_sync_reads_each_apis_key_location(tyk_dashboard, db):
    custom = simulator._classic("api-custom-header", "Custom Header API", "/custom/", use_standard_auth=True,
                                auth={"auth_header_name": "X-Api-Key"}, tags=["portal"])
    in_query = simulator._classic("api-in-query", "Query API", "/query/", use_standard_auth=True, tags=["portal"],
                                  auth={"auth_header_name": "Authorization", "disable_header": True,
                                        "use_param": True, "param_name": "api_key"})
    oas = copy.deepcopy(simulator.PETSTORE_OAS)
    oas["components"]["securitySchemes"]["authToken"] = {"type": "apiKey", "in": "query", "name": "token"}
    oas["x-tyk-api-gateway"]["info"]["id"] = "api-oas-query"
    oas_api = simulator._classic("api-oas-query", "OAS Query API", "/oas-query/", use_standard_auth=True,
                                 is_oas=True, tags=["portal"])
    for definition, document in ((custom, None), (in_query, None), (oas_api, oas)):
        tyk_dashboard.add_api(definition, oas=document)
    tyk_dashboard.add_policy(simulator._portal_policy("Key Places Product", product=True, rights={
        api_id: simulator._right(api_id, name) for api_id, name in (
            ("api-custom-header", "Custom Header API"), ("api-in-query", "Query API"),
            ("api-oas-query", "OAS Query API"))}))
    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                       policy_tags=["portal"])
    sync.sync(provider)
    apis = {a.api_id: (a.key_in, a.key_name) for a in Product.objects.get(name="Key Places Product").apis.all()}
    assert apis == {"api-custom-header": ("header", "X-Api-Key"), "api-in-query": ("query", "api_key"),
                    "api-oas-query": ("query", "token")}
    # Tyk's default where the definition says nothing else; the seeded Petstore (OAS, Authorization header).
    petstore = Product.objects.get(name="Petstore Product").apis.get()
    assert (petstore.key_in, petstore.key_name) == ("header", "Authorization")

    # A change at the gateway follows at the next sync.
    tyk_dashboard.add_api({**custom, "auth": {"auth_header_name": "X-Other"}})
    sync.sync(provider)
    api = Product.objects.get(name="Key Places Product").apis.get(api_id="api-custom-header")
    assert (api.key_in, api.key_name) == ("header", "X-Other")


@pytest.mark.parametrize(("definition", "expected"), [
    ({}, ("header", "Authorization")),
    ({"auth": "nonsense"}, ("header", "Authorization")),
    ({"auth": {"auth_header_name": "bad name"}}, ("header", "Authorization")),
    ({"auth": {"use_param": True, "param_name": "k"}}, ("header", "Authorization")),  # the header still works
    ({"auth": {"auth_header_name": "X-Key", "disable_header": True, "use_param": True}}, ("query", "X-Key")),
])
def test_unusable_or_partial_definitions_fall_back_to_what_tyk_does(definition, expected):
    assert key_location(definition, None) == expected
