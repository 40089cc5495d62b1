"""Apps, access requests and credentials."""

from typing import TYPE_CHECKING

from django.db import models

from forecourt.accounts.models import Organisation, Team, User
from forecourt.catalog.models import Catalogue, Plan, Product
from forecourt.ops import crypto
from forecourt.ops.crypto import EncryptedTextField

if TYPE_CHECKING:
    from .gateway import GatewayRef


class App(models.Model):
    class Visibility(models.TextChoices):
        PERSONAL = "personal", "Personal: only its owner"
        TEAM = "team", "Team: the owner's team"
        ORGANISATION = "organisation", "Organisation: everyone in the owner's organisation"

    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    redirect_urls = models.TextField("redirect URLs", blank=True, help_text="One per line (OAuth 2.0 clients).")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="apps")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="apps")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="apps")
    visibility = models.CharField(max_length=15, choices=Visibility.choices, default=Visibility.PERSONAL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name", "id"], name="app_list_order")]

    def __str__(self) -> str:
        return self.name


class AccessRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Provisioning(models.TextChoices):
        """Creating the credential at the provider, after approval; retried until it succeeds."""

        NOT_NEEDED = "not-needed", "Not needed"
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="access_requests")
    catalogue = models.ForeignKey(Catalogue, on_delete=models.PROTECT, related_name="access_requests")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="access_requests")
    products = models.ManyToManyField(Product, related_name="access_requests")
    requester = models.ForeignKey(User, on_delete=models.PROTECT, related_name="access_requests")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(blank=True, help_text="Why it was rejected (shown to the consumer).")
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    provisioning = models.CharField(max_length=12, choices=Provisioning.choices, default=Provisioning.NOT_NEEDED)
    provisioning_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        KEY = "key", "API key"
        OAUTH2_CLIENT = "oauth2-client", "OAuth 2.0 client"
        # Registered at an identity provider by Dynamic Client Registration (forecourt.access.dcr).
        DCR_CLIENT = "dcr-client", "OAuth 2.0 client (DCR)"

    class Status(models.TextChoices):
        PENDING = "pending", "Being created at the gateway"
        ACTIVE = "active", "Active"
        REVOKING = "revoking", "Being revoked at the gateway"
        REVOKED = "revoked", "Revoked"

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="credentials")
    access_request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="credentials")
    # By app label: providers sits above access (forecourt.providers.interfaces) and is not imported here.
    provider = models.ForeignKey("providers.Provider", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    provider_reference = models.CharField(
        max_length=255, help_text="How the provider knows it, never a secret: an OAuth client's ID, a key's hash.")
    # A Tyk key's ID at the gateway (the key itself), encrypted, while the key must be addressed by
    # it: until the gateway has told its hash, or for good from a gateway that hashes no keys.
    gateway_key = EncryptedTextField(blank=True, editable=False)
    type = models.CharField(max_length=15, choices=Type.choices, default=Type.KEY)
    secret_hint = models.CharField(max_length=12, blank=True, help_text="The last characters of the secret.")
    secret = EncryptedTextField(blank=True, help_text="Encrypted; shown to the consumer once.")
    # When the owner was shown the secret in the Live Portal; `secret` was wiped in that same
    # transaction (forecourt.access.reveal), so from then on only `secret_hint` is left.
    secret_shown_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # What else the provider needs to find the credential again (e.g. a Tyk OAuth client's API and
    # policy). Chosen before the gateway is called, like provider_reference.
    provider_data = models.JSONField(default=dict, blank=True)
    replaces = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by",
                                 help_text="The credential this one rotated; revoked once this one is active.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # When its owner was told it expires soon / has expired (forecourt.access.expiry): set by the
    # conditional UPDATE that claims the reminder, so each is sent once across replicas.
    expiry_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    expired_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    LIVE = (Status.PENDING, Status.ACTIVE)

    class Meta:
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
        CUSTOM = "CREDENTIAL_TYPE_CUSTOM", "Custom (issued outside the portal)"
        TYK_MANAGED = "CREDENTIAL_TYPE_TYK_MANAGED", "Tyk managed"

    class TokenType(models.TextChoices):
        # Tyk's v1.14 names (its specification's CustomCredential.AuthTokenType enum).
        CUSTOM = "AUTH_TOKEN_TYPE_CUSTOM", "Custom token"
        STANDARD = "AUTH_TOKEN_STANDARD", "Standard token"

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="custom_credentials")
    alias = models.CharField(max_length=255)
    type = models.CharField(max_length=32, choices=Type.choices, default=Type.CUSTOM)
    plan = models.ForeignKey(Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    products = models.ManyToManyField(Product, blank=True, related_name="+")
    authentication_method = models.CharField(max_length=100, blank=True)
    auth_token_type = models.CharField(max_length=32, choices=TokenType.choices, default=TokenType.CUSTOM)
    key_id = models.CharField("key ID", max_length=255, blank=True, help_text="An identifier, never a secret.")
    # Not editable: no model form or audit snapshot (model_to_dict) ever carries them.
    credential_key = EncryptedTextField(blank=True, editable=False,
                                        help_text="Encrypted; shown to the app's owner once.")
    credential_secret = EncryptedTextField(blank=True, editable=False,
                                           help_text="Encrypted; shown to the app's owner once.")
    key_hint = models.CharField(max_length=12, blank=True)
    secret_hint = models.CharField(max_length=12, blank=True)
    secret_shown_at = models.DateTimeField(null=True, blank=True, editable=False)
    provider = models.ForeignKey("providers.Provider", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    client_type_id = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.alias
