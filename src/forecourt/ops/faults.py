"""Fault injection for the crash tests: `FORECOURT_CRASH_AT=<step>` makes a process exit at that step.

The exit is immediate (os._exit, as kill -9 would leave things: no cleanup, no rollback of what
was committed), so a test can prove that every multi-step operation recovers from a crash
between any two of its steps. Unset, it costs one dictionary lookup.
"""

import os

CRASH_EXIT_STATUS = 137


def crash_point(name: str) -> None:
    if os.environ.get("FORECOURT_CRASH_AT") == name:
        os._exit(CRASH_EXIT_STATUS)
