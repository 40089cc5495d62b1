"""ARCHITECTURE.md stays true of the tree: every package and module of src/forecourt has its place in
the packages table, and every file or folder the table names exists. A module added, moved or
removed without its line in the map fails here, which is how the map stays worth reading."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "forecourt"
ARCHITECTURE = ROOT / "ARCHITECTURE.md"

# Files every Django app or package has, named by Django's conventions, which a reader finds without a map.
UNREMARKABLE = {"__init__.py", "__main__.py", "apps.py", "urls.py", "models.py", "views.py", "forms.py"}
NOT_CODE_FOLDERS = {"migrations", "templates", "static", "default", "history", "openapi_schemas", "__pycache__"}
ROW = re.compile(r"^\| `([^`]+)` \|(.*)\|\s*$")
NAMED = re.compile(r"`([A-Za-z0-9_][A-Za-z0-9_./-]*(?:\.py|/))`")


def package_rows(text: str) -> dict[str, str]:
    """The packages table: first cell (a package `name/` or a module `name.py`) -> the rest of the row."""
    section = text.split("## Packages (src/forecourt)", 1)[1].split("\n## ", 1)[0]
    return {m.group(1): m.group(2) for line in section.splitlines() if (m := ROW.match(line))}


def code_folders() -> list[Path]:
    return sorted(p for p in SRC.rglob("*") if p.is_dir() and (p / "__init__.py").exists()
                  and not NOT_CODE_FOLDERS & set(p.relative_to(SRC).parts))


def named_paths(row_key: str, row: str) -> list[str]:
    """The files and folders a row names, relative to src/forecourt (a bare name is in the row's package)."""
    package = row_key if row_key.endswith("/") else ""
    found = []
    for name in NAMED.findall(row):
        # in the row's package, else from src/forecourt (another package), else from the repository's root
        candidates = [package + name, name, "../../" + name]
        found.append(next((c for c in candidates if (SRC / c).exists()), candidates[0]))
    return found


def missing_from_map(rows: dict[str, str]) -> list[str]:
    mentioned = set(rows)
    for key, row in rows.items():
        mentioned.update(named_paths(key, row))
    missing = []
    for folder in [SRC, *code_folders()]:
        rel = "" if folder == SRC else folder.relative_to(SRC).as_posix() + "/"
        if rel and rel not in mentioned:
            missing.append(rel)
        if rel in mentioned and rel not in rows:
            continue  # a folder a row names as a whole ("one router per resource in `routers/`")
        for module in sorted(folder.glob("*.py")):
            if module.name not in UNREMARKABLE and rel + module.name not in mentioned:
                missing.append(rel + module.name)
    return missing


def test_every_package_and_module_has_its_place_in_the_map():
    missing = missing_from_map(package_rows(ARCHITECTURE.read_text()))
    assert missing == [], f"ARCHITECTURE.md's packages table does not mention: {missing}"


def test_everything_the_map_names_exists():
    rows = package_rows(ARCHITECTURE.read_text())
    stale = [f"{key}: {path}" for key, row in rows.items() for path in [key, *named_paths(key, row)]
             if not (SRC / path).exists()]
    assert stale == [], f"ARCHITECTURE.md names what is not in src/forecourt: {stale}"


def test_the_map_stands_alone():
    """The repository is read without the workspace beside it: no path climbs out of the checkout."""
    assert "../" not in ARCHITECTURE.read_text()


def test_the_checks_catch_a_stale_or_missing_line():
    rows = {"themes/": "`models.py` and `nonexistent.py`", "lifecycle/": "`releases.py`"}
    assert "themes/nonexistent.py" in named_paths("themes/", rows["themes/"])
    missing = missing_from_map(rows)
    assert "themes/sandbox.py" in missing and "netguard.py" in missing and "catalog/" in missing
    assert "themes/views.py" not in missing  # named by Django's conventions
    assert "themes/models.py" not in missing and "lifecycle/releases.py" not in missing
