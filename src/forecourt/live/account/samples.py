"""Sample context for each account page and partial, for theme validation (`forecourt theme validate` renders
every template with it). docs/themes.md documents what each view gets; these values show it."""

import datetime
from typing import Any

from ..samples import field


def _form(*fields: dict[str, Any], errors: list[str] | None = None) -> dict[str, Any]:
    return {"fields": {f["name"]: f for f in fields}, "order": [f["name"] for f in fields], "errors": errors or []}


_EMAIL = field("email", "E-mail", "email", "dev@example.com", errors=["Enter a valid e-mail address."])
_PASSWORDS = (field("password", "Password", "password", errors=["This password is too short."]),
              field("password_again", "Password (again)", "password"))
_NAMES = (field("first_name", "First name", value="Dana"), field("last_name", "Last name", value="Developer"))
_PERSON = {"id": 1, "name": "Dana Developer", "email": "dev@example.com", "role": "Consumer admin",
           "is_admin": True, "active": True}
_INVITATION = {"email": "new@example.com", "organisation": "Example Organisation", "team": "Default Team",
               "inviter": "Dana Developer", "role": "Consumer team member"}

_API_TOKEN = {"prefix": "AbCdEfGh", "created": datetime.date(2026, 1, 31), "last_used": datetime.date(2026, 2, 2)}

SAMPLES: dict[str, dict[str, Any]] = {
    "views/sign_in.html": {
        "form": _form(_EMAIL, field("password", "Password", "password"), errors=["Sample form error."]),
        "next": "/catalogue",
        "sso": [{"name": "Example Co. single sign-on", "key": "example-co",
                 "url": "/tib/auth/example-co/openid-connect?next=%2Fcatalogue"}],
    },
    "views/sign_in_code.html": {
        "form": _form(field("code", "Code", errors=["That code is not right."]), errors=["Sample form error."]),
        "next": "/catalogue", "passkeys": True,
    },
    "views/account_authenticator.html": {
        "form": _form(field("code", "Code from the app")), "action": "authenticator", "required": True,
        "next": "", "enrolment": {"secret": "JBSWY3DPEHPK3PXP",
                                  "qr_code": "data:image/svg+xml;base64,"
                                             "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="},
    },
    "views/account_recovery_codes.html": {"codes": ["0a1b2-c3d4e", "f5a6b-7c8d9"], "continue_to": "/my-account"},
    "views/sign_up.html": {
        "form": _form(_EMAIL, *_NAMES, *_PASSWORDS,
                      field("invite_code", "Invite code", required=False, help="If you were given one.")),
        "approval": "review",
    },
    "views/sign_up_done.html": {"step": "confirm"},
    "views/sign_out.html": {},
    "views/password_forgotten.html": {"form": _form(_EMAIL)},
    "views/password_reset.html": {"form": _form(*_PASSWORDS), "account": {"email": "dev@example.com"}},
    "views/account_link_invalid.html": {"link": {"title": "This link cannot be used",
                                                 "message": "It has expired or has been used."}},
    "views/account_activate.html": {"account": {"email": "dev@example.com", "name": "Dana Developer"}},
    "views/account_invite.html": {"invitation": _INVITATION, "account_exists": False,
                                  "form": _form(*_NAMES, *_PASSWORDS)},
    "views/account_profile.html": {
        "account": {"email": "dev@example.com", "role": "Consumer admin", "joined": datetime.date(2026, 1, 31)},
        "attributes": [{"identifier": "tier", "label": "Tier", "description": "Set by the portal's team.",
                        "value": "Gold"}],
        "profile_form": _form(*_NAMES, field("attr_industry", "Industry", "select", "fleet", required=False,
                                             choices=[{"value": "fleet", "label": "fleet", "selected": True}])),
        "password_form": _form(field("current_password", "Current password", "password"), *_PASSWORDS),
        "security": {"authenticator": True, "recovery_codes_left": 9, "required": False,
                     "passkeys": [{"id": 1, "name": "Work laptop", "last_used": None,
                                   "created": datetime.datetime(2026, 1, 31, 9, 0, tzinfo=datetime.UTC)}]},
        "sign_in_methods": [
            {"name": "Example Corp", "linked": True, "linked_on": datetime.date(2026, 1, 31), "link_url": "",
             "unlink_url": "/my-account/sign-in-methods/1/unlink"},
            {"name": "Partners", "linked": False, "linked_on": None,
             "link_url": "/tib/auth/partners/openid-connect?link=1", "unlink_url": ""}],
        "api_token": _API_TOKEN,
    },
    "views/account_api_token.html": {"token": _API_TOKEN, "new_token": "sample-token-shown-once",
                                     "mcp_url": "https://portal.example.com/mcp"},
    "views/account_organisation.html": {
        "organisation": {"id": 1, "name": "Example Organisation", "is_default": False},
        "teams": [{"id": 1, "name": "Default Team", "is_default": True, "members": [_PERSON]}],
        "members": [_PERSON],
        "can_manage": True,
        "invitations": [{"id": 1, "email": "new@example.com", "name": "New Person", "team": "Default Team",
                         "role": "Consumer team member", "invited_by": "Dana Developer", "expired": False,
                         "expires_at": datetime.datetime(2026, 2, 7, 12, 0, tzinfo=datetime.UTC),
                         "expires_on": datetime.date(2026, 2, 7)}],
        "invite_form": _form(_EMAIL, *_NAMES,
                             field("role", "Role", "select", "consumer-team-member",
                                    choices=[{"value": "consumer-team-member", "label": "Team member",
                                              "selected": True},
                                             {"value": "consumer-admin", "label": "Organisation admin",
                                              "selected": False}]),
                             field("team", "Team", "select", "1",
                                    choices=[{"value": "1", "label": "Default Team", "selected": True}])),
        "organisation_request": {"name": "Acme Ltd", "status": "pending", "status_label": "Pending",
                                 "created_at": datetime.datetime(2026, 1, 31, 9, 0, tzinfo=datetime.UTC)},
        "request_form": _form(field("name", "Organisation name", value="Acme Ltd")),
    },
}
