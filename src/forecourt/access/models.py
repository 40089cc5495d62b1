"""Apps, access requests and credentials."""

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from forecourt.accounts.models import Organisation, Team, User
from forecourt.catalog.models import Catalogue, Plan, Product
from forecourt.ops import crypto
from forecourt.ops.crypto import EncryptedTextField

if TYPE_CHECKING:
    from .gateway import GatewayRef


class App(models.Model):
    class Visibility(models.TextChoices):
        PERSONAL = "personal", _("Personal: only its owner")
        TEAM = "team", _("Team: the owner's team")
        ORGANISATION = "organisation", _("Organisation: everyone in the owner's organisation")

    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    redirect_urls = models.TextField(_("redirect URLs"), blank=True, help_text=_("One per line (OAuth 2.0 clients)."))
    owner = models.ForeignKey(User, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="apps")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT,
                                     related_name="apps")
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="apps")
    visibility = models.CharField(_("visibility"), max_length=15, choices=Visibility.choices,
                                  default=Visibility.PERSONAL)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("app")
        verbose_name_plural = _("apps")
        ordering = ["name"]
        indexes = [models.Index(fields=["name", "id"], name="app_list_order")]

    def __str__(self) -> str:
        return self.name


class AccessRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Provisioning(models.TextChoices):
        """Creating the credential at the provider, after approval; retried until it succeeds."""

        NOT_NEEDED = "not-needed", _("Not needed")
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    app = models.ForeignKey(App, verbose_name=_("app"), on_delete=models.CASCADE, related_name="access_requests")
    catalogue = models.ForeignKey(Catalogue, verbose_name=_("catalogue"), on_delete=models.PROTECT,
                                  related_name="access_requests")
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="access_requests")
    products = models.ManyToManyField(Product, verbose_name=_("products"), related_name="access_requests")
    requester = models.ForeignKey(User, verbose_name=_("requester"), on_delete=models.PROTECT,
                                  related_name="access_requests")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was rejected (shown to the consumer)."))
    decided_by = models.ForeignKey(User, verbose_name=_("decided by"), on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    provisioning = models.CharField(_("provisioning"), max_length=12, choices=Provisioning.choices,
                                    default=Provisioning.NOT_NEEDED)
    provisioning_error = models.TextField(_("provisioning error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="access_request_queue"),
                   models.Index(fields=["created_at", "id"], name="access_request_list_order")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.app} / {self.plan}"


class Credential(models.Model):
    """What approval yields at the provider.

    The row is written before the gateway is called, with the key's ID chosen here, so a crash at
    any step leaves either a pending row whose key a retry creates (or finds), or an active row
    whose key exists: never a key the portal does not know, nor a duplicate. The secret is kept
    encrypted (a retry after a crash needs it) and shown to the consumer once.

    `provider_reference` is never a secret: for a Tyk key, whose ID at the gateway is the key
    itself, it is the key's hash (or, until the gateway has told it, a portal-made reference),
    and the key is kept encrypted in `gateway_key` for as long as it must be addressed by it
    (forecourt.providers.tyk.provisioning says why).
    """

    class Type(models.TextChoices):
        KEY = "key", _("API key")
        OAUTH2_CLIENT = "oauth2-client", _("OAuth 2.0 client")
        # Registered at an identity provider by Dynamic Client Registration (forecourt.access.dcr).
        DCR_CLIENT = "dcr-client", _("OAuth 2.0 client (DCR)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Being created at the gateway")
        ACTIVE = "active", _("Active")
        REVOKING = "revoking", _("Being revoked at the gateway")
        REVOKED = "revoked", _("Revoked")

    app = models.ForeignKey(App, verbose_name=_("app"), on_delete=models.CASCADE, related_name="credentials")
    access_request = models.ForeignKey(AccessRequest, verbose_name=_("access request"), on_delete=models.CASCADE,
                                       related_name="credentials")
    # By app label: providers sits above access (forecourt.providers.interfaces) and is not imported here.
    provider = models.ForeignKey("providers.Provider", verbose_name=_("provider"), on_delete=models.SET_NULL,
                                 null=True, blank=True,
                                 related_name="+")
    provider_reference = models.CharField(
        _("provider reference"), max_length=255,
        help_text=_("How the provider knows it, never a secret: an OAuth client's ID, a key's hash."))
    # A Tyk key's ID at the gateway (the key itself), encrypted, while the key must be addressed by
    # it: until the gateway has told its hash, or for good from a gateway that hashes no keys.
    gateway_key = EncryptedTextField(_("gateway key"), blank=True, editable=False)
    type = models.CharField(_("type"), max_length=15, choices=Type.choices, default=Type.KEY)
    secret_hint = models.CharField(_("secret hint"), max_length=12, blank=True,
                                   help_text=_("The last characters of the secret."))
    secret = EncryptedTextField(_("secret"), blank=True, help_text=_("Encrypted; shown to the consumer once."))
    # When the owner was shown the secret in the Live Portal; `secret` was wiped in that same
    # transaction (forecourt.access.reveal), so from then on only `secret_hint` is left.
    secret_shown_at = models.DateTimeField(_("secret shown at"), null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # What else the provider needs to find the credential again (e.g. a Tyk OAuth client's API and
    # policy). Chosen before the gateway is called, like provider_reference.
    provider_data = models.JSONField(_("provider data"), default=dict, blank=True)
    replaces = models.ForeignKey("self", verbose_name=_("replaces"), on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="replaced_by",
                                 help_text=_("The credential this one rotated; revoked once this one is active."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # When its owner was told it expires soon / has expired (forecourt.access.expiry): set by the
    # conditional UPDATE that claims the reminder, so each is sent once across replicas.
    expiry_warned_at = models.DateTimeField(_("expiry warned at"), null=True, blank=True, editable=False)
    expired_notified_at = models.DateTimeField(_("expired notified at"), null=True, blank=True, editable=False)

    LIVE = (Status.PENDING, Status.ACTIVE)

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at", "id"], name="credential_list_order")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} …{self.secret_hint}"

    @property
    def is_oauth_client(self) -> bool:
        """Shown as a client ID and a client secret (a gateway's OAuth client, or one an IdP registered)."""
        return self.type in (self.Type.OAUTH2_CLIENT, self.Type.DCR_CLIENT)

    def gateway_ref(self) -> "GatewayRef":
        """Everything a revocation needs, so it still works after the row (or its app) is deleted;
        `gateway_key` (if any) encrypted, as it is in the row: job payloads are plain columns."""
        ref: GatewayRef = {"credential_id": self.pk, "provider_id": self.provider_id, "type": self.type,
                           "reference": self.provider_reference, "data": self.provider_data}
        if self.gateway_key:
            ref["gateway_key"] = crypto.encrypt(self.gateway_key)
        return ref


class CustomCredential(models.Model):
    """A credential an admin brings to an app from outside the portal (Tyk's "custom credentials"):
    issued elsewhere, or for a gateway the portal does not manage, and shown to the app's owner
    in the Live Portal. The portal never calls a gateway for it.

    Its two values are secrets: kept encrypted, shown to the app's owner once in the Live Portal
    (forecourt.access.custom_credentials.reveal_once), then wiped; only their last characters
    (`key_hint`, `secret_hint`) stay. The admin who adds them knows them already, so no answer
    ever carries them. `key_id` is an identifier, never a secret.
    """

    class Type(models.TextChoices):
        CUSTOM = "CREDENTIAL_TYPE_CUSTOM", _("Custom (issued outside the portal)")
        TYK_MANAGED = "CREDENTIAL_TYPE_TYK_MANAGED", _("Tyk managed")

    class TokenType(models.TextChoices):
        # Tyk's v1.14 names (its specification's CustomCredential.AuthTokenType enum).
        CUSTOM = "AUTH_TOKEN_TYPE_CUSTOM", _("Custom token")
        STANDARD = "AUTH_TOKEN_STANDARD", _("Standard token")

    app = models.ForeignKey(App, verbose_name=_("app"), on_delete=models.CASCADE, related_name="custom_credentials")
    alias = models.CharField(_("alias"), max_length=255)
    type = models.CharField(_("type"), max_length=32, choices=Type.choices, default=Type.CUSTOM)
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    products = models.ManyToManyField(Product, verbose_name=_("products"), blank=True, related_name="+")
    authentication_method = models.CharField(_("authentication method"), max_length=100, blank=True)
    auth_token_type = models.CharField(_("auth token type"), max_length=32, choices=TokenType.choices,
                                       default=TokenType.CUSTOM)
    key_id = models.CharField(_("key ID"), max_length=255, blank=True, help_text=_("An identifier, never a secret."))
    # Not editable: no model form or audit snapshot (model_to_dict) ever carries them.
    credential_key = EncryptedTextField(_("credential key"), blank=True, editable=False,
                                        help_text=_("Encrypted; shown to the app's owner once."))
    credential_secret = EncryptedTextField(_("credential secret"), blank=True, editable=False,
                                           help_text=_("Encrypted; shown to the app's owner once."))
    key_hint = models.CharField(_("key hint"), max_length=12, blank=True)
    secret_hint = models.CharField(_("secret hint"), max_length=12, blank=True)
    secret_shown_at = models.DateTimeField(_("secret shown at"), null=True, blank=True, editable=False)
    provider = models.ForeignKey("providers.Provider", verbose_name=_("provider"), on_delete=models.SET_NULL,
                                 null=True, blank=True,
                                 related_name="+")
    client_type_id = models.PositiveIntegerField(_("client type id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("custom credential")
        verbose_name_plural = _("custom credentials")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.alias
