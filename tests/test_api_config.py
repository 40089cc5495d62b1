"""/portal-api/config/export, /plan and /apply: configuration as code over the Admin API.

The answers are the engine's (forecourt.promotion), so these tests are about what HTTP adds: an export's
answer posts back unchanged, the token's admin is the audit log's actor, only super-admins, refusals as
the envelope with file and line, YAML bodies, the body limit, and a request's secrets never read from
the server's environment or files.
"""

import base64
import io

import pytest
import yaml
from django.core.files.base import ContentFile

from forecourt.accounts import tokens
from forecourt.accounts.models import Role, User
from forecourt.audit.models import AuditEntry
from forecourt.catalog.models import Plan, Product

from . import factories

pytestmark = pytest.mark.django_db

KEY = "dashboard-api-key"  # tests/factories.provider()'s API key
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
OTHER_PNG = b"\x89PNG\r\n\x1a\n" + b"\1" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def portal(db):
    """A provider (with its API key), a product from it with a logo, a plan and a catalogue of both."""
    provider = factories.provider("Dashboard")
    product = factories.product(slug="payments", name="payments", display_name="Payments", provider=provider)
    product.logo.save("logo.png", ContentFile(PNG))
    plan = factories.plan(name="gold", display_name="Gold")
    catalogue = factories.catalogue(products=[product], plans=[plan])
    return {"provider": provider, "product": product, "plan": plan, "catalogue": catalogue}


def secret_name(exported) -> str:
    """The variable the export names for the provider's key."""
    providers = yaml.safe_load(exported["Files"]["providers.yaml"])["providers"]
    return providers[0]["secret"]["env"]


def edited(exported, name, change):
    """The export's answer with one file's YAML changed by `change(value)`."""
    value = yaml.safe_load(exported["Files"][name])
    change(value)
    return {**exported, "Files": {**exported["Files"], name: yaml.safe_dump(value, sort_keys=False)}}


def a_super_admin() -> tuple[User, str]:
    user = User.objects.create_user(f"ops{factories.n()}@example.com", "a-long-passphrase", role=Role.SUPER_ADMIN)
    return user, tokens.issue(user)


def counts() -> tuple[int, int, int]:
    return Product.objects.count(), Plan.objects.count(), AuditEntry.objects.count()


def test_an_export_posted_back_plans_no_changes(api, portal):
    exported = api("get", "/config/export").json()
    assert {"providers.yaml", "products.yaml", "plans.yaml", "catalogues.yaml"} <= exported["Files"].keys()
    [(path, content)] = exported["Assets"].items()
    assert path.startswith("assets/products/payments/logo-") and base64.b64decode(content) == PNG

    answer = api("post", "/config/plan", {**exported, "Secrets": {secret_name(exported): KEY}})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"Source": ", ".join(sorted(exported["Files"])), "Changes": [],
                             "Summary": {"Create": 0, "Update": 0, "Delete": 0}, "Applied": False, "Rewritten": []}


def test_the_export_never_holds_a_providers_key(api, portal):
    response = api("get", "/config/export")
    assert response.status_code == 200
    assert KEY.encode() not in response.content
    assert base64.b64encode(KEY.encode()) not in response.content
    assert secret_name(response.json()) == "FORECOURT_PROVIDERS_DASHBOARD_SECRET"


def test_only_some_kinds_are_exported_and_an_unknown_kind_is_named(api, portal):
    exported = api("get", "/config/export", only="products,plans").json()
    assert sorted(exported["Files"]) == ["plans.yaml", "products.yaml"]
    refused = api("get", "/config/export", only="products,nope")
    assert refused.status_code == 422
    [problem] = refused.json()["Problems"]
    assert (problem["File"], problem["Line"]) == ("only", None) and "'nope'" in problem["Reason"]


def test_a_changed_file_plans_exactly_that_change_and_changes_nothing(api, portal):
    exported = api("get", "/config/export", only="plans").json()

    def rename(value):
        value["plans"][0]["display_name"] = "Gold (2027)"

    answer = api("post", "/config/plan", edited(exported, "plans.yaml", rename))
    assert answer.status_code == 200, answer.content
    assert answer.json()["Changes"] == [{"Action": "update", "Kind": "plans", "Key": "gold",
                                         "Fields": {"display_name": {"Old": "Gold", "New": "Gold (2027)"}}}]
    assert answer.json()["Summary"] == {"Create": 0, "Update": 1, "Delete": 0}
    portal["plan"].refresh_from_db()
    assert portal["plan"].display_name == "Gold"


def test_apply_changes_the_portal_in_the_token_admins_name(api, portal):
    ops, token = a_super_admin()
    exported = api("get", "/config/export", only="plans,products").json()
    exported = edited(exported, "plans.yaml", lambda v: v["plans"][0].update(display_name="Gold (2027)"))
    before = AuditEntry.objects.count()

    answer = api("post", "/config/apply", exported, token=token)
    assert answer.status_code == 200, answer.content
    assert answer.json()["Applied"] is True and answer.json()["Summary"]["Update"] == 1
    portal["plan"].refresh_from_db()
    assert portal["plan"].display_name == "Gold (2027)"
    [entry] = AuditEntry.objects.all()[: AuditEntry.objects.count() - before]
    assert (entry.actor, entry.actor_email, entry.action) == (ops, ops.email, "update")
    assert entry.note == "forecourt apply plans.yaml, products.yaml (Admin API)"

    again = api("post", "/config/apply", exported, token=token)
    assert (again.json()["Changes"], again.json()["Applied"]) == ([], False)
    assert AuditEntry.objects.count() == before + 1


def test_an_asset_travels_in_base64(api, portal):
    exported = api("get", "/config/export", only="products").json()
    path = "assets/products/payments/logo-new.png"
    exported = edited(exported, "products.yaml", lambda v: v["products"][0].update(logo=path))
    exported["Assets"][path] = base64.b64encode(OTHER_PNG).decode()
    answer = api("post", "/config/apply", exported)
    assert answer.status_code == 200, answer.content
    assert list(answer.json()["Changes"][0]["Fields"]) == ["logo"]
    portal["product"].refresh_from_db()
    with portal["product"].logo.open("rb") as handle:
        assert handle.read() == OTHER_PNG

    exported["Assets"][path] = "not base64!"
    refused = api("post", "/config/plan", exported)
    assert refused.status_code == 422
    assert refused.json()["Problems"] == [{"File": path, "Line": None, "Reason": "an asset's content is base64"}]


@pytest.mark.parametrize("path", ["/config/export", "/config/plan", "/config/apply"])
def test_only_super_admins_may(api, consumer, portal, path):
    method = "get" if path.endswith("export") else "post"
    body = None if method == "get" else {"Files": {"plans.yaml": "version: 1\nplans: [{name: new}]\n"}}
    before = counts()
    provider_admin = User.objects.create_user("padmin@example.com", "a-long-passphrase", role=Role.PROVIDER_ADMIN)
    tokens_and_statuses = ((tokens.issue(consumer), 403), (tokens.issue(provider_admin), 403), (None, 401))
    for token, status in tokens_and_statuses:
        refused = api(method, path, body, token=token)
        assert refused.status_code == status and refused.json()["status"] == "error"
        assert KEY.encode() not in refused.content
    assert counts() == before


def test_a_refused_file_is_a_422_with_its_file_and_line_and_changes_nothing(api, portal):
    plans = "version: 1\nplans:\n  - name: gold\n    display_name: Gold (2027)\n"
    products = "version: 1\nproducts:\n  - slug: payments\n    colour: blue\n"
    before = counts()
    refused = api("post", "/config/apply", {"Files": {"plans.yaml": plans, "products.yaml": products}})
    assert refused.status_code == 422, refused.content
    body = refused.json()
    assert body["status"] == "error"
    [problem] = body["Problems"]
    assert (problem["File"], problem["Line"]) == ("products.yaml", 4) and "colour" in problem["Reason"]
    assert body["errors"] == [f"products.yaml:4: {problem['Reason']}"]
    portal["plan"].refresh_from_db()
    assert portal["plan"].display_name == "Gold" and counts() == before


def test_a_yaml_body_is_one_file(api, client, admin, portal):
    def send(path, text, **params):
        query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
        return client.post(f"/portal-api{path}{query}", data=text.encode(), content_type="application/yaml",
                           headers={"Authorization": tokens.issue(admin)})

    text = "version: 1\nplans:\n  - name: silver\n    display_name: Silver\n"
    planned = send("/config/plan", text)
    assert planned.status_code == 200, planned.content
    assert [(c["Action"], c["Key"]) for c in planned.json()["Changes"]] == [("create", "silver")]
    assert planned.json()["Source"] == "request.yaml" and not Plan.objects.filter(name="silver").exists()
    applied = send("/config/apply", text, prune="true")
    assert applied.status_code == 200, applied.content
    assert [(c["Action"], c["Key"]) for c in applied.json()["Changes"]] == [("create", "silver"), ("delete", "gold")]
    assert list(Plan.objects.values_list("name", flat=True)) == ["silver"]
    assert AuditEntry.objects.filter(note="forecourt apply request.yaml (Admin API)").count() == 2

    broken = send("/config/plan", "version: 1\nplans:\n  - name: [unclosed\n")
    assert broken.status_code == 422 and broken.json()["Problems"][0]["File"] == "request.yaml"


def test_prune_deletes_only_with_prune_and_only_the_kinds_given(api, portal):
    text = "version: 1\nplans:\n  - name: silver\n    display_name: Silver\n"
    api("post", "/config/apply", {"Files": {"plans.yaml": text}})
    assert set(Plan.objects.values_list("name", flat=True)) == {"gold", "silver"}
    answer = api("post", "/config/apply?prune=true", {"Files": {"plans.yaml": text}})
    assert answer.json()["Changes"] == [{"Action": "delete", "Kind": "plans", "Key": "gold", "Fields": {}}]
    assert list(Plan.objects.values_list("name", flat=True)) == ["silver"]
    assert Product.objects.filter(slug="payments").exists()  # no products: in the file, so none pruned
    emptied = api("post", "/config/apply?prune=true", {"Files": {"plans.yaml": "version: 1\nplans: []\n"}})
    assert [(c["Action"], c["Key"]) for c in emptied.json()["Changes"]] == [("delete", "silver")]
    assert not Plan.objects.exists()  # an empty list is a kind given: every one pruned


def test_secrets_come_from_the_request_never_from_the_server(api, portal, monkeypatch, tmp_path):
    exported = api("get", "/config/export", only="providers").json()
    name = secret_name(exported)
    monkeypatch.setenv(name, "the-servers-own-value")
    refused = api("post", "/config/plan", exported)
    assert refused.status_code == 422
    assert refused.json()["Problems"][0]["Reason"] == f"secret: the secret {name} is not given in the request's Secrets"

    changed = api("post", "/config/plan", {**exported, "Secrets": {name: "a-new-key"}}).json()["Changes"]
    assert changed == [{"Action": "update", "Kind": "providers", "Key": "Dashboard",
                        "Fields": {"secret": {"Old": "(secret)", "New": "(secret)"}}}]

    server_file = tmp_path / "server-secret"
    server_file.write_text("the-servers-file")
    by_file = edited(exported, "providers.yaml",
                     lambda v: v["providers"][0].update(secret={"file": str(server_file)}))
    refused = api("post", "/config/apply", by_file)
    assert refused.status_code == 422 and "{file: PATH} would read the server's files" in refused.content.decode()
    portal["provider"].refresh_from_db()
    assert portal["provider"].secret == KEY


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, admin, settings):
    class Unread(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    response = client.generic("POST", "/portal-api/config/apply", b"", content_type="application/json",
                              headers={"Authorization": tokens.issue(admin)},
                              CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
                              **{"wsgi.input": Unread()})
    assert response.status_code == 413
    assert response.json() == {"status": "error", "errors": ["the request body is too large"]}


def test_a_body_that_is_not_files_is_refused(api, client, admin):
    assert api("post", "/config/plan", "{not json").status_code == 400
    wrong = api("post", "/config/plan", {"Files": {}, "Extra": 1})
    assert (wrong.status_code, wrong.json()["errors"]) == (422, [
        "Files: Dictionary should have at least 1 item after validation, not 0",
        "Extra: Extra inputs are not permitted"])
    named = api("post", "/config/plan", {"Files": {"../plans.txt": "version: 1\n"}})
    assert named.status_code == 422 and named.json()["Problems"][0]["File"] == "../plans.txt"
    other = client.post("/portal-api/config/plan", data=b"<xml/>", content_type="application/xml",
                        headers={"Authorization": tokens.issue(admin)})
    assert other.status_code == 415 and other.json()["status"] == "error"
    version = api("post", "/config/plan", {"Files": {"a.yaml": "version: 2\n"}}).json()["Problems"]
    assert version == [{"File": "a.yaml", "Line": 1, "Reason": "version must be 1 (this release's format), not 2"}]


def test_apply_names_the_values_the_portal_stored_otherwise_than_written(api, portal):
    text = "version: 1\nproducts:\n  - slug: payments\n    tags: ['  Billing  ']\n"
    applied = api("post", "/config/apply", {"Files": {"products.yaml": text}}).json()
    assert applied["Rewritten"] == [{"Action": "update", "Kind": "products", "Key": "payments",
                                     "Fields": {"tags": {"Old": ["Billing"], "New": ["  Billing  "]}}}]
    fixed = {"Files": {"products.yaml": text.replace("'  Billing  '", "Billing")}}
    assert api("post", "/config/plan", fixed).json()["Changes"] == []
