"""Users, organisations and teams, after Tyk's portal user model.

Every consumer belongs to an organisation; every organisation has a Default Team; the
Default Organisation exists from bootstrap on. Neither default can be deleted (enforced in
accounts.services, which every view, API and CLI goes through).
"""

import secrets
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import check_password
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forecourt.i18n import languages
from forecourt.i18n.zones import validate_time_zone
from forecourt.ops.crypto import EncryptedTextField


class Role(models.TextChoices):
    SUPER_ADMIN = "super-admin", _("Super admin")
    PROVIDER_ADMIN = "provider-admin", _("Provider admin")
    CONSUMER_ADMIN = "consumer-admin", _("Consumer admin")
    CONSUMER_TEAM_MEMBER = "consumer-team-member", _("Consumer team member")


ADMIN_ROLES = frozenset({Role.SUPER_ADMIN, Role.PROVIDER_ADMIN})


# `is_default` is True for the default and NULL otherwise, so that a plain unique constraint
# (which every engine, MySQL included, enforces; NULLs never collide) allows one default only.


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=255, unique=True)
    is_default = models.BooleanField(_("is default"), null=True, blank=True, default=None, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["is_default"], name="one_default_organisation")]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE,
                                     related_name="teams")
    name = models.CharField(_("name"), max_length=255)
    is_default = models.BooleanField(_("is default"), null=True, blank=True, default=None, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["organisation_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="unique_team_name_per_organisation"),
            models.UniqueConstraint(fields=["organisation", "is_default"],
                                    name="one_default_team_per_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} / {self.name}"


if TYPE_CHECKING:
    _UserManagerBase = BaseUserManager["User"]
else:  # BaseUserManager is not subscriptable at run time
    _UserManagerBase = BaseUserManager


class UserManager(_UserManagerBase):

    def create_user(self, email: str, password: str | None = None, *, password_hash: str | None = None,
                    **fields: Any) -> "User":
        """A new user with `password`, or with `password_hash` from `make_password()`.

        Callers that write inside a transaction pass the hash, made before the transaction opens:
        hashing takes about 20 ms of CPU (accounts/hashers.py), and on SQLite an open write transaction
        holds the database's only write lock all that time (docs: "Writes that do not block").
        """
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password_hash is not None:
            user.password = password_hash
        else:
            user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> "User":
        # E-mail addresses are matched without regard to case.
        return self.get(email__iexact=username or "")


class User(AbstractBaseUser):
    email = models.EmailField(_("e-mail"), max_length=254, unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.CONSUMER_TEAM_MEMBER)
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT,
                                     null=True, blank=True,
                                     related_name="users")
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="members")
    is_active = models.BooleanField(_("is active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Blank: no preference (the switcher's cookie, the browser, the portal's default decide: i18n.negotiation).
    language = models.CharField(_("language"), max_length=16, blank=True, default="", db_default="",
                                choices=languages.django_languages(),
                                help_text=_("The language of the portals' pages and of e-mails to this user."))
    # Blank: the portal's (UTC). Any name of the IANA database (i18n.zones).
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="", db_default="",
                                 validators=[validate_time_zone],
                                 help_text=_("Dates and times are shown in it."))

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_admin(self) -> bool:
        """May use the Admin Portal and the Admin API."""
        return self.is_active and self.role in ADMIN_ROLES

    def check_password(self, raw_password: str | None) -> bool:
        """Django's check, which also rehashes a right password made by an older hasher (PBKDF2
        before 0.8.0) - except for an inactive account: its activation link is bound to the stored
        hash (accounts' token generators), so rehashing it when its owner tries to sign in before
        following the link would kill the link. It is rehashed at its first sign-in once active."""
        if self.is_active:
            return super().check_password(raw_password)
        return check_password(raw_password, self.password)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email

    def audit_extra(self) -> dict[str, Any]:
        """The custom attributes' values in the audit log's snapshots, one key each, so that a
        change of one shows as that attribute's change (forecourt.audit.services.snapshot)."""
        if self.pk is None:
            return {}
        return {f"attribute:{identifier}": value for identifier, value in
                UserAttributeValue.objects.filter(user=self).values_list("attribute__identifier", "value")}


class ApiToken(models.Model):
    """An admin's Admin API token. Only a SHA-256 digest is stored; the token is shown once.

    The token is 32 random bytes, so a fast digest is enough: there is nothing to guess.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="First characters, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


def _invite_code() -> str:
    return secrets.token_urlsafe(12)


class InviteCode(models.Model):
    """A code that lets someone register straight into an organisation and team.

    Kept in clear: admins hand it out and look it up again; it grants membership of one
    team, not access to anything already there, and expires or runs out of uses.
    """

    code = models.CharField(_("code"), max_length=64, unique=True, default=_invite_code, editable=False)
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE,
                                     related_name="invite_codes")
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="invite_codes")
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, help_text=_("Empty: never expires."))
    max_uses = models.PositiveIntegerField(_("max uses"), default=1, help_text=_("0: unlimited."))
    uses = models.PositiveIntegerField(_("uses"), default=0, editable=False)
    is_active = models.BooleanField(_("is active"), default=True)
    created_by = models.ForeignKey(User, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("invite code")
        verbose_name_plural = _("invite codes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at", "id"], name="invitecode_list_order")]

    def __str__(self) -> str:
        return f"{self.code} ({self.organisation} / {self.team.name})"

    @property
    def is_usable(self) -> bool:
        if not self.is_active:
            return False
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return False
        return self.max_uses == 0 or self.uses < self.max_uses


class OrganisationRequest(models.Model):
    """A consumer's request for an organisation of their own, which an admin approves or rejects.

    On approval (accounts.org_requests.approve_organisation_request) the organisation is created with
    its Default Team and the requester becomes its consumer-admin.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    name = models.CharField(_("organisation name"), max_length=255)
    requester = models.ForeignKey(User, verbose_name=_("requester"), on_delete=models.CASCADE,
                                  related_name="organisation_requests")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.SET_NULL,
                                     null=True, blank=True,
                                     related_name="+", help_text=_("The organisation made on approval."))
    decided_by = models.ForeignKey(User, verbose_name=_("decided by"), on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was rejected (e-mailed to the requester)."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation request")
        verbose_name_plural = _("organisation requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_at", "id"], name="orgrequest_list_order")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class Invitation(models.Model):
    """A consumer-admin's e-mailed invitation to join their organisation, in one of its teams.

    The link carries a random token of which only the SHA-256 digest is stored; it works once,
    until `expires_at`. No account exists until the invitee accepts and chooses a password.
    """

    email = models.EmailField("e-mail")
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=32, choices=[(Role.CONSUMER_TEAM_MEMBER.value, Role.CONSUMER_TEAM_MEMBER.label),
                                                    (Role.CONSUMER_ADMIN.value, Role.CONSUMER_ADMIN.label)],
                            default=Role.CONSUMER_TEAM_MEMBER)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.email} ({self.organisation})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class Throttle(models.Model):
    """Counted events per key (a digest of an e-mail address or a client address, by scope),
    in the database so that every web process sees the same counts (accounts.throttle)."""

    key = models.CharField(max_length=100, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return self.key


class CustomAttribute(models.Model):
    """An admin-defined field of every user (Tyk's "custom attributes" of the User model).

    The rules (what a value of each type may be, who may set it where, what a change of definition
    may do to the values users already have) are accounts.attributes'.
    """

    class Type(models.IntegerChoices):  # Tyk's numbers
        STRING = 1, _("String")
        DROPDOWN = 2, _("Dropdown")
        BOOLEAN = 3, _("Boolean")
        NUMBER = 4, _("Number")

    class Behaviour(models.IntegerChoices):  # Tyk's numbers: what consumers may do with it
        EDIT = 1, _("Developers can view and edit")
        VIEW = 2, _("Developers can only view")
        HIDDEN = 3, _("Developers cannot see")

    identifier = models.CharField(
        _("identifier"), max_length=64, unique=True,
        help_text=_("Letters, digits, dashes and underscores: the attribute's name in the Admin API, the "
                  "credentials' metadata and webhook events."))
    name = models.CharField(_("label"), max_length=255, help_text=_("What forms and pages call it."))
    description = models.TextField(_("description"), blank=True, help_text=_("Shown under the field."))
    type = models.PositiveSmallIntegerField(_("type"), choices=Type.choices, default=Type.STRING)
    behaviour = models.PositiveSmallIntegerField(_("behaviour"), choices=Behaviour.choices, default=Behaviour.EDIT)
    dropdown_values = models.TextField(_("dropdown values"), blank=True,
                                       help_text=_("Dropdown only: the options, separated by commas."))
    validation_regexp = models.CharField(
        _("validation regular expression"), max_length=500, blank=True,
        help_text=_("String only: a value must match it whole (RE2 syntax, as Go and Tyk). Empty: any text."))
    add_to_key_metadata = models.BooleanField(
        _("add to the credentials' metadata"), default=False,
        help_text=_("Send the user's value to the gateway with each credential they get (it is readable there)."))
    required = models.BooleanField(_("required"), default=False,
                                   help_text=_("A user must have a value (a Boolean: must be "
                                                            "ticked) where the field is shown."))
    show_on_signup = models.BooleanField(_("show on the sign-up form"), default=False)
    write_once = models.BooleanField(_("write once, read many"), default=False,
                                     help_text=_("Once set, the value can no longer be changed, by anyone."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name_plural = _("custom attributes")
        ordering = ["pk"]
        verbose_name = _("custom attribute")

    def __str__(self) -> str:
        return self.name


class UserAttributeValue(models.Model):
    """A user's value of a custom attribute, as text in its canonical form ("true", "12.5", an option).
    No row: no value. Deleted with the user and with the attribute."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="attribute_values")
    attribute = models.ForeignKey(CustomAttribute, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(max_length=1000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["attribute_id"]
        constraints = [models.UniqueConstraint(fields=["user", "attribute"], name="one_value_per_user_attribute")]

    def __str__(self) -> str:
        return f"{self.attribute_id}={self.value}"


class DefaultAttributeSetting(models.Model):
    """Whether one of the users' built-in fields (accounts.attributes.DEFAULT_ATTRIBUTES, by key) goes
    into credentials' metadata. No row: it does not."""

    key = models.CharField(max_length=32, unique=True)
    add_to_key_metadata = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key


class TotpDevice(models.Model):
    """A user's authenticator app (TOTP, RFC 6238): at most one per user. The secret is encrypted at
    rest (the portal must read it back to check codes) and shown only while it is being enrolled;
    it counts once `confirmed_at` is set by a first right code (accounts.mfa). `last_step` is the
    time step of the last code accepted, so a code is never accepted twice (a replay)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedTextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Authenticator app of {self.user_id}"


class RecoveryCode(models.Model):
    """A one-time recovery code, stored as a digest (codes are random, so a plain SHA-256 is enough:
    there is nothing to guess from it); `used_at` set once, by one conditional UPDATE."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "digest"], name="recovery_code_unique")]

    def __str__(self) -> str:
        return f"Recovery code of {self.user_id}"



class Passkey(models.Model):
    """A WebAuthn credential (a passkey) a user registered as a second factor; accounts.passkeys checks
    its signatures with py_webauthn. The public key is public: only the signature proves anything."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(max_length=100)
    credential_id = models.CharField(max_length=700, unique=True)  # base64url; 700 x 4 bytes fits MariaDB's index
    public_key = models.TextField()  # base64url of the COSE key
    sign_count = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name
