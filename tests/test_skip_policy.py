"""The skip policy (tests/support/skip_policy.py): a test may skip only for a reason on the allow-list,
and in CI (FORECOURT_REQUIRE_REHEARSAL=1) not for what a developer's machine may lack.

The matcher is checked on every reason the suite skips for today; a pytest run of a small test
folder with the policy loaded proves that an unlisted reason fails the run, even with -n 2."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .support import skip_policy

ROOT = Path(__file__).resolve().parents[1]

# Every reason the suite skips for today (`grep -rn "skip" tests/`), as the tests word them.
ENGINE_SPLIT_AND_STATE = [
    "the portal-go contract runs in the SQLite run",
    "the rehearsal runs in the SQLite run",
    "the rolling rehearsal runs in the SQLite run (on a PostgreSQL database of its own)",
    "cross-engine moves run once, in the SQLite run (they create their own databases)",
    "packaging is tested once, in the SQLite run (it does not depend on the database)",
    "only SQLite's disk can be filled per connection (max_page_count)",
    "SQLite's native copy uses Python's sqlite3 module, always present",
    "SQLite serialises writers: the race needs a server database",
    "0.9.0.dev0 is not a release (unreleased work)",
    "Forecourt is installed on this machine; the test would replace it",
]
ENVIRONMENT = [
    "no git metadata in this source tree",
    "no git metadata",
    "no git metadata (an installed package or an exported tree)",
    "the rehearsal needs the git checkout of the project",
    "release commit 960bf331b3 is not in this clone: fatal: not a valid object name",
    "no release before this version in the manifest",
    "PostgreSQL is not reachable: connection failed: connection refused",
    "installs a .deb: needs root and dpkg",
    "needs rpm (scripts/system-deps installs it)",
]
UNLISTED = [
    "",
    "flaky",
    "TODO: fix after the refactor",
    "needs network",
    "chromium is not installed",
    "the rehearsal runs in the PostgreSQL run",  # not the engine split that exists
    "0.9.0 is not a release (unreleased work) but skip anyway",
]


@pytest.mark.parametrize("reason", ENGINE_SPLIT_AND_STATE)
def test_the_engine_split_and_the_code_s_state_may_always_skip(reason):
    assert skip_policy.allowed(reason, in_ci=False)
    assert skip_policy.allowed(reason, in_ci=True)


@pytest.mark.parametrize("reason", ENVIRONMENT)
def test_a_missing_environment_may_skip_on_a_developer_s_machine_only(reason):
    assert skip_policy.allowed(reason, in_ci=False)
    assert not skip_policy.allowed(reason, in_ci=True)


@pytest.mark.parametrize("reason", UNLISTED)
def test_an_unlisted_reason_never_may(reason):
    assert not skip_policy.allowed(reason, in_ci=False)
    assert not skip_policy.allowed(reason, in_ci=True)


def test_every_pattern_is_used_by_a_reason_the_suite_gives():
    """A pattern no skip matches any more is dead weight on the list: remove it with its skip."""
    reasons = ENGINE_SPLIT_AND_STATE + ENVIRONMENT
    unused = [p for p in [*skip_policy.ALWAYS, *skip_policy.OUTSIDE_CI] if not any(re.search(p, r) for r in reasons)]
    assert unused == []


def test_environment_skip_skips_outside_ci_and_fails_in_ci(monkeypatch):
    monkeypatch.delenv(skip_policy.REQUIRE, raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"^PostgreSQL is not reachable: refused$"):
        skip_policy.environment_skip("PostgreSQL is not reachable: refused")
    monkeypatch.setenv(skip_policy.REQUIRE, "1")
    with pytest.raises(pytest.fail.Exception, match=r"^PostgreSQL is not reachable: refused \(FORECOURT_REQUIRE"):
        skip_policy.environment_skip("PostgreSQL is not reachable: refused")
    with pytest.raises(AssertionError, match="not an environment reason"):
        skip_policy.environment_skip("flaky")


# A whole pytest run with the policy loaded: the hooks see every skip, in workers too.

SAMPLE = '''
import pytest

def test_runs():
    pass

def test_engine_split():
    pytest.skip("the portal-go contract runs in the SQLite run")

@pytest.mark.skipif(True, reason="{reason}")
def test_marked():
    pass

@pytest.mark.xfail(reason="{xfail}")
def test_expected_to_fail():
    assert False
'''


def run_sample(tmp_path: Path, *args: str, reason: str = "no git metadata", xfail: str | None = None,
               module_skip: str | None = None, ci: bool = False) -> subprocess.CompletedProcess[str]:
    folder = tmp_path / "sample"
    folder.mkdir()
    (folder / "test_sample.py").write_text(SAMPLE.format(reason=reason, xfail=xfail or "in the SQLite run"))
    if module_skip is not None:
        (folder / "test_module.py").write_text(
            f"import pytest\npytest.skip({module_skip!r}, allow_module_level=True)\n\ndef test_x():\n    pass\n")
    env = {k: v for k, v in os.environ.items() if k not in {skip_policy.REQUIRE, "DJANGO_SETTINGS_MODULE"}}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the policy (and xdist): seconds, not a minute
    if ci:
        env[skip_policy.REQUIRE] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.support.skip_policy", "-p", "xdist",
                           "-p", "no:cacheprovider", "-c", os.devnull, "--rootdir", str(folder), "-q", *args,
                           str(folder)], cwd=folder, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
def test_a_run_with_only_listed_skips_passes(tmp_path, workers):
    done = run_sample(tmp_path, *workers)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not on the allow-list" not in done.stdout


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
def test_a_skip_for_an_unlisted_reason_fails_the_run_and_says_which(tmp_path, workers):
    done = run_sample(tmp_path, *workers, reason="flaky on Tuesdays")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "test_sample.py::test_marked: flaky on Tuesdays" in done.stdout
    assert "test_engine_split" not in done.stdout.split("not on the allow-list")[1]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
def test_a_module_that_skips_itself_or_an_xfail_for_an_unlisted_reason_fails_the_run(tmp_path, workers):
    done = run_sample(tmp_path, *workers, module_skip="needs network", xfail="known bug")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "test_module.py: needs network" in done.stdout
    assert "test_sample.py::test_expected_to_fail: known bug" in done.stdout


def test_in_ci_a_missing_environment_fails_the_run(tmp_path):
    done = run_sample(tmp_path, ci=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "test_sample.py::test_marked: no git metadata" in done.stdout
