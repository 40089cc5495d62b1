"""The repository stands alone: a plain clone tests itself, with nothing beside it.

Earlier the tests read Tyk's contract from ../shared, which only the project's own workspace has; a
fresh clone failed `make test` with FileNotFoundError. These tests fail when code reaches outside the
checkout again, or when a vendored file loses its licence or its recorded source.
"""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDORED = ROOT / "contracts" / "tyk"

# A path built to a folder beside the checkout: parents[N] / "shared", "../shared", "..", "shared".
OUTSIDE = re.compile(r"""parents\[\d+\]\s*/\s*["']shared["']|\.\./shared\b|["']\.\.["']\s*,\s*["']shared["']""")


def tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_no_code_reads_outside_the_checkout():
    offenders = []
    for path in tracked_files():
        if path.suffix not in {".py", ".sh", ".toml", ".cfg", ".ini", ".yml", ".yaml"} and path.name not in {
            "Makefile", "run", "run-tests", "test-services", "system-deps", "demo", "dist"}:
            continue
        if path == Path(__file__).resolve() or VENDORED in path.parents:
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "reads outside the repository:\n" + "\n".join(offenders)


def test_the_tests_and_the_simulator_read_the_vendored_contract():
    from .support import tyk_contract
    from .support.tyk import simulator

    assert simulator.CONTRACTS_DIR.resolve() == VENDORED
    assert tyk_contract.CONTRACTS.resolve() == VENDORED
    assert tyk_contract.load_spec()["openapi"].startswith("3.")


def test_every_vendored_file_has_its_licence_and_source():
    readme = (VENDORED / "README.md").read_text()
    assert "Mozilla Public License Version 2.0" in (VENDORED / "LICENSE-MPL-2.0.md").read_text()
    for path in VENDORED.iterdir():
        if path.name in {"README.md", "LICENSE-MPL-2.0.md"}:
            continue
        assert re.search(rf"^\| {re.escape(path.name)} \| TykTechnologies/", readme, re.MULTILINE), (
            f"contracts/tyk/{path.name} has no source line in contracts/tyk/README.md")


def threat_model_references() -> list[tuple[str, str | None]]:
    """(test file, test function or None) for each test THREAT_MODEL.md names: `test_x::test_y`,
    `tests/test_x.py::test_y`, `::test_y` (in the file named last before it) or a whole `test_x.py`."""
    text = (ROOT / "THREAT_MODEL.md").read_text()
    found: list[tuple[str, str | None]] = []
    current = None
    for match in re.finditer(r"`((?:tests/)?(test_\w+)(?:\.py)?)?(?:::(test_\w+)(?:\[[^\]]*\])?)?`", text):
        module, function = match.group(2), match.group(3)
        if module is None and function is None:
            continue
        if module is not None:
            current = module
        if current is not None:
            found.append((current, function))
    return found


def test_every_test_the_threat_model_names_exists():
    """THREAT_MODEL.md backs each claim with a named test: a renamed or deleted test breaks the link."""
    references = threat_model_references()
    assert len(references) > 40
    missing = []
    for module, function in references:
        path = ROOT / "tests" / f"{module}.py"
        if not path.is_file():
            missing.append(f"{module}.py")
        elif function and not re.search(rf"^\s*(async )?def {function}\(", path.read_text(), re.MULTILINE):
            missing.append(f"{module}::{function}")
    assert missing == [], "THREAT_MODEL.md names tests that do not exist: " + ", ".join(sorted(set(missing)))
