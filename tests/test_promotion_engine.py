"""The configuration-as-code engine (forecourt.promotion), in process: reading files with their lines,
the schema, secrets by reference, plans, apply in one transaction, and stable exports.

The CLI and the round trip between two real portals are tests/test_promotion_round_trip.py's.
"""

import pytest
from django.db import connection

from forecourt.access.models import AccessRequest, App
from forecourt.accounts.models import Organisation, Team
from forecourt.audit.models import AuditEntry
from forecourt.catalog import policy_push
from forecourt.catalog.models import Plan, Product, ProductDoc
from forecourt.jobs.models import Job
from forecourt.ops import dblock
from forecourt.promotion import apply as applying
from forecourt.promotion import export as exporting
from forecourt.promotion import plan as planning
from forecourt.promotion import reading
from forecourt.promotion.errors import ConfigRefused
from tests import factories

pytestmark = pytest.mark.django_db

SECRET = "dashboard-api-key"  # factories.provider's key


def refused(texts, **kwargs) -> list[str]:
    """The problems of planning `texts`, as "file:line: reason"."""
    with pytest.raises(ConfigRefused) as exc:
        planning.make_plan(reading.read_texts(texts), **kwargs)
    return [str(p) for p in exc.value.problems]


def plan_of(texts, **kwargs) -> planning.Plan:
    return planning.make_plan(reading.read_texts(texts), **kwargs)


@pytest.fixture
def portal(monkeypatch):
    """A small portal: a provider, a product with a document, a plan, a catalogue, an organisation."""
    provider = factories.provider("Tyk")
    product = factories.product(provider=provider, slug="payments", name="payments", display_name="Payments")
    ProductDoc.objects.create(product=product, title="Quick start", content="Call it.\n", position=1)
    plan = factories.plan(provider=provider, name="gold", display_name="Gold", rate_limit=10, rate_per=60,
                          quota_unlimited=True)
    factories.catalogue([product], [plan])
    factories.team(factories.organisation("Acme"), "Backend")
    monkeypatch.setenv("FORECOURT_PROVIDERS_TYK_SECRET", SECRET)
    return {"provider": provider, "product": product, "plan": plan}


# --- reading files --------------------------------------------------------------------------------

def test_a_key_given_twice_is_refused_at_its_line():
    text = "version: 1\nplans:\n- name: gold\n  display_name: Gold\n  display_name: Silver\n"
    assert refused({"plans.yaml": text}) == [("plans.yaml:5: duplicate key 'display_name': it is given twice in "
                                             "this mapping")]


def test_yaml_that_is_not_plain_data_is_refused():
    text = "version: 1\nplans:\n- name: !!python/object:os.system gold\n"
    assert refused({"p.yaml": text}) == ["p.yaml:3: unsupported YAML tag tag:yaml.org,2002:python/object:os.system"]


@pytest.mark.parametrize(("text", "expected"), [
    ("version: 2\nplans: []\n", "p.yaml:1: version must be 1 (this release's format), not 2"),
    ("plans: []\n", "p.yaml:1: version must be 1 (this release's format), not None"),
    ("version: 1\nwidgets: []\n", "p.yaml:2: unknown kind 'widgets'"),
    ("version: 1\nplans: {name: gold}\n", "p.yaml:2: plans is a list of objects"),
    ("version: 1\nplans:\n- [gold]\n", "p.yaml:3: each of plans is a mapping"),
    ("- just a list\n", "p.yaml:1: a configuration file is a mapping of kinds"),
    ("version: 1\nplans:\n- name: 'gold\n", "p.yaml:4: not valid YAML"),
])
def test_malformed_files_are_refused_with_their_line(text, expected):
    problems = refused({"p.yaml": text})
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_a_folder_is_read_in_name_order_and_names_each_file(tmp_path):
    (tmp_path / "b.yaml").write_text("version: 1\nplans:\n- name: gold\n  rate_per: -1\n")
    (tmp_path / "a.yml").write_text("version: 1\norganisations:\n- name: Acme\n")
    (tmp_path / "notes.txt").write_text("not read")
    source = reading.read(tmp_path)
    assert source.names == ["a.yml", "b.yaml"]
    with pytest.raises(ConfigRefused) as exc:
        planning.make_plan(source)
    assert [str(p) for p in exc.value.problems] == ["b.yaml:4: rate_per: -1 is less than the minimum of 0"]


def test_a_missing_path_is_refused(tmp_path):
    with pytest.raises(ConfigRefused) as exc:
        reading.read(tmp_path / "nope")
    assert "no such file or folder" in str(exc.value)


def test_assets_never_leave_the_source_folder(tmp_path):
    (tmp_path / "c.yaml").write_text("version: 1\n")
    (tmp_path.parent / "outside.png").write_bytes(b"x")
    source = reading.read(tmp_path)
    assert source.asset("../outside.png") is None
    assert source.asset("/etc/passwd") is None
    assert source.asset("") is None


# --- schema and references ------------------------------------------------------------------------

def test_unknown_fields_are_named_with_the_known_ones_even_inside_children(portal):
    text = ("version: 1\nproducts:\n- slug: payments\n  docs:\n  - title: Quick start\n    colour: red\n"
            "plans:\n- name: gold\n  speed: fast\n")
    problems = refused({"c.yaml": text})
    assert problems[0].startswith("c.yaml:6: unknown field 'colour' in products.docs; known fields: title, position")
    assert problems[1].startswith("c.yaml:9: unknown field 'speed' in plans; known fields: name, display_name")


def test_a_reference_to_an_object_neither_in_the_portal_nor_in_the_file_is_refused(portal):
    text = ("version: 1\ncatalogues:\n- name: Partners\n  products: [payments, weather]\n  audiences:\n"
            "  - organisation: Acme\n    team: Frontend\n")
    assert refused({"c.yaml": text}) == [
        "c.yaml:4: products: products 'weather' is neither in the portal nor in the configuration",
        "c.yaml:7: audiences: organisations.teams 'Acme/Frontend' is neither in the portal nor in the configuration",
    ]
    # Given in the same file, it is fine: apply writes what is referred to first.
    text += "products:\n- slug: weather\n  name: weather\norganisations:\n- name: Acme\n  teams:\n  - name: Frontend\n"
    assert plan_of({"c.yaml": text}).counts() == {"create": 3, "update": 0, "delete": 0}


def test_two_objects_with_one_key_are_refused(portal):
    text = "version: 1\nplans:\n- name: gold\n- name: silver\n- name: gold\n"
    assert refused({"c.yaml": text}) == ["c.yaml:5: duplicate key: plans 'gold' is also given at c.yaml:3"]


def test_two_files_giving_one_object_are_refused(portal):
    text = "version: 1\nplans:\n- name: gold\n"
    problems = refused({"a.yaml": text, "b.yaml": text})
    assert problems == ["b.yaml:3: duplicate key: plans 'gold' is also given at a.yaml:3"]


# --- secrets --------------------------------------------------------------------------------------

def test_a_secret_in_clear_is_refused_and_never_repeated(portal):
    text = f"version: 1\nproviders:\n- name: Tyk\n  secret: {SECRET}\n"
    problems = refused({"c.yaml": text})
    assert len(problems) == 1 and problems[0].startswith("c.yaml:4: secret:")
    assert SECRET not in problems[0]


def test_an_unset_variable_is_refused(portal, monkeypatch):
    monkeypatch.delenv("FORECOURT_PROVIDERS_TYK_SECRET")
    text = "version: 1\nproviders:\n- name: Tyk\n  secret: {env: FORECOURT_PROVIDERS_TYK_SECRET}\n"
    assert refused({"c.yaml": text}) == [
        "c.yaml:4: secret: the environment variable FORECOURT_PROVIDERS_TYK_SECRET is not set"]


def test_a_changed_secret_shows_as_changed_without_either_value(portal, monkeypatch, tmp_path):
    (tmp_path / "key").write_text("a-brand-new-dashboard-key\n")
    (tmp_path / "c.yaml").write_text("version: 1\nproviders:\n- name: Tyk\n  secret: {file: key}\n")
    plan = planning.make_plan(reading.read(tmp_path / "c.yaml"))
    assert plan.as_json()["changes"] == [{"action": "update", "kind": "providers", "key": "Tyk",
                                          "fields": {"secret": {"old": "(secret)", "new": "(secret)"}}}]
    assert SECRET not in plan.as_text() and "a-brand-new" not in plan.as_text()
    applying.apply(reading.read(tmp_path / "c.yaml"))
    portal["provider"].refresh_from_db()
    assert portal["provider"].secret == "a-brand-new-dashboard-key"  # the file's trailing newline dropped


# --- export ---------------------------------------------------------------------------------------

def test_export_is_stable_and_names_secrets_by_reference(portal):
    first, second = exporting.export(), exporting.export()
    assert first.files == second.files
    assert all(SECRET not in text for text in first.files.values())
    assert "secret:\n    env: FORECOURT_PROVIDERS_TYK_SECRET" in first.files["providers.yaml"]
    # Multi-line text reads as a block.
    assert "content: |\n      Call it.\n" in first.files["products.yaml"]


def test_an_export_plans_no_change(portal):
    assert plan_of(exporting.export().files, prune=True).empty


def test_export_refuses_two_objects_a_file_could_not_tell_apart(portal):
    factories.plan(name="gold")
    with pytest.raises(ConfigRefused) as exc:
        exporting.export(["plans"])
    assert "two or more plans have the name 'gold'" in str(exc.value)


def test_export_of_unknown_kinds_is_refused():
    with pytest.raises(ConfigRefused) as exc:
        exporting.export(["widgets"])
    assert "unknown kind 'widgets'" in str(exc.value)


# --- plan and apply -------------------------------------------------------------------------------

def test_values_a_file_leaves_out_are_left_as_they_are(portal, admin):
    text = "version: 1\nproducts:\n- slug: payments\n  display_name: Payments API\n"
    plan = plan_of({"c.yaml": text})
    assert [c.as_json() for c in plan.changes] == [{
        "action": "update", "kind": "products", "key": "payments",
        "fields": {"display_name": {"old": "Payments", "new": "Payments API"}}}]
    applying.apply(reading.read_texts({"c.yaml": text}), actor=admin)
    product = Product.objects.get(slug="payments")
    assert (product.display_name, product.provider_id, product.docs.count()) == (
        "Payments API", portal["provider"].pk, 1)
    entry = AuditEntry.objects.filter(object_type="catalog.product").latest("pk")
    assert (entry.actor_id, entry.action, entry.note) == (admin.pk, "update", "forecourt apply c.yaml")
    assert plan_of({"c.yaml": text}).empty


def test_a_value_a_form_refuses_refuses_the_whole_file_and_changes_nothing(portal):
    text = ("version: 1\norganisations:\n- name: Globex\nplans:\n- name: silver\n  rate_unlimited: false\n"
            "  rate_per: 0\n")
    with pytest.raises(ConfigRefused) as exc:
        applying.apply(reading.read_texts({"c.yaml": text}))
    assert [str(p) for p in exc.value.problems] == [
        "c.yaml:7: plans 'silver': rate_per: Give the period in seconds (at least 1), or make the rate unlimited."]
    assert not Organisation.objects.filter(name="Globex").exists()  # made before the refusal, rolled back
    assert not AuditEntry.objects.filter(note__startswith="forecourt apply").exists()


def test_prune_deletes_only_kinds_the_source_gives(portal):
    text = "version: 1\nplans: []\n"
    assert [(c.action, c.kind.name, c.key) for c in plan_of({"c.yaml": text}, prune=True).changes] == [
        ("delete", "plans", "gold")]
    applying.apply(reading.read_texts({"c.yaml": text}), prune=True)
    assert not Plan.objects.exists() and Product.objects.exists()


def test_prune_never_deletes_built_in_objects_and_deletes_unlisted_children(portal):
    text = "version: 1\norganisations:\n- name: Acme\n  teams:\n  - name: Default Team\n"
    assert [(c.action, c.key) for c in plan_of({"c.yaml": text}, prune=True).changes] == [
        ("delete", "Acme/Backend")]
    applying.apply(reading.read_texts({"c.yaml": text}), prune=True)
    assert list(Team.objects.filter(organisation__name="Acme").values_list("name", flat=True)) == ["Default Team"]


def test_prune_that_would_orphan_consumers_data_is_refused_before_any_change(portal):
    request = factories.pending_request(plan_obj=portal["plan"])
    apps_before = list(App.objects.values())
    text = "version: 1\norganisations: []\nplans: []\n"
    problems = refused({"c.yaml": text}, prune=True)
    assert any(p.startswith("c.yaml: pruning plans 'gold' would orphan data:") for p in problems), problems
    with pytest.raises(ConfigRefused):
        applying.apply(reading.read_texts({"c.yaml": text}), prune=True)
    assert Plan.objects.filter(pk=portal["plan"].pk).exists()
    assert AccessRequest.objects.filter(pk=request.pk).exists()
    assert list(App.objects.values()) == apps_before


def test_children_of_a_new_parent_are_made_after_it(portal):
    text = ("version: 1\nproducts:\n- slug: weather\n  name: weather\n  provider: Tyk\n  docs:\n"
            "  - title: Intro\n    content: Hello\n    position: 1\n")
    applying.apply(reading.read_texts({"c.yaml": text}))
    assert list(ProductDoc.objects.filter(product__slug="weather").values_list("title", flat=True)) == ["Intro"]
    assert plan_of({"c.yaml": text}).empty


def test_a_product_image_travels_as_a_file_beside_the_configuration(portal, tmp_path):
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
           b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
    (tmp_path / "logo.png").write_bytes(png)
    (tmp_path / "c.yaml").write_text("version: 1\nproducts:\n- slug: payments\n  logo: logo.png\n")
    applying.apply(reading.read(tmp_path / "c.yaml"))
    exported = exporting.export(["products"])
    [(path, content)] = exported.assets.items()
    assert path.startswith("assets/products/payments/logo-") and content == png
    out = tmp_path / "out"
    exported.write(out)
    assert planning.make_plan(reading.read(out)).empty
    (tmp_path / "c.yaml").write_text("version: 1\nproducts:\n- slug: payments\n  logo: missing.png\n")
    with pytest.raises(ConfigRefused) as exc:
        applying.apply(reading.read(tmp_path / "c.yaml"))
    assert "c.yaml:4: products 'payments': logo: the file missing.png is missing" in str(exc.value)


def test_apply_writes_to_the_provider_as_the_admin_portal_does(portal):
    """A plan whose policy the portal writes gets its push queued, in the apply's transaction."""
    Plan.objects.filter(pk=portal["plan"].pk).update(reference_id="policy-gold")
    text = "version: 1\nplans:\n- name: gold\n  rate_limit: 20\n"
    applying.apply(reading.read_texts({"c.yaml": text}))
    job = Job.objects.get(name=policy_push.JOB)
    assert job.payload == {"model": "catalog.plan", "item_id": portal["plan"].pk}
    assert Plan.objects.get(pk=portal["plan"].pk).push_state == "pending"


def test_aliases_are_refused_so_a_few_lines_cannot_expand_to_gigabytes():
    lines = ["version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    problems = refused({"bomb.yaml": "\n".join(lines) + "\n"})
    assert problems and all("anchors and aliases" in p for p in problems)


def test_deep_nesting_is_refused():
    assert refused({"deep.yaml": "version: 1\nplans: " + "[" * 5000 + "]" * 5000 + "\n"}) == [
        "deep.yaml: nested too deeply"]


def test_one_apply_at_a_time(portal):
    """Another process applying holds the lock: this apply waits, then refuses without a change."""
    if connection.vendor != "sqlite":
        pytest.skip("runs in the SQLite run: PostgreSQL's and MariaDB's locks are re-entrant in one session")
    text = "version: 1\norganisations:\n- name: Globex\n"
    with dblock.named_lock("config-apply", "configuration", "applying a configuration"), \
            pytest.raises(ConfigRefused) as exc:
        applying.apply(reading.read_texts({"c.yaml": text}), lock_timeout=0.3)
    assert "gave up waiting 0s for the configuration lock: another process is applying a configuration" in str(
        exc.value)
    assert not Organisation.objects.filter(name="Globex").exists()
    applying.apply(reading.read_texts({"c.yaml": text}))
    assert Organisation.objects.filter(name="Globex").exists()


def test_apply_names_the_values_a_form_stored_otherwise_than_written(portal):
    text = "version: 1\nproducts:\n- slug: payments\n  tags: ['  Billing  ']\n"
    plan = applying.apply(reading.read_texts({"c.yaml": text}))
    assert [c.as_json() for c in plan.rewritten] == [{
        "action": "update", "kind": "products", "key": "payments",
        "fields": {"tags": {"old": ["Billing"], "new": ["  Billing  "]}}}]
    assert plan.rewritten_text() == ('note: products \'payments\' tags is stored as ["Billing"], not as the '
                                     'file\'s ["  Billing  "]: write it so, or every plan shows it')
    assert applying.apply(reading.read_texts({"c.yaml": text.replace("'  Billing  '", "Billing")})).empty


def test_featured_is_exported_planned_and_applied(portal, admin):
    assert "featured: false" in exporting.export().files["products.yaml"]
    text = "version: 1\nproducts:\n- slug: payments\n  featured: true\n"
    plan = plan_of({"c.yaml": text})
    assert [c.as_json() for c in plan.changes] == [{
        "action": "update", "kind": "products", "key": "payments",
        "fields": {"featured": {"old": False, "new": True}}}]
    applying.apply(reading.read_texts({"c.yaml": text}), actor=admin)
    assert Product.objects.get(slug="payments").featured is True
    assert "featured: true" in exporting.export().files["products.yaml"]
    assert plan_of({"c.yaml": text}).empty
    assert refused({"c.yaml": "version: 1\nproducts:\n- slug: payments\n  featured: often\n"})
