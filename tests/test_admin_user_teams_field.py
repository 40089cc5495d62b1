"""The user form's teams field for one organisation (adminportal/views_teams.py, fetched by htmx when
the organisation changes), and the form's own rule that holds without JavaScript: a user's teams
belong to the user's organisation. Also the plan form's limits, hidden by plan_quota.js while
unlimited: the server ignores those numbers then."""

import re

import pytest

from forecourt.accounts.models import Team, User
from forecourt.catalog.models import Plan

from . import factories

pytestmark = pytest.mark.django_db

URL = "/portal-admin/users/teams-field/"


def team_names(html: str) -> list[str]:
    return re.findall(r'name="teams" value="\d+"[^>]*> ([^<]+)</label>', html)


def test_the_field_lists_the_chosen_organisations_teams_only(client, admin):
    acme, other = factories.organisation("Acme"), factories.organisation("Other")
    launch, ops = factories.team(acme, "Launch"), factories.team(other, "Ops")
    client.force_login(admin)
    html = client.get(URL, {"organisation": acme.pk}).content.decode()
    assert html.lstrip().startswith('<div class="field" id="row-teams">')
    assert "Acme / Launch" in html and "Ops" not in html
    assert "Teams of Acme." in html
    # A team ticked before the change stays ticked when it belongs; one of another organisation goes.
    html = client.get(URL, {"organisation": acme.pk, "teams": [launch.pk, ops.pk]}).content.decode()
    assert re.search(rf'value="{launch.pk}"[^>]* checked', html)
    assert f'value="{ops.pk}"' not in html
    # No organisation, or one that is not there: every team, as without JavaScript.
    for value in ("", "999999", "x", "-1"):
        names = team_names(client.get(URL, {"organisation": value}).content.decode())
        assert len(names) == Team.objects.count(), value


def test_the_field_is_for_admins_only(client, admin):
    assert client.get(URL).status_code == 302  # to sign-in
    client.force_login(factories.consumer())
    assert client.get(URL).status_code == 404
    client.force_login(admin)
    assert client.post(URL).status_code == 405


def test_the_user_form_asks_for_the_field_when_the_organisation_changes(client, admin):
    client.force_login(admin)
    page = client.get("/portal-admin/users/new/").content.decode()
    select = re.search(r'<select name="organisation"[^>]*>', page)
    assert select is not None
    assert f'hx-get="{URL}"' in select.group(0) and 'hx-target="#row-teams"' in select.group(0)
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false' in page
    assert "vendor/htmx/htmx.min.js" in page
    assert "vendor/htmx/htmx.min.js" not in client.get("/portal-admin/products/new/").content.decode()


def test_without_javascript_teams_of_another_organisation_are_refused(client, admin):
    acme, other = factories.organisation("Acme"), factories.organisation("Other")
    ops = factories.team(other, "Ops")
    client.force_login(admin)
    response = client.post("/portal-admin/users/new/", {
        "email": "new@example.com", "role": "consumer-team-member", "organisation": acme.pk, "teams": [ops.pk],
        "is_active": "on"})
    assert response.status_code == 200
    assert "Not teams of Acme: Ops." in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()


def test_the_plan_form_loads_its_limits_script_and_ignores_limits_while_unlimited(client, admin):
    client.force_login(admin)
    page = client.get("/portal-admin/plans/new/").content.decode()
    assert "adminportal/plan_quota.js" in page
    for name in ("rate_limit", "rate_per", "quota_max", "quota_renewal_seconds"):
        assert f'id="row-{name}"' in page
    blank = {"display_name": "Open", "name": "open", "rate_limit": "", "rate_per": "", "quota_max": "",
             "quota_renewal_seconds": "", "key_expires_in": "0"}
    # Limited: the numbers are required.
    response = client.post("/portal-admin/plans/new/", blank)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give the number of requests, or make the rate unlimited." in page
    assert "Give the period in seconds (at least 1), or make the rate unlimited." in page
    assert not Plan.objects.filter(name="open").exists()
    # Unlimited: blank (hidden) numbers are ignored, and the plan keeps its values for them.
    response = client.post("/portal-admin/plans/new/", {**blank, "rate_unlimited": "on", "quota_unlimited": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = Plan.objects.get(name="open")
    assert (plan.rate_limit, plan.rate_per, plan.quota_max, plan.quota_renewal_seconds) == (100, 60, 0, 3600)
    assert plan.limits_in_words == "unlimited requests, no quota"
    response = client.post(f"/portal-admin/plans/{plan.pk}/", {**blank, "rate_unlimited": "on", "quota_max": "5",
                                                                "quota_renewal_seconds": "60"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.rate_limit, plan.quota_unlimited, plan.quota_max) == (100, False, 5)
