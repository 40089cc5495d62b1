"""Every e-mail the portal sends: its name, who gets it, when, and sample data.

One list, used by everything that needs to know the set: the theme validator renders each
mailer with its sample (so a custom theme's broken e-mail is caught before it is activated),
the tests send each one through a real SMTP server, and docs/notifications.md documents them.
The templates themselves are the theme's `mailers/NAME.subject.txt`, `NAME.txt` and `NAME.html`.
"""

from dataclasses import dataclass, field
from typing import Any

PORTAL = "https://portal.example.com/"
ADMIN = "https://portal.example.com/portal-admin/"


@dataclass(frozen=True)
class Mailer:
    name: str
    to: str  # "user", "admins" (the Admin notification address) or "invitee"
    when: str
    sample: dict[str, Any] = field(default_factory=dict)
    # Context fields holding an ISO date or date-time, shown in the reader's language and zone (values.py).
    dates: tuple[str, ...] = ()


_USER = {"user_name": "Ada Lovelace"}
_ACCESS = {**_USER, "app_name": "Weather app", "plan_name": "Gold", "products": ["Weather API", "Maps API"],
           "portal_url": PORTAL}
_CREDENTIAL = {**_USER, "app_name": "Weather app", "plan_name": "Gold", "credential_type": "API key",
               "credential_hint": "a1b2", "expires_on": "2027-01-31T09:00:00+00:00", "days_left": 7,
               "app_url": PORTAL + "apps/12"}

MAILERS: tuple[Mailer, ...] = (
    Mailer("welcome", "user", "a consumer registered and waits for an admin's approval", {**_USER}),
    Mailer("account_confirm", "user", "a consumer registered with an invite code or auto-approval: confirm the address",
           {**_USER, "activate_url": PORTAL + "activate/MQ/token/", "expires_hours": 72}),
    Mailer("account_exists", "user", "someone tried to register with an address that has an account",
           {**_USER, "sign_in_url": PORTAL + "auth/sign-in/", "reset_url": PORTAL + "auth/password/"}),
    Mailer("account_awaiting_approval", "admins", "a registration waits for approval",
           {**_USER, "user_email": "ada@example.com", "admin_url": ADMIN + "users/7/actions/"}),
    Mailer("account_activated", "user", "an account became active (an admin approved it, or its owner confirmed it)",
           {**_USER, "sign_in_url": PORTAL + "auth/sign-in/"}),
    Mailer("account_deactivated", "user", "an admin deactivated the account", {**_USER}),
    Mailer("mfa_reset", "user", "a super admin reset the account's second factor",
           {**_USER, "sign_in_url": PORTAL + "auth/sign-in/"}),
    Mailer("password_reset", "user", "a password reset was asked for (by the user or an admin)",
           {**_USER, "reset_url": PORTAL + "auth/password/MQ/token/", "expires_hours": 72}),
    Mailer("invite", "invitee", "a consumer-admin invited someone into their organisation",
           {"user_name": "Grace Hopper", "inviter_name": "Ada Lovelace", "organisation_name": "Acme",
            "team_name": "Default Team", "accept_url": PORTAL + "auth/invite/token/", "expires_days": 7}),
    Mailer("access_request_submitted", "admins", "an access request waits for approval",
           {**_ACCESS, "requester_name": "Ada Lovelace", "requester_email": "ada@example.com",
            "admin_url": ADMIN + "access-requests/3/"}),
    Mailer("access_request_approved", "user", "an access request was approved",
           {**_ACCESS, "app_url": PORTAL + "apps/12"}),
    Mailer("access_request_rejected", "user", "an access request was rejected, with the reason",
           {**_ACCESS, "app_url": PORTAL + "apps/12", "reason": "Tell us more about your use case."}),
    Mailer("credential_expiring", "user", "an active credential expires within the warning period", {**_CREDENTIAL},
           dates=("expires_on",)),
    Mailer("credential_expired", "user", "an active credential has expired", {**_CREDENTIAL, "days_left": 0},
           dates=("expires_on",)),
    Mailer("organisation_request_submitted", "admins", "an organisation request waits for approval",
           {**_USER, "user_email": "ada@example.com", "organisation_name": "Acme",
            "admin_url": ADMIN + "organisation-requests/5/"}),
    Mailer("organisation_request_approved", "user", "an organisation request was approved",
           {**_USER, "organisation_name": "Acme", "portal_url": PORTAL + "my-organisation"}),
    Mailer("organisation_request_rejected", "user", "an organisation request was rejected, with the reason",
           {**_USER, "organisation_name": "Acme", "reason": "Use your company's name.",
            "portal_url": PORTAL + "my-organisation"}),
    Mailer("test", "the address typed", "an admin sends a test message from the Settings page",
           {"to": "ada@example.com"}),
    Mailer("policy_unreadable", "admins",
           "a sync cannot read the policy of a product or plan: it keeps its last good state and stays published",
           {"provider_name": "Tyk Dashboard", "items": [
               {"kind": "product", "name": "Weather API", "policy": "5ead7120575961000181867e",
                "reason": "it references the API 41, which does not exist", "admin_url": ADMIN + "products/4/"}]}),
)

BY_NAME = {mailer.name: mailer for mailer in MAILERS}


def sample(template_path: str) -> dict[str, Any]:
    """Sample data for `mailers/NAME.(subject.txt|txt|html)`; empty for layouts and partials. As it is
    written here: values.sample is what the templates get."""
    name = template_path.removeprefix("mailers/").split(".", 1)[0]
    mailer = BY_NAME.get(name)
    return dict(mailer.sample) if mailer else {}
