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

from forecourt.catalog.models import Product
from forecourt.ops.crypto import EncryptedTextField

GRANT_TYPES = ("authorization_code", "pkce", "client_credentials", "device_code", "refresh_token", "password",
               "implicit")
RESPONSE_TYPES = ("code", "token", "id_token", "none")


class OAuthProvider(models.Model):
    """An identity provider that supports Dynamic Client Registration."""

    class Type(models.TextChoices):
        KEYCLOAK = "Keycloak", "Keycloak"
        GLUU = "Gluu", "Gluu"
        OKTA = "Okta", "Okta"
        OTHER = "Other", "Other (any RFC 7591 server)"

    name = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=16, choices=Type.choices, default=Type.OTHER)
    well_known_url = models.URLField(
        "well-known URL", max_length=500,
        help_text="The IdP's discovery document (OpenID Connect or RFC 8414), which names its registration endpoint.")
    registration_endpoint = models.URLField(
        max_length=500, blank=True,
        help_text="Where clients are registered; empty: the one the discovery document names.")
    # A secret: encrypted, never answered back once set, never logged (audit masks it).
    initial_access_token = EncryptedTextField(blank=True, help_text="Sent to the registration endpoint "
                                                                    "(RFC 7591's initial access token). Encrypted.")
    insecure_skip_verify = models.BooleanField("skip TLS verification", default=False,
                                               help_text="Accept any TLS certificate (testing only).")
    timeout_seconds = models.PositiveSmallIntegerField(default=10, help_text="For each call to the IdP.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "OAuth provider"

    def __str__(self) -> str:
        return self.name


class ClientType(models.Model):
    """A kind of OAuth client an IdP registers for an app, and the products that use it."""

    class AuthMethod(models.TextChoices):
        BASIC = "client_secret_basic", "client_secret_basic"
        POST = "client_secret_post", "client_secret_post"

    class OktaAppType(models.TextChoices):
        NONE = "", "(not Okta)"
        WEB = "web", "web"
        NATIVE = "native", "native"
        BROWSER = "browser", "browser"
        SERVICE = "service", "service"

    provider = models.ForeignKey(OAuthProvider, on_delete=models.CASCADE, related_name="client_types")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    grant_types = models.JSONField(default=list, help_text="e.g. client_credentials, refresh_token")
    response_types = models.JSONField(default=list, blank=True, help_text="e.g. code")
    token_endpoint_auth_method = models.CharField(max_length=32, choices=AuthMethod.choices,
                                                  default=AuthMethod.BASIC)
    okta_app_type = models.CharField("Okta app type", max_length=16, choices=OktaAppType.choices, blank=True)
    scopes = models.CharField(max_length=1000, blank=True, help_text="Space-separated, e.g. read write.")
    products = models.ManyToManyField(Product, blank=True, related_name="client_types")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider_id", "name", "id"]

    def __str__(self) -> str:
        return self.name
