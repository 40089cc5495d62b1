"""The repository's view of releases: each release's commit, even the newest one that cannot name itself.

A release commit adds its own entry to releases.json, and a commit cannot contain its own hash, so
the newest release may leave "commit" out; `release_commit` then finds the commit titled
"Release X.Y.Z". Tests that read a release's tree (its migrations, its theme) should go through it.
"""

import shutil
import subprocess
from pathlib import Path

from forecourt.lifecycle import releases

ROOT = Path(__file__).resolve().parents[2]


def has_git() -> bool:
    """True in a git checkout with git installed (not in an unpacked sdist)."""
    return (ROOT / ".git").exists() and shutil.which("git") is not None


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def release_commit(release: releases.Release) -> str:
    """The release's commit: the manifest's, or (newest release only) the one titled after it."""
    if release.commit:
        return release.commit
    if release.version != releases.latest().version:
        raise AssertionError(f"{release.version}: only the newest release may leave out its commit")
    title = f"Release {release.version}"
    found = [line.split(" ", 1)[0] for line in git("log", "--format=%H %s", "--fixed-strings",
                                                   f"--grep={title}").splitlines()
             if line.split(" ", 1)[1] == title]
    if len(found) != 1:
        raise AssertionError(f"one commit titled {title!r} expected, found {found}")
    return found[0]
