"""An app's redirect URLs: Tyk's own example host (no dot) is accepted, dangerous URLs are refused,
by the Admin API, the Admin Portal's form and the Live Portal's form alike (access/redirects.py)."""

import pytest

from forecourt.access import redirects
from forecourt.access.models import App
from forecourt.resources.forms import AppForm

pytestmark = pytest.mark.django_db

ACCEPTED = [
    "https://app-host/auth",  # Tyk's example: a host name without a dot
    "http://localhost:8080/callback",
    "https://shop.example.com/cb?state=1",
    "https://10.0.0.7:8443/cb",
    "https://[::1]/cb",
    "HTTPS://Upper.Example.COM/cb",
    "https://bücher.example/cb",
]
REFUSED = {
    "javascript:alert(1)": "Not a valid URL",
    "JavaScript://example.com/%0Aalert(1)": "Only http and https URLs",
    "data:text/html,<script>alert(1)</script>": "Not a valid URL",
    "file:///etc/passwd": "Only http and https URLs",
    "ftp://files.example.com": "Only http and https URLs",
    "app-host/auth": "Not a valid URL",  # no scheme
    "//app-host/auth": "Not a valid URL",
    "https:app-host/auth": "Not a valid URL",
    "https://user:pass@app-host/auth": "No user name or password",
    "https://evil.example@app-host/auth": "No user name or password",
    "https://app-host/auth#token": "No fragment",
    "https://app host/auth": "Not a valid URL",
    "https://app-host/au\tth": "Not a valid URL",
    "https://-bad-/cb": "Not a valid URL",
    "https://under_score/cb": "Not a valid URL",
    "https://app-host:99999/cb": "Not a valid URL",
    "https:///cb": "Not a valid URL",
    "https://" + "a" * 2000: "Not a valid URL",
}


@pytest.mark.parametrize("url", ACCEPTED)
def test_accepted(url):
    assert redirects.problem(url) is None


@pytest.mark.parametrize(("url", "message"), REFUSED.items())
def test_refused_with_a_message_naming_the_url(url, message):
    problem = redirects.problem(url)
    assert problem is not None and problem.startswith(message) and url[:20] in problem


def test_the_admin_api_takes_tyks_example_and_refuses_a_script(api, consumer):
    app = api("post", "/apps", {"Name": "A", "UserID": consumer.pk, "RedirectURLs": "https://app-host/auth"})
    assert app.status_code == 200, app.content
    assert app.json()["RedirectURLs"] == "https://app-host/auth"
    before = App.objects.count()
    for bad in ("javascript:alert(1)", "https://u:p@app-host/auth", "app-host/auth"):
        refused = api("post", "/apps", {"Name": "B", "UserID": consumer.pk, "RedirectURLs": f"https://ok/cb,{bad}"})
        assert refused.status_code == 422 and refused.json()["status"] == "error", bad
        assert refused.json()["errors"][0].startswith("RedirectURLs: "), refused.json()
    assert App.objects.count() == before
    unchanged = api("put", f"/apps/{app.json()['ID']}", {"RedirectURLs": "data:text/html,x"})
    assert unchanged.status_code == 422
    assert App.objects.get(pk=app.json()["ID"]).redirect_urls == "https://app-host/auth"


def test_the_admin_portal_form_uses_the_same_rule(consumer):
    base = {"name": "A", "description": "", "owner": consumer.pk, "visibility": App.Visibility.PERSONAL}
    assert AppForm(data={**base, "redirect_urls": "https://app-host/auth\nhttp://localhost/cb"}).is_valid()
    form = AppForm(data={**base, "redirect_urls": "https://app-host/auth\njavascript:alert(1)"})
    assert not form.is_valid() and form.errors["redirect_urls"] == ["Not a valid URL: javascript:alert(1)"]


def test_the_live_portal_completes_a_typed_host_with_https_and_nothing_else():
    assert redirects.completed("shop.example.com/cb") == "https://shop.example.com/cb"
    assert redirects.completed("app-host/auth") == "https://app-host/auth"
    for kept in ("javascript:alert(1)", "data:text/html,x", "//evil.example/cb", "http://a/cb"):
        assert redirects.completed(kept) == kept
    assert redirects.problem(redirects.completed("javascript:alert(1)")) is not None
