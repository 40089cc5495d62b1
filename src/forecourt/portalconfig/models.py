import copy

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forecourt.i18n import languages, negotiation
from forecourt.ops.crypto import EncryptedTextField
from forecourt.pagecache import revision

ALL_LANGUAGES = ",".join(languages.CODES)


def split_codes(value: str) -> tuple[str, ...]:
    """The codes of `offered_languages` (stored comma-separated: one portable column)."""
    return tuple(code.strip() for code in value.split(",") if code.strip())


class PortalSettings(models.Model):
    """The general settings: one row, edited on the Admin Portal's Settings page."""

    class Security(models.TextChoices):
        NONE = "none", _("None")
        STARTTLS = "starttls", "STARTTLS"  # a name, not translated
        TLS = "tls", "TLS (SMTPS)"  # a name, not translated

    smtp_host = models.CharField(_("SMTP host"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_username = models.CharField(_("SMTP user"), max_length=255, blank=True)
    smtp_password = EncryptedTextField(_("SMTP password"), blank=True)
    smtp_security = models.CharField(_("SMTP security"), max_length=10, choices=Security.choices,
                                     default=Security.STARTTLS)
    smtp_timeout = models.PositiveIntegerField(_("SMTP timeout (seconds)"), default=10)
    from_address = models.EmailField(_("default From address"), blank=True,
                                     help_text=_("No e-mail is sent until this is set."))
    admin_notification_address = models.EmailField(_("admin notification address"), blank=True,
                                                    help_text=_("Where admin notifications go (new requests...)."))
    auto_approve_registrations = models.BooleanField(_("auto approve registrations"), default=False,
                                                     help_text=_("New consumers are active at once."))
    allow_organisation_requests = models.BooleanField(_("allow organisation registration requests"), default=False)
    password_min_length = models.PositiveIntegerField(_("password min length"), default=8)
    password_require_mixed = models.BooleanField(
        _("require letters and digits"), default=False, help_text=_("Passwords must contain letters and digits."))
    allow_sign_up = models.BooleanField(
        _("allow sign-up"), default=True, db_default=True,
        help_text=_("Visitors may create consumer accounts with the sign-up form. When off, the form refuses "
                  "them (and the pages stop linking to it); invite codes, invitations and SSO profiles that make "
                  "accounts still may, and admins may always create them."))
    allowed_email_domains = models.TextField(
        _("allowed e-mail domains"), blank=True, default="", db_default="",
        help_text=_("One domain a line (e.g. example.com; subdomains are not included). When set, only addresses "
                  "at these domains may sign up or be invited; admins may always create accounts."))
    require_mfa_admins = models.BooleanField(
        _("require a second factor for admins"), default=False, db_default=False,
        help_text=_("Admins without an authenticator app or passkey are sent to set one up after their password."))
    require_mfa_consumers = models.BooleanField(
        _("require a second factor for consumers"), default=False, db_default=False,
        help_text=_("Consumers without an authenticator app or passkey are sent to set one up after their password."))
    admin_password_sign_in = models.CharField(
        _("admins sign in with a password"), max_length=16, default="all", db_default="all",
        choices=[("all", _("Every admin (and through SSO)")),
                 ("super-admins", _("Super-admins only, to break glass (others through SSO)")),
                 ("none", _("No admin: SSO only"))],
        help_text=_("Who may still sign in to the Admin Portal with a password once an admins' SSO profile "
                    "is enabled. Without an enabled admins' SSO profile every admin may, whatever this says."))
    default_language = models.CharField(
        _("default language"), max_length=16, default=languages.DEFAULT, db_default=languages.DEFAULT,
        choices=languages.django_languages(),
        help_text=_("The language of pages for visitors whose browser asks for none of the languages offered, "
                  "and of e-mails to users who chose none."))
    offered_languages = models.CharField(
        _("languages offered"), max_length=200, default=ALL_LANGUAGES, db_default=ALL_LANGUAGES,
        help_text=_("The languages the switchers offer and pages may be shown in (comma-separated codes)."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("general settings")
        verbose_name_plural = _("general settings")

    def __str__(self) -> str:
        return "General settings"

    @property
    def offered_codes(self) -> tuple[str, ...]:
        return split_codes(self.offered_languages)

    def clean(self) -> None:
        """THE rule of the language settings: shipped languages only, at least one, the default among them."""
        super().clean()
        offered = self.offered_codes
        unknown = [code for code in offered if not languages.is_shipped(code)]
        if unknown:
            raise ValidationError({"offered_languages": gettext(
                "Not a language this portal ships: %(codes)s (it ships %(shipped)s).")
                % {"codes": ", ".join(unknown), "shipped": ", ".join(languages.CODES)}})
        if not offered:
            raise ValidationError({"offered_languages": gettext("Offer at least one language.")})
        if not languages.is_shipped(self.default_language):
            raise ValidationError({"default_language": gettext("Not a language this portal ships.")})
        if self.default_language not in offered:
            raise ValidationError({"default_language": gettext(
                "The default language must be one of the languages offered.")})

    @classmethod
    def _shown(cls) -> tuple[bool, negotiation.Offer]:
        """What every Live Portal page reads of the settings ("Allow sign-up", the languages offered and
        the default), in one query once per content revision in each process, without making the row.
        Making it would bump the content revision from inside a page's rendering, and so miss the page
        cache. A stored language that is not shipped (one a newer release shipped, after a downgrade) is
        left out."""
        def read() -> tuple[bool, negotiation.Offer]:
            row = cls.objects.filter(pk=1).values_list("allow_sign_up", "offered_languages",
                                                       "default_language").first()
            if row is None:
                return True, negotiation.SHIPPED_OFFER  # the defaults
            offered = tuple(code for code in split_codes(row[1]) if languages.is_shipped(code))
            default = row[2] if row[2] in offered else (offered[0] if offered else languages.DEFAULT)
            return row[0] is not False, negotiation.Offer(offered or (default,), default)

        return revision.remembered("portalconfig:shown", read)

    @classmethod
    def language_offer(cls) -> negotiation.Offer:
        """The languages offered and the default, for every request's negotiation (i18n.negotiation)."""
        return cls._shown()[1]

    @classmethod
    def sign_up_allowed(cls) -> bool:
        """"Allow sign-up", for every Live Portal page's links."""
        return cls._shown()[0]

    @classmethod
    def load(cls) -> "PortalSettings":
        """The settings row (made on first use). Read once per content revision in each process (its
        saves bump it: pagecache.signals); each caller gets its own copy, so a form that changes it
        and then fails changes nothing that others see."""
        def read() -> "PortalSettings":
            obj, _ = cls.objects.get_or_create(pk=1)
            return obj

        return copy.copy(revision.remembered("portalconfig:settings", read))
