"""The language switcher (POST /i18n/language, forecourt.i18n.views) and where both portals show it:
a visitor's choice in a cookie, a signed-in user's on the account too (CSRF checked), a code not
offered refused with nothing changed, back only to a path of this site."""

import re

import pytest
from django.test import Client

from forecourt.accounts.models import User
from forecourt.i18n import negotiation
from forecourt.portalconfig.models import PortalSettings

pytestmark = pytest.mark.django_db

URL = "/i18n/language"


def test_a_visitor_chooses_a_language_and_goes_back(client):
    response = client.post(URL, {"language": "de", "next": "/catalogue-products?page=2"})
    assert response.status_code == 302 and response["Location"] == "/catalogue-products?page=2"
    cookie = response.cookies[negotiation.COOKIE]
    assert cookie.value == "de" and cookie["httponly"] and cookie["samesite"] == "Lax"
    page = client.get("/", headers={"accept-language": "fr"})
    assert page["Content-Language"] == "de" and '<html lang="de" dir="ltr">' in page.content.decode()


def test_a_signed_in_user_saves_the_choice_with_a_csrf_token(consumer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(consumer)
    page = client.get("/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    refused = client.post(URL, {"language": "fr"})
    assert refused.status_code == 403
    consumer.refresh_from_db()
    assert consumer.language == ""
    done = client.post(URL, {"language": "fr", "csrfmiddlewaretoken": token, "next": "/"})
    assert done.status_code == 302
    consumer.refresh_from_db()
    assert consumer.language == "fr"
    # Signed in elsewhere, without the cookie: the saved preference still decides.
    other = Client()
    other.force_login(consumer)
    assert other.get("/", headers={"accept-language": "de"})["Content-Language"] == "fr"


def test_a_language_not_offered_is_a_clear_400_and_changes_nothing(client, consumer):
    settings = PortalSettings.load()
    settings.offered_languages = "en,de"
    settings.save()
    client.force_login(consumer)
    for code in ("ja", "xx", "", "de-DE"):
        response = client.post(URL, {"language": code, "next": "/"})
        assert response.status_code == 400
        text = response.content.decode()
        assert "Not a language this portal offers" in text and "en, de" in text
        assert negotiation.COOKIE not in response.cookies
    consumer.refresh_from_db()
    assert consumer.language == ""


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "http:/x",
                                    "javascript:alert(1)", "evil.example", "/\tx", "\\\\evil.example"])
def test_no_open_redirect(client, target):
    response = client.post(URL, {"language": "de", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"


def test_back_to_the_referer_of_this_site_only(client):
    mine = client.post(URL, {"language": "de"}, headers={"referer": "http://testserver/catalogue-products?q=x"})
    assert mine["Location"] == "/catalogue-products?q=x"
    theirs = client.post(URL, {"language": "de"}, headers={"referer": "https://evil.example/catalogue-products"})
    assert theirs["Location"] == "/"


def test_a_visitors_post_from_another_site_is_refused(client):
    response = client.post(URL, {"language": "de"}, headers={"origin": "https://evil.example"})
    assert response.status_code == 403 and negotiation.COOKIE not in response.cookies
    assert client.post(URL, {"language": "de"}, headers={"origin": "http://testserver"}).status_code == 302


def test_only_get_is_refused():
    assert Client().get(URL).status_code == 405


def test_the_live_portal_footer_offers_the_offered_languages_the_current_marked(client):
    settings = PortalSettings.load()
    settings.offered_languages, settings.default_language = "en,fr,ja", "en"
    settings.save()
    page = client.get("/", headers={"accept-language": "ja"}).content.decode()
    switcher = page[page.index('<form class="language-switcher"'):]
    switcher = switcher[: switcher.index("</form>")]
    assert f'action="{URL}"' in switcher
    assert re.findall(r'<option value="(\w+)"', switcher) == ["en", "fr", "ja"]
    assert '<option value="ja" lang="ja" selected aria-current="true">日本語</option>' in switcher
    assert "Deutsch" not in switcher
    assert "csrfmiddlewaretoken" not in switcher  # an anonymous page is cached: no token in it


def test_one_language_offered_shows_no_switcher(client):
    settings = PortalSettings.load()
    settings.offered_languages, settings.default_language = "de", "de"
    settings.save()
    assert "language-switcher" not in client.get("/").content.decode()


def test_the_admin_portal_switcher(admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    page = client.get("/portal-admin/").content.decode()
    assert '<html lang="en" dir="ltr">' in page
    form = page[page.index('<form class="language-switcher"'):]
    form = form[: form.index("</form>")]
    assert 'name="next" value="/portal-admin/"' in form and 'value="en" lang="en" selected' in form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    done = client.post(URL, {"language": "es", "next": "/portal-admin/", "csrfmiddlewaretoken": token})
    assert done.status_code == 302 and done["Location"] == "/portal-admin/"
    assert User.objects.get(pk=admin.pk).language == "es"
    assert '<html lang="es" dir="ltr">' in client.get("/portal-admin/").content.decode()
