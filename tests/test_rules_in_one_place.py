"""Where the account and access rules live (issue 23): each in one domain module, called by every channel.

- Sign-up, invitations and organisation requests are rules of `accounts/` (signup.py, invitations.py,
  org_requests.py), which take plain values: no module of accounts/ imports Django's forms or the
  Live Portal (a UI package), and the Live Portal keeps no services module of its own.
- "Can this product be requested, on which plan?" is catalog.services' (`requestable_products`,
  `offered_plans`, `plan_offers`, `is_requestable`): no Live Portal module, and not access.services,
  filters products or plans on the fields that rule reads.
- The Live Portal has one `sign_in_required`.

The source checks read the code (imports by AST), so they fail as soon as a rule is written a second
time; the behaviour checks below them pin what the one rule says.
"""

import ast
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from forecourt.access import services as access
from forecourt.catalog import services as catalog
from forecourt.catalog.models import Catalogue

from . import factories

SRC = Path(__file__).resolve().parent.parent / "src" / "forecourt"


def _modules(*parts: str) -> list[Path]:
    found: list[Path] = []
    for part in parts:
        path = SRC / part
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return [p for p in found if "migrations" not in p.parts]


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at its top or inside a function ("from . import x" resolved)."""
    package = ".".join(("forecourt", *path.relative_to(SRC).parent.parts))
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_account_rules_take_no_forms_and_know_no_ui():
    offenders = {
        str(path.relative_to(SRC)): sorted(name for name in _imports(path)
                                           if name.startswith(("forecourt.live", "forecourt.adminportal"))
                                           or name in ("django.forms", "django.forms.forms")
                                           or name.startswith("django.forms."))
        for path in _modules("accounts")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_live_portal_has_no_rules_module_of_its_own():
    assert not (SRC / "live" / "account" / "services.py").exists()
    for module in ("signup", "invitations", "org_requests"):
        assert (SRC / "accounts" / f"{module}.py").exists()


# A filter on what decides whether a product can be requested, or which plans a catalogue offers.
REQUESTABLE_FILTER = re.compile(r"\b(documentation_only|hidden_by_sync|published)(__\w+)?\s*=(?!=)|"
                                r"\.plans\.(filter|exclude|through)|plans\.through")


@pytest.mark.parametrize("path", _modules("live", "access/services.py"), ids=lambda p: str(p.relative_to(SRC)))
def test_what_can_be_requested_is_decided_only_in_catalog_services(path):
    hits = [f"{number}: {line.strip()}" for number, line in enumerate(path.read_text().splitlines(), 1)
            if REQUESTABLE_FILTER.search(line)]
    assert hits == [], "use catalog.services.requestable_products / offered_plans / is_requestable"


def test_one_sign_in_required_in_the_live_portal():
    defined = [str(path.relative_to(SRC)) for path in _modules("live")
               if re.search(r"^def sign_in_required\b", path.read_text(), re.M)]
    assert defined == ["live/signin.py"]


# --- the rule itself --------------------------------------------------------------------------

@pytest.mark.django_db
def test_requestable_products_and_offered_plans():
    open_product = factories.product(published=True)
    docs_only = factories.product(published=True, documentation_only=True)
    unpublished = factories.product(published=False)
    hidden = factories.product(published=True)
    hidden.hidden_by_sync = True
    hidden.save()
    plan, gone = factories.plan(), factories.plan()
    gone.hidden_by_sync = True
    gone.save()
    catalogue = factories.catalogue([open_product, docs_only, unpublished, hidden], [plan, gone])
    elsewhere = factories.catalogue([factories.product(published=True)], [factories.plan()],
                                    visibility=Catalogue.Visibility.PRIVATE)
    visitor = AnonymousUser()
    assert list(catalog.requestable_products(visitor, catalogue)) == [open_product]
    assert list(catalog.requestable_products(visitor)) == [open_product]  # the private catalogue's is not seen
    assert list(catalog.offered_plans(catalogue)) == [plan]
    assert [(link.catalogue_id, link.plan) for link in catalog.plan_offers([catalogue.pk, elsewhere.pk])
            if link.catalogue_id == catalogue.pk] == [(catalogue.pk, plan)]
    assert [catalog.is_requestable(p) for p in (open_product, docs_only, unpublished, hidden)] == [
        True, False, False, False]


@pytest.mark.django_db
def test_submitting_on_a_plan_the_sync_hid_is_refused():
    from django.core.exceptions import ValidationError

    owner = factories.consumer()
    product, plan = factories.product(published=True), factories.plan()
    plan.hidden_by_sync = True
    plan.save()
    with pytest.raises(ValidationError, match="is not offered"):
        access.submit_request(factories.app(owner), factories.catalogue([product], [plan]), plan, [product], owner)
