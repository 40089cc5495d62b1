"""The Admin Portal's lists and forms in a real browser, by keyboard where it matters: ticking every
access request with "Select all on this page" and approving them at once; the user form's teams
re-fetched by htmx for the chosen organisation; the plan form's limits hidden while unlimited;
sorting a list by clicking its column headers. Every page runs under the strict CSP: a violation is
a console error, and page.problems must stay empty."""

import re

import pytest

from forecourt.access.models import AccessRequest
from forecourt.accounts.models import Organisation, Team, User

from . import factories
from .test_admin_browser import SCREENSHOTS, expect_flash, field
from .test_admin_forms_browser import signed_in

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_select_all_then_approve_every_request_on_the_page(browser, live_server, admin):
    from playwright.sync_api import expect

    requests = [factories.pending_request() for _ in range(3)]
    page = signed_in(browser, live_server, admin)
    page.goto("/portal-admin/access-requests/?status=pending")
    select_all = page.get_by_label("Select all on this page")
    expect(select_all).to_be_visible()
    rows = page.locator("input[name=ids]")
    expect(rows).to_have_count(3)
    select_all.focus()
    page.keyboard.press("Space")
    for i in range(3):
        expect(rows.nth(i)).to_be_checked()
    page.get_by_label(f"Select {requests[0]}").uncheck()  # one unticked: the header box is mixed
    assert select_all.evaluate("box => box.indeterminate") is True
    page.get_by_label(f"Select {requests[0]}").check()
    page.screenshot(path=SCREENSHOTS / "bulk-approve.png", full_page=True)
    approve = page.get_by_role("button", name="Approve", exact=True)
    approve.focus()
    page.keyboard.press("Enter")
    expect_flash(page, "3 approved: ")
    assert page.url.endswith("/portal-admin/access-requests/?status=pending")
    assert set(AccessRequest.objects.values_list("status", flat=True)) == {"approved"}
    assert page.problems == []


def test_bulk_actions_work_without_javascript(browser, live_server, admin):
    from playwright.sync_api import expect

    requests = [factories.pending_request() for _ in range(2)]
    page = signed_in(browser, live_server, admin, javascript=False)
    page.goto("/portal-admin/access-requests/")
    expect(page.get_by_label("Select all on this page")).to_be_hidden()
    for r in requests:
        page.get_by_label(f"Select {r}").check()
    page.get_by_label(re.compile("^Reason")).fill("Closed for the holidays")
    page.get_by_role("button", name="Reject", exact=True).click()
    expect_flash(page, "2 rejected: ")
    assert set(AccessRequest.objects.values_list("reason", flat=True)) == {"Closed for the holidays"}


def test_the_teams_follow_the_chosen_organisation(browser, live_server, admin):
    from playwright.sync_api import expect

    acme, other = Organisation.objects.create(name="Acme Rockets"), Organisation.objects.create(name="Beta Labs")
    Team.objects.create(organisation=acme, name="Launch")
    Team.objects.create(organisation=other, name="Ops")
    page = signed_in(browser, live_server, admin)
    page.goto("/portal-admin/users/new/")
    teams = page.get_by_role("group", name="Teams")
    expect(teams.get_by_label("Beta Labs / Ops")).to_have_count(1)  # every team before a choice
    field(page, "Organisation").focus()
    field(page, "Organisation").select_option(label="Acme Rockets")
    expect(page.get_by_text("Teams of Acme Rockets.")).to_be_visible()
    expect(teams.get_by_label("Beta Labs / Ops")).to_have_count(0)
    expect(teams.get_by_label("Acme Rockets / Launch")).to_have_count(1)
    # The swapped-in list is the searchable multi-select again (multiselect.js enhanced it).
    expect(teams.get_by_label("Filter teams")).to_have_count(1)
    teams.get_by_label("Acme Rockets / Launch").check()
    field(page, "E-mail").fill("rita@acme.example")
    field(page, "Role").select_option(label="Consumer team member")
    page.get_by_role("button", name="Create").click()
    expect_flash(page, "User “rita@acme.example” created.")
    page.screenshot(path=SCREENSHOTS / "user-teams-htmx.png", full_page=True)
    assert page.problems == []


def test_plan_limits_hide_while_unlimited(browser, live_server, admin):
    from playwright.sync_api import expect

    page = signed_in(browser, live_server, admin)
    page.goto("/portal-admin/plans/new/")
    quota_box = page.get_by_role("checkbox", name="Unlimited quota")
    rate_box = page.get_by_role("checkbox", name="Unlimited rate")
    expect(quota_box).to_be_checked()  # a new plan's default
    expect(page.locator("#row-quota_max")).to_be_hidden()
    expect(page.locator("#row-quota_renewal_seconds")).to_be_hidden()
    expect(page.locator("#row-rate_limit")).to_be_visible()
    quota_box.focus()
    page.keyboard.press("Space")
    expect(page.locator("#row-quota_max")).to_be_visible()
    expect(page.locator("#row-quota_renewal_seconds")).to_be_visible()
    rate_box.check()
    expect(page.locator("#row-rate_limit")).to_be_hidden()
    expect(page.locator("#row-rate_per")).to_be_hidden()
    rate_box.uncheck()
    expect(page.locator("#row-rate_per")).to_be_visible()
    assert page.problems == []


def test_plan_limits_all_show_without_javascript(browser, live_server, admin):
    from playwright.sync_api import expect

    page = signed_in(browser, live_server, admin, javascript=False)
    page.goto("/portal-admin/plans/new/")
    for name in ("rate_limit", "rate_per", "quota_max", "quota_renewal_seconds"):
        expect(page.locator(f"#row-{name}")).to_be_visible()


def test_sorting_a_list_by_clicking_its_headers(browser, live_server, admin):
    from playwright.sync_api import expect

    for name in ("carol", "alice", "bob"):
        User.objects.create_user(f"{name}@example.com", "a-long-passphrase", organisation=factories.organisation())
    page = signed_in(browser, live_server, admin)
    page.goto("/portal-admin/users/?q=example.com")
    header = page.get_by_role("columnheader", name=re.compile("^E-mail"))
    assert header.get_attribute("aria-sort") is None
    header.get_by_role("link").focus()
    page.keyboard.press("Enter")
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert "q=example.com" in page.url and "sort=email" in page.url
    emails = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert emails == sorted(emails)
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    emails = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert emails == sorted(emails, reverse=True)
    assert page.problems == []
