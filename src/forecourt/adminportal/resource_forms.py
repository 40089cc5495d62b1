"""Forms for the Admin Portal's resources. Domain rules are called from clean(), not restated."""

from typing import Any

from django import forms

from forecourt.access.models import App
from forecourt.accounts import services as accounts
from forecourt.accounts.models import InviteCode, Organisation, Team, User
from forecourt.catalog import services as catalog
from forecourt.catalog.models import Catalogue, Plan, Product, ProductAPI, ProductDoc
from forecourt.portalconfig.models import PortalSettings
from forecourt.providers import targets as provider_targets
from forecourt.providers.models import Provider

from .widgets import make_searchable


class AdminModelForm(forms.ModelForm):
    """The Admin Portal's forms: every multiple-choice field (a catalogue's products, plans and
    audiences, a user's teams) is a searchable multi-select (widgets.py) rather than a wall of
    checkboxes. Forms with such fields derive from this; the rest may stay plain ModelForms."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        make_searchable(self)


class CommaSeparatedField(forms.CharField):
    """A list of short strings typed as "a, b, c" (tags)."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]  # a list, by design
        if isinstance(value, (list, tuple)):  # already a list (the API's partial updates)
            items = [str(item).strip() for item in value]
        else:
            text = super().to_python(value) or ""
            items = [item.strip() for item in text.split(",")]
        items = [item for item in items if item]
        if any(len(item) > 100 for item in items):
            raise forms.ValidationError("Each item may be at most 100 characters.")
        return list(dict.fromkeys(items))


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name"]


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["organisation", "name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a team does not move between organisations
            self.fields["organisation"].disabled = True


class UserForm(AdminModelForm):
    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        self.actor = actor
        super().__init__(*args, **kwargs)
        teams = self.fields["teams"]
        assert isinstance(teams, forms.ModelMultipleChoiceField)
        teams.queryset = Team.objects.select_related("organisation").order_by("organisation__name", "name")
        teams.label_from_instance = lambda t: f"{t.organisation.name} / {t.name}"  # type: ignore[method-assign,assignment]
        self.fields["email"].help_text = "New users set their password from the e-mail you can send them."

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role", "organisation", "teams", "is_active"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        clash = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("A user with this e-mail address already exists.")
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field, message in accounts.membership_problems(
            data.get("role", ""), data.get("organisation"), list(data.get("teams") or [])
        ).items():
            self.add_error(field, message)
        if self.actor is not None:
            for message in accounts.role_change_problems(self.instance, data.get("role", ""),
                                                         bool(data.get("is_active")), self.actor):
                self.add_error(None, message)
        return data


class InviteCodeForm(forms.ModelForm):
    class Meta:
        model = InviteCode
        fields = ["organisation", "team", "expires_at", "max_uses", "is_active"]
        widgets = {"expires_at": forms.DateTimeInput(attrs={"type": "datetime-local"})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        team, organisation = data.get("team"), data.get("organisation")
        if team and organisation and team.organisation_id != organisation.pk:
            self.add_error("team", f"Choose a team of {organisation}.")
        return data


class ProviderForm(forms.ModelForm):
    secret = forms.CharField(
        label="API key", required=False, strip=True, widget=forms.PasswordInput(render_value=False),
        help_text="The Dashboard user's API key. Stored encrypted; leave empty to keep the current one.")
    policy_tags = CommaSeparatedField(required=False, help_text="Comma-separated; empty imports every policy.")
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https", validators=[provider_targets.validate],
                         help_text="The Dashboard's address, e.g. https://dashboard.example.com:3000. Link-local "
                                   "and cloud metadata addresses are refused; private ones unless the operator "
                                   "forbids them (Providers.AllowPrivateTargets).")
    gateway_url = forms.URLField(label="Gateway URL", max_length=500, required=False, assume_scheme="https",
                                 help_text="Where consumers call the APIs, shown with their credentials.")

    class Meta:
        model = Provider
        fields = ["name", "type", "url", "secret", "org_id", "policy_tags", "insecure_skip_verify", "gateway_url"]

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret") or ""
        if not secret:
            if not self.instance.pk:
                raise forms.ValidationError("The API key is required.")
            return self.instance.secret
        return secret


class ProductForm(forms.ModelForm):
    tags = CommaSeparatedField(required=False, help_text="Comma-separated.")

    class Meta:
        model = Product
        fields = ["display_name", "name", "slug", "description", "content", "logo", "tags", "documentation_only",
                  "published", "provider", "reference_id"]
        widgets = {"content": forms.Textarea(attrs={"rows": 10})}

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "content_type"):
            if logo.size > 1024 * 1024:
                raise forms.ValidationError("The logo may be at most 1 MB.")
            if not str(logo.name).lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".webp")):
                raise forms.ValidationError("Use a PNG, JPEG, GIF or WebP image.")
        return logo


class ProductAPIForm(forms.ModelForm):
    class Meta:
        model = ProductAPI
        fields = ["product", "name", "api_id", "listen_path", "auth_type", "oas_document", "document_source"]
        widgets = {"oas_document": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document_source"].required = False  # left out (the Admin API): the portal's

    def clean_document_source(self) -> str:
        return self.cleaned_data.get("document_source") or ProductAPI.DocumentSource.PORTAL


class ProductDocForm(forms.ModelForm):
    class Meta:
        model = ProductDoc
        fields = ["product", "title", "position", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 10})}


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["display_name", "name", "description", "rate_unlimited", "rate_limit", "rate_per",
                  "quota_unlimited", "quota_max", "quota_renewal_seconds", "key_expires_in", "auto_approve",
                  "provider", "reference_id"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("rate_unlimited") and not data.get("rate_per"):
            self.add_error("rate_per", "Give the period in seconds (at least 1), or make the rate unlimited.")
        if not data.get("quota_unlimited"):
            if not data.get("quota_max"):
                self.add_error("quota_max", "Give the quota, or make it unlimited.")
            if not data.get("quota_renewal_seconds"):
                self.add_error("quota_renewal_seconds", "Give the renewal period in seconds (at least 1).")
        return data


class CatalogueForm(AdminModelForm):
    audiences = forms.MultipleChoiceField(
        required=False, help_text="Who sees a private catalogue: whole organisations or single teams.")

    class Meta:
        model = Catalogue
        fields = ["name", "visibility", "products", "plans", "audiences"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        audiences = self.fields["audiences"]
        assert isinstance(audiences, forms.MultipleChoiceField)
        audiences.choices = catalog.audience_choices()
        if self.instance.pk:
            self.initial["audiences"] = catalog.audience_keys(self.instance)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("visibility") == Catalogue.Visibility.PRIVATE and not data.get("audiences"):
            self.add_error("audiences", "A private catalogue needs at least one audience, or nobody sees it.")
        return data


class AppForm(forms.ModelForm):
    class Meta:
        model = App
        fields = ["name", "description", "redirect_urls", "owner", "visibility"]
        widgets = {"redirect_urls": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = User.objects.filter(organisation__isnull=False)

    def clean_redirect_urls(self) -> str:
        validate = forms.URLField(assume_scheme="https").clean
        lines = [line.strip() for line in self.cleaned_data.get("redirect_urls", "").splitlines() if line.strip()]
        for line in lines:
            try:
                validate(line)
            except forms.ValidationError:
                raise forms.ValidationError(f"Not a valid URL: {line[:100]}") from None
        return "\n".join(lines)

    def save(self, commit: bool = True) -> App:
        app = super().save(commit=False)
        app.organisation = app.owner.organisation  # an app belongs to its owner's organisation
        if app.team_id is None:
            app.team = app.owner.teams.order_by("id").first() if app.owner.pk else None
        if commit:
            app.save()
        return app


class PortalSettingsForm(forms.ModelForm):
    smtp_password = forms.CharField(
        label="SMTP password", required=False, widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted; leave empty to keep the current one.")
    clear_smtp_password = forms.BooleanField(label="Remove the stored SMTP password", required=False)

    class Meta:
        model = PortalSettings
        fields = ["smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password", "smtp_timeout",
                  "from_address", "admin_notification_address", "auto_approve_registrations",
                  "allow_organisation_requests", "password_min_length", "password_require_mixed"]

    def clean_smtp_password(self) -> str:
        return self.cleaned_data.get("smtp_password") or self.instance.smtp_password

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("clear_smtp_password"):
            data["smtp_password"] = ""
            self.instance.smtp_password = ""
        if data.get("smtp_port") is not None and not 1 <= data["smtp_port"] <= 65535:
            self.add_error("smtp_port", "A port is a number from 1 to 65535.")
        if data.get("password_min_length") is not None and not 8 <= data["password_min_length"] <= 128:
            self.add_error("password_min_length", "Choose from 8 to 128.")
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text="Shown to the consumer in the e-mail and on their request.")


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name}: {obj.limits_in_words}"


class ChangePlanForm(forms.Form):
    """Another plan of an approved request's catalogue; forecourt.access.credentials.change_plan
    checks the rest (approved, same provider) and moves the credentials at the gateway."""

    plan = PlanChoiceField(queryset=Plan.objects.none(), empty_label=None, label="New plan",
                           help_text="The app's active credentials get the new plan's limits at the gateway.")

    def __init__(self, *args: Any, access_request: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["plan"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = access_request.catalogue.plans.order_by("display_name", "pk")
        field.initial = access_request.plan_id


class TestEmailForm(forms.Form):
    to = forms.EmailField(label="Send a test e-mail to")
