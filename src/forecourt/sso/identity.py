"""What a protocol hands to the sign-in rules: who the identity provider says the user is."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Identity:
    """A verified answer of an identity provider, as plain values.

    Only made from a token or an assertion whose signature, issuer, audience and lifetime the
    protocol library has checked. `subject` is the IdP's stable identifier of the user (OpenID
    Connect's `sub`, SAML's NameID, or the profile's `CustomUserIDField`): accounts are matched by
    it, never by the e-mail address, which many IdPs let their users change.
    """

    subject: str
    email: str
    first_name: str = ""
    last_name: str = ""
    groups: tuple[str, ...] = ()
    # Every claim or attribute as received (values as lists of strings), for the group field and
    # the custom user-ID and e-mail fields; never stored, never logged.
    claims: dict[str, list[str]] = field(default_factory=dict, repr=False)


class SignInRefused(Exception):
    """The identity provider said who the user is, and the portal's rules refuse them.

    `reason` is plain words for the person signing in (never a secret, never the IdP's raw answer);
    `code` names the rule for tests and the audit log.
    """

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
