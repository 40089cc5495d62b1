"""Custom attributes of users (Tyk's "extended attributes" of the User model): THE rules of their
definitions and of the values users have, called by every channel (the Admin Portal's forms, the
Admin API, the Live Portal's sign-up and account pages) with plain values.

- A value is text in its canonical form: a String (matching the attribute's regular expression, if
  it has one: RE2 syntax, see `pattern`), a Number ("-12.5"), a Boolean ("true" / "false") or one
  of a Dropdown's options; at most MAX_VALUE characters. No value is no row (UserAttributeValue).
- Who sets what, where (`Channel`): admins set every attribute; the sign-up form sets those shown
  on it; a consumer's account page sets those they may edit (Behaviour 1). A Write-once value, once
  set, is never changed again, by anyone. A required attribute must have a value wherever its field
  is shown (a required Boolean must be true: "I accept the terms").
- A change of definition (type, options, regular expression) is refused while a user's value would
  no longer be valid under it; deleting an attribute deletes its values (the audit entry counts them).
- The users' built-in fields that may go into credentials' metadata (`DEFAULT_ATTRIBUTES`), and what
  a user's credentials carry (`key_metadata`): the gateway integration names the fields.
"""

import enum
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import re2
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from forecourt.audit import services as audit
from forecourt.wording import counted

from .models import CustomAttribute, DefaultAttributeSetting, User, UserAttributeValue

MAX_VALUE = 1000
MAX_OPTIONS = 100
MAX_OPTION = 255
MAX_DESCRIPTION = 1000
IDENTIFIER = re.compile(r"[A-Za-z0-9_-]{1,64}")
NUMBER = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,10})?")
TRUE, FALSE = "true", "false"


class Channel(enum.Enum):
    ADMIN = "admin"      # the Admin Portal and the Admin API: every attribute
    SIGN_UP = "sign-up"  # the Live Portal's sign-up form: the attributes shown on it
    ACCOUNT = "account"  # a consumer's account page: the attributes they may edit


# --- definitions ----------------------------------------------------------------------------

def options(attribute: CustomAttribute) -> list[str]:
    """A Dropdown's options, in order, without blanks or repeats."""
    return list(dict.fromkeys(o.strip() for o in attribute.dropdown_values.split(",") if o.strip()))


def definition_problems(attribute: CustomAttribute) -> dict[str, str]:
    """Field -> message for a definition that cannot work; empty when it can (its values not checked:
    `values_invalid_under`)."""
    problems: dict[str, str] = {}
    if not IDENTIFIER.fullmatch(attribute.identifier or ""):
        problems["identifier"] = "Use 1 to 64 letters, digits, dashes and underscores."
    elif CustomAttribute.objects.filter(identifier__iexact=attribute.identifier).exclude(pk=attribute.pk).exists():
        problems["identifier"] = "Another attribute has this identifier."
    if len(attribute.description or "") > MAX_DESCRIPTION:
        problems["description"] = f"At most {MAX_DESCRIPTION} characters."
    if attribute.type == CustomAttribute.Type.DROPDOWN:
        found = options(attribute)
        if not found:
            problems["dropdown_values"] = "A dropdown needs at least one option (separate them with commas)."
        elif len(found) > MAX_OPTIONS or any(len(o) > MAX_OPTION for o in found):
            problems["dropdown_values"] = f"At most {MAX_OPTIONS} options of at most {MAX_OPTION} characters each."
    elif attribute.dropdown_values.strip():
        problems["dropdown_values"] = "Only a dropdown has options."
    if attribute.validation_regexp:
        if attribute.type != CustomAttribute.Type.STRING:
            problems["validation_regexp"] = "Only a string is checked with a regular expression."
        else:
            try:
                pattern(attribute.validation_regexp)
            except re2.error as exc:
                problems["validation_regexp"] = f"Not a regular expression in RE2 syntax: {_re2_message(exc)}."
    if attribute.show_on_signup and attribute.behaviour == CustomAttribute.Behaviour.HIDDEN:
        problems["show_on_signup"] = "Consumers cannot see this attribute, so the sign-up form cannot ask for it."
    return problems


@functools.lru_cache(maxsize=256)
def pattern(text: str) -> Any:
    """An attribute's regular expression, compiled by RE2: the syntax of Go's regexp, which Tyk's
    portal checks `ValidationRegExp` with, so a pattern moved from Tyk means the same here. RE2
    matches in linear time: a pattern an admin writes (say `(a+)+$`) can never make the check of a
    value someone types at sign-up hang a worker, as Python's backtracking `re` would. Raises
    re2.error for a pattern RE2 refuses (back-references and look-arounds among them, as in Go)."""
    options = re2.Options()
    options.log_errors = False  # RE2 would print the refusal to stderr; the caller says it instead
    return re2.compile(text, options)


def _re2_message(exc: Exception) -> str:
    """RE2's reason (bytes in its exception) as text."""
    reason = exc.args[0] if exc.args else exc
    return reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)


def values_invalid_under(attribute: CustomAttribute) -> int:
    """How many users' stored values the (changed, unsaved) definition would refuse."""
    if attribute.pk is None:
        return 0
    bad = 0
    for value in UserAttributeValue.objects.filter(attribute_id=attribute.pk).values_list("value", flat=True).iterator(
            chunk_size=2000):
        try:
            if clean_value(attribute, value) != value:
                bad += 1
        except ValidationError:
            bad += 1
    return bad


def changed_definition_problem(attribute: CustomAttribute) -> str:
    """The message refusing a change of definition that users' values would not survive; "" if none."""
    bad = values_invalid_under(attribute)
    if not bad:
        return ""
    return (f"{counted(bad, 'user')} {'has a value' if bad == 1 else 'have values'} this definition would "
            "refuse: change or remove them first.")


def delete_attribute(attribute: CustomAttribute, actor: User) -> None:
    """Delete an attribute with every user's value of it (the audit log says how many)."""
    with transaction.atomic():
        count = UserAttributeValue.objects.filter(attribute=attribute).count()
        if count:
            audit.record(actor, "other", attribute, note=f"deleted with {counted(count, 'user value')}")
        attribute.delete()


# --- values -----------------------------------------------------------------------------------

def _as_text(attribute: CustomAttribute, raw: object) -> str:
    """A JSON value (the Admin API's) as text: a boolean for a Boolean, a number for a Number."""
    kind = attribute.type
    if isinstance(raw, bool):
        if kind != CustomAttribute.Type.BOOLEAN:
            raise ValidationError("Give text, not true or false.")
        return TRUE if raw else FALSE
    if isinstance(raw, (int, float)):
        if kind != CustomAttribute.Type.NUMBER:
            raise ValidationError("Give text, not a number.")
        return format(Decimal(str(raw)), "f")
    if not isinstance(raw, str):
        raise ValidationError("Give a single value.")
    return raw.strip()


def _number(text: str) -> str:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not NUMBER.fullmatch(text.lstrip("+")):
        raise ValidationError("Give a number, such as 42 or -3.5 (up to 20 digits, and 10 after the point).")
    return text.lstrip("+")


def clean_value(attribute: CustomAttribute, raw: object) -> str:
    """`raw` (text from a form, or a JSON value from the API) as the attribute's canonical text;
    "" for no value. Raises ValidationError saying what is wrong. Requiredness is the caller's
    (`check`): "" is a valid "no value" here."""
    text = "" if raw is None else _as_text(attribute, raw)
    if not text:
        return ""
    if len(text) > MAX_VALUE:
        raise ValidationError(f"At most {MAX_VALUE} characters.")
    kind = attribute.type
    if kind == CustomAttribute.Type.BOOLEAN:
        if text.lower() not in (TRUE, FALSE):
            raise ValidationError("Give true or false.")
        return text.lower()
    if kind == CustomAttribute.Type.NUMBER:
        return _number(text)
    if kind == CustomAttribute.Type.DROPDOWN:
        if text not in options(attribute):
            raise ValidationError(f"Choose one of: {', '.join(options(attribute))}.")
        return text
    if attribute.validation_regexp and not pattern(attribute.validation_regexp).fullmatch(text):
        raise ValidationError("This value is not in the expected form.")
    return text


def shown_in(attribute: CustomAttribute, channel: Channel) -> bool:
    """Whether a channel's form has a field for the attribute (and so may set it)."""
    if channel is Channel.ADMIN:
        return True
    if channel is Channel.SIGN_UP:
        return attribute.show_on_signup and attribute.behaviour != CustomAttribute.Behaviour.HIDDEN
    return attribute.behaviour == CustomAttribute.Behaviour.EDIT


def visible_to_owner(attribute: CustomAttribute) -> bool:
    return attribute.behaviour != CustomAttribute.Behaviour.HIDDEN


def attributes_for(channel: Channel) -> list[CustomAttribute]:
    return [a for a in CustomAttribute.objects.order_by("pk") if shown_in(a, channel)]


def current_values(user: User | None) -> dict[int, str]:
    """Attribute ID -> the user's value (no key: no value)."""
    if user is None or user.pk is None:
        return {}
    return dict(UserAttributeValue.objects.filter(user=user).values_list("attribute_id", "value"))


def locked(attribute: CustomAttribute, current: str) -> bool:
    """A Write-once attribute whose value is set: nobody changes it any more."""
    return attribute.write_once and bool(current)


def _missing(attribute: CustomAttribute, value: str) -> bool:
    """Whether `value` fails a required attribute: none, or an unticked Boolean."""
    return not value or (attribute.type == CustomAttribute.Type.BOOLEAN and value != TRUE)


def value_problem(attribute: CustomAttribute, raw: object, current: str, *, form: bool = False) -> tuple[str, str]:
    """(the canonical value, "") or ("", the message refusing `raw` as the new value). A value
    sent back unchanged is accepted (a GET body PUT back), except, in a `form` that shows the
    field, an empty required one."""
    try:
        value = clean_value(attribute, raw)
    except ValidationError as exc:
        return "", " ".join(exc.messages)
    missing = attribute.required and _missing(attribute, value)
    if value == current and not (form and missing):
        return value, ""
    if locked(attribute, current):
        return "", "It is set once and cannot be changed."
    if missing:
        return "", "Must be ticked." if attribute.type == CustomAttribute.Type.BOOLEAN else "This value is required."
    return value, ""


@dataclass
class Checked:
    """What `check` found: the values to store (attribute -> canonical text, "" to remove) and the
    problems (attribute -> message)."""

    values: dict[CustomAttribute, str] = field(default_factory=dict)
    problems: dict[CustomAttribute, str] = field(default_factory=dict)


def check(submitted: Mapping[CustomAttribute, object], current: Mapping[int, str], channel: Channel,
          *, complete: bool) -> Checked:
    """Check the values a channel submits for its attributes. `complete`: the channel's form shows
    every attribute it may set, so one missing from `submitted` counts as empty (and a required one
    is refused); otherwise (an API call naming some attributes) missing ones are left as they are."""
    result = Checked()
    wanted = dict(submitted)
    if complete:
        for attribute in attributes_for(channel):
            wanted.setdefault(attribute, "")
    for attribute, raw in wanted.items():
        if not shown_in(attribute, channel):
            result.problems[attribute] = "You cannot set this attribute."
            continue
        had = current.get(attribute.pk, "")
        if complete and locked(attribute, had):
            continue  # its field is read-only: what was posted for it does not count
        value, problem = value_problem(attribute, raw, had, form=complete)
        if problem:
            result.problems[attribute] = problem
        elif value != had:
            result.values[attribute] = value
    return result


def by_identifier(names: Iterable[str]) -> tuple[dict[str, CustomAttribute], list[str]]:
    """The attributes with these identifiers, and the names that are none's (unknown)."""
    wanted = list(names)
    found = {a.identifier: a for a in CustomAttribute.objects.filter(identifier__in=wanted)}
    return found, [n for n in wanted if n not in found]


def store(user: User, values: Mapping[CustomAttribute, str]) -> None:
    """Write checked values (`check`); "" removes one. The caller audits (User.audit_extra)."""
    with transaction.atomic():
        for attribute, value in values.items():
            if value:
                UserAttributeValue.objects.update_or_create(user=user, attribute=attribute, defaults={"value": value})
            else:
                UserAttributeValue.objects.filter(user=user, attribute=attribute).delete()


def set_values(user: User, submitted: Mapping[CustomAttribute, object], channel: Channel, actor: User | None,
               *, complete: bool = False) -> None:
    """Check and store values for one user, audited as a change of the user when an actor (an admin)
    made it. Raises ValidationError({identifier: message}) and changes nothing when any is refused."""
    checked = check(submitted, current_values(user), channel, complete=complete)
    if checked.problems:
        raise ValidationError({a.identifier: m for a, m in checked.problems.items()})
    if not checked.values:
        return
    with transaction.atomic():
        before = user.audit_extra()
        store(user, checked.values)
        if actor is not None:
            changes = audit.diff(before, user.audit_extra())
            if changes:
                audit.record(actor, "update", user, changes)


def values_by_identifier(user: User) -> dict[str, str]:
    """The user's values by attribute identifier (webhook events, the Admin API's user)."""
    return dict(UserAttributeValue.objects.filter(user=user).order_by("attribute_id")
                .values_list("attribute__identifier", "value"))


def listed_for_admins(user: User) -> list[tuple[str, str]]:
    """(label, value) of every attribute, for the Admin Portal's page of a user ("" without a value)."""
    values = current_values(user)
    return [(a.name, values.get(a.pk, "")) for a in CustomAttribute.objects.order_by("pk")]


def shown_to_owner(user: User) -> list[dict[str, Any]]:
    """What a consumer's account page shows as text of their attributes: those they may see but not
    change (view-only ones, and editable ones whose Write-once value is set), with their values."""
    values = current_values(user)
    return [{"identifier": a.identifier, "label": a.name, "description": a.description,
             "value": values.get(a.pk, "")}
            for a in CustomAttribute.objects.order_by("pk")
            if visible_to_owner(a) and not (shown_in(a, Channel.ACCOUNT) and not locked(a, values.get(a.pk, "")))]


# --- built-in fields in credentials' metadata -----------------------------------------------------

@dataclass(frozen=True)
class DefaultAttribute:
    """`label` is data: the Admin API answers it as Tyk's portal does, in English. The Admin Portal shows
    `title`, the label in the request's language (marked with gettext_noop, translated when shown)."""

    id: int
    key: str
    label: str

    @property
    def title(self) -> str:
        return gettext(self.label)


DEFAULT_ATTRIBUTES = [
    DefaultAttribute(1, "first_name", gettext_noop("First name")),
    DefaultAttribute(2, "last_name", gettext_noop("Last name")),
    DefaultAttribute(3, "email", gettext_noop("Email")),
    DefaultAttribute(4, "role", gettext_noop("Role")),
    DefaultAttribute(5, "organisation", gettext_noop("Organisation name")),
    DefaultAttribute(6, "team_names", gettext_noop("Team names")),
]
DEFAULTS_BY_ID = {d.id: d for d in DEFAULT_ATTRIBUTES}


def default_settings() -> dict[str, bool]:
    """Default attribute key -> whether it goes into credentials' metadata."""
    stored = dict(DefaultAttributeSetting.objects.values_list("key", "add_to_key_metadata"))
    return {d.key: bool(stored.get(d.key, False)) for d in DEFAULT_ATTRIBUTES}


def set_default(default: DefaultAttribute, add_to_key_metadata: bool, actor: User) -> None:
    with transaction.atomic():
        setting, _ = DefaultAttributeSetting.objects.get_or_create(key=default.key)
        if setting.add_to_key_metadata != add_to_key_metadata:
            audit.record(actor, "update", setting, {"add_to_key_metadata": [setting.add_to_key_metadata,
                                                                            add_to_key_metadata]},
                         note=f"default attribute {default.label}")
            setting.add_to_key_metadata = add_to_key_metadata
            setting.save()


@dataclass(frozen=True)
class KeyMetadata:
    """What a user's credentials carry besides whose they are: the built-in fields the admins chose
    (`defaults`, by DefaultAttribute key: text, or a list of team names) and the custom attributes
    marked so (`custom`, by identifier). The gateway's integration names and shapes the fields."""

    defaults: dict[str, str | list[str]]
    custom: dict[str, str]


def key_metadata(user: User) -> KeyMetadata:
    chosen = [key for key, on in default_settings().items() if on]
    known: dict[str, Any] = {
        "first_name": lambda: user.first_name, "last_name": lambda: user.last_name, "email": lambda: user.email,
        "role": lambda: user.role,
        "organisation": lambda: user.organisation.name if user.organisation_id and user.organisation else "",
        "team_names": lambda: sorted(user.teams.values_list("name", flat=True)),
    }
    defaults = {key: known[key]() for key in chosen}
    custom = dict(UserAttributeValue.objects.filter(user=user, attribute__add_to_key_metadata=True)
                  .order_by("attribute_id").values_list("attribute__identifier", "value"))
    return KeyMetadata(defaults, custom)
