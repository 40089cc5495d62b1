"""SSO profiles, the identities linked to accounts, and the assertions already used.

A profile keeps Tyk's fields (its Admin API's `/sso_profiles` answers them by Tyk's names, see
api/routers/sso_profiles.py) in typed columns: Tyk's `ProviderConfig` JSON is split into the
protocol's settings here and put back together for the API. Fields Tyk's Identity Broker reads and
Forecourt has no use for (`MatchedPolicyID`, `OrgID`, `IdentityHandlerConfig`) are kept and answered
back so that a profile moved from Tyk comes out as it went in.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forecourt.ops.crypto import EncryptedTextField


class SsoProfile(models.Model):
    """One identity provider and the audience it signs in."""

    class ActionType(models.TextChoices):  # Tyk's values
        CONSUMERS = "GenerateOrLoginDeveloperProfile", _("Consumers (Live Portal)")
        ADMINS = "GenerateOrLoginUserProfile", _("Admins (Admin Portal)")

    class Protocol(models.TextChoices):
        OIDC = "oidc", "OpenID Connect"  # a name, not translated
        SAML = "saml", "SAML 2.0"  # a name, not translated

    # Tyk's `ID`: a key chosen by the admin, in the sign-in URLs (/tib/auth/<key>/<provider>).
    key = models.SlugField(_("ID"), max_length=100, unique=True,
                           help_text=_("Letters, digits, - and _; it is part of the sign-in and callback URLs."))
    name = models.CharField(_("name"), max_length=255, help_text=_("Shown on the sign-in button."))
    enabled = models.BooleanField(_("enabled"), default=True,
                                  help_text=_("Off: no button, and its sign-in URLs refuse."))
    action_type = models.CharField(_("signs in"), max_length=40, choices=ActionType.choices,
                                   default=ActionType.CONSUMERS)
    protocol = models.CharField(_("protocol"), max_length=8, choices=Protocol.choices, default=Protocol.OIDC)

    # OpenID Connect (Tyk: ProviderName SocialProvider, ProviderConfig.UseProviders[0] named
    # "openid-connect": Key, Secret, DiscoverURL, Scopes).
    oidc_discovery_url = models.URLField(
        _("discovery URL"), max_length=500, blank=True,
        help_text=_("The issuer's /.well-known/openid-configuration."))
    oidc_client_id = models.CharField(_("client ID"), max_length=255, blank=True)
    # A secret: encrypted, never answered back once set, never logged (audit masks it).
    oidc_client_secret = EncryptedTextField(_("client secret"), blank=True)
    oidc_scopes = models.CharField(_("scopes"), max_length=500, blank=True, default="openid email profile",
                                   help_text=_("Space-separated; openid is always asked for."))

    # SAML 2.0 (Tyk: ProviderName SAMLProvider; ProviderConfig.IDPMetaDataURL, EntityId,
    # ForceAuthentication, SAMLEmailClaim, SAMLForenameClaim, SAMLSurnameClaim).
    saml_metadata_url = models.URLField(_("IdP metadata URL"), max_length=500, blank=True)
    saml_metadata_xml = models.TextField(_("IdP metadata XML"), blank=True,
                                         help_text=_("Instead of the URL: the IdP's metadata document."))
    saml_sp_entity_id = models.CharField(
        _("SP entity ID"), max_length=500, blank=True,
        help_text=_("This portal's entity ID at the IdP; empty: the profile's metadata URL."))
    saml_want_assertions_signed = models.BooleanField(
        _("signed assertions required"), default=True,
        help_text=_("Refuse an assertion the IdP did not sign (a signed response alone is not enough)."))
    saml_force_authn = models.BooleanField(_("force authentication"), default=False,
                                           help_text=_("Ask the IdP to sign the user in again each time."))
    saml_email_attribute = models.CharField(_("e-mail attribute"), max_length=255, blank=True)
    saml_first_name_attribute = models.CharField(_("first name attribute"), max_length=255, blank=True)
    saml_last_name_attribute = models.CharField(_("last name attribute"), max_length=255, blank=True)

    # Which claims say who the user is (Tyk: CustomUserIDField, CustomEmailField); empty: `sub` /
    # the NameID, and `email` / the e-mail attribute.
    user_id_field = models.CharField(_("user ID claim"), max_length=255, blank=True)
    email_field = models.CharField(_("e-mail claim"), max_length=255, blank=True)

    # How users land (Tyk: SSOOnlyForRegisteredUsers, DefaultUserGroupID, CustomUserGroupField,
    # UserGroupMapping, UserGroupSeparator, ProviderConstraintsDomain, ProviderConstraintsGroup).
    existing_users_only = models.BooleanField(
        _("existing accounts only"), default=False,
        help_text=_("Off: an account is made at the first sign-in (just in time)."))
    default_team = models.ForeignKey(
        "accounts.Team", verbose_name=_("default team"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
        help_text=_("Consumers whose groups match no mapping land here (and in its organisation)."))
    group_field = models.CharField(_("group claim"), max_length=255, blank=True,
                                   help_text=_("The claim or attribute holding the user's groups, e.g. groups."))
    group_separator = models.CharField(
        _("group separator"), max_length=8, blank=True,
        help_text=_("When the groups come as one string: what separates them."))
    # {"<group>": "<team ID>"}: Tyk's UserGroupMapping. The first group (in the IdP's order) that
    # maps decides the organisation; every mapped team of that organisation is given.
    group_team_mapping = models.JSONField(_("group team mapping"), default=dict, blank=True)
    # {"<group>": "<role>"}: Forecourt's addition (Tyk maps groups to teams only); the highest
    # role mapped wins, else the audience's default role.
    group_role_mapping = models.JSONField(_("group role mapping"), default=dict, blank=True)
    allowed_domains = models.CharField(
        _("allowed domains"), max_length=1000, blank=True,
        help_text=_("Only e-mail addresses at these domains may sign in (commas)."))
    required_group = models.CharField(_("required group"), max_length=255, blank=True,
                                      help_text=_("Only members of this group may sign in."))
    return_url = models.CharField(_("return URL"), max_length=500, blank=True,
                                  help_text=_("Where users go once signed in; empty: the portal's home page."))

    # Tyk's fields kept as they came (see the module's docstring).
    tyk_type = models.CharField(_("tyk type"), max_length=32, blank=True, default="redirect")
    tyk_org_id = models.CharField(_("tyk org id"), max_length=64, blank=True)
    tyk_matched_policy_id = models.CharField(_("tyk matched policy id"), max_length=64, blank=True)
    tyk_identity_handler_config = models.JSONField(_("tyk identity handler config"), default=dict, blank=True)

    updated_by = models.CharField(_("updated by"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name_plural = _("SSO profiles")
        ordering = ["name", "id"]
        verbose_name = _("SSO profile")

    def __str__(self) -> str:
        return self.name

    @property
    def for_admins(self) -> bool:
        return self.action_type == self.ActionType.ADMINS

    @property
    def provider_segment(self) -> str:
        """The provider part of Tyk's sign-in URL: /tib/auth/<key>/<provider>."""
        return "openid-connect" if self.protocol == self.Protocol.OIDC else "saml"

    # The profile's URLs at this portal, at Tyk's Identity Broker's paths (so redirect URIs registered
    # for Tyk keep working), as the routes that answer them (live/sso/urls.py) spell them: what the
    # Admin Portal's page, the Admin API and the account page show.
    def login_path(self) -> str:
        """Where a sign-in through this profile starts (Tyk's `LoginURL`)."""
        return reverse("live:sso_start", kwargs={"key": self.key, "provider": self.provider_segment})

    def callback_path(self) -> str:
        """Where the IdP sends the user back: the redirect URI / ACS URL to register at the IdP."""
        return reverse("live:sso_callback", kwargs={"key": self.key, "provider": self.provider_segment})

    def metadata_path(self) -> str:
        """The portal's SAML service-provider metadata for this profile (SAML profiles only)."""
        return reverse("live:sso_saml_metadata", kwargs={"key": self.key})


class SsoIdentity(models.Model):
    """An account's identity at an identity provider: the IdP's subject, linked to one user.

    Unique per profile and subject, so that two replicas signing the same new user in at once make
    one account (the loser of the race finds the winner's row), and an IdP's user is one account
    whatever their e-mail address becomes.
    """

    profile = models.ForeignKey(SsoProfile, on_delete=models.CASCADE, related_name="identities")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities")
    # How the link was made: "just-in-time", "linked" (an existing account, by an admin or by its
    # owner proving its password) or "admin".
    linked_by = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["profile_id", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "subject"], name="one_user_per_sso_subject"),
            models.UniqueConstraint(fields=["profile", "user"], name="one_sso_subject_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.profile.key}:{self.subject}"


class UsedAssertion(models.Model):
    """A SAML assertion (or an ID token's nonce) already turned into a session: refused if it comes
    again, on whichever replica. Rows are deleted once past `expires_at` (the assertion's own end)."""

    profile = models.ForeignKey(SsoProfile, on_delete=models.CASCADE, related_name="+")
    assertion_id = models.CharField(max_length=255)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "assertion_id"], name="one_use_per_assertion"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="sso_used_assertion_expiry")]

    def __str__(self) -> str:
        return f"{self.profile_id}:{self.assertion_id}"
