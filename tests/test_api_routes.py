"""/portal-api paths no operation answers: Tyk's error envelope (404 without a route, 405 with the
wrong method), while the Live Portal and Admin Portal keep their own error pages."""

import pytest

from . import factories

pytestmark = pytest.mark.django_db


def envelope(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == "error" and len(body["errors"]) == 1 and body["errors"][0], body
    return body["errors"][0]


def test_an_unknown_route_is_a_404_in_the_envelope(api, client):
    for method, path in (("get", "/no-such-thing"), ("post", "/providers/1/no-such-action"),
                         ("get", "/providers/"), ("delete", "/products/abc/docs/x/y")):
        error = envelope(api(method, path), 404)
        assert f"/portal-api{path}" in error
    # Without a token too: there is nothing to authenticate for.
    assert "/portal-api/nope" in envelope(client.get("/portal-api/nope"), 404)


def test_a_missing_object_keeps_the_operations_own_404(api):
    assert envelope(api("get", "/providers/999999"), 404) == "No Provider matches the given query."


def test_a_wrong_method_is_a_405_in_the_envelope(api):
    response = api("delete", "/version")
    error = envelope(response, 405)
    assert response["Allow"] == "GET" and "DELETE" in error and "GET" in error
    provider = factories.provider()
    response = api("post", f"/providers/{provider.pk}/synchronize", {})
    envelope(response, 405)
    assert response["Allow"] == "PUT"
    response = api("patch", f"/providers/{provider.pk}", {})
    envelope(response, 405)
    assert set(response["Allow"].split(", ")) == {"GET", "PUT", "DELETE"}


def test_live_portal_and_admin_portal_errors_are_unchanged(client, admin):
    live = client.get("/no-such-page/")
    assert live.status_code == 404 and live["Content-Type"].startswith("text/html")
    assert live.content.lstrip().lower().startswith(b"<!doctype html")
    client.force_login(admin)
    admin_404 = client.get("/portal-admin/no-such-resource/")
    assert admin_404.status_code == 404 and admin_404["Content-Type"].startswith("text/html")
    admin_405 = client.get("/portal-admin/providers/sync-all/")
    assert admin_405.status_code == 405 and not admin_405["Content-Type"].startswith("application/json")
