"""The general settings (one mapping; the SMTP password by reference) and users' custom attributes, as
configuration files give them.

The settings are the Admin Portal's Settings page: one row, never created nor deleted by a file,
only updated (a portal without the row yet gets it made the way that page makes it, then updated
through its form). A custom attribute is matched by its identifier; its type and behaviour are
written by name (`dropdown`, `hidden`), not by Tyk's numbers, and its options as a list. Pruning
an attribute that users have values for is refused: those values are consumers' data.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from forecourt.accounts import attributes, registration
from forecourt.accounts.models import CustomAttribute
from forecourt.i18n import languages
from forecourt.portalconfig.models import PortalSettings, split_codes

from .base import BOOL, INT, STRING, STRINGS, TEXT, Context, Field, Kind, choice


def _lines(value: Any) -> str:
    return "\n".join(value or [])


def _domains(value: Any) -> Any:
    """Allowed domains as the form keeps them (lower-case, no "@", once each); a list with one
    that is no domain stays as it is, for the form to refuse at its line."""
    try:
        return registration.parse_domains(_lines(value))
    except ValidationError:
        return value


def _languages(value: Any) -> Any:
    """Languages as the form keeps them (in the shipped order, once each); a list naming one not shipped
    stays as it is, for the schema and the form to refuse."""
    if not isinstance(value, list) or not all(languages.is_shipped(code) for code in value):
        return value
    return [code for code in languages.CODES if code in value]


class Settings(Kind):
    name = "settings"
    model = PortalSettings
    resource = "settings"
    single = True
    description = "The general settings (the Admin Portal's Settings page); the SMTP password by reference."
    fields = (
        Field("smtp_host", STRING),
        Field("smtp_port", INT),
        Field("smtp_security", choice(PortalSettings.Security.values)),
        Field("smtp_username", STRING),
        Field("smtp_password", secret=True),
        Field("smtp_timeout", INT),
        Field("from_address", STRING),
        Field("admin_notification_address", STRING),
        Field("auto_approve_registrations", BOOL),
        Field("allow_organisation_requests", BOOL),
        Field("allow_sign_up", BOOL),
        Field("allowed_email_domains", STRINGS, to_form=_lines, normalise=_domains),
        Field("require_mfa_admins", BOOL),
        Field("require_mfa_consumers", BOOL),
        Field("admin_password_sign_in",
              choice([value for value, _ in PortalSettings._meta.get_field("admin_password_sign_in").choices or []])),
        Field("password_min_length", INT),
        Field("password_require_mixed", BOOL),
        Field("default_language", choice(languages.CODES)),
        Field("offered_languages", {"type": "array", "items": choice(languages.CODES), "minItems": 1},
              normalise=_languages),
    )

    def queryset(self) -> Any:
        return PortalSettings.objects.filter(pk=1)  # the row PortalSettings.load() reads

    def export_field(self, obj: Any, f: Field, ctx: Context) -> Any:
        if f.name == "allowed_email_domains":
            return [line for line in obj.allowed_email_domains.splitlines() if line.strip()]
        if f.name == "offered_languages":
            return list(split_codes(obj.offered_languages))
        return super().export_field(obj, f, ctx)

    def form_values(self, values: dict[str, Any], obj: Any, ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
        data, files = super().form_values(values, obj, ctx)
        if "smtp_password" in values and values["smtp_password"] is None:
            # The form keeps the stored password when given none; the file saying none removes it.
            data["clear_smtp_password"] = True
        return data, files

    def field_change(self, f: Field, wanted: dict[str, Any], current: dict[str, Any], obj: Any,
                     ctx: Context) -> tuple[Any, Any] | None:
        # The row not made yet has its defaults (what PortalSettings.load would make): only the
        # values that differ from them are changes, so an exported blank plans nothing.
        return super().field_change(f, wanted, current, obj if obj is not None else self.blank(), ctx)

    def save(self, values: dict[str, Any], obj: Any, ctx: Context, parent: Any = None) -> Any:
        if obj is None or obj.pk is None:
            # As the Settings page does (PortalSettings.load): the row made with its defaults, then
            # updated through the form, so the audit log shows every value the file set.
            obj, _ = PortalSettings.objects.get_or_create(pk=1)
        return super().save(values, obj, ctx, parent)


def _by_name(choices: Any) -> dict[str, int]:
    return {member.name.lower(): member.value for member in choices}


TYPES = _by_name(CustomAttribute.Type)
BEHAVIOURS = _by_name(CustomAttribute.Behaviour)


def _named(numbers: dict[str, int]) -> Any:
    def to_form(value: Any) -> Any:
        return numbers.get(value, value)  # an unknown name: the form refuses it, the schema first
    return to_form


class CustomAttributes(Kind):
    name = "custom_attributes"
    model = CustomAttribute
    resource = "custom-attributes"
    key = "identifier"
    description = ("Users' custom attributes (their definitions; users' values are never exported). "
                   "type: " + ", ".join(TYPES) + "; behaviour: edit (developers view and edit), view "
                   "(developers only view), hidden (developers cannot see).")
    fields = (
        Field("name", STRING),
        Field("description", TEXT),
        Field("type", choice(list(TYPES)), to_form=_named(TYPES)),
        Field("behaviour", choice(list(BEHAVIOURS)), to_form=_named(BEHAVIOURS)),
        Field("dropdown_values", STRINGS, to_form=lambda value: ", ".join(value or [])),
        Field("validation_regexp", STRING),
        Field("add_to_key_metadata", BOOL),
        Field("required", BOOL),
        Field("show_on_signup", BOOL),
        Field("write_once", BOOL),
    )

    def export_field(self, obj: Any, f: Field, ctx: Context) -> Any:
        if f.name == "type":
            return CustomAttribute.Type(obj.type).name.lower()
        if f.name == "behaviour":
            return CustomAttribute.Behaviour(obj.behaviour).name.lower()
        if f.name == "dropdown_values":
            return attributes.options(obj)
        return super().export_field(obj, f, ctx)

    def delete_blockers(self, obj: Any, ctx: Context) -> list[str]:
        count = obj.values.count()
        if count:
            return [(f"{count} user(s) have a value for {obj.identifier}; deleting it would delete their "
                    "values (consumers' data). Delete it in the Admin Portal if that is meant.")]
        return super().delete_blockers(obj, ctx)


KINDS_HERE: tuple[Kind, ...] = (Settings(), CustomAttributes())
