"""Security headers on every kind of page: the Content-Security-Policy with its per-response nonce,
HSTS and Secure cookies when the portal is reached over HTTPS, and X-Forwarded-Proto believed only
from TrustedProxies. (The policy in a real browser: test_security_headers_browser.py; TLS served
directly: test_tls.py.)"""

import dataclasses
import json
import os
import re
import subprocess
import sys

import pytest

from forecourt.catalog.models import Catalogue
from forecourt.notify.models import EmailLog

from . import csp_support, themes_support
from .conftest import PASSWORD
from .test_live_catalogue import OAS, product

NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")


def policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    return csp_support.directives(header)


def assert_strict(directives: dict[str, list[str]], frames: str = "'none'") -> None:
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-src"] == [frames]  # default-src 'self' alone lets a page frame the portal
    scripts = directives["script-src"]
    assert scripts[0] == "'self'" and all(s == "'self'" or NONCE.fullmatch(s) for s in scripts), scripts
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert all("'unsafe-eval'" not in sources for sources in directives.values())


@pytest.fixture
def docs(db, settings, monkeypatch):
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    item = product("Pets", [public], [{"name": "Pets API", "auth_type": "authToken", "oas_document": json.dumps(OAS)}])
    return item, item.apis.get()


def use_renderer(settings, monkeypatch, name):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, product_doc_renderer=name)


# -- the policy on every kind of page -------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/catalogue-products", "/catalogue-products/pets", "/no-such-page",
                                  "/auth/password/login", "/portal-admin/sign-in/", "/portal-api/docs"])
def test_public_pages_have_the_strict_policy(client, docs, path):
    response = client.get(path)
    assert response.status_code == (404 if path == "/no-such-page" else 200), path
    assert response["Content-Type"].startswith("text/html")
    directives = policy(response)
    assert_strict(directives)
    assert directives["style-src"][0] == "'self'" and "'unsafe-inline'" not in directives["style-src"]


def test_admin_portal_pages_have_the_strict_policy(client, admin):
    client.force_login(admin)
    for path in ("/portal-admin/", "/portal-admin/users/", "/portal-admin/themes/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(policy(response))


@pytest.mark.parametrize("renderer", ["stoplight", "redoc"])
def test_docs_page_policy_allows_the_renderer_and_no_inline_script(client, docs, settings, monkeypatch, renderer):
    item, api = docs
    use_renderer(settings, monkeypatch, renderer)
    response = client.get(f"/catalogue-products/{item.slug}/{api.pk}/docs")
    assert response.status_code == 200
    directives = policy(response)
    assert_strict(directives)
    # The renderers inject <style> elements: inline styles, and no nonce there (it would void 'unsafe-inline').
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["worker-src"] == ["'self'", "blob:"] and directives["connect-src"] == ["'self'"]
    # The page's nonce is the one its theme was given.
    nonce = NONCE.fullmatch(directives["script-src"][1]).group(1)
    assert nonce and directives["script-src"] == ["'self'", f"'nonce-{nonce}'"]


def test_theme_inline_scripts_run_with_the_nonce_and_each_response_has_its_own(client, db):
    themes_support.store(name="acme", **{
        "views__home_DOT_html": '{% extends layout %}{% block content %}<h1>Acme</h1>'
                                '<script nonce="{{ csp_nonce }}">window.ok = 1</script>{% endblock %}'})
    from forecourt.themes import storage

    storage.activate("acme", None)
    seen = set()
    for _ in range(3):
        response = client.get("/")
        nonce = NONCE.fullmatch(policy(response)["script-src"][1]).group(1)
        assert f'<script nonce="{nonce}">window.ok = 1</script>' in response.content.decode()
        seen.add(nonce)
    assert len(seen) == 3  # a fresh, unguessable nonce per response
    assert len(next(iter(seen))) >= 22  # 128 bits, base64


def test_served_files_keep_their_own_stricter_policy(client, docs):
    item, api = docs
    document = client.get(f"/catalogue-products/{item.slug}/{api.pk}/openapi")
    assert document["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    asset = client.get("/assets/css/portal.css")
    assert asset["Content-Security-Policy"].endswith("sandbox")


def test_email_preview_page_allows_inline_styles_but_no_scripts(client, admin):
    entry = EmailLog.objects.create(to="a@example.com", subject="Hello", template="test",
                                    body_text="Hi", body_html='<p style="color:red">Hi</p>',
                                    status=EmailLog.Status.SENT)
    client.force_login(admin)
    response = client.get(f"/portal-admin/email-log/{entry.pk}/")
    assert response.status_code == 200
    directives = policy(response)
    assert_strict(directives, frames="'self'")  # its own sandboxed iframe, and nothing else
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert 'sandbox srcdoc="&lt;p style=&quot;color:red&quot;&gt;Hi&lt;/p&gt;"' in response.content.decode()


# -- HSTS and Secure cookies ---------------------------------------------------------------------------

def derived_settings(tmp_path, **env: str) -> dict:
    """forecourt.settings as a fresh process derives it from these PORTAL_* variables."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "TYK_PORTAL_"))}
    environ.update({"PORTAL_DATADIR": str(tmp_path), **env})
    code = ("import json, forecourt.settings as s; print(json.dumps({k: getattr(s, k) for k in "
            "('SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'HSTS_HEADER', 'CSRF_TRUSTED_ORIGINS')}))")
    done = subprocess.run([sys.executable, "-c", code], env=environ, cwd=tmp_path, capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_https_public_url_makes_cookies_secure_and_sends_hsts(tmp_path):
    assert derived_settings(tmp_path, PORTAL_PUBLIC_URL="https://portal.example.com") == {
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "HSTS_HEADER": "max-age=31536000",
        "CSRF_TRUSTED_ORIGINS": ["https://portal.example.com"]}
    assert derived_settings(tmp_path, PORTAL_PUBLIC_URL="http://portal.example.com") == {
        "SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False, "HSTS_HEADER": "",
        "CSRF_TRUSTED_ORIGINS": ["http://portal.example.com"]}
    assert derived_settings(tmp_path) == {"SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False,
                                          "HSTS_HEADER": "", "CSRF_TRUSTED_ORIGINS": []}
    # Session.Secure still works on its own; HSTS is tuned or turned off with HSTS.*.
    assert derived_settings(tmp_path, PORTAL_SESSION_SECURE="true")["SESSION_COOKIE_SECURE"] is True
    assert derived_settings(tmp_path, PORTAL_PUBLIC_URL="https://p.example", PORTAL_HSTS_MAX_AGE="0")[
        "HSTS_HEADER"] == ""
    assert derived_settings(tmp_path, PORTAL_PUBLIC_URL="https://p.example", PORTAL_HSTS_PRELOAD="1")[
        "HSTS_HEADER"] == "max-age=31536000; includeSubDomains; preload"


def sign_in_admin(client, admin):
    client.get("/portal-admin/sign-in/")
    return client.post("/portal-admin/sign-in/", {"username": admin.email, "password": PASSWORD})


def test_with_https_every_answer_has_hsts_and_cookies_are_secure(client, admin, settings):
    settings.HSTS_HEADER = "max-age=31536000"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    page = client.get("/portal-admin/sign-in/")
    assert page["Strict-Transport-Security"] == "max-age=31536000"
    assert page.cookies["portal-csrftoken"]["secure"] is True
    signed_in = sign_in_admin(client, admin)
    assert signed_in.status_code == 302, signed_in.content[:300]
    assert signed_in.cookies[settings.SESSION_COOKIE_NAME]["secure"] is True
    assert client.get("/live")["Strict-Transport-Security"] == "max-age=31536000"
    assert client.get("/catalogue-products")["Strict-Transport-Security"] == "max-age=31536000"


def test_without_https_no_hsts_and_cookies_are_not_secure(client, admin, settings):
    page = client.get("/portal-admin/sign-in/")
    assert "Strict-Transport-Security" not in page
    assert page.cookies["portal-csrftoken"]["secure"] == ""
    assert sign_in_admin(client, admin).cookies[settings.SESSION_COOKIE_NAME]["secure"] == ""


# -- X-Forwarded-Proto from trusted proxies only ---------------------------------------------------------

@pytest.mark.parametrize(("remote", "header", "secure"), [
    ("10.0.0.5", "https", True),
    ("10.0.0.5", "HTTPS", True),
    ("10.0.0.5", "http, https", True),   # the right-most entry: what the proxy next to us saw
    ("10.0.0.5", "https, http", False),
    ("10.0.0.5", "gopher", False),
    ("203.0.113.9", "https", False),     # anyone else only claims it
    ("not-an-address", "https", False),
])
def test_forwarded_proto_is_believed_only_from_a_trusted_proxy(rf, settings, remote, header, secure):
    from forecourt.ops import forwarded_proto

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO=header, HTTP_HOST="portal.example.com")
    seen = []
    forwarded_proto.ForwardedProtoMiddleware(lambda r: seen.append((r.is_secure(), r.build_absolute_uri("/x"))))(
        request)
    assert seen == [(secure, f"{'https' if secure else 'http'}://portal.example.com/x")]


def test_forwarded_proto_is_ignored_without_trusted_proxies(rf, settings):
    from forecourt.ops import forwarded_proto

    settings.TRUSTED_PROXIES = []
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_PROTO="https")
    assert forwarded_proto.ForwardedProtoMiddleware(lambda r: r.is_secure())(request) is False


def test_a_trusted_proxys_https_reaches_the_views(client, settings, admin):
    """End to end through the middleware stack: Django's HTTPS rules (a Referer on POST) apply to a
    request the trusted proxy received over HTTPS, and not to one whose claim comes from elsewhere."""
    from django.test import Client

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    strict = Client(enforce_csrf_checks=True)
    strict.get("/portal-admin/sign-in/")
    token = strict.cookies["portal-csrftoken"].value
    form = {"username": admin.email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    via_proxy = strict.post("/portal-admin/sign-in/", form, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_PROTO="https")
    assert via_proxy.status_code == 403 and b"Referer" in via_proxy.content  # treated as HTTPS: no Referer, refused
    direct = strict.post("/portal-admin/sign-in/", form, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert direct.status_code == 302  # plain HTTP: the claim was ignored


def test_forms_posted_from_the_https_public_url_pass_behind_an_untrusted_tls_proxy(settings, admin):
    """A proxy that ends TLS but is not in TrustedProxies makes the request look like plain HTTP, while
    the browser's Origin is https://PublicURL: Django's Origin check must accept that origin (settings.py
    trusts PublicURL's), or every form, sign-in included, answers 403."""
    from django.test import Client

    settings.TRUSTED_PROXIES = []

    def sign_in(origin: str, trusted: list[str]) -> int:
        settings.CSRF_TRUSTED_ORIGINS = trusted  # before the client loads (and caches) its middleware
        strict = Client(enforce_csrf_checks=True)
        strict.get("/portal-admin/sign-in/", HTTP_HOST="portal.example.com")
        form = {"username": admin.email, "password": PASSWORD,
                "csrfmiddlewaretoken": strict.cookies["portal-csrftoken"].value}
        return strict.post("/portal-admin/sign-in/", form, HTTP_HOST="portal.example.com", HTTP_ORIGIN=origin
                           ).status_code

    assert sign_in("https://portal.example.com", []) == 403
    assert sign_in("https://portal.example.com", ["https://portal.example.com"]) == 302
    assert sign_in("https://evil.example", ["https://portal.example.com"]) == 403  # other sites still refused
