"""Counts read as words in both portals: "1 request per minute", not "1 requests" or "1 app(s)"."""

import pytest
from django.utils import translation

from forecourt.catalog.models import Plan
from forecourt.wording import counted, counted_in

from . import factories


@pytest.mark.parametrize(("count", "words"), [(0, "0 apps"), (1, "1 app"), (2, "2 apps"), (5000, "5,000 apps")])
def test_counted(count, words):
    assert counted(count, "app") == words


def test_counted_with_an_irregular_plural():
    assert counted(1, "policy", "policies") == "1 policy"
    assert counted(3, "policy", "policies") == "3 policies"


@pytest.mark.parametrize(("rate", "per", "quota", "renewal", "words"), [
    (1, 60, 1, 86400, "1 request per minute, 1 request per day"),
    (2, 1, 5000, 3600, "2 requests per second, 5,000 requests per hour"),
    (1, 7200, 0, 0, "1 request per 2 hours, 0 requests per period"),
])
def test_plan_limits_in_words(rate, per, quota, renewal, words):
    plan = Plan(rate_unlimited=False, rate_limit=rate, rate_per=per, quota_unlimited=False, quota_max=quota,
                quota_renewal_seconds=renewal)
    assert plan.limits_in_words == words


def test_counted_in_fills_the_words_the_caller_chose():
    assert counted_in("%(count)s requests", 5000) == "5,000 requests"
    assert counted_in("%(count)s Anfragen", 5000, lambda n: f"{n:,}".replace(",", ".")) == "5.000 Anfragen"
    assert counted_in("one request", 1) == "one request"  # a language that spells out one


@pytest.mark.parametrize(("language", "words"), [
    ("en", "5,000 requests per minute, 1 request per 2 hours"),
    ("de", "5.000 Anfragen pro Minute, 1 Anfrage pro 2 Stunden"),
    ("ja", "分あたり5,000リクエスト、2時間あたり1リクエスト"),
])
def test_plan_limits_in_words_in_the_active_language(language, words):
    """The plan's limits are a whole sentence per language (its catalogue's words and its number
    grouping), not English pieces: the Live Portal's plan cards and the Admin Portal's plan list."""
    plan = Plan(rate_unlimited=False, rate_limit=5000, rate_per=60, quota_unlimited=False, quota_max=1,
                quota_renewal_seconds=7200)
    with translation.override(language):
        assert plan.limits_in_words == words


@pytest.mark.django_db
def test_admin_portal_delete_reasons_count_in_words(client, admin):
    client.force_login(admin)
    organisation = factories.organisation("Leaving Ltd")
    factories.app(owner=factories.consumer(organisation))
    body = client.post(f"/portal-admin/organisations/{organisation.pk}/delete/").content.decode()
    assert "It has 1 user:" in body and "It owns 1 app:" in body and "(s)" not in body
