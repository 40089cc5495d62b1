"""The language settings: the portal's default and offered languages (the Settings page, the Admin API,
configuration as code) with THE rule that the default is among the offered and both are shipped; a
user's language and time zone (both portals' account pages); e-mails rendered in their recipient's
language and time zone."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from forecourt.accounts.models import User
from forecourt.audit.models import AuditEntry
from forecourt.notify import email
from forecourt.portalconfig.models import PortalSettings
from forecourt.promotion import apply as applying
from forecourt.promotion import export as exporting
from forecourt.promotion import reading
from forecourt.promotion.errors import ConfigRefused
from forecourt.resources.forms import PortalSettingsForm

pytestmark = pytest.mark.django_db

BASE = {"smtp_port": 587, "smtp_security": "starttls", "smtp_timeout": 10, "password_min_length": 8,
        "admin_password_sign_in": "all"}


def form(**values):
    return PortalSettingsForm(data={**BASE, **values}, instance=PortalSettings.load())


def test_the_defaults_offer_every_shipped_language_with_english_first():
    settings = PortalSettings.load()
    assert (settings.default_language, settings.offered_codes) == ("en", ("en", "de", "fr", "es", "ja"))
    assert PortalSettings.language_offer().offered == ("en", "de", "fr", "es", "ja")


def test_the_default_must_be_offered_and_codes_shipped():
    refused = form(default_language="ja", offered_languages=["en", "de"])
    assert not refused.is_valid()
    assert refused.errors["default_language"] == ["The default language must be one of the languages offered."]
    unknown = form(default_language="en", offered_languages=["en", "xx"])
    assert not unknown.is_valid() and "xx is not one of the available choices" in unknown.errors["offered_languages"][0]
    not_shipped = form(default_language="xx")
    assert not not_shipped.is_valid() and "default_language" in not_shipped.errors
    assert PortalSettings.load().offered_codes == ("en", "de", "fr", "es", "ja")  # nothing changed
    row = PortalSettings(default_language="en", offered_languages="en,it")
    with pytest.raises(ValidationError, match="Not a language this portal ships: it"):
        row.clean()


def test_the_settings_page_saves_the_languages_in_shipped_order(client, admin):
    client.force_login(admin)
    page = client.get("/portal-admin/settings/").content.decode()
    assert 'name="offered_languages" value="ja"' in page and 'name="default_language"' in page
    response = client.post("/portal-admin/settings/", {**BASE, "default_language": "de",
                                                        "offered_languages": ["ja", "de"]})
    assert response.status_code == 302
    settings = PortalSettings.load()
    assert (settings.default_language, settings.offered_languages) == ("de", "de,ja")
    entry = AuditEntry.objects.filter(object_type="portalconfig.portalsettings").first()
    assert entry.changes["offered_languages"] == ["en,de,fr,es,ja", "de,ja"]
    assert client.get("/", headers={"accept-language": "fr"})["Content-Language"] == "de"
    # A client that predates the settings (none posted): they stay.
    assert client.post("/portal-admin/settings/", BASE).status_code == 302
    assert PortalSettings.load().offered_languages == "de,ja"


def test_the_admin_api_keeps_the_languages(api):
    settings = PortalSettings.load()
    settings.offered_languages, settings.default_language = "en,fr", "fr"
    settings.save()
    assert api("put", "/configs", {"SMTPPort": 2525}).status_code == 200
    settings = PortalSettings.load()
    assert (settings.smtp_port, settings.offered_languages, settings.default_language) == (2525, "en,fr", "fr")


def test_configuration_as_code_exports_and_applies_the_languages():
    text = "version: 1\nsettings:\n  default_language: es\n  offered_languages: [ja, es]\n"
    applying.apply(reading.read_texts({"settings.yaml": text}))
    settings = PortalSettings.load()
    assert (settings.default_language, settings.offered_languages) == ("es", "es,ja")
    exported = exporting.export(["settings"]).single()
    assert "default_language: es" in exported and "- es\n  - ja" in exported
    with pytest.raises(ConfigRefused) as refused:
        applying.apply(reading.read_texts({"settings.yaml": text.replace("[ja, es]", "[ja]")}))
    assert "default language must be one of the languages offered" in str(refused.value.problems)


def test_a_users_time_zone_is_a_real_one(consumer):
    consumer.time_zone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError) as refused:
        consumer.full_clean()
    assert "time_zone" in refused.value.message_dict
    consumer.time_zone, consumer.language = "Europe/Berlin", "de"
    consumer.full_clean()


def test_the_live_portal_account_page_sets_language_and_time_zone(client, consumer):
    client.force_login(consumer)
    page = client.get("/my-account").content.decode()
    assert '<option value="Europe/Berlin">' in page and '<option value="de">Deutsch</option>' in page
    done = client.post("/my-account", {"action": "profile", "first_name": "Dev", "last_name": "",
                                       "language": "de", "time_zone": "Europe/Berlin"})
    assert done.status_code == 302
    consumer.refresh_from_db()
    assert (consumer.language, consumer.time_zone) == ("de", "Europe/Berlin")
    assert client.get("/my-account")["Content-Language"] == "de"
    bad = client.post("/my-account", {"action": "profile", "first_name": "Dev", "language": "xx",
                                      "time_zone": "Nowhere/Land"})
    assert bad.status_code == 400
    consumer.refresh_from_db()
    assert (consumer.language, consumer.time_zone) == ("de", "Europe/Berlin")


def test_the_admin_portal_profile_sets_language_and_time_zone(client, admin):
    client.force_login(admin)
    assert "Language and time zone" in client.get("/portal-admin/profile/").content.decode()
    done = client.post("/portal-admin/profile/", {"action": "preferences", "language": "fr",
                                                 "time_zone": "America/New_York"})
    assert done.status_code == 302
    admin.refresh_from_db()
    assert (admin.language, admin.time_zone) == ("fr", "America/New_York")
    bad = client.post("/portal-admin/profile/", {"action": "preferences", "language": "fr", "time_zone": "x"})
    assert bad.status_code == 400
    admin.refresh_from_db()
    assert admin.time_zone == "America/New_York"


@pytest.fixture
def rendered_in(monkeypatch):
    """The language and time zone each e-mail is rendered in."""
    seen = []
    real = email.render

    def render(template, context):
        seen.append((translation.get_language(), timezone.get_current_timezone_name()))
        return real(template, context)

    monkeypatch.setattr(email, "render", render)
    return seen


def test_emails_are_rendered_in_the_recipients_language_and_time_zone(rendered_in, consumer):
    consumer.language, consumer.time_zone = "ja", "Asia/Tokyo"
    consumer.save()
    with translation.override("de"):  # the sender's request (an admin's): not the recipient's
        email.send([consumer.email.upper()], "test", {"to": consumer.email})
        email.send(["nobody@example.com"], "test", {"to": "nobody@example.com"})
        email.send([consumer.email, "nobody@example.com"], "test", {"to": "both"})
    assert rendered_in == [("ja", "Asia/Tokyo"), ("en", "UTC"), ("en", "UTC")]


def test_emails_to_users_without_a_preference_are_in_the_portals_default(rendered_in, consumer):
    settings = PortalSettings.load()
    settings.offered_languages, settings.default_language = "es,fr", "es"
    settings.save()
    other = User.objects.create_user("other@example.com", "x", language="ja")  # ja no longer offered
    email.send([consumer.email], "test", {"to": consumer.email})
    email.send([other.email], "test", {"to": other.email})
    assert rendered_in == [("es", "UTC"), ("es", "UTC")]
