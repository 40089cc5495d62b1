"""A downgrade that PostgreSQL makes a deadlock's victim runs again (its transaction rolled back, so nothing
changed); any other database error, or a deadlock on the last attempt, stops it. The deadlock itself is met
in tests/test_rolling_upgrade.py, with the previous release serving while the schema moves back."""

import pytest
from django.db import OperationalError

from forecourt.lifecycle import downgrade


class _Deadlock(Exception):
    sqlstate = "40P01"


def _deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = _Deadlock()
    return error


@pytest.mark.django_db
def test_a_deadlocked_downgrade_runs_again_from_a_fresh_plan(monkeypatch):
    monkeypatch.setattr(downgrade.time, "sleep", lambda seconds: None)
    tries, replans = [], []

    def work():
        tries.append(1)
        if len(tries) < 3:
            raise _deadlock()

    downgrade._retrying_deadlocks("default", work, lambda: replans.append(1))
    assert (len(tries), len(replans)) == (3, 2)


@pytest.mark.django_db
def test_other_errors_and_the_last_deadlock_are_raised(monkeypatch):
    monkeypatch.setattr(downgrade.time, "sleep", lambda seconds: None)

    def broken():
        raise OperationalError("disk full")

    with pytest.raises(OperationalError, match="disk full"):
        downgrade._retrying_deadlocks("default", broken, lambda: None)
    tries = []

    def always():
        tries.append(1)
        raise _deadlock()

    with pytest.raises(OperationalError, match="deadlock"):
        downgrade._retrying_deadlocks("default", always, lambda: None)
    assert len(tries) == downgrade.DEADLOCK_ATTEMPTS
