"""Every page of both portals, in a light and a dark colour scheme, has no WCAG 2.2 A/AA violation that
axe-core finds (issue 18, part 4), and is photographed at 360, 768 and 1280 px wide.

One chromium serves the whole module, and each test loops over many pages, collecting every page's
violations and reporting them together: a browser per page would make this the slowest module of the
suite, and a first failure that hides the rest would make fixing them one run per page. The Admin
Portal's pages come from its resource registry (a list, an add form and an edit form each, and the
row links each resource declares), so a new resource is checked without anyone adding it here; a
resource with nothing to edit fails until the portal built below has one.

axe runs at 1280 px in both schemes (its rules read the DOM and computed colours, which the width
barely changes). The screenshots at the three widths are for people reviewing layouts, taken when
FORECOURT_SCREENSHOTS=1, in test-artifacts/screens/<portal>/<scheme>/<width>/<page>.png (git-ignored):
nothing checks them, and six full-page shots of each of ~150 pages were half of this module's time.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from .conftest import PASSWORD
from .support import axe, sample_portal

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.a11y, pytest.mark.django_db(transaction=True)]

SCREENS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screens"
SCHEMES = ("light", "dark")
WIDTHS = (1280, 768, 360)  # axe runs at the first
SCREENSHOTS = os.environ.get("FORECOURT_SCREENSHOTS") == "1"

# Pages a script draws after the load event, and a text that shows it has: axe must not run before.
OPERATION = sample_portal.OAS["paths"]["/forecast"]["get"]["summary"]
RENDERED_LATE = {"api-docs": OPERATION, "spec-docs": OPERATION}


@pytest.fixture
def new_page(chromium, live_server):
    from django.db import connections

    contexts = []

    def make():
        context = chromium.new_context(base_url=live_server.url, viewport={"width": WIDTHS[0], "height": 900})
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    connections.close_all()  # the ORM's connection made in Playwright's loop (see test_admin_browser)


@pytest.fixture
def portal(admin):
    return sample_portal.seed(admin)


def _visit_all(page, portal_name: str, pages: list[tuple[str, str]], schemes=SCHEMES) -> list[str]:
    """Each (name, path) in each scheme: axe's violations and HTTP errors as text (and screenshots, if asked)."""
    problems = []
    for scheme in schemes:
        page.emulate_media(color_scheme=scheme)
        for name, path in pages:
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            response = page.goto(path)
            if response is None or response.status >= 400:
                problems.append(f"{portal_name} {name} ({path}): HTTP {response.status if response else '?'}")
                continue
            if name in RENDERED_LATE:  # the docs renderer draws after load: check what a reader sees
                page.get_by_text(RENDERED_LATE[name]).first.wait_for(timeout=30_000)
            found = axe.report(f"{portal_name} {name} [{scheme}] ({path})", axe.run(page))
            if found:
                problems.append(found)
            for width in WIDTHS if SCREENSHOTS else ():
                page.set_viewport_size({"width": width, "height": 900})
                folder = SCREENS / portal_name / scheme / str(width)
                folder.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=folder / f"{name}.png", full_page=True)
    return problems


def _sign_in_live(page, user) -> None:
    from playwright.sync_api import expect

    page.goto("/auth/password/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _sign_in_admin(page, admin) -> None:
    from playwright.sync_api import expect

    page.goto("/portal-admin/sign-in/")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def test_live_portal_pages_for_visitors_have_no_axe_violations(portal, new_page):
    problems = _visit_all(new_page(), "live", sample_portal.live_public_pages(portal))
    assert not problems, "\n\n".join(problems)


def test_live_portal_pages_for_signed_in_consumers_have_no_axe_violations(portal, new_page):
    page = new_page()
    _sign_in_live(page, portal["lead"])
    problems = _visit_all(page, "live", sample_portal.live_signed_in_pages(portal))
    assert not problems, "\n\n".join(problems)


def test_admin_portal_signed_out_pages_have_no_axe_violations(portal, admin, new_page):
    pages = [("sign-in", reverse("adminportal:login")),
             ("password-reset", reverse("adminportal:password_reset_confirm", args=sample_portal.reset_link(admin)))]
    problems = _visit_all(new_page(), "admin", pages)
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("scheme", SCHEMES)  # two tests, so that xdist's two workers share the longest
def test_every_admin_portal_page_has_no_axe_violations(portal, admin, new_page, scheme):
    pages, missing = sample_portal.admin_pages()
    assert not missing, f"the portal built by this test has nothing to edit for: {', '.join(missing)}"
    page = new_page()
    _sign_in_admin(page, admin)
    problems = _visit_all(page, "admin", pages, schemes=[scheme])
    assert not problems, "\n\n".join(problems)


def test_axe_reports_a_violation_it_is_shown(new_page, live_server, db):
    """The checker itself: a page with an unlabelled field and an image without text fails."""
    page = new_page()
    page.goto(live_server.url + "/live")  # any page, then replaced: axe reads what the DOM holds
    page.set_content('<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
                     '<input type="text"><img src="data:,"></main></body></html>')
    rules = {v.rule for v in axe.run(page)}
    assert {"label", "image-alt"} <= rules, rules
    assert os.path.exists(axe.AXE)
