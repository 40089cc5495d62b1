"""/portal-api/configs: the general settings (those of the Admin Portal's Settings page). Super-admins only.

Tyk's `GET /configs` answers the portal's start-up configuration (`HostPort`, `Database`, `LogLevel`...)
as a one-element array, and Tyk has no `PUT /configs`. Forecourt answers the same one-element array:
its element carries the start-up settings Tyk names that Forecourt has (read from portal.conf and the
PORTAL_* variables; never a secret: no connection string, key or token) and, beside them, the settings an
admin changes at run time, with Forecourt's own names. `PUT /configs` changes the latter; it takes the
object, or the one-element array a GET answered. Tyk's start-up names in a body are accepted, ignored
(they are not changed at run time) and listed in the `Warning` header.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router
from pydantic import model_validator

from forecourt import configuration
from forecourt.portalconfig.models import PortalSettings
from forecourt.resources import writes
from forecourt.resources.definitions import SETTINGS
from forecourt.resources.forms import PortalSettingsForm

from .. import forms
from ..auth import SuperAdminToken
from ..common import ERRORS, actor, tyk_time
from ..compat import TykIn, note_ignored
from ..schemas_base import Out

router = Router(tags=["configs"], auth=SuperAdminToken())

MAX_INT = 2**31 - 1

FIELDS = {"SMTPHost": "smtp_host", "SMTPPort": "smtp_port", "SMTPSecurity": "smtp_security",
          "SMTPUsername": "smtp_username", "SMTPTimeout": "smtp_timeout", "DefaultFromAddress": "from_address",
          "AdminNotificationAddress": "admin_notification_address",
          "AutoApproveRegistrations": "auto_approve_registrations",
          "AllowOrganisationRequests": "allow_organisation_requests",
          "PasswordMinLength": "password_min_length", "PasswordRequireMixed": "password_require_mixed"}
NAMES = {form: api for api, form in FIELDS.items()} | {"smtp_password": "SMTPPassword"}

# Tyk's configuration (section "Settings-index" of its API): start-up settings, not these.
TYK_CONFIG_NAMES = frozenset({
    "Blog", "Database", "Forms", "HostPort", "JwtSigningKey", "LicenseKey", "LogFormat", "LogLevel",
    "PortalAPISecret", "ProductDocRenderer", "RefreshInterval", "S3", "Site", "Storage", "StoreSessionName",
    "TLSConfig", "Theming",
})


# The start-up settings GET answers (read-only: sending them back is silent, as for other read-only fields).
ANSWERED_START_UP = frozenset({"HostPort", "LogLevel", "LogFormat", "RefreshInterval", "Database", "Theming"})


class DatabaseOut(Out):
    Dialect: str = Field(description="`sqlite3`, `postgres` or `mysql`. The connection string is never shown.")
    EnableLogs: bool
    MaxRetries: int
    RetryDelay: int = Field(description="Milliseconds.")


class ThemingOut(Out):
    Theme: str = Field(description="The theme named in the configuration (the active one is in /themes).")
    Path: str


class ConfigsOut(Out):
    """One element of Tyk's `Settings-index`: Tyk's start-up settings Forecourt has, then Forecourt's own."""

    HostPort: int = Field(description="Start-up setting (portal.conf / PORTAL_HOSTPORT), read-only.")
    LogLevel: str = Field(description="Start-up setting, read-only.")
    LogFormat: str = Field(description="Start-up setting, read-only.")
    RefreshInterval: int = Field(description="Start-up setting, read-only: minutes between provider syncs.")
    Database: DatabaseOut = Field(description="Start-up settings, read-only.")
    Theming: ThemingOut = Field(description="Start-up settings, read-only.")
    SMTPHost: str
    SMTPPort: int
    SMTPSecurity: str = Field(description="none, starttls or tls.")
    SMTPUsername: str
    SMTPPasswordSet: bool = Field(description="Whether an SMTP password is stored. The password is never shown.")
    SMTPTimeout: int = Field(description="Seconds.")
    DefaultFromAddress: str = Field(description="No e-mail is sent until this is set.")
    AdminNotificationAddress: str
    AutoApproveRegistrations: bool
    AllowOrganisationRequests: bool
    PasswordMinLength: int
    PasswordRequireMixed: bool = Field(description="Passwords must contain letters and digits.")
    UpdatedAt: str | None


class ConfigsIn(TykIn):
    """The settings to change; those left out (or null) keep their value."""

    TYK_IGNORED = TYK_CONFIG_NAMES - ANSWERED_START_UP
    READ_ONLY = frozenset({"SMTPPasswordSet", "UpdatedAt"}) | ANSWERED_START_UP
    SMTPHost: str | None = None
    SMTPPort: int | None = Field(None, ge=0, le=MAX_INT, description="1 to 65535.")
    SMTPSecurity: str | None = Field(None, description="none, starttls or tls.")
    SMTPUsername: str | None = None
    SMTPPassword: str | None = Field(None, description='Write-only, stored encrypted. "" removes the stored one.')
    SMTPTimeout: int | None = Field(None, ge=0, le=MAX_INT, description="Seconds.")
    DefaultFromAddress: str | None = None
    AdminNotificationAddress: str | None = None
    AutoApproveRegistrations: bool | None = None
    AllowOrganisationRequests: bool | None = None
    PasswordMinLength: int | None = Field(None, ge=0, le=MAX_INT, description="8 to 128.")
    PasswordRequireMixed: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_element_array(cls, data: Any) -> Any:
        """What a GET answered (a one-element array) is taken as its element."""
        data = getattr(data, "_obj", data)  # Ninja's Schema validates a second time through a DjangoGetter
        if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict):
            element: dict[str, Any] = data[0]
            dropped = [key for key in element if key in cls.TYK_IGNORED]
            note_ignored(dropped)
            return {k: v for k, v in element.items() if k not in cls.TYK_IGNORED and k not in cls.READ_ONLY}
        return data


def _out(current: PortalSettings) -> ConfigsOut:
    values = {api: getattr(current, field) for api, field in FIELDS.items()}
    config = configuration.get()
    return ConfigsOut(
        HostPort=config.host_port, LogLevel=config.log_level, LogFormat=config.log_format,
        RefreshInterval=config.refresh_interval,
        Database=DatabaseOut(Dialect=config.database_dialect, EnableLogs=config.database_enable_logs,
                             MaxRetries=config.database_max_retries, RetryDelay=config.database_retry_delay),
        Theming=ThemingOut(Theme=config.theming_theme, Path=config.theming_path),
        **values, SMTPPasswordSet=bool(current.smtp_password), UpdatedAt=tyk_time(current.updated_at))


def _save(current: PortalSettings, payload: ConfigsIn, request: HttpRequest) -> PortalSettings:
    """Validate with the Settings page's form and save with its audit entry (as forms.save does for
    resources; the settings are not one, so this repeats its few lines)."""
    # Every setting the form edits starts as it is, not only those the API names: a setting the
    # Admin API does not carry (sign-up, allowed domains, second factors) left out of the form's data
    # would read as an unticked box or an empty text, and every PUT /configs would turn it off.
    data: dict[str, Any] = {field: getattr(current, field) for field in PortalSettingsForm.Meta.fields
                            if field != "smtp_password"}
    data.update({FIELDS[name]: value for name, value in payload.model_dump(exclude_none=True).items()
                 if name in FIELDS})
    if payload.SMTPPassword is not None:
        if payload.SMTPPassword:
            data["smtp_password"] = payload.SMTPPassword
        else:
            data["clear_smtp_password"] = True
    data = {k: v for k, v in data.items() if v is not False}  # a missing checkbox is False
    form = PortalSettingsForm(data=data, instance=current)
    if not form.is_valid():
        problems: list[str] = []
        for field, errors in form.errors.items():
            label = NAMES.get(field, "") if field != "__all__" else ""
            problems.extend(f"{label}: {e}" if label else str(e) for e in errors)
        raise forms.Invalid(problems)
    saved: PortalSettings = writes.save_form(SETTINGS, form, actor(request))
    return saved


@router.get("/configs", response={200: list[ConfigsOut], **ERRORS})
def get_configs(request: HttpRequest) -> list[ConfigsOut]:
    """The configuration, as Tyk answers it: a one-element array. Super-admins only (others: 403)."""
    return [_out(PortalSettings.load())]


@router.put("/configs", response={200: ConfigsOut, **ERRORS})
def update_configs(request: HttpRequest, payload: ConfigsIn) -> ConfigsOut:
    """Change the general settings (the object, or the array a GET answered); those left out keep their
    value. Answers the element. Super-admins only (others: 403)."""
    return _out(_save(PortalSettings.load(), payload, request))
