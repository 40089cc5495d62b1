"""The core's runtime dependencies are permissively licensed (no GPL, LGPL or AGPL of any version).

Forecourt is Apache-2.0, and its wheel's dependencies end up inside the deb, rpm and container image. The
security review (issue 14 item 8) found merge3, GPL-2.0-or-later, among them. This test walks the installed
`forecourt` distribution's requirements recursively, leaving out those of its extras (the database drivers,
test and dev tools: docs/install.md names the drivers' licences), and reads each dependency's licence from its
own metadata: License-Expression (PEP 639), the License field and the `License ::` classifiers. A copyleft
licence fails; so does a licence this test cannot recognise, unless ALLOWED names it after checking the
project's own page.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
Metadata = Any  # importlib.metadata's PackageMetadata, or an email Message built by the tests below

# Any GNU General Public License: GPL, LGPL, AGPL, in SPDX ids, short names and classifiers.
COPYLEFT = re.compile(r"GPL|General Public License", re.IGNORECASE)

# SPDX identifiers accepted for the core. MPL-2.0 is file-level copyleft: using certifi unmodified is fine.
PERMISSIVE_SPDX = {
    "0bsd", "apache-2.0", "bsd-2-clause", "bsd-3-clause", "bsl-1.0", "cc0-1.0", "hpnd", "isc", "mit", "mit-0",
    "mpl-2.0", "psf-2.0", "python-2.0", "unlicense", "zlib",
}
# The part after "License :: OSI Approved :: " (or "License :: ") of the classifiers accepted for the core.
PERMISSIVE_CLASSIFIERS = {
    "Apache Software License", "BSD License", "ISC License (ISCL)", "MIT License", "MIT No Attribution License (MIT-0)",
    "Mozilla Public License 2.0 (MPL 2.0)", "Python Software Foundation License", "The Unlicense (Unlicense)",
    "zlib/libpng License", "Public Domain",
}
# Dependencies whose metadata names no licence this test recognises, checked by hand: canonical name ->
# the licence as the project's own page names it. Empty today: every core dependency declares one.
ALLOWED: dict[str, str] = {}

SPDX_OPERATORS = {"and", "or", "with"}


@dataclass
class Licence:
    name: str
    version: str
    statements: list[str] = field(default_factory=list)  # what the metadata says, for the failure message
    verdict: str = "unknown"  # "permissive", "copyleft" or "unknown"


def spdx_ids(expression: str) -> list[str] | None:
    """The licence ids of an SPDX expression, or None when it is not one (e.g. a licence's full text)."""
    tokens = re.findall(r"[^\s()]+", expression)
    if not tokens or len(expression) > 200:
        return None
    ids = [t for t in tokens if t.lower() not in SPDX_OPERATORS]
    if not ids or not all(re.fullmatch(r"[A-Za-z0-9.+-]+", t) for t in ids):
        return None
    return ids


def classify(metadata: Metadata) -> tuple[str, list[str]]:
    """(verdict, statements) for one distribution's metadata.

    Copyleft anywhere wins. A License-Expression is authoritative: every id in it must be permissive.
    Without one, a License field that is a permissive SPDX expression, or a permissive classifier, suffices.
    """
    expression = (metadata.get("License-Expression") or "").strip()
    text = (metadata.get("License") or "").strip()
    classifiers = [c for c in metadata.get_all("Classifier") or [] if c.startswith("License ::")]
    statements = [f"License-Expression: {expression}"] if expression else []
    if text:
        statements.append(f"License: {text if len(text) < 80 else text[:77] + '...'}")
    statements.extend(classifiers)
    if any(COPYLEFT.search(s) for s in (expression, text, *classifiers)):
        return "copyleft", statements
    if expression:
        ids = spdx_ids(expression)
        ok = ids is not None and all(i.lower().removesuffix("+") in PERMISSIVE_SPDX for i in ids)
        return ("permissive" if ok else "unknown"), statements
    ids = spdx_ids(text) if text else None
    if ids is not None and all(i.lower().removesuffix("+") in PERMISSIVE_SPDX for i in ids):
        return "permissive", statements
    names = {c.removeprefix("License :: ").removeprefix("OSI Approved :: ") for c in classifiers}
    if names & PERMISSIVE_CLASSIFIERS:
        return "permissive", statements
    return "unknown", statements


def runtime_dependencies(root: str, metadata: Callable[[str], Metadata] = importlib.metadata.metadata,
                         requires: Callable[[str], list[str] | None] = importlib.metadata.requires,
                         ) -> dict[str, Licence]:
    """Every distribution `root` needs at run time, by canonical name, with its licence.

    Requirements that only an extra of `root` asks for are left out; a dependency required with extras
    (`pkg[extra]`) brings in that extra's requirements. Markers are evaluated for this interpreter.
    """
    found: dict[str, Licence] = {}
    pending: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    walked: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras = pending.pop()
        if (canonicalize_name(name), extras) in walked:
            continue
        walked.add((canonicalize_name(name), extras))
        for line in requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is not None and not any(
                    requirement.marker.evaluate({"extra": extra}) for extra in extras | {""}):
                continue
            key = canonicalize_name(requirement.name)
            if key not in found:
                meta = metadata(requirement.name)
                verdict, statements = classify(meta)
                found[key] = Licence(meta["Name"], meta["Version"], statements, verdict)
            pending.append((requirement.name, frozenset(requirement.extras)))
    return found


def failures(found: dict[str, Licence], allowed: dict[str, str]) -> list[str]:
    out = []
    for key, licence in sorted(found.items()):
        if licence.verdict == "copyleft" or (licence.verdict == "unknown" and key not in allowed):
            said = "; ".join(licence.statements) or "no licence in its metadata"
            out.append(f"{licence.name} {licence.version}: {licence.verdict} ({said})")
    return out


def test_core_runtime_dependencies_are_not_gpl_lgpl_or_agpl():
    bad = failures(runtime_dependencies("forecourt"), ALLOWED)
    assert not bad, ("the core's runtime dependencies must be permissively licensed (docs/install.md); replace "
                     "these, or name a licence this test does not recognise in ALLOWED after checking it:\n"
                     + "\n".join(bad))


def test_the_walk_follows_the_installed_metadata_of_pyproject_dependencies():
    """The walk starts from the installed metadata: it must be pyproject.toml's (reinstall after editing it),
    and it must reach transitive dependencies (cryptography -> cffi -> pycparser) but no extra."""
    declared = {canonicalize_name(Requirement(line).name)
                for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    installed = {canonicalize_name(Requirement(line).name) for line in importlib.metadata.requires("forecourt") or []
                 if "extra ==" not in line}
    assert installed == declared, "the installed forecourt is stale: run `make install` (pip install -e .)"
    found = runtime_dependencies("forecourt")
    assert declared <= set(found) and {"pycparser", "markupsafe"} <= set(found)
    assert not {"psycopg", "psycopg-binary", "mysqlclient", "pytest", "mypy"} & set(found)


def test_allowed_entries_are_dependencies_the_test_cannot_classify():
    """An ALLOWED entry that is no longer needed (gone, or now declared) is removed, so the list cannot rot."""
    found = runtime_dependencies("forecourt")
    for key, licence in ALLOWED.items():
        assert key in found and found[key].verdict == "unknown", (key, licence)


def meta(name: str, version: str = "1.0", expression: str = "", text: str = "",
         classifiers: tuple[str, ...] = ()) -> Message:
    message = Message()
    message["Name"], message["Version"] = name, version
    if expression:
        message["License-Expression"] = expression
    if text:
        message["License"] = text
    for classifier in classifiers:
        message["Classifier"] = classifier
    return message


@pytest.mark.parametrize(("expression", "text", "classifiers", "verdict"), [
    ("GPL-2.0-or-later", "", (), "copyleft"),  # merge3 1.0.0
    ("LGPL-3.0-only", "", (), "copyleft"),  # psycopg
    ("AGPL-3.0-or-later", "", (), "copyleft"),
    ("MIT OR GPL-3.0-only", "", (), "copyleft"),
    ("", "GPLv2+", (), "copyleft"),
    ("", "", ("License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",), "copyleft"),
    ("", "", ("License :: OSI Approved :: GNU Library or Lesser General Public License (LGPL)",), "copyleft"),
    ("", "", ("License :: OSI Approved :: GNU Affero General Public License v3",), "copyleft"),
    ("", "BSD", ("License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",), "copyleft"),
    ("MIT", "", (), "permissive"),
    ("Apache-2.0 OR BSD-3-Clause", "", (), "permissive"),
    ("(MIT AND BSD-2-Clause)", "", (), "permissive"),
    ("", "BSD-3-Clause", (), "permissive"),
    ("", "", ("License :: OSI Approved :: BSD License",), "permissive"),
    ("", "Copyright (c) Someone. Permission is hereby granted...", ("License :: OSI Approved :: MIT License",),
     "permissive"),
    ("MIT AND LicenseRef-Proprietary", "", ("License :: OSI Approved :: MIT License",), "unknown"),
    ("", "Copyright (c) Someone. All rights reserved.", (), "unknown"),
    ("", "", ("License :: OSI Approved",), "unknown"),
    ("", "", (), "unknown"),
])
def test_classify_reads_expressions_fields_and_classifiers(expression, text, classifiers, verdict):
    assert classify(meta("x", expression=expression, text=text, classifiers=classifiers))[0] == verdict


def test_a_copyleft_dependency_deep_in_the_tree_fails_and_extras_are_skipped():
    """As with merge3: a GPL package anywhere below the core fails; one that only an extra needs does not,
    unless a core dependency asks for that extra."""
    tree = {
        "forecourt": ["jinja2>=3", "markdown", 'mysqlclient>=2.2; extra == "mysql"', 'pytest; extra == "test"'],
        "jinja2": ["markupsafe>=2", 'babel>=2.7; extra == "i18n"'],
        "markdown": ["merge3>=0.0.15", 'importlib-metadata>=4.4; python_version < "3.10"'],
        "markupsafe": [], "merge3": [], "babel": [], "mysqlclient": [], "pytest": [], "importlib-metadata": [],
    }
    licences = {"jinja2": meta("Jinja2", classifiers=("License :: OSI Approved :: BSD License",)),
                "markdown": meta("Markdown", expression="BSD-3-Clause"),
                "markupsafe": meta("MarkupSafe", text="Something of our own"),
                "merge3": meta("merge3", "1.0.0", expression="GPL-2.0-or-later"),
                "babel": meta("babel", expression="AGPL-3.0-only"),
                "mysqlclient": meta("mysqlclient", expression="GPL-2.0-or-later"),
                "pytest": meta("pytest", expression="MIT"),
                "importlib-metadata": meta("importlib_metadata", expression="LGPL-3.0-only")}

    def walk(tree: dict[str, list[str]]) -> dict[str, Licence]:
        return runtime_dependencies("forecourt", lambda n: licences[canonicalize_name(n)],
                                    lambda n: tree[canonicalize_name(n)])

    found = walk(tree)
    assert set(found) == {"jinja2", "markdown", "markupsafe", "merge3"}
    assert failures(found, {}) == [
        "MarkupSafe 1.0: unknown (License: Something of our own)",
        "merge3 1.0.0: copyleft (License-Expression: GPL-2.0-or-later)",
    ]
    assert failures(found, {"markupsafe": "BSD-3-Clause (checked on its project page)"}) == [
        "merge3 1.0.0: copyleft (License-Expression: GPL-2.0-or-later)"]
    tree["forecourt"][0] = "jinja2[i18n]>=3"
    assert "babel" in walk(tree)


def test_the_optional_drivers_are_copyleft_and_documented_as_such():
    """The database drivers are extras, outside the walk above; the install guide names their licences as
    their installed metadata declares them."""
    guide = (ROOT / "docs" / "install.md").read_text()
    for driver, extra in (("psycopg", "postgres"), ("mysqlclient", "mysql")):
        metadata = importlib.metadata.metadata(driver)
        verdict, _ = classify(metadata)
        assert verdict == "copyleft", driver
        assert f'extra == "{extra}"' in " ".join(r for r in importlib.metadata.requires("forecourt") or []
                                                 if canonicalize_name(Requirement(r).name) == driver)
        assert f"`{driver}` ({metadata['License-Expression']})" in guide, driver
