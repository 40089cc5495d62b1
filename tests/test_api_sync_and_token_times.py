"""`LastSyncedAt` (providers) and `APITokenCreatedAt` (users) answer what Forecourt knows: the provider's
last successful sync and when the user's current API token was issued (null only before either)."""

from datetime import UTC, datetime

import pytest

from forecourt.accounts import tokens
from forecourt.accounts.models import ApiToken
from forecourt.providers.models import Provider

from .test_api_catalog import provider_body

pytestmark = pytest.mark.django_db


def test_last_synced_at_is_the_last_successful_sync(api):
    created = api("post", "/providers", provider_body()).json()
    assert created["LastSyncedAt"] is None  # never synchronised yet
    Provider.objects.filter(pk=created["ID"]).update(last_synced_at=datetime(2026, 3, 4, 5, 6, tzinfo=UTC))
    assert api("get", f"/providers/{created['ID']}").json()["LastSyncedAt"] == "2026-03-04 05:06"
    listed = [p for p in api("get", "/providers").json() if p["ID"] == created["ID"]]
    assert listed[0]["LastSyncedAt"] == "2026-03-04 05:06"


def test_api_token_created_at_is_when_the_current_token_was_issued(api, consumer):
    assert api("get", f"/users/{consumer.pk}").json()["APITokenCreatedAt"] is None  # no token
    tokens.issue(consumer)
    ApiToken.objects.filter(user=consumer).update(created_at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    assert api("get", f"/users/{consumer.pk}").json()["APITokenCreatedAt"] == "2026-02-01"
