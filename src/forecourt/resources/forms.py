"""The forms of the resources both admin UIs write through (the Admin Portal's pages and the Admin
API's bodies): one form per resource, whose clean() calls the domain rules rather than restating them.

UI-only forms (a rejection's reason, the test e-mail, a change of plan) are the Admin Portal's
(adminportal/forms.py). How a form looks is the UI's too: a UI that wants another widget for some
fields registers a hook (`add_form_hook`) that every AdminModelForm calls on its new instance.
"""

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forecourt.access import custom_credentials, redirects
from forecourt.access.models import App, CustomCredential
from forecourt.accounts import attributes
from forecourt.accounts import registration as domain_rules
from forecourt.accounts import services as accounts
from forecourt.accounts.models import CustomAttribute, InviteCode, Organisation, Team, User
from forecourt.catalog import asyncapi, document_import, documents, graphql_schemas, images
from forecourt.catalog import services as catalog
from forecourt.catalog.models import AUTH_TYPES, Catalogue, Plan, Product, ProductAPI, ProductDoc, ProductSpec
from forecourt.i18n.content_forms import TranslatableForm
from forecourt.i18n.fields import LanguagesField
from forecourt.portalconfig.models import PortalSettings
from forecourt.providers import targets as provider_targets
from forecourt.providers.models import Provider

from . import attribute_fields

if TYPE_CHECKING:  # generic in django-stubs only: at run time ModelForm takes no type argument
    ModelForm = forms.ModelForm[Any]
else:
    ModelForm = forms.ModelForm

FormHook = Callable[[forms.BaseForm], None]
_form_hooks: list[FormHook] = []


def add_form_hook(hook: FormHook) -> None:
    """Have every AdminModelForm call `hook(form)` once built (the Admin Portal gives multiple-choice
    fields its searchable multi-select: adminportal/apps.py). Registered once, however often called."""
    if hook not in _form_hooks:
        _form_hooks.append(hook)


class AdminModelForm(ModelForm):
    """The forms with multiple-choice fields that grow to hundreds of choices (a catalogue's products,
    plans and audiences, a user's teams): each registered hook (`add_form_hook`) is called on the new
    form, so a UI can give those fields its own widget. The rest may stay plain ModelForms."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for hook in _form_hooks:
            hook(self)


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
            raise forms.ValidationError(_("Each item may be at most 100 characters."))
        return list(dict.fromkeys(items))


class OrganisationForm(ModelForm):
    class Meta:
        model = Organisation
        fields = ["name"]


class TeamForm(ModelForm):
    class Meta:
        model = Team
        fields = ["organisation", "name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a team does not move between organisations
            self.fields["organisation"].disabled = True


class UserForm(AdminModelForm):
    """A user. With `with_attributes` (the Admin Portal's page) it also has a field per custom
    attribute (accounts.attributes), saved with the user; the Admin API sets those on its own paths."""

    def __init__(self, *args: Any, actor: User | None = None, with_attributes: bool = False, **kwargs: Any) -> None:
        self.actor = actor
        super().__init__(*args, **kwargs)
        self.attribute_fields = attribute_fields.form_fields(self.instance, attributes.Channel.ADMIN) \
            if with_attributes else {}
        for name, (_attribute, attribute_field) in self.attribute_fields.items():
            self.fields[name] = attribute_field
        teams = self.fields["teams"]
        assert isinstance(teams, forms.ModelMultipleChoiceField)
        teams.queryset = Team.objects.select_related("organisation").order_by("organisation__name", "name")
        teams.label_from_instance = lambda t: f"{t.organisation.name} / {t.name}"  # type: ignore[method-assign,assignment]
        self.fields["email"].help_text = gettext("New users set their password from the e-mail you can send them.")

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role", "organisation", "teams", "is_active"]

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        clash = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("A user with this e-mail address already exists."))
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
        if self.attribute_fields:
            submitted = attribute_fields.from_form(data, self.attribute_fields)
            current = attributes.current_values(self.instance)
            self.attribute_values = attributes.check(submitted, current, attributes.Channel.ADMIN, complete=True)
            attribute_fields.add_errors(self, self.attribute_values)
        return data

    def save_attributes(self, user: User) -> None:
        """Store the attribute values the form checked (after the user is saved)."""
        checked = getattr(self, "attribute_values", None)
        if checked is not None and checked.values:
            attributes.store(user, checked.values)


class CustomAttributeForm(ModelForm):
    """A custom attribute's definition: its rules are accounts.attributes'; a change the users'
    values would not survive (a type, options or a regular expression they fail) is refused."""

    class Meta:
        model = CustomAttribute
        fields = ["name", "identifier", "description", "type", "behaviour", "dropdown_values", "validation_regexp",
                  "add_to_key_metadata", "required", "show_on_signup", "write_once"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}),
                   "dropdown_values": forms.Textarea(attrs={"rows": 2})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        candidate = self.instance
        for name, value in data.items():
            setattr(candidate, name, value)
        for name, message in attributes.definition_problems(candidate).items():
            self.add_error(name if name in self.fields else None, message)
        if not self.errors:
            problem = attributes.changed_definition_problem(candidate)
            if problem:
                self.add_error(None, problem)
        return data


class InviteCodeForm(ModelForm):
    class Meta:
        model = InviteCode
        fields = ["organisation", "team", "expires_at", "max_uses", "is_active"]
        widgets = {"expires_at": forms.DateTimeInput(attrs={"type": "datetime-local"})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        team, organisation = data.get("team"), data.get("organisation")
        if team and organisation and team.organisation_id != organisation.pk:
            self.add_error("team", gettext("Choose a team of %(organisation)s.") % {"organisation": organisation})
        return data


class ProviderForm(ModelForm):
    secret = forms.CharField(
        label=_("API key"), required=False, strip=True, widget=forms.PasswordInput(render_value=False),
        help_text=_("The Dashboard user's API key. Stored encrypted; leave empty to keep the current one."))
    policy_tags = CommaSeparatedField(label=_("Policy tags"), required=False,
                                      help_text=_("Comma-separated; empty imports every policy."))
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https", validators=[provider_targets.validate],
                         help_text=_("The Dashboard's address, e.g. https://dashboard.example.com:3000. Link-local "
                                   "and cloud metadata addresses are refused; private ones unless the operator "
                                   "forbids them (Providers.AllowPrivateTargets)."))
    gateway_url = forms.URLField(label=_("Gateway URL"), max_length=500, required=False, assume_scheme="https",
                                 help_text=_("Where consumers call the APIs, shown with their credentials."))

    class Meta:
        model = Provider
        fields = ["name", "type", "url", "secret", "org_id", "policy_tags", "insecure_skip_verify", "gateway_url"]

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret") or ""
        if not secret:
            if not self.instance.pk:
                raise forms.ValidationError(_("The API key is required."))
            current: str = self.instance.secret
            return current
        return secret


class ProductForm(TranslatableForm, ModelForm):
    tags = CommaSeparatedField(label=_("Tags"), required=False, help_text=_("Comma-separated."))

    class Meta:
        model = Product
        fields = ["display_name", "name", "slug", "description", "content", "logo", "preview", "tags",
                  "documentation_only", "published", "featured", "provider", "reference_id", "translations"]
        widgets = {"content": forms.Textarea(attrs={"rows": 10})}
        help_texts = {"logo": _("PNG, JPEG, GIF or WebP, at most 1 MB: its catalogue card and its page."),
                      "preview": _("PNG, JPEG, GIF or WebP, at most 2 MB: a larger image on its page.")}

    def _image(self, kind: str) -> Any:
        image = self.cleaned_data.get(kind)
        if image and isinstance(image, UploadedFile):
            try:
                return images.check(image, kind)
            except images.InvalidImage as exc:
                raise forms.ValidationError(str(exc)) from None
        return image

    def clean_logo(self) -> Any:
        return self._image("logo")

    def clean_preview(self) -> Any:
        return self._image("preview")

    def save(self, commit: bool = True) -> Any:
        # The files a replaced or removed image leaves behind go once the change is committed.
        before = {kind: str(self.initial.get(kind) or "") for kind in ("logo", "preview")}
        saved = super().save(commit)
        for kind, name in before.items():
            if name and name != str(getattr(saved, kind) or ""):
                images.discard_on_commit(name)
        return saved


class OpenAPITextField(forms.CharField):
    """The pasted document as it was written, with Unix line endings (browsers send a text area's
    lines ending in CRLF, which would make every save look like a change); blank is no document."""

    def to_python(self, value: Any) -> str:
        text = (super().to_python(value) or "").replace("\r\n", "\n")
        return text if text.strip() else ""


def incoming_document(form: ModelForm, data: dict[str, Any]) -> documents.Summary | None:
    """The rule of a form's new OpenAPI document (an API's, a specification's): from its file, its URL or its
    text (in that order), checked by forecourt.catalog.documents and put in `data["oas_document"]`; its
    summary, or None when there is none new (the stored one is kept) or it is refused (the form's error)."""
    upload, url = data.get("document_file"), (data.get("document_url") or "").strip()
    if upload and url:
        form.add_error("document_url", _("Upload a file or give a URL, not both."))
        return None
    field = "document_file" if upload else "document_url" if url else "oas_document"
    try:
        if upload:
            text = documents.read_upload(upload)
        elif url:
            text = document_import.fetch(url)
        elif data.get("oas_document") and "oas_document" in form.changed_data:
            text = data["oas_document"]
        else:
            return None  # no new document: the stored one is kept as it is, checked or not
        summary = documents.check(text)
    except documents.InvalidDocument as exc:
        form.add_error(field, exc.messages)
        return None
    except document_import.ImportFailed as exc:
        form.add_error("document_url", str(exc))
        return None
    data["oas_document"] = text
    return summary


def _document_file_field() -> forms.FileField:
    return forms.FileField(
        label=_("Upload an OpenAPI document"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.yaml,.yml,application/json,application/yaml"}),
        help_text=format_lazy(_("A JSON or YAML file, OpenAPI 3.0 or 3.1, at most {size} MB. It replaces the portal's "
                                "document below."), size=documents.MAX_BYTES // 1024 // 1024))


def _document_url_field() -> forms.URLField:
    return forms.URLField(
        label=_("Or import it from a URL"), required=False, max_length=2000, assume_scheme="https",
        help_text=_("Fetched once, now, through the SSRF guard: public addresses only, unless the operator allows "
                  "private ones (DocumentImport.AllowPrivateTargets)."))


def incoming_graphql(form: ModelForm, data: dict[str, Any]) -> graphql_schemas.Summary | None:
    """The rule of a form's new GraphQL schema (an API's, a specification's): from its file or its text, checked
    by forecourt.catalog.graphql_schemas and put in `data["graphql_schema"]` as SDL; its summary, or None when
    there is none new (the stored one is kept; emptied text removes it) or it is refused (the form's error)."""
    upload = data.get("graphql_file")
    field = "graphql_file" if upload else "graphql_schema"
    try:
        if upload:
            text = graphql_schemas.read_upload(upload)
        elif data.get("graphql_schema") and "graphql_schema" in form.changed_data:
            text = data["graphql_schema"]
        else:
            return None
        stored, summary = graphql_schemas.check(text)
    except documents.InvalidDocument as exc:
        form.add_error(field, exc.messages)
        return None
    data["graphql_schema"] = stored
    return summary


def _graphql_file_field() -> forms.FileField:
    return forms.FileField(
        label=_("Upload a GraphQL schema"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".graphql,.gql,.json"}),
        help_text=format_lazy(_("SDL (.graphql, .gql) or an introspection result (.json), at most {size} MB. It "
                                "replaces the schema below."), size=graphql_schemas.MAX_BYTES // 1024 // 1024))


def _graphql_text_field() -> "OpenAPITextField":
    return OpenAPITextField(
        label=_("Or paste it (the GraphQL schema, SDL)"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_("The Live Portal shows it in a GraphiQL playground. Empty: none."))


def incoming_asyncapi(form: ModelForm, data: dict[str, Any]) -> asyncapi.Summary | None:
    """The rule of a form's new AsyncAPI document: from its file or its text, checked by
    forecourt.catalog.asyncapi and put in `data["asyncapi_document"]` as given; its summary, or None when
    there is none new (the stored one is kept; emptied text removes it) or it is refused (the form's error)."""
    upload = data.get("asyncapi_file")
    field = "asyncapi_file" if upload else "asyncapi_document"
    try:
        if upload:
            text = documents.read_upload(upload)
        elif data.get("asyncapi_document") and "asyncapi_document" in form.changed_data:
            text = data["asyncapi_document"]
        else:
            return None
        summary = asyncapi.check(text)
    except documents.InvalidDocument as exc:
        form.add_error(field, exc.messages)
        return None
    data["asyncapi_document"] = text
    return summary


def _notes(*parts: str) -> str:
    return " ".join(p for p in parts if p)


class ProductAPIForm(ModelForm):
    """A product's API. The portal's OpenAPI document comes from a file, a URL or the text area (in
    that order of precedence); a new one is checked by forecourt.catalog.documents, and lands in
    `oas_document` only: the gateway's document is the sync's, shown here read-only."""

    auth_type = forms.ChoiceField(label=_("Auth type"), required=False,
                                  help_text=_("How consumers authenticate, as the Live Portal shows it."))
    document_file = _document_file_field()
    document_url = _document_url_field()
    oas_document = OpenAPITextField(
        label=_("Or paste it (the portal's OpenAPI document)"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text=_("JSON or YAML. Synchronisations never change it. Empty: none."))
    gateway_document_state = forms.CharField(
        label=_("The gateway's OpenAPI document"), required=False, disabled=True,
        help_text=_("Copied from the gateway at each synchronisation; it cannot be edited here."))
    graphql_file = _graphql_file_field()
    graphql_schema = _graphql_text_field()
    gateway_graphql_state = forms.CharField(
        label=_("The gateway's GraphQL schema"), required=False, disabled=True,
        help_text=_("A GraphQL API's schema, copied from the gateway at each synchronisation; the portal's schema "
                  "above, when there is one, is the one shown."))

    class Meta:
        model = ProductAPI
        fields = ["product", "name", "api_id", "listen_path", "auth_type", "document_file", "document_url",
                  "oas_document", "gateway_document_state", "document_source", "graphql_file", "graphql_schema",
                  "gateway_graphql_state"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document_summary: documents.Summary | None = None
        self.graphql_summary: graphql_schemas.Summary | None = None
        auth = self.fields["auth_type"]
        assert isinstance(auth, forms.ChoiceField)
        choices = [("", gettext("Not set")), *AUTH_TYPES.items()]
        current = self.instance.auth_type
        if current and current not in AUTH_TYPES:  # e.g. from a gateway: kept selectable, as it is
            choices.append((current, gettext("%(type)s (not a type the Live Portal knows)") % {"type": current}))
        auth.choices = choices
        self.fields["gateway_document_state"].initial = self._gateway_state
        self.fields["gateway_graphql_state"].initial = self._gateway_graphql_state
        self.fields["document_source"].required = False  # left out (the Admin API): the portal's
        self.fields["document_source"].help_text = lazy(self._source_note, str)()

    @cached_property
    def _stored(self) -> dict[str, documents.Summary | None]:
        """Summaries of the stored documents (the edit page shows them), read once per form."""
        api = self.instance
        return {"portal": documents.describe(api.oas_document) if api.pk else None,
                "gateway": documents.describe(api.gateway_document) if api.pk else None}

    def _gateway_state(self) -> str:
        if not self.instance.gateway_document:
            return gettext("None: the gateway has not provided one.")
        summary = self._stored["gateway"]
        return (gettext("Present: %(summary)s.") % {"summary": summary} if summary
                else gettext("Present, but it cannot be read as JSON or YAML."))

    def _gateway_graphql_state(self) -> str:
        if not self.instance.gateway_graphql_schema:
            return gettext("None: the gateway has not provided one (it is not a GraphQL API there).")
        summary = graphql_schemas.describe(self.instance.gateway_graphql_schema)
        return (gettext("Present: %(summary)s.") % {"summary": summary} if summary
                else gettext("Present, but it is not a schema the portal can read."))

    def _source_note(self) -> str:
        base = gettext("Which document the Live Portal shows when both exist; the other one when only it exists.")
        shown = self.instance.shown_source if self.instance.pk else ""
        if not shown:
            return f"{base} " + gettext("Shown now: none (no document yet).")
        gateway = shown == ProductAPI.DocumentSource.GATEWAY
        summary = self._stored[shown]
        if summary:
            now = (gettext("Shown now: the gateway's document, %(summary)s.") if gateway
                   else gettext("Shown now: the portal's document, %(summary)s.")) % {"summary": summary}
        else:
            now = (gettext("Shown now: the gateway's document.") if gateway
                   else gettext("Shown now: the portal's document."))
        return f"{base} {now}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.document_summary = incoming_document(self, data)
        self.graphql_summary = incoming_graphql(self, data)
        return data

    @property
    def saved_note(self) -> str:
        """What the Admin Portal adds to its "saved" message: the new document's and schema's summaries."""
        return _notes(f"Its OpenAPI document: {self.document_summary}." if self.document_summary else "",
                      f"Its {self.graphql_summary}." if self.graphql_summary else "")

    def clean_document_source(self) -> str:
        return self.cleaned_data.get("document_source") or ProductAPI.DocumentSource.PORTAL


class ProductSpecForm(ModelForm):
    """A product's specification without a provider API (Tyk's spec details): its document comes as an
    API's does (incoming_document); a URL it was imported from is kept as `oas_url`."""

    document_file = _document_file_field()
    document_url = _document_url_field()
    oas_document = OpenAPITextField(
        label=_("Or paste it (the OpenAPI document)"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}), help_text=_("JSON or YAML. Empty: none."))
    graphql_file = _graphql_file_field()
    graphql_schema = _graphql_text_field()
    asyncapi_file = forms.FileField(
        label=_("Upload an AsyncAPI document"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.yaml,.yml,application/json,application/yaml"}),
        help_text=format_lazy(_("A JSON or YAML file, AsyncAPI 2.x or 3.x, at most {size} MB, in one file (bundled). "
                                "It replaces the AsyncAPI document below."), size=documents.MAX_BYTES // 1024 // 1024))
    asyncapi_document = OpenAPITextField(
        label=_("Or paste it (the AsyncAPI document)"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_("JSON or YAML, for event-driven APIs (channels and messages); the Live Portal renders it and "
                  "offers it for download as given. Empty: none."))

    class Meta:
        model = ProductSpec
        fields = ["product", "name", "spec_alias", "document_file", "document_url", "oas_document", "graphql_file",
                  "graphql_schema", "asyncapi_file", "asyncapi_document"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document_summary: documents.Summary | None = None
        self.graphql_summary: graphql_schemas.Summary | None = None
        self.asyncapi_summary: asyncapi.Summary | None = None
        self.fields["document_url"].initial = self.instance.oas_url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        url = (data.get("document_url") or "").strip()
        if url and url == self.instance.oas_url and "document_url" not in self.changed_data:
            data["document_url"] = ""  # the URL it came from, shown again: not fetched again
        self.document_summary = incoming_document(self, data)
        self.graphql_summary = incoming_graphql(self, data)
        self.asyncapi_summary = incoming_asyncapi(self, data)
        return data

    def save(self, commit: bool = True) -> Any:
        url = (self.cleaned_data.get("document_url") or "").strip()
        if url:
            self.instance.oas_url = url
        elif "oas_document" in self.changed_data or self.cleaned_data.get("document_file"):
            self.instance.oas_url = ""  # a document from elsewhere: the old URL no longer says where it came from
        return super().save(commit)

    @property
    def saved_note(self) -> str:
        return _notes(f"Its OpenAPI document: {self.document_summary}." if self.document_summary else "",
                      f"Its {self.graphql_summary}." if self.graphql_summary else "",
                      f"Its AsyncAPI document: {self.asyncapi_summary}." if self.asyncapi_summary else "")


class ProductDocForm(TranslatableForm, ModelForm):
    class Meta:
        model = ProductDoc
        fields = ["product", "title", "position", "content", "translations"]
        widgets = {"content": forms.Textarea(attrs={"rows": 10})}


class PlanForm(TranslatableForm, ModelForm):
    class Meta:
        model = Plan
        fields = ["display_name", "name", "description", "rate_unlimited", "rate_limit", "rate_per",
                  "quota_unlimited", "quota_max", "quota_renewal_seconds", "key_expires_in", "auto_approve",
                  "provider", "reference_id", "translations"]

    # The numbers each "unlimited" box makes meaningless (the Admin Portal hides them while it is ticked).
    UNLIMITED = {"rate_unlimited": ("rate_limit", "rate_per"),
                 "quota_unlimited": ("quota_max", "quota_renewal_seconds")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for names in self.UNLIMITED.values():
            for name in names:
                self.fields[name].required = False  # required unless unlimited: checked in clean()

    def clean(self) -> dict[str, Any]:
        """The limits' one rule: while a limit is unlimited its numbers are ignored (a blank one keeps
        the plan's value), else they are required."""
        data = super().clean() or {}
        for box, names in self.UNLIMITED.items():
            for name in names:
                if data.get(name) is None and name not in self.errors and data.get(box):
                    data[name] = getattr(self.instance, name)
        if not data.get("rate_unlimited") and data.get("rate_limit") is None and "rate_limit" not in self.errors:
            self.add_error("rate_limit", _("Give the number of requests, or make the rate unlimited."))
        if not data.get("rate_unlimited") and not data.get("rate_per"):
            self.add_error("rate_per", _("Give the period in seconds (at least 1), or make the rate unlimited."))
        if not data.get("quota_unlimited"):
            if not data.get("quota_max"):
                self.add_error("quota_max", _("Give the quota, or make it unlimited."))
            if not data.get("quota_renewal_seconds"):
                self.add_error("quota_renewal_seconds", _("Give the renewal period in seconds (at least 1)."))
        return data


class CatalogueForm(TranslatableForm, AdminModelForm):
    audiences = forms.MultipleChoiceField(
        label=_("Audiences"), required=False,
        help_text=_("Who sees a private catalogue: whole organisations or single teams."))

    class Meta:
        model = Catalogue
        fields = ["name", "visibility", "products", "plans", "audiences", "translations"]

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
            self.add_error("audiences", _("A private catalogue needs at least one audience, or nobody sees it."))
        return data


class AppForm(ModelForm):
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
        lines = [line.strip() for line in self.cleaned_data.get("redirect_urls", "").splitlines() if line.strip()]
        for line in lines:
            problem = redirects.problem(line)
            if problem:
                raise forms.ValidationError(problem)
        return "\n".join(lines)

    def save(self, commit: bool = True) -> App:
        app: App = super().save(commit=False)
        organisation = app.owner.organisation
        assert organisation is not None  # the owner field offers only users of an organisation
        app.organisation = organisation  # an app belongs to its owner's organisation
        if app.team_id is None:
            app.team = app.owner.teams.order_by("id").first() if app.owner.pk else None
        if commit:
            app.save()
        return app


class PortalSettingsForm(ModelForm):
    smtp_password = forms.CharField(
        label=_("SMTP password"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted; leave empty to keep the current one."))
    clear_smtp_password = forms.BooleanField(label=_("Remove the stored SMTP password"), required=False)
    offered_languages = LanguagesField(
        label=_("Languages offered"), required=False,
        help_text=_("The languages the switchers offer and pages may be shown in "
                    "(none ticked: they stay as they are)."))

    class Meta:
        model = PortalSettings
        fields = ["smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password", "smtp_timeout",
                  "from_address", "admin_notification_address", "auto_approve_registrations",
                  "allow_organisation_requests", "allow_sign_up", "allowed_email_domains",
                  "require_mfa_admins", "require_mfa_consumers", "admin_password_sign_in", "password_min_length",
                  "password_require_mixed", "default_language", "offered_languages"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Posted without them (a client that predates the settings): the stored values stay.
        for name in ("admin_password_sign_in", "default_language"):
            self.fields[name].required = False

    def clean_smtp_password(self) -> str:
        password: str = self.cleaned_data.get("smtp_password") or self.instance.smtp_password
        return password

    def clean_admin_password_sign_in(self) -> str:
        value: str = self.cleaned_data.get("admin_password_sign_in") or self.instance.admin_password_sign_in
        return value

    def clean_offered_languages(self) -> str:
        value: str = self.cleaned_data.get("offered_languages") or self.instance.offered_languages
        return value

    def clean_default_language(self) -> str:
        value: str = self.cleaned_data.get("default_language") or self.instance.default_language
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("clear_smtp_password"):
            data["smtp_password"] = ""
            self.instance.smtp_password = ""
        if data.get("smtp_port") is not None and not 1 <= data["smtp_port"] <= 65535:
            self.add_error("smtp_port", _("A port is a number from 1 to 65535."))
        if data.get("password_min_length") is not None and not 8 <= data["password_min_length"] <= 128:
            self.add_error("password_min_length", _("Choose from 8 to 128."))
        if "allowed_email_domains" in data:
            try:
                data["allowed_email_domains"] = "\n".join(domain_rules.parse_domains(data["allowed_email_domains"]))
            except forms.ValidationError as exc:
                self.add_error("allowed_email_domains", exc)
        return data


class CustomCredentialForm(AdminModelForm):
    """A credential made outside the portal, added to an app (forecourt.access.custom_credentials
    holds the rules, checked here as in the Admin API). Only the alias changes once it exists;
    the key and the secret are written once and never shown again here."""

    credential_key = forms.CharField(
        label=_("Key"), required=False, strip=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Shown once to the app's owner in the Live Portal, then removed from the portal."))
    credential_secret = forms.CharField(
        label=_("Secret"), required=False, strip=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Shown once to the app's owner in the Live Portal, then removed from the portal."))

    class Meta:
        model = CustomCredential
        fields = ["app", "alias", "type", "key_id", "authentication_method", "auth_token_type", "plan", "products",
                  "provider", "client_type_id"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        type_field = self.fields["type"]
        assert isinstance(type_field, forms.ChoiceField)
        type_field.choices = [(CustomCredential.Type.CUSTOM, CustomCredential.Type.CUSTOM.label)]
        if self.instance.pk:
            for name, field in self.fields.items():
                if name != "alias":
                    field.disabled = True
            del self.fields["credential_key"], self.fields["credential_secret"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk:
            return data
        plan, provider = data.get("plan"), data.get("provider")
        errors = custom_credentials.validate({
            **{k: v for k, v in data.items() if k not in ("app", "plan", "provider", "products")},
            "plan": plan.pk if plan else None, "provider": provider.pk if provider else None,
            "products": [p.pk for p in data.get("products") or []]})
        for error in errors:
            field, _colon, message = error.partition(": ")
            self.add_error(field if field in self.fields else None, message)
        return data

    def save(self, commit: bool = True) -> CustomCredential:
        if self.instance.pk:
            saved: CustomCredential = super().save(commit)
            return saved
        data = {**self.cleaned_data, "plan": self.cleaned_data["plan"].pk if self.cleaned_data.get("plan") else None,
                "provider": self.cleaned_data["provider"].pk if self.cleaned_data.get("provider") else None,
                "products": [p.pk for p in self.cleaned_data.get("products") or []]}
        created = custom_credentials.store(self.cleaned_data["app"], data)
        self.instance = created
        return created
