"""Throttle rows nobody touched for a day are deleted, by a counted attempt, at most once a minute per
process (each clean-up is a write: on SQLite it took the only write lock on every sign-up)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forecourt.accounts import throttle
from forecourt.accounts.models import Throttle

pytestmark = pytest.mark.django_db


def stale(name: str) -> None:
    old = timezone.now() - throttle.STALE_AFTER - timedelta(minutes=5)
    Throttle.objects.create(key=name, count=1, window_started_at=old, updated_at=old)
    Throttle.objects.filter(key=name).update(updated_at=old)  # auto_now would have set it to now


def deletes(queries) -> int:
    return sum(q["sql"].startswith("DELETE") for q in queries)


def test_stale_rows_go_at_most_once_a_minute(monkeypatch):
    monkeypatch.setattr(throttle, "_forgot_at", None)
    stale("old-1")
    assert not throttle.hit(throttle.INVITES, "a")
    assert not Throttle.objects.filter(key="old-1").exists()
    stale("old-2")
    with CaptureQueriesContext(connection) as soon:
        assert not throttle.hit(throttle.INVITES, "b")
    assert deletes(soon.captured_queries) == 0 and Throttle.objects.filter(key="old-2").exists()
    later = timezone.now() + throttle.FORGET_EVERY + timedelta(seconds=1)
    with mock.patch.object(timezone, "now", return_value=later):
        assert not throttle.hit(throttle.INVITES, "c")
    assert not Throttle.objects.filter(key="old-2").exists()
