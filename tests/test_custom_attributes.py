"""Custom attributes of users (Tyk's extended attributes): the Admin API's shapes and status codes,
the rules of values (types, options, required, write-once), changes of definition and deletion."""

import time

import pytest
from django.core.exceptions import ValidationError

from forecourt.accounts import attributes
from forecourt.accounts.models import CustomAttribute, UserAttributeValue
from forecourt.audit.models import AuditEntry

from . import factories
from .support.tyk import ORG_ID, SECRET, tyk_dashboard

__all__ = ["tyk_dashboard"]

pytestmark = pytest.mark.django_db

BASE = "/extended_attributes/1/custom-attributes"


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def refused(response, status=422):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "error" and body["errors"]
    return body["errors"]


def create(api, **fields):
    body = {"Name": "Industry", "Identifier": "industry", **fields}
    return ok(api("post", BASE, body), 201)


def test_the_extended_model_is_the_user_model(api):
    assert ok(api("get", "/extended_attributes")) == [
        {"ID": 1, "ModelName": "User", "LastUpdatedBy": "", "UpdatedAt": None}]
    created = create(api, Type=2, DropdownValues="Fleet, Cities,EV", Behaviour=2, Required=True, ShowOnSignUp=True)
    assert created == {"ID": created["ID"], "Name": "Industry", "Identifier": "industry", "Description": "",
                       "Type": 2, "Behaviour": 2, "DropdownValues": "Fleet, Cities,EV", "ValidationRegExp": "",
                       "AddToKeyMetadata": False, "Required": True, "ShowOnSignUp": True, "WriteOnceReadMany": False}
    model = ok(api("get", "/extended_attributes/1"))
    assert model["ModelName"] == "User" and model["LastUpdatedBy"] == "Ada Admin - admin@example.com"
    assert model["UpdatedAt"] and model["CustomAttributes"] == [created]
    assert [d["Label"] for d in model["DefaultAttributes"]] == [
        "First name", "Last name", "Email", "Role", "Organisation name", "Team names"]
    assert ok(api("get", BASE)) == [created]
    assert ok(api("get", f"{BASE}/{created['ID']}")) == created
    for path in ("/extended_attributes/2", "/extended_attributes/2/custom-attributes", f"{BASE}/999",
                 "/extended_attributes/1/default-attributes/7"):
        refused(api("get", path), 404)


def test_custom_attribute_crud_is_audited(api):
    created = create(api)
    path = f"{BASE}/{created['ID']}"
    changed = ok(api("put", path, {"Name": "Sector", "Required": True}))
    assert (changed["Name"], changed["Required"], changed["Identifier"]) == ("Sector", True, "industry")
    assert ok(api("delete", path)) == {"status": "ok"}
    refused(api("get", path), 404)
    actions = list(AuditEntry.objects.filter(object_type="accounts.customattribute").values_list("action", flat=True))
    assert sorted(actions) == ["create", "delete", "update"]


@pytest.mark.parametrize(("body", "field"), [
    ({"Identifier": "has space"}, "Identifier"),
    ({"Identifier": ""}, "Identifier"),
    ({"Name": ""}, "Name"),
    ({"Type": 5}, "Type"),
    ({"Behaviour": 0}, "Behaviour"),
    ({"Type": 2}, "DropdownValues"),
    ({"Type": 2, "DropdownValues": " , ,"}, "DropdownValues"),
    ({"Type": 2, "DropdownValues": ",".join(f"o{i}" for i in range(101))}, "DropdownValues"),
    ({"DropdownValues": "a,b"}, "DropdownValues"),
    ({"ValidationRegExp": "("}, "ValidationRegExp"),
    ({"ValidationRegExp": r"(a)\1"}, "ValidationRegExp"),  # a back-reference: Python's re, not RE2 (nor Go)
    ({"ValidationRegExp": "(?<=a)b"}, "ValidationRegExp"),  # a look-behind, likewise
    ({"Type": 4, "ValidationRegExp": "[0-9]+"}, "ValidationRegExp"),
    ({"Behaviour": 3, "ShowOnSignUp": True}, "ShowOnSignUp"),
    ({"Description": "x" * 1001}, "Description"),
    ({"Colour": "red"}, "Colour"),
])
def test_bad_definitions_are_refused_and_nothing_is_made(api, body, field):
    errors = refused(api("post", BASE, {"Name": "Industry", "Identifier": "industry", **body}))
    assert errors[0].startswith(field), errors
    assert not CustomAttribute.objects.exists()


def test_a_pattern_refused_by_re2_says_why(api):
    errors = refused(api("post", BASE, {"Name": "Code", "Identifier": "code", "ValidationRegExp": r"(a)\1"}))
    assert "RE2" in errors[0] and "invalid escape sequence" in errors[0], errors


def test_a_backtracking_pattern_checks_a_long_value_at_once(api):
    """`(a+)+$` on 30 "a"s and a "b" takes Python's re minutes; RE2 answers in linear time."""
    attribute = create(api, Name="Code", Identifier="code", ValidationRegExp="(a+)+$")
    path = f"/users/{factories.consumer().pk}/custom-attributes/{attribute['ID']}"
    started = time.monotonic()
    refused(api("put", path, {"Value": "a" * 30 + "b"}))
    assert ok(api("put", path, {"Value": "a" * 900}))["Value"] == "a" * 900
    assert time.monotonic() - started < 5


def test_identifiers_are_unique_in_any_case(api):
    create(api)
    assert refused(api("post", BASE, {"Name": "Other", "Identifier": "Industry"}))[0].startswith("Identifier")


def test_default_attributes_toggle_the_key_metadata(api):
    assert ok(api("get", "/extended_attributes/1/default-attributes"))[0] == {
        "ID": 1, "Label": "First name", "AddToKeyMetadata": False}
    path = "/extended_attributes/1/default-attributes/5"
    assert ok(api("put", path, {"AddToKeyMetadata": True})) == {
        "ID": 5, "Label": "Organisation name", "AddToKeyMetadata": True}
    assert ok(api("get", path))["AddToKeyMetadata"] is True
    assert ok(api("put", path, ok(api("get", path))))["AddToKeyMetadata"] is True  # a GET body PUT back
    assert attributes.default_settings()["organisation"] is True
    refused(api("put", path, {"AddToKeyMetadata": "maybe"}))
    assert AuditEntry.objects.filter(object_type="accounts.defaultattributesetting").count() == 1


# --- users' values ------------------------------------------------------------------------------

@pytest.fixture
def defined(api):
    return {
        "text": create(api, Name="Code", Identifier="code", ValidationRegExp="[A-Z]{3}-[0-9]+"),
        "dropdown": create(api, Name="Industry", Identifier="industry", Type=2, DropdownValues="Fleet,Cities"),
        "boolean": create(api, Name="Terms", Identifier="terms", Type=3),
        "number": create(api, Name="Seats", Identifier="seats", Type=4),
    }


def test_user_values_are_typed_and_checked(api, defined):
    user = factories.consumer()
    base = f"/users/{user.pk}/custom-attributes"
    listed = ok(api("get", base))
    assert [(v["ID"], v["Value"]) for v in listed] == [(a["ID"], "") for a in defined.values()]
    assert listed[1]["CustomAttribute"] == {
        "Name": "Industry", "Identifier": "industry", "Type": "Dropdown", "Behaviour": "Developers can view and edit",
        "AddToKeyMetadata": False, "Required": False, "ShowOnSignUp": False, "WriteOnceReadMany": False}
    good = {"text": ("ABC-12", "ABC-12"), "dropdown": ("Cities", "Cities"), "boolean": (True, "true"),
            "number": ("-3.50", "-3.50")}
    for kind, (value, stored) in good.items():
        path = f"{base}/{defined[kind]['ID']}"
        assert ok(api("put", path, {"Value": value}))["Value"] == stored, kind
        assert ok(api("get", path))["Value"] == stored
    assert ok(api("put", f"{base}/{defined['number']['ID']}", {"Value": 12}))["Value"] == "12"
    assert ok(api("put", f"{base}/{defined['boolean']['ID']}", {"Value": "FALSE"}))["Value"] == "false"
    bad = {"text": ["abc-12", "ABC-", 5, True, "A" * 1001], "dropdown": ["Ships", "cities", 1],
           "boolean": ["yes", 1, "1"], "number": ["12a", "1e3", "NaN", "Infinity", True, "1" * 21, ["1"]]}
    for kind, values in bad.items():
        path = f"{base}/{defined[kind]['ID']}"
        before = ok(api("get", path))["Value"]
        for value in values:
            refused(api("put", path, {"Value": value}))
            assert ok(api("get", path))["Value"] == before, (kind, value)
    assert attributes.values_by_identifier(user) == {"code": "ABC-12", "industry": "Cities", "terms": "false",
                                                     "seats": "12"}
    audited = AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk), action="update")
    assert any(e.changes.get("attribute:seats") == ["-3.50", "12"] for e in audited)


def test_a_user_value_read_can_be_put_back_and_deleted(api, defined):
    user = factories.consumer()
    path = f"/users/{user.pk}/custom-attributes/{defined['dropdown']['ID']}"
    read = ok(api("put", path, {"Value": "Fleet"}))
    audited = AuditEntry.objects.count()
    assert ok(api("put", path, read)) == read
    assert AuditEntry.objects.count() == audited
    assert ok(api("delete", path)) == {"status": "ok"}
    assert ok(api("get", path))["Value"] == ""
    assert ok(api("delete", path)) == {"status": "ok"}  # again: nothing to remove
    refused(api("get", f"/users/{user.pk}/custom-attributes/999"), 404)
    refused(api("put", f"/users/999/custom-attributes/{defined['dropdown']['ID']}", {"Value": "Fleet"}), 404)


def test_required_and_write_once_values(api):
    required = create(api, Name="Company", Identifier="company", Required=True)
    once = create(api, Name="Tax ID", Identifier="tax_id", WriteOnceReadMany=True)
    user = factories.consumer()
    base = f"/users/{user.pk}/custom-attributes"
    ok(api("put", f"{base}/{required['ID']}", {"Value": ""}))  # unset and sent back unset: unchanged
    ok(api("put", f"{base}/{required['ID']}", {"Value": "Acme"}))
    assert refused(api("put", f"{base}/{required['ID']}", {"Value": ""})) == ["Value: This value is required."]
    refused(api("delete", f"{base}/{required['ID']}"))
    ok(api("put", f"{base}/{once['ID']}", {"Value": "GB123"}))
    assert ok(api("put", f"{base}/{once['ID']}", {"Value": "GB123"}))["Value"] == "GB123"
    assert refused(api("put", f"{base}/{once['ID']}", {"Value": "GB999"})) == [
        "Value: It is set once and cannot be changed."]
    refused(api("delete", f"{base}/{once['ID']}"))
    assert attributes.values_by_identifier(user) == {"company": "Acme", "tax_id": "GB123"}


def test_users_carry_their_values_by_identifier(api, defined):
    org = factories.organisation()
    user = ok(api("post", "/users", {"Email": "ann@example.com", "OrganisationID": org.pk,
                                     "CustomAttributes": {"industry": "Fleet", "seats": 3}}))
    assert user["CustomAttributes"] == {"industry": "Fleet", "seats": "3"}
    path = f"/users/{user['ID']}"
    changed = ok(api("put", path, {"CustomAttributes": {"seats": None, "terms": True}}))
    assert changed["CustomAttributes"] == {"industry": "Fleet", "terms": "true"}
    assert refused(api("put", path, {"CustomAttributes": {"colour": "red"}})) == [
        "CustomAttributes: there is no custom attribute 'colour'"]
    assert refused(api("put", path, {"First": "Ann", "CustomAttributes": {"industry": "Ships"}}))[0].startswith(
        "CustomAttributes.industry: Choose one of")
    read = ok(api("get", path))
    assert read["First"] == "" and read["CustomAttributes"] == changed["CustomAttributes"]  # nothing half-done
    refused(api("post", "/users", {"Email": "bob@example.com", "OrganisationID": org.pk,
                                   "CustomAttributes": {"seats": "many"}}))
    assert not factories.User.objects.filter(email="bob@example.com").exists()


def test_a_change_of_definition_that_values_would_fail_is_refused(api, defined):
    users = [factories.consumer() for _ in range(2)]
    for user, value in zip(users, ("Fleet", "Cities"), strict=True):
        ok(api("put", f"/users/{user.pk}/custom-attributes/{defined['dropdown']['ID']}", {"Value": value}))
    path = f"{BASE}/{defined['dropdown']['ID']}"
    assert refused(api("put", path, {"DropdownValues": "Fleet,Ships"})) == [
        "1 user has a value this definition would refuse: change or remove them first."]
    assert "2 users have values" in refused(api("put", path, {"Type": 4, "DropdownValues": ""}))[0]
    assert ok(api("put", path, {"DropdownValues": "Fleet,Cities,Ships"}))["DropdownValues"] == "Fleet,Cities,Ships"
    ok(api("put", f"/users/{users[0].pk}/custom-attributes/{defined['number']['ID']}", {"Value": "7"}))
    # A number's values are valid strings: the type may become String.
    assert ok(api("put", f"{BASE}/{defined['number']['ID']}", {"Type": 1}))["Type"] == 1
    assert refused(api("put", f"{BASE}/{defined['number']['ID']}", {"Type": 3}))[0].startswith("1 user has")
    assert CustomAttribute.objects.get(pk=defined["number"]["ID"]).type == CustomAttribute.Type.STRING


def test_deleting_an_attribute_deletes_its_values_and_says_how_many(api, defined):
    for _ in range(3):
        user = factories.consumer()
        ok(api("put", f"/users/{user.pk}/custom-attributes/{defined['number']['ID']}", {"Value": "1"}))
    ok(api("delete", f"{BASE}/{defined['number']['ID']}"))
    assert not UserAttributeValue.objects.exists()
    note = AuditEntry.objects.get(object_type="accounts.customattribute", action="other").note
    assert note == "deleted with 3 user values"


# --- the Admin Portal ---------------------------------------------------------------------------

def _user_form(user, **extra):
    data = {"email": user.email, "first_name": user.first_name, "last_name": user.last_name, "role": user.role,
            "organisation": user.organisation_id, "teams": [t.pk for t in user.teams.all()], "is_active": "on"}
    return {**data, **extra}


def test_the_admin_portal_defines_attributes_and_refuses_bad_ones(client, admin):
    client.force_login(admin)
    page = client.get("/portal-admin/custom-attributes/new/").content.decode()
    assert 'name="dropdown_values"' in page and 'name="write_once"' in page
    form = {"name": "Industry", "identifier": "industry", "type": "2", "behaviour": "1", "dropdown_values": ""}
    response = client.post("/portal-admin/custom-attributes/new/", form)
    assert response.status_code == 200 and "A dropdown needs at least one option" in response.content.decode()
    assert not CustomAttribute.objects.exists()
    response = client.post("/portal-admin/custom-attributes/new/", {**form, "dropdown_values": "Fleet,Cities"})
    assert response.status_code == 302
    attribute = CustomAttribute.objects.get()
    assert attributes.options(attribute) == ["Fleet", "Cities"]
    listed = client.get("/portal-admin/custom-attributes/").content.decode()
    assert "industry" in listed and "Dropdown" in listed


def test_the_admin_portal_user_form_shows_and_checks_attributes(client, admin):
    industry = CustomAttribute.objects.create(name="Industry", identifier="industry", type=2,
                                              dropdown_values="Fleet,Cities", required=True)
    once = CustomAttribute.objects.create(name="Tax ID", identifier="tax_id", write_once=True)
    seats = CustomAttribute.objects.create(name="Seats", identifier="seats", type=4)
    user = factories.consumer()
    client.force_login(admin)
    url = f"/portal-admin/users/{user.pk}/"
    page = client.get(url).content.decode()
    assert 'name="attr_industry"' in page and 'name="attr_tax_id"' in page and 'name="attr_seats"' in page

    # Wrong values: form errors, nothing saved (the dropdown value is posted outside its options).
    response = client.post(url, _user_form(user, first_name="Changed", attr_industry="Ships", attr_seats="lots"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Select a valid choice" in body and "Give a number" in body
    user.refresh_from_db()
    assert user.first_name != "Changed" and attributes.current_values(user) == {}
    assert "This field is required" in client.post(url, _user_form(user)).content.decode()

    response = client.post(url, _user_form(user, attr_industry="Fleet", attr_tax_id="GB1", attr_seats="3"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert attributes.current_values(user) == {industry.pk: "Fleet", once.pk: "GB1", seats.pk: "3"}
    entry = AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk)).latest("pk")
    assert entry.changes["attribute:industry"] == [None, "Fleet"]

    # The write-once value is now read-only: what is posted for it does not count.
    assert client.post(url, _user_form(user, attr_industry="Cities", attr_tax_id="GB2")).status_code == 302
    assert attributes.current_values(user) == {industry.pk: "Cities", once.pk: "GB1"}
    listed = client.get("/portal-admin/users/").content.decode()
    assert "Industry: Cities" in listed and "Tax ID: GB1" in listed


# --- the Live Portal ----------------------------------------------------------------------------

SIGN_UP = "/auth/password/register"
PASSWORD = "a-brand-new-passphrase"


def _sign_up(client, **extra):
    return client.post(SIGN_UP, {"email": "new@example.com", "first_name": "Nina", "last_name": "New",
                                 "password": PASSWORD, "password_again": PASSWORD, **extra})


@pytest.fixture
def sign_up_attributes(db):
    return {
        "terms": CustomAttribute.objects.create(name="I accept the terms", identifier="terms", type=3, required=True,
                                                show_on_signup=True, behaviour=2),
        "industry": CustomAttribute.objects.create(name="Industry", identifier="industry", type=2,
                                                   dropdown_values="Fleet,Cities", show_on_signup=True),
        "tier": CustomAttribute.objects.create(name="Tier", identifier="tier", behaviour=3),
        "notes": CustomAttribute.objects.create(name="Notes", identifier="notes"),  # not on the sign-up form
    }


def test_sign_up_asks_for_the_attributes_marked_so_and_requires_the_required(client, sign_up_attributes):
    page = client.get(SIGN_UP).content.decode()
    assert 'name="attr_terms"' in page and 'name="attr_industry"' in page
    assert 'name="attr_tier"' not in page and 'name="attr_notes"' not in page
    missing = _sign_up(client, attr_industry="Fleet")
    assert missing.status_code == 400 and "This field is required" in missing.content.decode()
    outside = _sign_up(client, attr_terms="on", attr_industry="Ships")
    assert outside.status_code == 400 and "Select a valid choice" in outside.content.decode()
    assert not factories.User.objects.filter(email="new@example.com").exists()
    # Fields for attributes the form does not show are posted anyway: not read.
    done = _sign_up(client, attr_terms="on", attr_industry="Cities", attr_tier="Gold", attr_notes="hi")
    assert done.status_code == 302, done.content.decode()[:3000]
    user = factories.User.objects.get(email="new@example.com")
    assert attributes.values_by_identifier(user) == {"terms": "true", "industry": "Cities"}


def test_the_sign_up_rule_refuses_what_the_form_would_not_show():
    from forecourt.accounts import signup

    with pytest.raises(ValidationError, match="You cannot set this attribute"):
        signup.sign_up(signup.SignUp("x@example.com", "X", "Y", PASSWORD, attributes={
            CustomAttribute.objects.create(name="Tier", identifier="tier", behaviour=3): "Gold"}),
            "http://testserver")
    terms = CustomAttribute.objects.create(name="Terms", identifier="terms", type=3, required=True,
                                           show_on_signup=True)
    company = CustomAttribute.objects.create(name="Company", identifier="company", required=True,
                                             show_on_signup=True)
    for given in ({}, {terms: "false", company: "Acme"}, {terms: "true", company: " "}):
        with pytest.raises(ValidationError):
            signup.sign_up(signup.SignUp("x@example.com", "X", "Y", PASSWORD, attributes=given), "http://testserver")
    assert not factories.User.objects.filter(email="x@example.com").exists()
    signup.sign_up(signup.SignUp("x@example.com", "X", "Y", PASSWORD, attributes={terms: "true", company: "Acme"}),
                   "http://testserver")
    assert attributes.values_by_identifier(factories.User.objects.get(email="x@example.com")) == {
        "terms": "true", "company": "Acme"}


def test_the_account_page_edits_only_what_the_user_may(client, sign_up_attributes):
    user = factories.consumer(first_name="Dev")
    CustomAttribute.objects.create(name="Company", identifier="company", write_once=True)
    attributes.store(user, {sign_up_attributes["terms"]: "true", sign_up_attributes["tier"]: "Gold"})
    client.force_login(user)
    page = client.get("/my-account").content.decode()
    assert 'name="attr_industry"' in page and 'name="attr_notes"' in page and 'name="attr_company"' in page
    assert 'name="attr_terms"' not in page and "I accept the terms" in page  # view-only: shown as text
    assert 'name="attr_tier"' not in page and "Gold" not in page  # admins only: not shown at all
    form = {"action": "profile", "first_name": "Dev", "last_name": "", "attr_industry": "Fleet",
            "attr_notes": "hello", "attr_company": "Acme",
            "attr_tier": "Platinum", "attr_terms": ""}  # fields the page does not have, posted anyway
    assert client.post("/my-account", form).status_code == 302
    assert attributes.values_by_identifier(user) == {"terms": "true", "industry": "Fleet", "tier": "Gold",
                                                     "notes": "hello", "company": "Acme"}
    # The write-once value is now shown as text, and posting it changes nothing.
    page = client.get("/my-account").content.decode()
    assert 'name="attr_company"' not in page and "Acme" in page
    assert client.post("/my-account", {**form, "attr_company": "Evil"}).status_code == 302
    assert attributes.values_by_identifier(user)["company"] == "Acme"
    bad = client.post("/my-account", {**form, "first_name": "Changed", "attr_industry": "Ships"})
    assert bad.status_code == 400
    user.refresh_from_db()
    assert user.first_name == "Dev" and attributes.values_by_identifier(user)["industry"] == "Fleet"


def test_webhook_events_carry_the_users_attributes(client, sign_up_attributes):
    from forecourt.webhooks.models import Event

    _sign_up(client, attr_terms="on", attr_industry="Fleet")
    message = Event.objects.get(name="UserRegistered").message
    assert message["CustomAttributes"] == {"terms": "true", "industry": "Fleet"}


# --- the gateway: credentials' metadata at the Tyk Dashboard simulator -----------------------------

def test_keys_carry_the_attributes_and_fields_marked_for_metadata(admin, tyk_dashboard):
    from forecourt.access import services as access
    from forecourt.access.models import Credential
    from forecourt.catalog.models import Plan, Product
    from forecourt.jobs import queue
    from forecourt.jobs.models import Job
    from forecourt.providers import sync
    from forecourt.providers.models import Provider

    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                       policy_tags=["portal"])
    sync.sync(provider)
    product = Product.objects.get(name="Payments Product")
    product.published = True
    product.save()
    plan = Plan.objects.get(name="Free Plan")
    org = factories.organisation("Acme")
    owner = factories.consumer(org, first_name="Ann")
    tier = CustomAttribute.objects.create(name="Tier", identifier="tier", behaviour=3, add_to_key_metadata=True)
    clash = CustomAttribute.objects.create(name="Dev", identifier="DeveloperID", add_to_key_metadata=True)
    private = CustomAttribute.objects.create(name="Phone", identifier="phone")  # not for the gateway
    attributes.store(owner, {tier: "gold", clash: "someone-else", private: "555"})
    attributes.set_default(attributes.DEFAULTS_BY_ID[1], True, admin)  # First name
    attributes.set_default(attributes.DEFAULTS_BY_ID[5], True, admin)  # Organisation name
    request = access.submit_request(factories.app(owner), factories.catalogue([product], [plan]), plan, [product],
                                    owner)
    Job.objects.all().delete()
    access.approve(request, admin)
    Job.objects.exclude(name="access.provision").delete()
    assert queue.run_next("test") is True
    credential = Credential.objects.get(access_request=request)
    meta = tyk_dashboard.hashed_keys[credential.provider_reference]["meta_data"]
    assert meta["tier"] == "gold" and meta["First"] == "Ann" and meta["Organisation"] == "Acme"
    assert meta["DeveloperID"] == str(owner.pk)  # whose key it is cannot be overwritten by an attribute
    assert "phone" not in meta and "Last" not in meta and "Email" not in meta


def test_the_admin_portal_chooses_the_built_in_fields_for_credentials(client, admin, consumer):
    client.force_login(consumer)
    assert client.get("/portal-admin/custom-attributes/built-in/").status_code == 404  # consumers: not a page
    assert client.post("/portal-admin/custom-attributes/built-in/", {"default-3": "on"}).status_code == 404
    assert not any(attributes.default_settings().values())
    client.force_login(admin)
    assert "built-in/" in client.get("/portal-admin/custom-attributes/").content.decode()
    page = client.get("/portal-admin/custom-attributes/built-in/").content.decode()
    assert 'name="default-1"' in page and "Team names" in page
    assert client.post("/portal-admin/custom-attributes/built-in/", {"default-3": "on", "default-6": "on"}
                       ).status_code == 302
    assert [k for k, on in attributes.default_settings().items() if on] == ["email", "team_names"]


def test_built_in_fields_are_named_in_the_admins_language_and_in_english_by_the_admin_api(client, admin, api):
    """The names are UI text on the Admin Portal's page and data in the Admin API (Tyk's labels)."""
    client.force_login(admin)
    page = client.get("/portal-admin/custom-attributes/built-in/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Teamnamen" in page and "E-Mail" in page and "Team names" not in page
    labels = [d["Label"] for d in ok(api("get", "/extended_attributes/1"))["DefaultAttributes"]]
    assert labels == ["First name", "Last name", "Email", "Role", "Organisation name", "Team names"]


def test_the_admin_portal_user_page_lists_every_attribute(client, admin):
    CustomAttribute.objects.create(name="Tier", identifier="tier", behaviour=3)
    seats = CustomAttribute.objects.create(name="Seats", identifier="seats", type=4)
    user = factories.consumer()
    attributes.store(user, {seats: "12"})
    client.force_login(admin)
    page = client.get(f"/portal-admin/users/{user.pk}/actions/").content.decode()
    assert "<dt>Tier</dt><dd>—</dd>" in page and "<dt>Seats</dt><dd>12</dd>" in page
