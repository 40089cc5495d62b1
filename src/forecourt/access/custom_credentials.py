"""Custom credentials: credentials an admin brings to an app from outside the portal (Tyk's
"custom credentials", `/apps/{app_id}/custom_credentials`), for a gateway the portal does not
manage or issued elsewhere; the app's owner sees them on the app's page in the Live Portal.

The same rules for the Admin Portal and the Admin API: the API calls `create`, `rename` and
`delete`; the Admin Portal's form (forecourt.resources.forms.CustomCredentialForm) checks `validate`
and writes with `store`, audited by forecourt.resources.writes:

- the alias is required (1 to 255 characters); at least one of the key ID, the key and the
  secret is given; the plan, products and provider named must exist; types are Tyk's names
  (v1.14's: `AUTH_TOKEN_TYPE_CUSTOM`, `AUTH_TOKEN_STANDARD`; `AUTH_TOKEN_CUSTOM`, the name
  Forecourt took before, is read as `AUTH_TOKEN_TYPE_CUSTOM` so scripts written for it keep working);
  `CREDENTIAL_TYPE_TYK_MANAGED` (Tyk creating the key at its gateway) is refused: Forecourt
  issues Tyk keys through access requests (forecourt.access.credentials);
- only the alias changes afterwards (as Tyk's update takes only `Alias`); to change a value,
  delete the credential and add it again;
- the key and the secret are kept encrypted and shown to the app's owner once, in the Live
  Portal (`reveal_once`, the way forecourt.access.reveal shows an issued key), then wiped: the
  admin who typed them knows them, so no page or answer shows them, only their last characters;
- every change is audited, without the values; while a value is handled it is registered with
  forecourt.redaction, so no log line carries it.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from forecourt import redaction
from forecourt.accounts.models import User
from forecourt.audit import services as audit
from forecourt.catalog.models import Plan, Product

from .models import App, CustomCredential

T = TypeVar("T")

MAX_VALUE = 4096
HINT = 4


# Token type names read as another: Forecourt's first name for Tyk's custom token type.
TOKEN_TYPE_ALIASES = {"AUTH_TOKEN_CUSTOM": CustomCredential.TokenType.CUSTOM.value}


def token_type(value: str | None) -> str:
    """The token type `value` names (Tyk's names, or an alias of one); custom when not given."""
    value = value or CustomCredential.TokenType.CUSTOM
    return TOKEN_TYPE_ALIASES.get(value, value)


def _hint(value: str) -> str:
    return value[-HINT:] if len(value) > HINT * 2 else ""


def validate(data: dict[str, Any]) -> list[str]:
    """The problems of a new custom credential's `data` (the model's field names; `plan` and
    `provider` as IDs, `products` as a list of IDs), each as "field: message"."""
    # By app label: providers sits above access and is not imported here (as in .models).
    provider_model = apps.get_model("providers", "Provider")
    errors = []
    alias = (data.get("alias") or "").strip()
    if not alias or len(alias) > 255:
        errors.append("alias: is required, 1 to 255 characters")
    kind = data.get("type") or CustomCredential.Type.CUSTOM
    if kind == CustomCredential.Type.TYK_MANAGED:
        errors.append("type: CREDENTIAL_TYPE_TYK_MANAGED is not supported: Forecourt issues Tyk keys "
                      "through access requests; use CREDENTIAL_TYPE_CUSTOM for a credential made elsewhere")
    elif kind not in CustomCredential.Type.values:
        errors.append(f"type: must be one of {', '.join(CustomCredential.Type.values)}")
    if token_type(data.get("auth_token_type")) not in CustomCredential.TokenType.values:
        errors.append(f"auth_token_type: must be one of {', '.join(CustomCredential.TokenType.values)}")
    key_id, key, secret = (data.get(f) or "" for f in ("key_id", "credential_key", "credential_secret"))
    if not (key_id or key or secret):
        errors.append("credential_key: give at least one of the key ID, the key and the secret")
    if len(key_id) > 255:
        errors.append("key_id: at most 255 characters")
    for name, value in (("credential_key", key), ("credential_secret", secret)):
        if len(value) > MAX_VALUE:
            errors.append(f"{name}: at most {MAX_VALUE} characters")
    if len(data.get("authentication_method") or "") > 100:
        errors.append("authentication_method: at most 100 characters")
    if data.get("plan") is not None and not Plan.objects.filter(pk=data["plan"]).exists():
        errors.append(f"plan: no plan {data['plan']}")
    products = list(data.get("products") or [])
    missing = set(products) - set(Product.objects.filter(pk__in=products).values_list("pk", flat=True))
    if missing:
        errors.append(f"products: no product {', '.join(str(pk) for pk in sorted(missing))}")
    if data.get("provider") is not None and not provider_model.objects.filter(pk=data["provider"]).exists():
        errors.append(f"provider: no provider {data['provider']}")
    client_type = data.get("client_type_id")
    if client_type is not None and (not isinstance(client_type, int) or client_type < 0):
        errors.append("client_type_id: must be a whole number, 0 or more")
    return errors


def store(app: App, data: dict[str, Any]) -> CustomCredential:
    """Write a validated custom credential (the caller audits it, in its transaction)."""
    key, secret = data.get("credential_key") or "", data.get("credential_secret") or ""
    custom = CustomCredential.objects.create(
        app=app, alias=data["alias"].strip(), type=data.get("type") or CustomCredential.Type.CUSTOM,
        plan_id=data.get("plan"), provider_id=data.get("provider"),
        authentication_method=data.get("authentication_method") or "",
        auth_token_type=token_type(data.get("auth_token_type")),
        key_id=data.get("key_id") or "", credential_key=key, credential_secret=secret,
        key_hint=_hint(key), secret_hint=_hint(secret), client_type_id=data.get("client_type_id"))
    custom.products.set(data.get("products") or [])
    return custom


def create(app: App, data: dict[str, Any], actor: User | None) -> CustomCredential:
    """Add a custom credential to `app`, audited; ValidationError (nothing changed) for bad `data`."""
    with redaction.secrets_in_use(data.get("credential_key"), data.get("credential_secret")):
        errors = validate(data)
        if errors:
            raise ValidationError(errors)
        with transaction.atomic():
            custom = store(app, data)
            audit.record(actor, "create", custom, audit.diff({}, audit.snapshot(custom)),
                         note="custom credential added (its key and secret are not recorded)")
    return custom


def rename(custom: CustomCredential, alias: str, actor: User | None) -> CustomCredential:
    """Change the alias, the one thing that changes after creation."""
    alias = (alias or "").strip()
    if not alias or len(alias) > 255:
        raise ValidationError(["alias: is required, 1 to 255 characters"])
    if alias != custom.alias:
        with transaction.atomic():
            before, custom.alias = custom.alias, alias
            custom.save(update_fields=["alias", "updated_at"])
            audit.record(actor, "update", custom, {"alias": [before, alias]})
    return custom


def delete(custom: CustomCredential, actor: User | None) -> None:
    with transaction.atomic():
        audit.record(actor, "delete", custom, {k: [v, None] for k, v in audit.snapshot(custom).items()})
        custom.delete()


def waiting(custom: CustomCredential) -> bool:
    """Has it a value its owner has not been shown yet?"""
    return bool(custom.credential_key or custom.credential_secret)


def reveal_once(custom_id: int, owner: User, show: Callable[[CustomCredential, str, str], T]) -> T | None:
    """Call `show(custom, key, secret)` and wipe both values, in one transaction (as
    forecourt.access.reveal does for issued keys); None, changing nothing, if it is not
    `owner`'s app's or its values were shown already."""
    with transaction.atomic():
        locked = CustomCredential.objects.select_for_update().filter(pk=custom_id, app__owner_id=owner.pk).first()
        if locked is None or not waiting(locked):
            return None
        key, secret = locked.credential_key, locked.credential_secret
        locked.credential_key = locked.credential_secret = ""
        locked.secret_shown_at = timezone.now()
        locked.save(update_fields=["credential_key", "credential_secret", "secret_shown_at"])
        audit.record(owner, "other", locked, note="custom credential shown to the app's owner, then removed "
                                                  "from the portal")
        with redaction.secrets_in_use(key, secret):
            return show(locked, key, secret)
