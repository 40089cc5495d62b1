"""Theme management in the Admin Portal (/portal-admin/themes/) and the Admin API (/portal-api/themes)."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forecourt.accounts.models import Role, User
from forecourt.audit.models import AuditEntry
from forecourt.themes import storage
from forecourt.themes.models import Theme, ThemeState

from . import themes_support as ts

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider_admin(db):
    return User.objects.create_user("pa@example.com", "a-long-passphrase", role=Role.PROVIDER_ADMIN)


def zip_upload(files=None, name="acme.zip"):
    return SimpleUploadedFile(name, ts.make_zip(files or ts.theme_files()), content_type="application/zip")


# Admin Portal


def test_theme_pages_need_an_admin(client, consumer):
    assert client.get("/portal-admin/themes/").status_code == 302
    client.force_login(consumer)
    assert client.get("/portal-admin/themes/").status_code == 404


def test_list_upload_activate_download_delete(client, admin):
    client.force_login(admin)
    page = client.get("/portal-admin/themes/")
    assert page.status_code == 200 and "Bundled (read-only)" in page.content.decode()
    response = client.post("/portal-admin/themes/upload/", {"file": zip_upload()}, follow=True)
    assert "Theme “acme” 1.0.0 uploaded." in response.content.decode()
    assert Theme.objects.filter(name="acme").exists()
    client.post("/portal-admin/themes/acme/activate/")
    assert storage.configured_active() == "acme"
    download = client.get("/portal-admin/themes/acme/download/")
    assert download["Content-Type"] == "application/zip"
    assert "views/home.html" in zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    refused = client.post("/portal-admin/themes/acme/delete/")
    assert refused.status_code == 409 and "active theme" in refused.content.decode()
    client.post("/portal-admin/themes/default/activate/")
    assert client.get("/portal-admin/themes/acme/delete/").status_code == 200
    client.post("/portal-admin/themes/acme/delete/")
    assert not Theme.objects.exists()
    assert client.get("/portal-admin/themes/default/delete/").status_code == 404


def test_refused_upload_lists_the_errors(client, admin):
    client.force_login(admin)
    bad = ts.theme_files(views__home_DOT_html="{% extends layout %}{% block content %}{{ x.__class__ }}{% endblock %}")
    response = client.post("/portal-admin/themes/upload/", {"file": zip_upload(bad)})
    assert response.status_code == 422
    assert "views/home.html:1: SecurityError" in response.content.decode()
    assert client.post("/portal-admin/themes/upload/", {}).status_code == 422


def test_provider_admins_may_look_and_preview_but_not_change(client, provider_admin):
    ts.store()
    client.force_login(provider_admin)
    page = client.get("/portal-admin/themes/").content.decode()
    assert "Upload a theme" not in page and "Preview" in page
    assert client.post("/portal-admin/themes/upload/", {"file": zip_upload()}).status_code == 403
    assert client.post("/portal-admin/themes/acme/activate/").status_code == 403
    assert client.post("/portal-admin/themes/acme/delete/").status_code == 403
    assert client.post("/portal-admin/themes/acme/preview/").status_code == 302
    assert client.get("/portal-admin/themes/acme/download/").status_code == 200


def test_banner_and_dismiss(client, admin):
    ThemeState.objects.create(pk=1, problem="views/home.html, line 2: boom", problem_theme="acme")
    client.force_login(admin)
    assert "views/home.html, line 2: boom" in client.get("/portal-admin/").content.decode()
    client.post("/portal-admin/themes/problem/dismiss/")
    assert "theme-problem" not in client.get("/portal-admin/").content.decode()


def test_admin_nav_links_to_themes(client, admin):
    client.force_login(admin)
    assert 'href="/portal-admin/themes/"' in client.get("/portal-admin/").content.decode()


# Admin API


def api_upload(client, token, data: bytes):
    return client.post("/portal-api/themes/upload", {"file": SimpleUploadedFile("t.zip", data)},
                       headers={"Authorization": token})


@pytest.fixture
def token(admin):
    from forecourt.accounts import tokens

    return tokens.issue(admin)


def test_api_list_upload_activate_download_delete(client, api, token):
    listed = api("get", "/themes").json()
    assert listed[0] == {**listed[0], "ID": "default", "Source": "bundled", "ReadOnly": True, "Status": "Current"}
    response = api_upload(client, token, ts.make_zip(ts.theme_files()))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["Name"], body["Version"], body["Source"], body["Replaced"]) == ("acme", "1.0.0", "uploaded", False)
    assert api_upload(client, token, ts.make_zip(ts.theme_files())).json()["Replaced"] is True
    assert api("put", "/themes/acme/activate").json()["Status"] == "Current"
    assert api("get", "/themes/acme").json()["Status"] == "Current"
    download = api("get", "/themes/acme/download")
    assert download["Content-Type"] == "application/zip"
    assert json.loads(zipfile.ZipFile(io.BytesIO(download.content)).read("theme.json"))["name"] == "acme"
    conflict = api("delete", "/themes/acme")
    assert conflict.status_code == 409 and conflict.json()["status"] == "error"
    assert api("delete", "/themes/default").status_code == 409
    api("put", "/themes/default/activate")
    assert api("get", "/themes/acme").json()["Status"] == "Not in use"
    assert api("delete", "/themes/acme").json() == {"status": "ok"}
    assert api("get", "/themes/acme").status_code == 404
    assert api("delete", "/themes/acme").status_code == 404
    assert api("put", "/themes/nope/activate").status_code == 404
    assert api("get", "/themes/..%2F..%2Fetc").status_code in (404, 422)
    actions = set(AuditEntry.objects.filter(object_type__startswith="themes.").values_list("action", flat=True))
    assert actions == {"create", "update", "activate", "delete"}


def test_api_refused_upload_lists_every_error(client, token):
    bad = ts.theme_files(views__home_DOT_html="{{ ''.__class__ }}", layouts__site_layout_DOT_html=None)
    response = api_upload(client, token, ts.make_zip(bad))
    assert response.status_code == 422
    assert response.json() == {"status": "error",
                               "errors": ["theme.json names layouts/site_layout.html, which is not in the zip"]}
    response = api_upload(client, token, ts.make_zip(ts.theme_files(views__home_DOT_html="{{ ''.__class__ }}")))
    assert response.status_code == 422 and response.json()["errors"][0].startswith("views/home.html:1:")


def test_api_upload_over_max_upload_size_is_413(client, token, settings):
    settings.MAX_UPLOAD_SIZE = 100
    assert api_upload(client, token, ts.make_zip(ts.theme_files())).status_code == 413


def test_api_changes_are_for_super_admins(client, provider_admin):
    from forecourt.accounts import tokens

    ts.store()
    token = tokens.issue(provider_admin)
    headers = {"Authorization": token}
    assert client.get("/portal-api/themes", headers=headers).status_code == 200
    assert api_upload(client, token, ts.make_zip(ts.theme_files())).status_code == 403
    assert client.put("/portal-api/themes/acme/activate", headers=headers).status_code == 403
    assert client.delete("/portal-api/themes/acme", headers=headers).status_code == 403
    assert client.get("/portal-api/themes").status_code == 401
