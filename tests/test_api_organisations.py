"""/portal-api/organisations and teams: the contract, errors, and the rules shared with the Admin Portal."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forecourt.accounts.models import Organisation, Team
from forecourt.audit.models import AuditEntry

from . import factories

pytestmark = pytest.mark.django_db


def test_create_get_update_delete_an_organisation(api, admin):
    created = api("post", "/organisations", {"Name": "Acme"})
    assert created.status_code == 200, created.content
    body = created.json()
    assert body["Name"] == "Acme" and body["Users"] == []
    assert [t["Name"] for t in body["Teams"]] == ["Default Team"] and body["Teams"][0]["Default"] is True
    assert len(body["CreatedAt"]) == len("2026-01-01 00:00")
    org_id = body["ID"]
    assert api("get", f"/organisations/{org_id}").json()["Name"] == "Acme"
    assert api("put", f"/organisations/{org_id}", {"Name": "Acme Ltd"}).json()["Name"] == "Acme Ltd"
    assert api("delete", f"/organisations/{org_id}").json() == {"status": "ok"}
    assert not Organisation.objects.filter(pk=org_id).exists()
    assert list(AuditEntry.objects.filter(object_type="accounts.organisation").values_list("action", flat=True)) \
        == ["delete", "update", "create"]


def test_list_is_a_bare_array_paginated(api):
    for i in range(25):
        factories.organisation(f"Org {i:02}")
    first = api("get", "/organisations").json()
    assert isinstance(first, list) and len(first) == 20
    second = api("get", "/organisations", page=2).json()
    assert len(second) == 6  # 25 + the Default Organisation
    assert api("get", "/organisations", page=9).json() == []
    assert len(api("get", "/organisations", per_page=5).json()) == 5


@pytest.mark.parametrize("params", [{"page": 0}, {"page": -1}, {"page": "x"}, {"per_page": 0}, {"per_page": 101}])
def test_bad_paging_is_a_422_envelope(api, params):
    response = api("get", "/organisations", **params)
    assert response.status_code == 422
    assert response.json()["status"] == "error"


def test_errors_have_the_envelope_and_change_nothing(api):
    before = Organisation.objects.count()
    assert api("post", "/organisations", "{broken").status_code in (400, 422)
    assert api("post", "/organisations", {"Name": 5}).status_code == 422
    assert api("post", "/organisations", {"Name": "x" * 300}).json()["errors"][0].startswith("Name:")
    unknown = api("post", "/organisations", {"Name": "A", "Colour": "red"})
    assert unknown.status_code == 422 and "Colour" in unknown.json()["errors"][0]
    assert api("get", "/organisations/999999").status_code == 404
    assert api("get", "/organisations/999999").json()["status"] == "error"
    assert Organisation.objects.count() == before


def test_tyk_only_fields_are_accepted_ignored_and_reported(api):
    response = api("post", "/organisations", {"Name": "Tyk Export", "CID": "2r7p8aUnkzby17hCJk8w2XvK3K6"})
    assert response.status_code == 200
    assert "CID" in response["Warning"]
    assert "Warning" not in api("get", "/organisations")


def test_default_organisation_and_teams_follow_the_portal_rules(api):
    default = Organisation.objects.get(is_default=True)
    response = api("delete", f"/organisations/{default.pk}")
    assert response.status_code == 409
    assert response.json() == {"status": "error", "errors": ["The Default Organisation cannot be deleted."]}
    team = default.teams.get(is_default=True)
    assert api("delete", f"/organisations/{default.pk}/teams/{team.pk}").status_code == 409


def test_teams_create_members_rename_delete(api):
    org = factories.organisation("Partners")
    member = factories.consumer(org)
    outsider = factories.consumer()
    created = api("post", f"/organisations/{org.pk}/teams", {"Name": "Mobile", "Users": [member.pk]})
    assert created.status_code == 200, created.content
    team = created.json()
    assert (team["Name"], team["Users"], team["Default"]) == ("Mobile", [f"User#{member.pk}"], False)
    refused = api("put", f"/organisations/{org.pk}/teams/{team['ID']}", {"Users": [outsider.pk]})
    assert refused.status_code == 422 and "not in the organisation Partners" in refused.json()["errors"][0]
    assert api("put", f"/organisations/{org.pk}/teams/{team['ID']}", {"Name": "Apps"}).json()["Name"] == "Apps"
    busy = api("delete", f"/organisations/{org.pk}/teams/{team['ID']}")
    assert busy.status_code == 409 and "member" in busy.json()["errors"][0]
    api("put", f"/organisations/{org.pk}/teams/{team['ID']}", {"Users": []})
    assert api("delete", f"/organisations/{org.pk}/teams/{team['ID']}").json() == {"status": "ok"}
    other = factories.organisation()
    assert api("get", f"/organisations/{other.pk}/teams/{team['ID']}").status_code == 404
    duplicate = api("post", f"/organisations/{org.pk}/teams", {"Name": "Default Team"})
    assert duplicate.status_code == 422
    assert Team.objects.filter(organisation=org).count() == 1


@pytest.mark.parametrize("path", ["/organisations", "/organisations/{org}/teams"])
def test_lists_run_a_constant_number_of_queries(api, path):
    org = factories.organisation()
    for i in range(10):
        factories.organisation(f"Small {i}")
        factories.consumer(org).teams.add(factories.team(org))
    url = path.format(org=org.pk)
    api("get", url)
    with CaptureQueriesContext(connection) as small:
        assert api("get", url, per_page=10).status_code == 200
    for i in range(100):
        factories.organisation(f"Large {i}")
        factories.consumer(org).teams.add(factories.team(org))
    with CaptureQueriesContext(connection) as large:
        assert len(api("get", url, per_page=100).json()) == 100
    assert len(large.captured_queries) == len(small.captured_queries)
