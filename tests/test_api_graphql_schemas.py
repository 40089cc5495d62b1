"""GraphQL schemas of specifications and product APIs (forecourt.catalog.graphql_schemas): Tyk's
`PUT /products/{id}/spec-details/{spec_id}/graphql/schema` (multipart `file`, `dry_run`), the same for a
product API, reading and removing them, and the Admin Portal's forms."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from graphql import build_schema, introspection_from_schema

from forecourt.accounts import tokens
from forecourt.audit.models import AuditEntry
from forecourt.catalog import graphql_schemas
from forecourt.catalog.documents import InvalidDocument
from forecourt.catalog.models import ProductAPI, ProductSpec

from . import factories

pytestmark = pytest.mark.django_db

PEOPLE = """\
\"\"\"People and their pets.\"\"\"
type Query {
  person(id: ID!): Person
  people: [Person!]!
}

type Mutation {
  rename(id: ID!, name: String!): Person
}

type Person {
  id: ID!
  name: String!
  pets: [Pet!]!
}

type Pet {
  name: String!
}
"""


@pytest.fixture
def upload(client, admin):
    """PUT a file as multipart (field `file`), as Tyk's clients do."""
    token = tokens.issue(admin)

    def put(path, name, content, method="put", **params):
        query = ("?" + "&".join(f"{k}={v}" for k, v in params.items())) if params else ""
        data = content.encode() if isinstance(content, str) else content
        fields = {"file": SimpleUploadedFile(name, data)}
        if method == "post":  # Django's test client encodes a POST's multipart body itself
            return client.post(f"/portal-api{path}{query}", fields, headers={"Authorization": token})
        return client.put(f"/portal-api{path}{query}", encode_multipart(BOUNDARY, fields),
                          content_type=MULTIPART_CONTENT, headers={"Authorization": token})

    return put


def test_a_specifications_schema_is_uploaded_read_replaced_and_removed(api, upload):
    spec = ProductSpec.objects.create(product=factories.product(documentation_only=True), spec_alias="people")
    path = f"/products/{spec.product_id}/spec-details/{spec.pk}/graphql/schema"
    assert api("get", path).status_code == 404
    answer = upload(path, "people.graphql", PEOPLE)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"Types": 4, "Queries": 2, "Mutations": 1, "Subscriptions": 0, "DryRun": False}
    read = api("get", path)
    assert read.status_code == 200 and read.content.decode() == PEOPLE
    assert read["Content-Type"].startswith("application/graphql")
    assert AuditEntry.objects.filter(object_id=str(spec.pk), action="update").exists()
    replaced = upload(path, "people.gql", "type Query { hello: String }\n")
    assert replaced.status_code == 200 and replaced.json()["Queries"] == 1
    assert api("get", path).content.decode() == "type Query { hello: String }\n"
    assert api("delete", path).json() == {"status": "ok"}  # as in Tyk: the specification goes with it
    assert api("get", path).status_code == 404
    assert not ProductSpec.objects.filter(pk=spec.pk).exists()


def test_dry_run_checks_and_stores_nothing(upload):
    spec = ProductSpec.objects.create(product=factories.product(), spec_alias="people")
    answer = upload(f"/products/{spec.product_id}/spec-details/{spec.pk}/graphql/schema", "people.graphql",
                    PEOPLE, dry_run="true")
    assert answer.status_code == 200 and answer.json()["DryRun"] is True
    spec.refresh_from_db()
    assert spec.graphql_schema == ""


def test_an_introspection_result_is_stored_as_sdl(api, upload):
    spec = ProductSpec.objects.create(product=factories.product(), spec_alias="people")
    result = json.dumps({"data": introspection_from_schema(build_schema(PEOPLE))})
    path = f"/products/{spec.product_id}/spec-details/{spec.pk}/graphql/schema"
    assert upload(path, "people.json", result).json()["Types"] == 4
    sdl = api("get", path).content.decode()
    assert "type Person {" in sdl and not sdl.lstrip().startswith("{")


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("broken.graphql", "type Query {\n  a: \n}\n", "line 3, column 1: Syntax Error"),
    ("unknown.graphql", "type Query {\n  a: Foo\n}\n", "line 2, column 6: Unknown type 'Foo'."),
    ("twice.graphql", "type Query { a: Int }\n\ntype Query { b: Int }\n", "line 1, column 6: There can be only one"),
    ("noquery.gql", "type Foo { a: Int }\n", "Query root type must be provided."),
    ("schema.txt", PEOPLE, "a GraphQL schema is a .graphql or .gql file"),
    ("bad.json", '{"data": {"nope": 1}}', "an introspection result"),
    ("bad.json", '{\n  "data": \n', "line 3"),
    ("binary.graphql", b"type \x00 Query", "NUL"),
])
def test_a_bad_file_is_a_422_with_its_lines_and_changes_nothing(upload, name, content, expected):
    spec = ProductSpec.objects.create(product=factories.product(), spec_alias="people", graphql_schema=PEOPLE)
    answer = upload(f"/products/{spec.product_id}/spec-details/{spec.pk}/graphql/schema", name, content)
    assert answer.status_code == 422, answer.content
    assert answer.json()["status"] == "error"
    assert any(expected in error for error in answer.json()["errors"]), answer.json()
    spec.refresh_from_db()
    assert spec.graphql_schema == PEOPLE


def test_every_problem_is_reported_at_once():
    with pytest.raises(InvalidDocument) as caught:
        graphql_schemas.check("type Query {\n  a: Foo\n  b: Bar\n}\n")
    assert [str(p) for p in caught.value.problems] == ["line 2, column 6: Unknown type 'Foo'.",
                                                        "line 3, column 6: Unknown type 'Bar'."]


def test_a_schema_too_large_is_refused_unread(upload):
    spec = ProductSpec.objects.create(product=factories.product(), spec_alias="people")
    big = "type Query { a: Int }\n" + "# padding\n" * (graphql_schemas.MAX_BYTES // 10 + 1)
    answer = upload(f"/products/{spec.product_id}/spec-details/{spec.pk}/graphql/schema", "big.graphql", big)
    assert answer.status_code == 422 and "the limit is 2 MB" in answer.json()["errors"][0]


def test_another_products_specification_or_api_is_a_404(api, upload):
    mine, other = factories.product(), factories.product()
    spec = ProductSpec.objects.create(product=other, spec_alias="theirs")
    ProductAPI.objects.create(product=other, api_id="theirs", name="Theirs")
    assert upload(f"/products/{mine.pk}/spec-details/{spec.pk}/graphql/schema", "a.graphql", PEOPLE).status_code == 404
    assert upload(f"/products/{mine.pk}/api-details/theirs/graphql/schema", "a.graphql", PEOPLE,
                  method="post").status_code == 404
    assert api("delete", f"/products/{mine.pk}/spec-details/{spec.pk}/graphql/schema").status_code == 404
    assert api("get", f"/products/{mine.pk}/api-details/theirs/graphql/schema").status_code == 404
    spec.refresh_from_db()
    assert spec.graphql_schema == ""


def test_a_product_apis_schema_is_uploaded_read_and_removed(api, upload):
    product = factories.product()
    product_api = ProductAPI.objects.create(product=product, api_id="people-api", name="People")
    path = f"/products/{product.pk}/api-details/people-api/graphql/schema"
    assert upload(path, "people.graphql", PEOPLE, method="post", dry_run="true").json()["DryRun"] is True
    assert api("get", path).status_code == 404
    answer = upload(path, "people.graphql", PEOPLE, method="post")
    assert answer.status_code == 200, answer.content
    assert answer.json()["Types"] == 4
    assert api("get", path).content.decode() == PEOPLE
    assert upload(path, "people.graphql", "type Query {", method="post").status_code == 422
    product_api.refresh_from_db()
    assert product_api.graphql_schema == PEOPLE and product_api.oas_document == ""
    assert api("delete", path).json() == {"status": "ok"}
    product_api.refresh_from_db()
    assert product_api.graphql_schema == ""


def test_a_specification_is_made_from_a_schema_for_a_documentation_product(api, upload):
    product = factories.product(documentation_only=True)
    path = f"/products/{product.pk}/spec-details/graphql/schema"
    dry = upload(path, "People Directory.graphql", PEOPLE, method="post", dry_run="true")
    assert dry.status_code == 200 and dry.json()["ID"] == 0 and not ProductSpec.objects.exists()
    made = upload(path, "People Directory.graphql", PEOPLE, method="post")
    assert made.status_code == 200, made.content
    assert made.json() == {"ID": made.json()["ID"], "Name": "People Directory", "SpecAlias": "people-directory",
                           "OASUrl": ""}
    read = api("get", f"/products/{product.pk}/spec-details/{made.json()['ID']}/graphql/schema")
    assert read.content.decode() == PEOPLE
    assert upload(path, "bad.graphql", "type Query {", method="post").status_code == 422
    assert ProductSpec.objects.count() == 1


def test_a_specification_from_a_schema_needs_a_documentation_product(upload):
    product = factories.product(documentation_only=False)
    answer = upload(f"/products/{product.pk}/spec-details/graphql/schema", "people.graphql", PEOPLE, method="post")
    assert answer.status_code == 422 and "documentation-only" in answer.json()["errors"][0]
    assert not ProductSpec.objects.exists()
    assert upload("/products/999999/spec-details/graphql/schema", "p.graphql", PEOPLE, method="post").status_code == 404


def test_the_admin_portal_uploads_replaces_and_removes_a_schema(client, admin):
    client.force_login(admin)
    product = factories.product()
    spec = ProductSpec.objects.create(product=product, spec_alias="people", name="People")
    form = {"product": product.pk, "name": "People", "spec_alias": "people", "oas_document": ""}
    bad = client.post(f"/portal-admin/product-specs/{spec.pk}/", {**form, "graphql_schema": "type Query {"})
    assert bad.status_code == 200 and "line 1" in str(bad.context["form"].errors["graphql_schema"])
    good = client.post(f"/portal-admin/product-specs/{spec.pk}/",
                       {**form, "graphql_file": SimpleUploadedFile("people.graphql", PEOPLE.encode())})
    assert good.status_code == 302
    spec.refresh_from_db()
    assert spec.graphql_schema == PEOPLE
    assert "type Person" in client.get(f"/portal-admin/product-specs/{spec.pk}/").content.decode()
    assert client.post(f"/portal-admin/product-specs/{spec.pk}/", {**form, "graphql_schema": ""}).status_code == 302
    spec.refresh_from_db()
    assert spec.graphql_schema == ""
    api_row = ProductAPI.objects.create(product=product, api_id="people-api", name="People API")
    api_form = {"product": product.pk, "name": "People API", "api_id": "people-api", "document_source": "portal"}
    saved = client.post(f"/portal-admin/product-apis/{api_row.pk}/", {**api_form, "graphql_schema": PEOPLE})
    assert saved.status_code == 302, saved.context["form"].errors if saved.context else saved
    api_row.refresh_from_db()
    assert api_row.graphql_schema == PEOPLE
