"""OAuth 2.0 identity providers (Tyk's "OAuth2.0 providers") and their client types.

An identity provider (IdP) is where Dynamic Client Registration (RFC 7591) makes an OAuth client for
a consumer's app; a client type says which kind of client (grant types, response types, scopes, how
it authenticates at the token endpoint). A product with client types is an "OAuth/DCR" product:
approving access to it registers a client at the IdP (forecourt.access.dcr) instead of asking the
gateway for a key.

Why a package of its own, between `blog` and `access`: client types are linked to catalogue
products (so it sits above `catalog`), and access's credential life calls its registration client
(so it sits below `access`). It never imports access: the registration client works on plain values.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from forecourt.catalog.models import Product
from forecourt.ops.crypto import EncryptedTextField

GRANT_TYPES = ("authorization_code", "pkce", "client_credentials", "device_code", "refresh_token", "password",
               "implicit")
RESPONSE_TYPES = ("code", "token", "id_token", "none")


class OAuthProvider(models.Model):
    """An identity provider that supports Dynamic Client Registration."""

    class Type(models.TextChoices):
        KEYCLOAK = "Keycloak", "Keycloak"  # a name, not translated
        GLUU = "Gluu", "Gluu"  # a name, not translated
        OKTA = "Okta", "Okta"  # a name, not translated
        OTHER = "Other", _("Other (any RFC 7591 server)")

    name = models.CharField(_("name"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices, default=Type.OTHER)
    well_known_url = models.URLField(
        _("well-known URL"), max_length=500,
        help_text=_(
            "The IdP's discovery document (OpenID Connect or RFC 8414), which names its registration endpoint."))
    registration_endpoint = models.URLField(
        _("registration endpoint"), max_length=500, blank=True,
        help_text=_("Where clients are registered; empty: the one the discovery document names."))
    # A secret: encrypted, never answered back once set, never logged (audit masks it).
    initial_access_token = EncryptedTextField(_("initial access token"), blank=True,
                                              help_text=_("Sent to the registration endpoint "
                                                                    "(RFC 7591's initial access token). Encrypted."))
    insecure_skip_verify = models.BooleanField(_("skip TLS verification"), default=False,
                                               help_text=_("Accept any TLS certificate (testing only)."))
    timeout_seconds = models.PositiveSmallIntegerField(_("timeout seconds"), default=10,
                                                       help_text=_("For each call to the IdP."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name_plural = _("OAuth providers")
        ordering = ["name", "id"]
        verbose_name = _("OAuth provider")

    def __str__(self) -> str:
        return self.name


class ClientType(models.Model):
    """A kind of OAuth client an IdP registers for an app, and the products that use it."""

    class AuthMethod(models.TextChoices):
        BASIC = "client_secret_basic", "client_secret_basic"  # an identifier, not translated
        POST = "client_secret_post", "client_secret_post"  # an identifier, not translated

    class OktaAppType(models.TextChoices):
        NONE = "", _("(not Okta)")
        WEB = "web", "web"  # an identifier, not translated
        NATIVE = "native", "native"  # an identifier, not translated
        BROWSER = "browser", "browser"  # an identifier, not translated
        SERVICE = "service", "service"  # an identifier, not translated

    provider = models.ForeignKey(OAuthProvider, verbose_name=_("provider"), on_delete=models.CASCADE,
                                 related_name="client_types")
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    grant_types = models.JSONField(_("grant types"), default=list,
                                   help_text=_("e.g. client_credentials, refresh_token"))
    response_types = models.JSONField(_("response types"), default=list, blank=True, help_text=_("e.g. code"))
    token_endpoint_auth_method = models.CharField(_("token endpoint auth method"), max_length=32,
                                                  choices=AuthMethod.choices,
                                                  default=AuthMethod.BASIC)
    okta_app_type = models.CharField(_("Okta app type"), max_length=16, choices=OktaAppType.choices, blank=True)
    scopes = models.CharField(_("scopes"), max_length=1000, blank=True,
                              help_text=_("Space-separated, e.g. read write."))
    products = models.ManyToManyField(Product, verbose_name=_("products"), blank=True, related_name="client_types")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("client type")
        verbose_name_plural = _("client types")
        ordering = ["provider_id", "name", "id"]

    def __str__(self) -> str:
        return self.name
