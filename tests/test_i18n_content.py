"""Translated content (issue 21, part 4): an admin's text in each language the portal offers, edited side by
side in the Admin Portal, shown in the reader's language field by field with the default text where a
translation is missing, and found by search in the reader's words.

The rule of what may be stored and what a reader sees is forecourt.i18n.content; the form field every
translatable model's form shares is forecourt.i18n.content_forms (the Admin API's `Translations` goes through
the same forms: tests/test_api_translations.py).
"""

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.utils import translation

from forecourt.audit.models import AuditEntry
from forecourt.blog.models import Post
from forecourt.catalog.models import Product
from forecourt.content.models import ContentBlock, MenuItem, Page
from forecourt.i18n.content import clean_translations, texts_of, translated_value
from forecourt.portalconfig.models import PortalSettings
from forecourt.resources.forms import ProductForm

from . import factories
from .conftest import PASSWORD

LIMITS = {"display_name": 20, "description": 200_000}


# The rule


def test_a_reader_sees_their_language_field_by_field_else_the_default():
    product = Product(display_name="Payments", description="Move money.",
                      translations={"de": {"display_name": "Zahlungen"}, "fr": {"description": "Bouger l'argent."}})
    assert product.translated("display_name", "de") == "Zahlungen"
    assert product.translated("description", "de") == "Move money."  # no German description: the default
    assert product.translated("display_name", "fr") == "Payments"
    assert product.translated("display_name", "de-at") == "Zahlungen"  # a regional variant reads its language
    assert product.translated("display_name", "ja") == "Payments"
    with translation.override("de"):
        assert product.translated("display_name") == "Zahlungen"  # the active language by default
    assert Product(display_name="Payments", translations=None).translated("display_name", "de") == "Payments"
    assert translated_value({"name": "Partners", "translations": {"es": {"name": "Socios"}}}, "name", "es") == "Socios"


def test_what_may_be_stored():
    assert clean_translations({"fr": {"display_name": " Paiements "}, "de": {"display_name": "Zahlungen",
                                                                             "description": "  Geld.  "}},
                              fields=LIMITS, default_language="en") == {
        "de": {"display_name": "Zahlungen", "description": "  Geld.  "},  # Markdown keeps its white space
        "fr": {"display_name": "Paiements"}}  # in the shipped order, one-line text trimmed
    assert clean_translations({"de": {"display_name": "", "description": "   "}}, fields=LIMITS,
                              default_language="en") == {}  # nothing left: the language goes
    assert clean_translations(None, fields=LIMITS, default_language="en") == {}


@pytest.mark.parametrize(("value", "problem"), [
    ([], "must be an object of languages"),
    ({"it": {"display_name": "Pagamenti"}}, "“it” is not a language this portal can show"),
    ({"en": {"display_name": "Payments"}}, "“en” is the portal's default language"),
    ({"de": "Zahlungen"}, "must be an object of fields"),
    ({"de": {"slug": "zahlungen"}}, "“slug” cannot be translated (display_name, description can)"),
    ({"de": {"display_name": 3}}, "must be text"),
    ({"de": {"display_name": "x" * 21}}, "longer than 20 characters"),
    ({"de": {"display_name": "a\x00b"}}, "NUL character"),
])
def test_bad_translations_are_refused_with_a_reason(value, problem):
    with pytest.raises(ValidationError) as refused:
        clean_translations(value, fields=LIMITS, default_language="en")
    assert any(problem in message for message in refused.value.messages), refused.value.messages


def test_every_problem_is_told_at_once():
    with pytest.raises(ValidationError) as refused:
        clean_translations({"it": {}, "de": {"slug": "x", "display_name": "x" * 30}}, fields=LIMITS,
                           default_language="en")
    assert len(refused.value.messages) == 3


def test_search_indexes_read_every_translation():
    assert texts_of({"de": {"title": "Hallo", "content": "Welt"}, "fr": {"title": ""}}) == ["Hallo", "Welt"]
    assert texts_of({"de": {"title": "Hallo", "content": "Welt"}}, "title") == ["Hallo"]
    assert texts_of(None) == []


# The forms (the Admin Portal's and the Admin API's)


def _form_data(instance, **changes):
    data = {k: v for k, v in model_to_dict(instance, fields=list(ProductForm.base_fields)).items()
            if v is not None and v is not False and k not in ("logo", "preview", "translations")}
    data["tags"] = ", ".join(instance.tags or [])
    return {**data, **changes}


@pytest.mark.django_db
def test_the_form_merges_what_it_is_sent_language_by_language():
    product = factories.product(display_name="Payments", description="Move money.",
                                translations={"de": {"display_name": "Zahlungen"}, "fr": {"display_name": "Paiements"}})
    form = ProductForm(data=_form_data(product, translations={"es": {"display_name": "Pagos"}, "fr": {}}),
                       instance=product)
    assert form.is_valid(), form.errors
    form.save()
    product.refresh_from_db()
    assert product.translations == {"de": {"display_name": "Zahlungen"}, "es": {"display_name": "Pagos"}}
    # A form sent no translations at all (configuration as code, an older client) keeps them.
    form = ProductForm(data=_form_data(product, description="Moves money."), instance=product)
    assert form.is_valid(), form.errors
    form.save()
    product.refresh_from_db()
    assert product.translations == {"de": {"display_name": "Zahlungen"}, "es": {"display_name": "Pagos"}}


@pytest.mark.django_db
def test_a_bad_translation_refuses_the_whole_form():
    product = factories.product(display_name="Payments", translations={"de": {"display_name": "Zahlungen"}})
    form = ProductForm(data=_form_data(product, display_name="Money", translations={"de": {"name": "x"}}),
                       instance=product)
    assert not form.is_valid()
    assert "cannot be translated" in form.errors["translations"][0]
    product.refresh_from_db()
    assert (product.display_name, product.translations) == ("Payments", {"de": {"display_name": "Zahlungen"}})


# The Admin Portal: side by side


@pytest.fixture
def signed_in(client, admin):
    assert client.post("/portal-admin/sign-in/", {"username": admin.email, "password": PASSWORD}).status_code == 302
    return client


@pytest.mark.django_db
def test_the_admin_portal_edits_translations_beside_the_default_text(signed_in):
    product = factories.product(display_name="Payments", description="Move money.")
    page = signed_in.get(f"/portal-admin/products/{product.pk}/").content.decode()
    # One section per language offered besides the default, each field's default text beside its input.
    for code, name in (("de", "Deutsch"), ("fr", "Français"), ("es", "Español"), ("ja", "日本語")):
        assert f'name="translations.{code}.display_name"' in page and f'<span lang="{code}">{name}</span>' in page
    assert 'name="translations.en.display_name"' not in page
    assert 'name="translations.de.content" id="id_translations_de_content"' in page  # Markdown: a text area
    assert 'id="id_translations_de_description_original" lang="en" dir="ltr"' in page and "Move money." in page
    assert 'aria-describedby="id_translations_de_description_original"' in page  # the input names what it translates

    data = _form_data(product, **{"translations.de.display_name": "Zahlungen", "translations.de.description": "",
                                  "translations.fr.display_name": "Paiements",
                                  "translations.fr.description": "Déplacer l'argent."})
    assert signed_in.post(f"/portal-admin/products/{product.pk}/", data).status_code == 302
    product.refresh_from_db()
    assert product.translations == {"de": {"display_name": "Zahlungen"},
                                    "fr": {"display_name": "Paiements", "description": "Déplacer l'argent."}}
    entry = AuditEntry.objects.filter(object_id=str(product.pk)).latest("pk")
    assert "Zahlungen" in str(entry.changes)

    again = signed_in.get(f"/portal-admin/products/{product.pk}/").content.decode()
    assert 'name="translations.fr.description" id="id_translations_fr_description"' in again
    assert "Déplacer l&#x27;argent." in again and 'value="Zahlungen"' in again

    too_long = _form_data(product, **{"translations.de.display_name": "x" * 300})
    refused = signed_in.post(f"/portal-admin/products/{product.pk}/", too_long)
    assert refused.status_code == 200 and "longer than 255 characters" in refused.content.decode()
    product.refresh_from_db()
    assert product.translations["de"] == {"display_name": "Zahlungen"}


@pytest.mark.django_db
def test_a_language_no_longer_offered_keeps_its_translations(signed_in):
    product = factories.product(display_name="Payments", translations={"ja": {"display_name": "支払い"}})
    settings = PortalSettings.load()
    settings.offered_languages = "en,de"
    settings.save()
    page = signed_in.get(f"/portal-admin/products/{product.pk}/").content.decode()
    assert 'name="translations.ja.display_name"' not in page and 'name="translations.de.display_name"' in page
    data = _form_data(product, **{"translations.de.display_name": "Zahlungen"})
    assert signed_in.post(f"/portal-admin/products/{product.pk}/", data).status_code == 302
    product.refresh_from_db()
    assert product.translations == {"de": {"display_name": "Zahlungen"}, "ja": {"display_name": "支払い"}}


@pytest.mark.django_db
def test_a_portal_with_one_language_says_where_to_offer_more(signed_in):
    product = factories.product(display_name="Payments")
    settings = PortalSettings.load()
    settings.offered_languages = "en"
    settings.save()
    page = signed_in.get(f"/portal-admin/products/{product.pk}/").content.decode()
    assert "The portal offers only its default language" in page and "translations." not in page


# The Live Portal: the reader's language, falling back field by field


def _german(client, url):
    return client.get(url, headers={"accept-language": "de"}).content.decode()


@pytest.mark.django_db
def test_the_catalogue_and_product_page_speak_the_readers_language(client):
    product = factories.product(display_name="Payments", description="Move money.", content="# Getting started",
                                published=True,
                                translations={"de": {"display_name": "Zahlungen", "content": "# Erste Schritte"}})
    product.docs.create(title="Keys", content="Get a key.", translations={"de": {"title": "Schlüssel"}})
    factories.catalogue(products=[product], plans=[factories.plan(
        display_name="Gold", translations={"de": {"display_name": "Gold-Tarif"}})])
    german = _german(client, "/catalogue-products")
    assert "Zahlungen" in german and "Move money." in german  # no German description: the default shows
    german = _german(client, f"/catalogue-products/{product.slug}")
    assert "Erste Schritte" in german and "Schlüssel" in german and "Gold-Tarif" in german
    assert "Getting started" not in german
    english = client.get(f"/catalogue-products/{product.slug}").content.decode()
    assert "Payments" in english and "Getting started" in english and "Zahlungen" not in english
    french = client.get(f"/catalogue-products/{product.slug}", headers={"accept-language": "fr"})
    assert "Payments" in french.content.decode() and french["Content-Language"] == "fr"


@pytest.mark.django_db
def test_pages_blocks_menus_and_posts_speak_the_readers_language(client):
    about = Page.objects.create(title="About", path="/about", template="page", status=Page.Status.PUBLISHED,
                                translations={"de": {"title": "Über uns"}})
    ContentBlock.objects.create(page=about, name="Body", content="We build **APIs**.",
                                translations={"de": {"content": "Wir bauen **APIs**."}})
    MenuItem.objects.create(label="About", page=about, position=50, translations={"de": {"label": "Über uns"}})
    Post.objects.create(title="Launch", path="launch", lede="We launched.", content="It is **out**.",
                        status=Post.Status.PUBLISHED, translations={"de": {"title": "Start", "content": "Es ist da."}})
    german = _german(client, "/about")
    assert "Über uns" in german and "Wir bauen <strong>APIs</strong>." in german and "We build" not in german
    english = client.get("/about").content.decode()
    assert "We build <strong>APIs</strong>." in english and "Über uns" not in english
    blog = _german(client, "/blog")
    assert "Start" in blog and "We launched." in blog  # the lead has no German version
    assert "Es ist da." in _german(client, "/blog/launch")


@pytest.mark.django_db
def test_the_cached_page_of_one_language_is_never_served_to_another(client):
    product = factories.product(display_name="Payments", translations={"de": {"display_name": "Zahlungen"}},
                                published=True)
    factories.catalogue(products=[product])
    url = f"/catalogue-products/{product.slug}"
    for _ in range(2):
        assert "Payments" in client.get(url).content.decode()
        assert "Zahlungen" in _german(client, url)


# Search: in the reader's words


@pytest.mark.django_db(transaction=True)  # MariaDB's full-text index sees committed rows only
def test_search_finds_content_in_the_words_of_its_translations(client):
    product = factories.product(display_name="Payments", description="Move money.", published=True,
                                translations={"de": {"display_name": "Zahlungsverkehr",
                                                     "description": "Überweisungen weltweit."}})
    factories.catalogue(products=[product])
    found = _german(client, "/catalogue-products?q=Zahlungsverkehr")
    assert "Zahlungsverkehr" in found
    assert "Zahlungsverkehr" in _german(client, "/catalogue-products?q=weltweit")
    post = Post.objects.create(title="Launch", path="launch", content="It is out.", status=Post.Status.PUBLISHED,
                               translations={"de": {"content": "Einführungsveranstaltung"}})
    assert post.pk
    assert "/blog/launch" in _german(client, "/search?q=Einführungsveranstaltung")
    assert "/blog/launch" not in _german(client, "/search?q=Nirgendwo")


# E-mails: names in the recipient's language


@pytest.mark.django_db
def test_a_decision_email_names_the_plan_and_products_in_the_recipients_language(admin):
    from forecourt.access import services as access
    from forecourt.notify.models import EmailLog

    german = factories.consumer(language="de")
    plan = factories.plan(display_name="Gold", translations={"de": {"display_name": "Gold-Tarif"}})
    request = factories.pending_request(owner=german, plan_obj=plan)
    product = request.products.get()
    product.translations = {"de": {"display_name": "Zahlungen"}}
    product.save()
    with translation.override("en"):  # the admin deciding reads English
        access.approve(request, admin)
    message = EmailLog.objects.filter(template="access_request_approved").latest("pk")
    assert "Gold-Tarif" in message.body_text and "Zahlungen" in message.body_text
    assert "Gold-Tarif" in message.body_html


@pytest.mark.django_db
def test_a_language_made_the_default_later_never_blocks_a_save():
    product = factories.product(display_name="Payments", translations={"de": {"display_name": "Zahlungen"}})
    settings = PortalSettings.load()
    settings.offered_languages, settings.default_language = "en,de,fr", "de"
    settings.save()
    form = ProductForm(data=_form_data(product, description="Moves money."), instance=product)
    assert form.is_valid(), form.errors
    form.save()
    # Sent again, the default language is refused; what is stored is left as it is.
    form = ProductForm(data=_form_data(product, translations={"de": {"display_name": "Geld"}}), instance=product)
    assert not form.is_valid() and "default language" in form.errors["translations"][0]
    product.refresh_from_db()
    assert (product.description, product.translations) == ("Moves money.", {"de": {"display_name": "Zahlungen"}})


@pytest.mark.django_db
def test_the_audit_log_keeps_translations_as_json(signed_in):
    product = factories.product(display_name="Payments")
    data = _form_data(product, **{"translations.de.display_name": "Zahlungen"})
    assert signed_in.post(f"/portal-admin/products/{product.pk}/", data).status_code == 302
    entry = AuditEntry.objects.filter(object_id=str(product.pk)).latest("pk")
    assert entry.changes["translations"] == [{}, {"de": {"display_name": "Zahlungen"}}]


@pytest.mark.django_db(transaction=True)  # MariaDB's full-text index sees committed rows only
def test_the_site_searchs_hits_are_titled_in_the_readers_language(client):
    product = factories.product(display_name="Payments", published=True,
                                translations={"de": {"display_name": "Zahlungsverkehr"}})
    factories.catalogue(products=[product])
    Post.objects.create(title="Launch", path="launch", content="Payments are out.", status=Post.Status.PUBLISHED,
                        translations={"de": {"title": "Start"}})
    german = _german(client, "/search?q=Payments")
    assert "Zahlungsverkehr" in german and ">Start<" in german.replace("> ", ">").replace(" <", "<")
    english = client.get("/search?q=Payments").content.decode()
    assert "Zahlungsverkehr" not in english and "Launch" in english
