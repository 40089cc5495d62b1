"""Choosing a request's language (forecourt.i18n.negotiation): each branch of THE rule, in its order
(saved preference, the switcher's cookie, Accept-Language, the portal's default), what the middleware
activates and answers (Content-Language, Vary, `<html lang dir>`, the user's time zone), and the page
cache and fragments kept per language."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone, translation

from forecourt.i18n import languages, negotiation
from forecourt.i18n.middleware import LanguageMiddleware
from forecourt.pagecache import fragments
from forecourt.pagecache.middleware import HIT_HEADER
from forecourt.portalconfig.models import PortalSettings

ALL = negotiation.SHIPPED_OFFER


def choose(saved="", cookie="", header="", offer=ALL):
    return negotiation.choose(saved=saved, visitor_choice=cookie, accept_language=header, offer=offer)


# The rule, from plain values (no database)


def test_the_shipped_languages_are_named_in_their_own_language():
    assert [(lang.code, lang.name, lang.direction) for lang in languages.SHIPPED] == [
        ("en", "English", "ltr"), ("de", "Deutsch", "ltr"), ("fr", "Français", "ltr"), ("es", "Español", "ltr"),
        ("ja", "日本語", "ltr")]
    assert languages.direction("ar") == "ltr"  # not shipped: no page is in it
    assert languages.Language("ar", "العربية", bidi=True).direction == "rtl"  # ready for one that is
    assert languages.django_languages()[0] == ("en", "English")


def test_a_saved_preference_beats_everything():
    assert choose(saved="ja", cookie="fr", header="de") == "ja"


def test_a_saved_preference_the_portal_no_longer_offers_is_passed_over():
    offer = negotiation.Offer(("en", "de"), "en")
    assert choose(saved="ja", cookie="de", offer=offer) == "de"
    assert choose(saved="ja", header="fr, de;q=0.5", offer=offer) == "de"


def test_the_visitors_choice_beats_the_browser():
    assert choose(cookie="fr", header="de") == "fr"
    assert choose(cookie="xx", header="de") == "de"  # not a language: ignored


def test_accept_language_best_offered_match_by_q_value():
    assert choose(header="de-AT,de;q=0.9,en;q=0.8") == "de"
    assert choose(header="it, es;q=0.4, fr;q=0.7") == "fr"  # it is not offered; fr has the higher q
    assert choose(header="fr;q=0, ja;q=0.1") == "ja"  # q=0: not acceptable
    assert choose(header="pt-BR", offer=negotiation.Offer(("en", "es"), "es")) == "es"  # nothing offered: default


def test_no_preference_at_all_is_the_portals_default():
    assert choose() == "en"
    assert choose(header="*", offer=negotiation.Offer(("de", "fr"), "fr")) == "fr"
    assert choose(header=";;garbage;;q=x", offer=negotiation.Offer(("en", "de"), "de")) == "de"


# The middleware


def _observed(request):
    seen = {}

    def view(req):
        seen["language"] = translation.get_language()
        seen["zone"] = timezone.get_current_timezone_name()
        return HttpResponse("ok")

    response = LanguageMiddleware(view)(request)
    return seen, response


@pytest.mark.django_db
def test_the_middleware_activates_the_language_and_the_users_time_zone(consumer):
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="fr")
    request.user = consumer
    consumer.time_zone = "Asia/Tokyo"
    seen, response = _observed(request)
    assert seen == {"language": "fr", "zone": "Asia/Tokyo"}
    assert response["Content-Language"] == "fr"
    assert {v.strip() for v in response["Vary"].split(",")} >= {"Accept-Language", "Cookie"}
    # Reset once the response is made: what this thread does next starts from the defaults.
    assert translation.get_language() == "en" and timezone.get_current_timezone_name() == "UTC"
    consumer.language, consumer.time_zone = "ja", ""
    seen, _ = _observed(request)
    assert seen == {"language": "ja", "zone": "UTC"}


@pytest.mark.django_db
def test_pages_answer_in_the_negotiated_language(client, consumer):
    english = client.get("/")
    assert english["Content-Language"] == "en" and '<html lang="en" dir="ltr">' in english.content.decode()
    assert "Accept-Language" in english["Vary"] and "Cookie" in english["Vary"]
    german = client.get("/", headers={"accept-language": "de-DE,de;q=0.9"})
    assert german["Content-Language"] == "de" and '<html lang="de" dir="ltr">' in german.content.decode()
    client.cookies[negotiation.COOKIE] = "es"
    assert client.get("/", headers={"accept-language": "de"})["Content-Language"] == "es"
    consumer.language = "ja"
    consumer.save()
    client.force_login(consumer)
    assert client.get("/", headers={"accept-language": "de"})["Content-Language"] == "ja"


@pytest.mark.django_db
def test_the_portals_default_and_offered_languages_decide(client, admin):
    settings = PortalSettings.load()
    settings.offered_languages, settings.default_language = "de,fr", "fr"
    settings.save()
    assert client.get("/")["Content-Language"] == "fr"
    assert client.get("/", headers={"accept-language": "ja, de;q=0.5"})["Content-Language"] == "de"
    client.force_login(admin)
    page = client.get("/portal-admin/", headers={"accept-language": "de"})
    assert page["Content-Language"] == "de" and '<html lang="de" dir="ltr">' in page.content.decode()


# The page cache and fragments, per language


@pytest.mark.django_db
def test_an_anonymous_german_visitor_never_gets_the_cached_english_page(client):
    client.get("/")
    english = client.get("/")
    assert english.headers.get(HIT_HEADER) == "hit" and english["Content-Language"] == "en"
    german = client.get("/", headers={"accept-language": "de"})
    assert german.headers.get(HIT_HEADER) != "hit"
    assert german["Content-Language"] == "de" and '<html lang="de"' in german.content.decode()
    german_again = client.get("/", headers={"accept-language": "de"})
    assert german_again.headers.get(HIT_HEADER) == "hit" and '<html lang="de"' in german_again.content.decode()
    assert german_again["Content-Language"] == "de" and "Accept-Language" in german_again["Vary"]
    client.cookies[negotiation.COOKIE] = "fr"  # the switcher's choice: another page again
    french = client.get("/", headers={"accept-language": "de"})
    assert french.headers.get(HIT_HEADER) != "hit" and '<html lang="fr"' in french.content.decode()
    assert client.get("/").headers.get(HIT_HEADER) == "hit"


@pytest.mark.django_db
def test_fragments_are_kept_per_language_and_time_zone():
    made = []

    def compute():
        made.append(translation.get_language())
        return translation.get_language()

    assert fragments.cached("t", [1], compute) == "en"
    assert fragments.cached("t", [1], compute) == "en"
    with translation.override("de"):
        assert fragments.cached("t", [1], compute) == "de"
    with timezone.override("Europe/Paris"):
        fragments.cached("t", [1], compute)
    assert made == ["en", "de", "en"]


@pytest.mark.django_db
def test_the_admin_api_is_not_negotiated(api):
    response = api("get", "/users")
    assert response.status_code == 200 and "Content-Language" not in response
