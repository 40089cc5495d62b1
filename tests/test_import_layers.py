"""The package import graph of src/forecourt has no cycle and follows the documented layers.

A "package" is the first name under `forecourt` (`forecourt.catalog.search` is `catalog`); a
top-level module (`netguard.py`, `redaction.py`...) is a package of its own. Every import counts:
at the top of a module, inside a function, under `if TYPE_CHECKING:`, relative or absolute, and
`from forecourt import netguard` (a module named in a from-import). Migrations are left out (they
name the models of their own time, by string).

`LAYERS` is THE layer order, lowest first; ARCHITECTURE.md's "Layers" section is checked against
it. A package may import only packages of a LOWER layer: packages of one layer are independent of
each other. No database: this reads source files only.
"""

import ast
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "forecourt"

# THE layer order, lowest first. A package imports only packages of layers before its own.
LAYERS: list[tuple[str, list[str]]] = [
    ("foundation", ["configuration", "netguard", "redaction", "wording", "deferral", "paging", "i18n"]),
    ("core", ["ops"]),
    ("infrastructure", ["jobs", "logconfig", "pagecache"]),
    ("settings and audit", ["portalconfig", "audit"]),
    ("themes", ["themes"]),
    ("messages and pages", ["notify", "webhooks", "content"]),
    ("accounts", ["accounts"]),
    ("single sign-on", ["sso"]),
    ("catalogue", ["catalog"]),
    ("blog", ["blog"]),
    ("site search", ["sitesearch"]),
    ("OAuth providers", ["oauth"]),
    ("access", ["access"]),
    ("providers", ["providers"]),
    ("usage analytics", ["usage"]),
    ("life-cycle and supervisor", ["lifecycle", "supervisor"]),
    ("resources under both admin interfaces", ["resources"]),
    ("configuration as code", ["promotion"]),
    ("user interfaces", ["adminportal", "api", "live", "cli", "mcp"]),
    ("wiring", ["urls", "settings", "wsgi", "__main__", "__init__"]),
]

UI = {"adminportal", "api", "live", "cli", "mcp"}
WIRING = {"urls", "settings", "wsgi", "__main__", "__init__"}


@dataclass(frozen=True)
class Import:
    source: str  # package
    target: str  # package
    where: str  # file:line
    text: str  # the import statement


def _module_name(path: Path, root: Path) -> list[str]:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def package_of(module: list[str]) -> str:
    """`forecourt.catalog.search` -> catalog; `forecourt.netguard` -> netguard; `forecourt` -> __init__."""
    return module[1] if len(module) > 1 else "__init__"


def imports_of(path: Path, root: Path = SRC) -> Iterable[tuple[list[str], ast.stmt]]:
    """Every module a file imports (as name parts), with its statement: absolute, relative, and the
    names of a from-import that are modules (`from forecourt import netguard`)."""
    module = _module_name(path, root)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split("."), node
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module if is_package else module[:-1]
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = base + (node.module.split(".") if node.module else [])
            else:
                target = (node.module or "").split(".")
            yield target, node
            for alias in node.names:  # `from forecourt import netguard`: the module netguard
                yield [*target, alias.name], node


def build_graph(root: Path = SRC) -> dict[tuple[str, str], list[Import]]:
    """(package, imported package) -> the imports that make that edge."""
    edges: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.relative_to(root).parts:
            continue
        source = package_of(_module_name(path, root))
        lines = path.read_text(encoding="utf-8").splitlines()
        for target_parts, node in imports_of(path, root):
            if target_parts[0] != root.name or len(target_parts) < 2:
                continue
            target = target_parts[1]
            if not ((root / target).is_dir() or (root / f"{target}.py").is_file()):
                continue  # a name imported from forecourt/__init__.py, not a module
            if target == source:
                continue
            found = Import(source, target, f"{path.relative_to(root.parent.parent)}:{node.lineno}",
                           lines[node.lineno - 1].strip())
            if found not in edges[(source, target)]:
                edges[(source, target)].append(found)
    return dict(edges)


def cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components of more than one package (Tarjan), each sorted."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def describe_cycles(graph: Mapping[tuple[str, str], list[Import]]) -> str:
    """Each cycle with the imports that make it (every edge inside its component)."""
    out = []
    for component in cycles(graph):
        out.append("cycle among " + ", ".join(component) + ":")
        members = set(component)
        for (a, b), found in sorted(graph.items()):
            if a in members and b in members:
                out.append(f"  {a} -> {b}:")
                out.extend(f"    {i.where}: {i.text}" for i in found)
    return "\n".join(out)


def layer_of() -> dict[str, int]:
    return {package: n for n, (_, packages) in enumerate(LAYERS) for package in packages}


def layer_violations(graph: Mapping[tuple[str, str], list[Import]]) -> list[str]:
    layer = layer_of()
    out = []
    for (a, b), found in sorted(graph.items()):
        if layer[b] >= layer[a]:
            out.append(f"{a} (layer {LAYERS[layer[a]][0]!r}) imports {b} (layer {LAYERS[layer[b]][0]!r}):")
            out.extend(f"    {i.where}: {i.text}" for i in found)
    return out


def ui_violations(graph: Mapping[tuple[str, str], list[Import]]) -> list[str]:
    """A domain package importing a UI package, or a UI package importing another."""
    out = []
    for (a, b), found in sorted(graph.items()):
        if b in UI and a not in WIRING:
            kind = "UI package" if a in UI else "domain package"
            out.append(f"{kind} {a} imports UI package {b}:")
            out.extend(f"    {i.where}: {i.text}" for i in found)
    return out


@pytest.fixture(scope="module")
def graph() -> dict[tuple[str, str], list[Import]]:
    return build_graph()


def test_every_package_has_a_layer(graph: dict[tuple[str, str], list[Import]]) -> None:
    packages = {p.stem for p in SRC.glob("*.py")} | {p.name for p in SRC.iterdir() if (p / "__init__.py").is_file()}
    layered = layer_of()
    assert sorted(packages - set(layered)) == [], "add them to LAYERS (and ARCHITECTURE.md's Layers section)"
    assert sorted(set(layered) - packages) == [], "LAYERS names packages that do not exist"
    assert len(layered) == sum(len(p) for _, p in LAYERS), "a package is in two layers"


def test_no_domain_package_imports_a_ui_package(graph: dict[tuple[str, str], list[Import]]) -> None:
    problems = ui_violations(graph)
    assert not problems, "\n" + "\n".join(problems)


def test_no_import_cycle(graph: dict[tuple[str, str], list[Import]]) -> None:
    problems = describe_cycles(graph)
    assert not problems, "\n" + problems


def test_packages_import_only_lower_layers(graph: dict[tuple[str, str], list[Import]]) -> None:
    problems = layer_violations(graph)
    assert not problems, "\n" + "\n".join(problems)


def test_architecture_md_shows_the_layers() -> None:
    """ARCHITECTURE.md's "Layers" section lists LAYERS, one line per layer, lowest first."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = re.search(r"^## Layers\n(.*?)(?=^## )", text, re.DOTALL | re.MULTILINE)
    assert section, "ARCHITECTURE.md has no '## Layers' section"
    documented = re.findall(r"^\d+\. \*\*(.+?)\*\*: (.+)$", section.group(1), re.MULTILINE)
    expected = [(name, ", ".join(f"`{p}`" for p in packages)) for name, packages in LAYERS]
    assert documented == expected, "ARCHITECTURE.md's Layers section should read:\n" + layers_markdown()


def layers_markdown() -> str:
    return "\n".join(f"{n}. **{name}**: " + ", ".join(f"`{p}`" for p in packages)
                     for n, (name, packages) in enumerate(LAYERS, 1))


# The checks themselves, on small fake source trees: they must fail when the rule is broken.

def _fake_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "forecourt"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "__init__.py").touch()
    return root


def test_a_new_cycle_is_found_and_described(tmp_path: Path) -> None:
    root = _fake_tree(tmp_path, {
        "low/__init__.py": "",
        "low/models.py": "def f():\n    from forecourt.high import views\n",  # inside a function still counts
        "high/__init__.py": "",
        "high/views.py": "from ..low import models\n",  # relative
        "other.py": "from forecourt import low\n",  # a module named in a from-import
    })
    graph = build_graph(root)
    assert set(graph) == {("low", "high"), ("high", "low"), ("other", "low")}
    assert cycles(graph) == [["high", "low"]]
    text = describe_cycles(graph)
    assert "cycle among high, low:" in text
    assert "forecourt/low/models.py:2: from forecourt.high import views" in text
    assert "forecourt/high/views.py:1: from ..low import models" in text


def test_an_acyclic_graph_passes() -> None:
    assert cycles([("a", "b"), ("b", "c"), ("a", "c")]) == []
    assert cycles([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]) == [["a", "b", "c"]]


def test_an_upward_import_and_a_ui_import_are_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(globals(), "LAYERS", [("low", ["ops"]), ("high", ["catalog"]), ("ui", ["api", "live"])])
    root = _fake_tree(tmp_path, {
        "ops/__init__.py": "from forecourt.catalog import models\n",
        "catalog/__init__.py": "import forecourt.api.routers\n",
        "api/__init__.py": "from forecourt.live import views\n",
        "live/__init__.py": "",
    })
    graph = build_graph(root)
    assert [line for line in layer_violations(graph) if not line.startswith(" ")] == [
        "api (layer 'ui') imports live (layer 'ui'):",  # one layer: independent
        "catalog (layer 'high') imports api (layer 'ui'):",
        "ops (layer 'low') imports catalog (layer 'high'):",
    ]
    assert [line for line in ui_violations(graph) if not line.startswith(" ")] == [
        "UI package api imports UI package live:",
        "domain package catalog imports UI package api:",
    ]
