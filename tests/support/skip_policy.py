"""No test skips itself for a reason nobody agreed to (issue 23, item 6).

A skipped test is a test that did not run, and a run that says "passed" with forty skips is not the
run it seems. Every reason a test may skip for is on the short list below; a run in which a test
skips (pytest.skip, skipif, importorskip, or an xfail) for any other reason fails, naming the test
and its reason. tests/conftest.py installs the hooks (pytest_runtest_logreport and
pytest_collectreport collect the reasons, pytest_sessionfinish judges them, pytest_terminal_summary
says why), on the xdist controller, which sees every worker's reports.

Two kinds of reason are allowed:

- ALWAYS: the engine split (a test that runs in one engine's run only, or needs a server engine)
  and the states of the code a test is about (a development version is not a release), and a real
  installation of Forecourt that the .deb test must not replace;
- OUTSIDE_CI: what a developer's machine may lack and CI always has: the git history (CI runs in a
  full clone), the PostgreSQL server of the test runs, root with dpkg, rpm. With
  FORECOURT_REQUIRE_REHEARSAL=1 (.ci/run sets it) these are failures too.

Imports nothing but the standard library and pytest, so a pytest run of any folder can load it
(`-p tests.support.skip_policy`: tests/test_skip_policy.py does, to prove a run fails).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pytest

REQUIRE = "FORECOURT_REQUIRE_REHEARSAL"

ALWAYS: dict[str, str] = {
    # The engine split: scripts/run-tests runs the suite on each engine; some tests belong to one run.
    r"\bin the SQLite run\b": "runs in the SQLite run only (it makes its own databases, or needs no engine)",
    r"^only SQLite's disk can be filled": "SQLite-only fault injection",
    r"^SQLite's native copy uses Python's sqlite3 module": "nothing to test on SQLite",
    r"needs a server database$": "a race SQLite's single writer cannot have",
    # The code's own state.
    r"^\S+ is not a release \(unreleased work\)$": "a development version has no release's migrations to match",
    # A real installation the .deb test must not touch.
    r"^Forecourt is installed on this machine; the test would replace it$": "a real installation",
}

OUTSIDE_CI: dict[str, str] = {
    r"^no git metadata\b": "an exported tree or an sdist",
    r"^the rehearsal needs the git checkout of the project$": "an exported tree",
    r"^release commit \w+ is not in this clone\b": "a shallow clone",
    r"^no release before this version in the manifest$": "a manifest without releases",
    r"^PostgreSQL is not reachable\b": "the test runs' PostgreSQL server is not running",
    r"^installs a \.deb: needs root and dpkg$": "not root, or not Debian",
    r"^needs rpm\b": "rpm is not installed (scripts/system-deps installs it)",
}


def required() -> bool:
    """True in CI (.ci/run): every environment skip is a failure."""
    return os.environ.get(REQUIRE) == "1"


def allowed(reason: str, in_ci: bool | None = None) -> bool:
    """Whether a test may skip for `reason` (in CI, `in_ci`: by default, as the environment says)."""
    if in_ci is None:
        in_ci = required()
    patterns = list(ALWAYS) if in_ci else [*ALWAYS, *OUTSIDE_CI]
    return any(re.search(pattern, reason) for pattern in patterns)


def environment_skip(reason: str) -> None:
    """Skip for something the machine lacks (`reason` matches OUTSIDE_CI), or fail with the same
    reason where CI runs (FORECOURT_REQUIRE_REHEARSAL=1): CI has full history and every service."""
    assert any(re.search(pattern, reason) for pattern in OUTSIDE_CI), f"not an environment reason: {reason}"
    if required():
        pytest.fail(f"{reason} ({REQUIRE}=1: where CI runs, this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class Skip:
    nodeid: str
    reason: str


def reason_of(report: pytest.TestReport | pytest.CollectReport) -> str | None:
    """The reason a report skipped (or xfailed) for, None when it did not skip."""
    if not report.skipped:
        return None  # an XPASS has `wasxfail` too, but it ran
    wasxfail = getattr(report, "wasxfail", None)
    if wasxfail is not None:
        return str(wasxfail).removeprefix("reason: ") or "xfail without a reason"
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


SKIPS = pytest.StashKey[list[Skip]]()
VERDICT = pytest.StashKey[list[Skip]]()


def _note(config: pytest.Config, report: pytest.TestReport | pytest.CollectReport) -> None:
    reason = reason_of(report)
    if reason is not None:
        config.stash.setdefault(SKIPS, []).append(Skip(report.nodeid, reason))


def _controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")  # an xdist worker's reports reach the controller


def not_allowed(skips: list[Skip], in_ci: bool | None = None) -> list[Skip]:
    return [skip for skip in skips if not allowed(skip.reason, in_ci)]


# The hooks, imported by tests/conftest.py (or loaded with -p tests.support.skip_policy).

_CONFIG: list[pytest.Config] = []  # the run's config, for the report hooks (they are given only the report)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SKIPS] = []
    _CONFIG[:] = [config]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _note(_CONFIG[0], report)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _note(_CONFIG[0], report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _controller(session.config):
        return
    bad = not_allowed(session.config.stash.get(SKIPS, []))
    session.config.stash[VERDICT] = bad
    if bad and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    bad = config.stash.get(VERDICT, [])
    if bad:
        terminalreporter.section("skips for reasons not on the allow-list (tests/support/skip_policy.py)", red=True)
        for skip in bad:
            terminalreporter.line(f"{skip.nodeid}: {skip.reason}", red=True)
        terminalreporter.line("A test may skip only for a reason on the list: run it, or add the reason there "
                              "(with why it is not a test that silently stopped running).")
