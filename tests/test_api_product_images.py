"""/portal-api/products/{id}/logo and /preview (Tyk's product images), and the Live Portal showing them.

An image is taken by what its bytes are, not by its name or its Content-Type, and served as that type
with nosniff; SVG is refused; the Admin Portal's product form and the API share the rule.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forecourt.audit.models import AuditEntry
from forecourt.catalog import images
from forecourt.catalog.models import Product

from . import factories

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32
GIF = b"GIF89a" + b"\0" * 32
WEBP = b"RIFF\x10\0\0\0WEBPVP8 " + b"\0" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(api_client, token, path, name, content, content_type="image/png"):
    return api_client.post(f"/portal-api{path}", {"file": SimpleUploadedFile(name, content, content_type)},
                           headers={"Authorization": token})


@pytest.fixture
def send(client, admin):
    from forecourt.accounts import tokens

    token = tokens.issue(admin)

    def call(path, name, content, content_type="image/png"):
        return upload(client, token, path, name, content, content_type)

    return call


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin)
    return client


def body_of(response):
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(("content", "content_type"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"),
                                                       (WEBP, "image/webp")], ids=["png", "jpeg", "gif", "webp"])
@pytest.mark.parametrize("kind", ["logo", "preview"])
def test_an_image_is_uploaded_served_and_removed(api, send, kind, content, content_type, media,
                                                django_capture_on_commit_callbacks):
    product = factories.product()
    assert api("get", f"/products/{product.pk}/{kind}").status_code == 404
    # Named and labelled as something else: its bytes decide what it is served as.
    answer = send(f"/products/{product.pk}/{kind}", "picture.bin", content, "application/octet-stream")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"status": "ok"}
    served = api("get", f"/products/{product.pk}/{kind}")
    assert served.status_code == 200 and body_of(served) == content
    assert served["Content-Type"] == content_type and served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    full = api("get", f"/products/{product.pk}").json()
    assert full["Logo" if kind == "logo" else "Preview"] == f"/portal-api/products/{product.pk}/{kind}"
    stored = getattr(Product.objects.get(pk=product.pk), kind).name
    assert AuditEntry.objects.filter(action="update", object_id=str(product.pk)).latest("pk").changes[kind][1] == stored

    with django_capture_on_commit_callbacks(execute=True):
        assert api("delete", f"/products/{product.pk}/{kind}").json() == {"status": "ok"}
    assert api("get", f"/products/{product.pk}/{kind}").status_code == 404
    assert not (media / stored).exists()  # the file goes with it
    assert api("delete", f"/products/{product.pk}/{kind}").status_code == 200  # again: nothing to do


def test_replacing_an_image_removes_the_old_file(send, media, django_capture_on_commit_callbacks):
    product = factories.product()
    assert send(f"/products/{product.pk}/logo", "a.png", PNG).status_code == 200
    first = Product.objects.get(pk=product.pk).logo.name
    with django_capture_on_commit_callbacks(execute=True):
        assert send(f"/products/{product.pk}/logo", "b.gif", GIF).status_code == 200
    second = Product.objects.get(pk=product.pk).logo.name
    assert second != first and second.endswith(".gif")
    assert not (media / first).exists() and (media / second).exists()


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("fake.png", b"<html><script>alert(1)</script></html>", "not a PNG, JPEG, GIF or WebP image"),
    ("icon.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "SVG images are not accepted"),
    ("icon.png", b'<?xml version="1.0"?><svg><script>alert(1)</script></svg>', "SVG images are not accepted"),
    ("empty.png", b"", "empty"),
])
def test_what_is_not_an_image_is_refused_and_nothing_changes(api, send, name, content, problem):
    product = factories.product()
    assert send(f"/products/{product.pk}/logo", "ok.png", PNG).status_code == 200
    before = Product.objects.get(pk=product.pk).logo.name
    audited = AuditEntry.objects.count()
    answer = send(f"/products/{product.pk}/logo", name, content)
    assert answer.status_code == 422, answer.content
    assert answer.json()["status"] == "error" and problem in answer.json()["errors"][0]
    assert Product.objects.get(pk=product.pk).logo.name == before and AuditEntry.objects.count() == audited


def test_the_size_limits(send):
    product = factories.product()
    too_big = PNG + b"\0" * images.MAX_BYTES["logo"]
    answer = send(f"/products/{product.pk}/logo", "big.png", too_big)
    assert answer.status_code == 422 and "at most 1 MB" in answer.json()["errors"][0]
    assert send(f"/products/{product.pk}/preview", "big.png", too_big).status_code == 200  # previews: 2 MB
    answer = send(f"/products/{product.pk}/preview", "big.png", PNG + b"\0" * images.MAX_BYTES["preview"])
    assert answer.status_code == 422 and "at most 2 MB" in answer.json()["errors"][0]


def test_another_product_or_none(api, send):
    assert send("/products/999999/logo", "a.png", PNG).status_code == 404
    assert api("get", "/products/999999/preview").status_code == 404
    assert api("delete", "/products/999999/logo").status_code == 404
    product = factories.product()
    answer = api("post", f"/products/{product.pk}/logo", {"file": "not a file"})
    assert answer.status_code == 422 and Product.objects.get(pk=product.pk).logo.name == ""


def test_the_admin_portal_form_uploads_replaces_and_removes(signed_in, media, django_capture_on_commit_callbacks):
    form = {"display_name": "Weather", "name": "weather", "slug": "weather"}
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    response = signed_in.post("/portal-admin/products/new/", {**form, "preview": fake})
    assert "is not a PNG, JPEG, GIF or WebP image" in response.context["form"].errors["preview"][0]
    assert not Product.objects.filter(slug="weather").exists()
    png = SimpleUploadedFile("x.webp", PNG, content_type="image/webp")
    assert signed_in.post("/portal-admin/products/new/", {**form, "preview": png}).status_code == 302
    product = Product.objects.get(slug="weather")
    assert product.preview.name.startswith("previews/preview") and product.preview.name.endswith(".png")
    stored = product.preview.name
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(f"/portal-admin/products/{product.pk}/", {**form, "preview-clear": "on"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.preview.name == "" and not (media / stored).exists()


def test_the_live_portal_shows_the_logo_and_the_preview(client, send):
    product = factories.product(slug="weather", display_name="Weather", published=True)
    factories.catalogue(products=[product])
    page = client.get("/catalogue-products/weather").content.decode()
    assert "/catalogue-products/weather/logo" not in page and "/catalogue-products/weather/preview" not in page
    assert send(f"/products/{product.pk}/logo", "l.png", PNG).status_code == 200
    assert send(f"/products/{product.pk}/preview", "p.jpg", JPEG).status_code == 200
    assert 'src="/catalogue-products/weather/logo"' in client.get("/catalogue-products").content.decode()
    page = client.get("/catalogue-products/weather").content.decode()
    assert 'src="/catalogue-products/weather/logo"' in page and 'src="/catalogue-products/weather/preview"' in page
    served = client.get("/catalogue-products/weather/preview")
    assert served.status_code == 200 and body_of(served) == JPEG and served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    hidden = factories.product(slug="hidden", published=True)
    hidden.preview.save("preview.png", SimpleUploadedFile("p.png", PNG))
    assert client.get("/catalogue-products/hidden/preview").status_code == 404  # in no catalogue


def test_sniffing():
    assert [images.sniff(b) for b in (PNG, JPEG, GIF, WEBP)] == [".png", ".jpg", ".gif", ".webp"]
    assert images.sniff(b"RIFF\0\0\0\0WAVE") is None and images.sniff(b"") is None
    assert images.content_type("logos/x.PNG") == "image/png" and images.content_type("logos/page.html") is None
