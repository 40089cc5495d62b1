"""Configure a whole portal through the Admin API alone, from a JSON file, then read it back.

This is what "portal as code" means for an operator: a repository of JSON and a script. Names
stand in for IDs in the file (lower-case keys are the script's references, resolved to the IDs
the API returned); everything else is sent to the API as it is.
"""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

SPEC = json.loads((Path(__file__).parent / "data" / "portal-as-code.json").read_text())


def ok(response, status=(200, 201)):
    assert response.status_code in status, (response.status_code, response.content[:500])
    return response.json()


def apply(api, spec):
    """What an operator's script does: create everything in dependency order, keeping IDs by name."""
    ids: dict[str, dict[str, int]] = {"providers": {}, "plans": {}, "products": {}, "organisations": {}, "teams": {}}
    for provider in spec["providers"]:
        ids["providers"][provider["Name"]] = ok(api("post", "/providers", provider))["ID"]
    for plan in spec["plans"]:
        body = {k: v for k, v in plan.items() if k != "provider"} | {"ProviderID": ids["providers"][plan["provider"]]}
        ids["plans"][plan["DisplayName"]] = ok(api("post", "/plans", body))["ID"]
    for product in spec["products"]:
        body = {k: v for k, v in product.items() if k != "provider"}
        body["ProviderID"] = ids["providers"][product["provider"]]
        ids["products"][product["DisplayName"]] = ok(api("post", "/products", body))["ID"]
    for org in spec["organisations"]:
        org_id = ok(api("post", "/organisations", {"Name": org["Name"]}))["ID"]
        ids["organisations"][org["Name"]] = org_id
        for team in org["teams"]:
            created = ok(api("post", f"/organisations/{org_id}/teams", team))
            ids["teams"][f"{org['Name']}/{team['Name']}"] = created["ID"]
    for user in spec["users"]:
        body = {k: v for k, v in user.items() if k not in ("organisation", "teams")}
        body["OrganisationID"] = ids["organisations"][user["organisation"]]
        body["Teams"] = [str(ids["teams"][f"{user['organisation']}/{t}"]) for t in user["teams"]]
        ok(api("post", "/users", body))
    for catalogue in spec["catalogues"]:
        body = {
            "Name": catalogue["Name"], "VisibilityStatus": catalogue["VisibilityStatus"],
            "Products": [ids["products"][p] for p in catalogue["products"]],
            "Plans": [ids["plans"][p] for p in catalogue["plans"]],
            "OrgCatalogues": [{"OrganisationID": ids["organisations"][o],
                               "TeamID": ids["teams"][f"{o}/{t}"] if t else None} for o, t in catalogue["audiences"]],
        }
        ok(api("post", "/catalogues", body))
    return ids


def test_a_whole_portal_configured_through_the_api_reads_back_the_same(api):
    ids = apply(api, SPEC)

    providers = ok(api("get", "/providers"))
    assert [p["Name"] for p in providers] == ["Production Dashboard"]
    meta = json.loads(ok(api("get", f"/providers/{providers[0]['ID']}"))["Configuration"]["MetaData"])
    assert meta["URL"] == "https://dashboard.example.com:3000" and meta["PoliciesTags"] == ["portal"]
    assert meta["Secret"] != "dash-secret-key"  # never read back

    for plan in SPEC["plans"]:
        got = ok(api("get", f"/plans/{ids['plans'][plan['DisplayName']]}"))
        for key in ("Name", "DisplayName", "Description", "RateLimit", "Per", "KeyExpiresIn",
                    "AutoApproveAccessRequests"):
            expected = str(plan[key]) if key == "RateLimit" else plan[key]  # a string, as in Tyk
            assert got[key] == expected, (plan["DisplayName"], key)
        assert got["ProviderID"] == ids["providers"]["Production Dashboard"]

    for product in SPEC["products"]:
        got = ok(api("get", f"/products/{ids['products'][product['DisplayName']]}"))
        for key in ("Name", "DisplayName", "Path", "Description", "Content", "IsDocumentationOnly", "Published"):
            assert got[key] == product[key], (product["DisplayName"], key)
        assert sorted(got["Tags"]) == sorted(product["Tags"])

    org = ok(api("get", f"/organisations/{ids['organisations']['Acme Corporation']}"))
    assert sorted(t["Name"] for t in org["Teams"]) == ["Default Team", "Mobile", "Web"]
    assert sorted(u["Email"] for u in org["Users"]) == ["ann@acme.example", "bob@acme.example"]
    users = {u["Email"]: u for u in ok(api("get", "/users", per_page=100))}
    assert sorted(users["ann@acme.example"]["Teams"]) == ["Mobile", "Web"]
    assert users["bob@acme.example"]["Role"] == "consumer-team-member"

    catalogues = {c["Name"]: c for c in ok(api("get", "/catalogues"))}
    assert set(catalogues) == {"Public APIs", "Partner APIs"}
    partner = ok(api("get", f"/catalogues/{catalogues['Partner APIs']['ID']}"))
    assert partner["VisibilityStatus"] == "Private"
    assert sorted(partner["Products"]) == ["Payments API", "Weather API"]
    assert sorted(partner["Plans"]) == ["Free", "Gold"]
    assert len(partner["OrgCatalogues"]) == 2

    # Applying the same file again is refused item by item (names are unique), changing nothing.
    assert api("post", "/organisations", {"Name": "Acme Corporation"}).status_code == 422
    assert len(ok(api("get", "/organisations"))) == 2
