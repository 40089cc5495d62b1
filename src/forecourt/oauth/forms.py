"""The forms of OAuth providers and client types, shared by the Admin Portal and the Admin API
(forecourt.api.forms saves through them), so both apply the same rules."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import URLValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forecourt.catalog.models import Product
from forecourt.sso import targets

from .models import GRANT_TYPES, RESPONSE_TYPES, ClientType, OAuthProvider

if TYPE_CHECKING:  # generic in django-stubs only: at run time ModelForm takes no type argument
    ModelForm = forms.ModelForm[Any]
else:
    ModelForm = forms.ModelForm


HTTP = URLValidator(schemes=["http", "https"], message="Give an http:// or https:// URL.")


class OAuthProviderForm(ModelForm):
    initial_access_token = forms.CharField(
        label=_("Initial access token"), required=False, strip=True, widget=forms.PasswordInput(render_value=False),
        help_text=_("Sent when registering clients (RFC 7591). Stored encrypted, never shown again; leave empty "
                    "to keep the current one."))
    well_known_url = forms.URLField(
        label=_("Well-known URL"), max_length=500, assume_scheme="https", validators=[HTTP, targets.validate],
        help_text=_("The discovery document, e.g. https://idp.example.com/.well-known/openid-configuration. "
                    "Private addresses follow Providers.AllowPrivateTargets."))
    registration_endpoint = forms.URLField(
        label=_("Registration endpoint"), max_length=500, required=False, assume_scheme="https",
        validators=[HTTP, targets.validate],
        help_text=_("Empty: the registration_endpoint the discovery document names."))
    timeout_seconds = forms.IntegerField(label=_("Timeout (seconds)"), min_value=1, max_value=120, initial=10,
                                         help_text=_("For each call to the IdP (1 to 120)."))

    class Meta:
        model = OAuthProvider
        fields = ["name", "type", "well_known_url", "registration_endpoint", "initial_access_token",
                  "insecure_skip_verify", "timeout_seconds"]

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError(_("An OAuth provider needs a name."))
        others = OAuthProvider.objects.filter(name__iexact=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(gettext("There is an OAuth provider named %(name)s already.") % {"name": name})
        return name

    def clean_initial_access_token(self) -> str:
        token = self.cleaned_data.get("initial_access_token") or ""
        if not token and self.instance.pk:
            current: str = self.instance.initial_access_token
            return current
        return token

    def validate_unique(self) -> None:  # clean_name() says it in words
        pass


def _csv(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value]
    else:
        items = [v.strip() for v in str(value or "").replace(" ", ",").split(",")]
    return list(dict.fromkeys(v for v in items if v))


class CSVField(forms.CharField):
    """A list of names typed as "a,b" (Tyk's CSV fields)."""

    def prepare_value(self, value: Any) -> Any:
        return ",".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]  # a list, by design
        return _csv(value)


class ClientTypeForm(ModelForm):
    grant_types = CSVField(label=_("Grant types"), help_text=format_lazy(
        _("Comma-separated, at least one of: {names}."), names=", ".join(GRANT_TYPES)))
    response_types = CSVField(label=_("Response types"), required=False, help_text=format_lazy(
        _("Comma-separated, any of: {names}."), names=", ".join(RESPONSE_TYPES)))
    products = forms.ModelMultipleChoiceField(
        label=_("Products"),
        queryset=Product.objects.order_by("name", "pk"), required=False,
        help_text=_("Products with a client type are OAuth/DCR products: approving access registers a client."))

    class Meta:
        model = ClientType
        fields = ["provider", "name", "description", "grant_types", "response_types", "token_endpoint_auth_method",
                  "okta_app_type", "scopes", "products"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["products"].error_messages["invalid_choice"] = \
            _("There is no product %(value)s: give the ID of an existing one.")

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError(_("A client type needs a name."))
        return name

    def clean_grant_types(self) -> list[str]:
        grants = self.cleaned_data.get("grant_types") or []
        unknown = [g for g in grants if g not in GRANT_TYPES]
        if unknown:
            raise forms.ValidationError(gettext("Unknown grant type %(unknown)s: use %(known)s.")
                                        % {"unknown": unknown[0], "known": ", ".join(GRANT_TYPES)})
        if not grants:
            raise forms.ValidationError(_("Give at least one grant type, e.g. client_credentials."))
        return list(grants)

    def clean_response_types(self) -> list[str]:
        # Tyk's documented enum spells id_token "it_token": accepted, stored as what it means.
        kinds = ["id_token" if r == "it_token" else r for r in self.cleaned_data.get("response_types") or []]
        unknown = [r for r in kinds if r not in RESPONSE_TYPES]
        if unknown:
            raise forms.ValidationError(gettext("Unknown response type %(unknown)s: use %(known)s.")
                                        % {"unknown": unknown[0], "known": ", ".join(RESPONSE_TYPES)})
        return list(dict.fromkeys(kinds))

    def clean_scopes(self) -> str:
        scopes = " ".join((self.cleaned_data.get("scopes") or "").replace(",", " ").split())
        if any(not s.isprintable() or '"' in s or "\\" in s for s in scopes.split()):
            raise forms.ValidationError(_("Scopes are printable names without quotes or backslashes (RFC 6749)."))
        return scopes
