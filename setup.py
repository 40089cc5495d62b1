"""One build step pyproject.toml cannot express: ship CHANGELOG.md inside the package.

`forecourt upgrade-check` reads the breaking changes of the releases an upgrade crosses from
CHANGELOG.md (forecourt.lifecycle.releases.changelog_path). In a checkout it is at the top of the
tree; an installed wheel has no tree, so the build copies it to forecourt/lifecycle/CHANGELOG.md.
A copy made at build time cannot go stale the way a committed duplicate would, and unlike a
symlink it survives the sdist. (MANIFEST.in puts CHANGELOG.md into the sdist, so a wheel built
from the sdist gets it too.)
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CHANGELOG = Path(__file__).resolve().parent / "CHANGELOG.md"


class BuildPyWithChangelog(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's CHANGELOG.md directly
        if not CHANGELOG.is_file():
            raise SystemExit("setup.py: CHANGELOG.md is missing: the package must ship it")
        target = Path(self.build_lib) / "forecourt" / "lifecycle" / "CHANGELOG.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CHANGELOG, target)


setup(cmdclass={"build_py": BuildPyWithChangelog})
