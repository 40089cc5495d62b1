"""The provider boundary, kept (docs/adding-a-provider.md): nothing outside a gateway's folder
imports it but the registration in providers/apps.py; catalog and access never import providers
(providers sits above them: they reach it through access/gateway.py and the push job's name); the
sync and the other generic provider modules name no Tyk field. Imports inside functions and under
TYPE_CHECKING count. No database."""

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "forecourt"
PROVIDERS = PACKAGE / "providers"
GATEWAYS = sorted(p.name for p in PROVIDERS.iterdir() if p.is_dir() and (p / "__init__.py").exists()
                  and p.name != "migrations")
REGISTRATION = PROVIDERS / "apps.py"  # imports each gateway's module so that it registers itself
TYK_FIELDS = ("access_rights", "api_definition", "partitions", "apply_policies", "policy_id(", '"_id"')


def module_of(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, source: str | None = None) -> Iterator[tuple[int, str]]:
    """(line, absolute module) of every import in the file (or in `source` as if it were that
    file), relative ones resolved."""
    package = module_of(path) if path.name == "__init__.py" else module_of(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text() if source is None else source, str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            yield node.lineno, module
            yield from ((node.lineno, f"{module}.{alias.name}") for alias in node.names)


def offending(files: list[Path], forbidden: str, allowed: set[Path] = frozenset()) -> list[str]:
    found = set()
    for path in files:
        if path in allowed or "migrations" in path.parts:
            continue
        for line, module in imports(path):
            if module == forbidden or module.startswith(forbidden + "."):
                found.add(f"{path.relative_to(SRC)}:{line} imports {module}")
    return sorted(found)


def python_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def test_there_is_a_gateway_folder():
    assert "tyk" in GATEWAYS


def test_nothing_outside_a_gateways_folder_imports_it_but_the_registration():
    for gateway in GATEWAYS:
        folder = PROVIDERS / gateway
        outside = [p for p in python_files(PACKAGE) if folder not in p.parents]
        assert offending(outside, f"forecourt.providers.{gateway}", {REGISTRATION}) == []


def test_catalog_and_access_never_import_providers():
    for package in ("catalog", "access"):
        assert offending(python_files(PACKAGE / package), "forecourt.providers") == [], package


def test_the_generic_provider_modules_name_no_tyk_field():
    generic = [p for p in python_files(PROVIDERS) if not any((PROVIDERS / g) in p.parents for g in GATEWAYS)
               and "migrations" not in p.parts]
    generic.append(PACKAGE / "lifecycle" / "upgradecheck.py")
    found = [f"{p.relative_to(SRC)}: {field}" for p in generic for field in TYK_FIELDS if field in p.read_text()]
    assert found == []


def test_the_checks_see_a_violation():
    """An import of providers from catalog is found in each way it can be written."""
    fake = PACKAGE / "catalog" / "fake.py"
    for source in ("from forecourt.providers import sync\n", "import forecourt.providers.models\n",
                   "from ..providers import registry\n",
                   "def f():\n    from forecourt.providers.tyk.client import TykDashboard\n",
                   "if TYPE_CHECKING:\n    from forecourt.providers.models import Provider\n"):
        found = [module for _, module in imports(fake, source)]
        assert any(m.startswith("forecourt.providers.") for m in found), (source, found)


def annotations_of(path: Path, protocol: str) -> list[str]:
    """The text of every annotation (arguments, answers) of the methods of class `protocol`."""
    source = path.read_text()
    (cls,) = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef) and n.name == protocol]
    found = []
    for method in cls.body:
        if isinstance(method, ast.FunctionDef):
            args = [*method.args.posonlyargs, *method.args.args, *method.args.kwonlyargs]
            found += [ast.unparse(a.annotation) for a in args if a.annotation is not None]
            found += [ast.unparse(method.returns)] if method.returns is not None else []
    return found


def test_the_provider_interface_says_what_it_takes_and_answers():
    """No `Any` in ProviderClient (forecourt.providers.interfaces) nor in the credential methods it
    takes from access's port, nor in the records and aliases they are typed with."""
    interface = annotations_of(PROVIDERS / "interfaces.py", "ProviderClient")
    credentials = annotations_of(PACKAGE / "access" / "gateway.py", "CredentialGateway")
    assert len(interface) >= 8 and len(credentials) >= 6
    assert [a for a in interface + credentials if "Any" in a] == []
    for path in (PROVIDERS / "interfaces.py", PACKAGE / "access" / "gateway.py"):
        tree = ast.parse(path.read_text())
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert "Any" not in names and "Any" not in {a.name for n in ast.walk(tree)
                                                     if isinstance(n, ast.ImportFrom) for a in n.names}, path
