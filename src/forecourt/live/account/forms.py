"""Forms of the account pages, and `form_data()`: a form as the plain data theme templates get.

Templates never get a Django form (it reaches the request's data, the model, the database):
`form_data` copies out each field's name, label, type, value, errors and choices, and the
default theme draws them with the macros in partials/forms.html.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from forecourt.accounts import attributes, org_requests, signup
from forecourt.accounts.models import CustomAttribute, Invitation, Role, Team, User
from forecourt.resources import attribute_fields, preferences

if TYPE_CHECKING:  # Django's ModelForm is generic only in its type stubs
    from django.utils.functional import _StrOrPromise

    _UserModelForm = forms.ModelForm[User]
else:
    _UserModelForm = forms.ModelForm

_TYPES = {
    forms.EmailInput: "email",
    forms.PasswordInput: "password",
    forms.Textarea: "textarea",
    forms.CheckboxInput: "checkbox",
    forms.Select: "select",
}


def _field_type(widget: forms.Widget) -> str:
    for cls, name in _TYPES.items():
        if isinstance(widget, cls):
            return name
    return "hidden" if widget.is_hidden else "text"


def form_data(form: forms.BaseForm) -> dict[str, Any]:
    """`{"fields": {name: {...}}, "order": [names], "errors": [form-wide messages]}`.

    Each field: `name`, `id`, `label`, `type` (text, email, password, select, checkbox,
    textarea, hidden), `value` (never a password's), `required`, `errors`, `help`, `choices`
    (`[{value, label, selected}]` for selects), `autocomplete`, `maxlength`.
    """
    fields: dict[str, Any] = {}
    for bound in form:
        widget = bound.field.widget
        kind = _field_type(widget)
        value = bound.value()
        if kind == "password":
            value = ""
        elif kind == "checkbox":
            value = bool(value)
        else:
            value = "" if value is None else str(value)
        choices = []
        if kind == "select":
            for option_value, option_label in getattr(bound.field, "choices", ()):
                option_value = "" if option_value is None else str(getattr(option_value, "value", option_value))
                choices.append({"value": option_value, "label": str(option_label),
                                "selected": option_value == value})
        max_length = getattr(bound.field, "max_length", None)
        fields[bound.name] = {
            "name": bound.html_name,
            "id": bound.id_for_label or f"id_{bound.html_name}",
            "label": str(bound.label or ""),
            "type": kind,
            "value": value,
            "required": bool(bound.field.required),
            "errors": [str(e) for e in bound.errors],
            "help": str(bound.help_text or ""),
            "choices": choices,
            "autocomplete": str(widget.attrs.get("autocomplete", "")),
            "maxlength": int(max_length) if max_length else None,
        }
    return {"fields": fields, "order": list(fields), "errors": [str(e) for e in form.non_field_errors()]}


def _email_field(**attrs: str) -> forms.EmailField:
    return forms.EmailField(label=_("E-mail"), max_length=254,
                            widget=forms.EmailInput(attrs={"autocomplete": "email", **attrs}))


PASSWORD = _("Password")


def _password_field(label: "_StrOrPromise" = PASSWORD, autocomplete: str = "new-password",
                    help_text: "_StrOrPromise" = "") -> forms.CharField:
    return forms.CharField(label=label, strip=False, max_length=4096, help_text=help_text,
                           widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}))


class SignInForm(forms.Form):
    email = _email_field()
    password = _password_field(autocomplete="current-password")

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class NewPasswordMixin(forms.Form):
    """`password` and `password_again`, checked against the portal's password policy for `user`."""

    password = _password_field(help_text="")
    password_again = _password_field(_("Password (again)"))

    def password_user(self) -> User:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, again = data.get("password"), data.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", _("The two passwords differ."))
        elif password:
            try:
                password_validation.validate_password(password, self.password_user())
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


UNUSABLE_CODE = "unusable"  # the error code of a wrong invite code, which the throttle counts


class SignUpAttributesMixin(forms.Form):
    """The custom attributes shown on the sign-up form, after the form's own fields: asked of
    everyone who makes an account in the Live Portal, by signing up or by accepting an invitation
    (an invitee never sees the sign-up form, and a required attribute is required of them too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attribute_fields = attribute_fields.form_fields(None, attributes.Channel.SIGN_UP)
        for name, (_attribute, attribute_field) in self.attribute_fields.items():
            self.fields[name] = attribute_field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        checked = attributes.check(self.attribute_values(), {}, attributes.Channel.SIGN_UP, complete=True)
        attribute_fields.add_errors(self, checked)
        return data

    def attribute_values(self) -> dict[CustomAttribute, object]:
        return attribute_fields.from_form(getattr(self, "cleaned_data", {}), self.attribute_fields)


class SignUpForm(SignUpAttributesMixin, NewPasswordMixin):
    email = _email_field()
    first_name = forms.CharField(label=_("First name"), max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Last name"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    password = _password_field()
    password_again = _password_field(_("Password (again)"))
    invite_code = forms.CharField(label=_("Invite code"), max_length=64, required=False,
                                  help_text=_("If you were given one: it puts you straight into your team."),
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))

    field_order = ["email", "first_name", "last_name", "password", "password_again", "invite_code"]

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean_invite_code(self) -> str:
        code = str(self.cleaned_data["invite_code"]).strip()
        if code and signup.usable_invite_code(code) is None:
            raise ValidationError(signup.INVITE_CODE_UNUSABLE, code=UNUSABLE_CODE)
        return code

    def password_user(self) -> User:
        # A user that does not exist: the check must not depend on whether the address is taken.
        return User(email=self.cleaned_data.get("email", ""), first_name=self.cleaned_data.get("first_name", ""),
                    last_name=self.cleaned_data.get("last_name", ""))


class ForgottenPasswordForm(forms.Form):
    email = _email_field(autofocus="autofocus")

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class SetPasswordForm(NewPasswordMixin):
    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def password_user(self) -> User:
        return self.user


class ChangePasswordForm(SetPasswordForm):
    current_password = _password_field(_("Current password"), autocomplete="current-password")

    field_order = ["current_password", "password", "password_again"]

    def clean_current_password(self) -> str:
        current = str(self.cleaned_data["current_password"])
        if not self.user.check_password(current):
            raise ValidationError(_("Your current password is not this one."))
        return current


class ProfileForm(_UserModelForm):
    """A consumer's own details: their names, and the custom attributes they may edit (a Write-once
    one that is set is shown as text instead). Fields posted for other attributes are not read."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "language", "time_zone"]
        widgets = {"first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
                   "last_name": forms.TextInput(attrs={"autocomplete": "family-name"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        preferences.add_fields(self)
        self.attribute_fields = attribute_fields.form_fields(self.instance, attributes.Channel.ACCOUNT,
                                                             skip_locked=True)
        for name, (_attribute, attribute_field) in self.attribute_fields.items():
            self.fields[name] = attribute_field
        self.checked = attributes.Checked()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        submitted = attribute_fields.from_form(data, self.attribute_fields)
        self.checked = attributes.check(submitted, attributes.current_values(self.instance),
                                        attributes.Channel.ACCOUNT, complete=True)
        attribute_fields.add_errors(self, self.checked)
        return data

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=commit)
        if commit:
            attributes.store(user, self.checked.values)
        return user


class InviteForm(forms.Form):
    email = _email_field()
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[(Role.CONSUMER_TEAM_MEMBER.value, _("Team member")),
                                                       (Role.CONSUMER_ADMIN.value, _("Organisation admin"))],
                             initial=Role.CONSUMER_TEAM_MEMBER.value)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), empty_label=None)

    def __init__(self, organisation_id: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the inviting admin's own organisation's teams can be chosen.
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = Team.objects.filter(organisation_id=organisation_id).order_by("-is_default", "name")

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class AcceptInviteForm(SignUpAttributesMixin, NewPasswordMixin):
    first_name = forms.CharField(label=_("First name"), max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Last name"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    password = _password_field()
    password_again = _password_field(_("Password (again)"))

    field_order = ["first_name", "last_name", "password", "password_again"]

    def __init__(self, invitation: Invitation, *args: Any, **kwargs: Any) -> None:
        self.invitation = invitation
        kwargs.setdefault("initial", {"first_name": invitation.first_name, "last_name": invitation.last_name})
        super().__init__(*args, **kwargs)

    def password_user(self) -> User:
        return User(email=self.invitation.email, first_name=self.cleaned_data.get("first_name", ""),
                    last_name=self.cleaned_data.get("last_name", ""))


class OrganisationRequestForm(forms.Form):
    name = forms.CharField(label=_("Organisation name"), max_length=255,
                           widget=forms.TextInput(attrs={"autocomplete": "organization"}))

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        problem = org_requests.organisation_name_problem(name)
        if problem:
            raise ValidationError(problem)
        return name


class SecondFactorForm(forms.Form):
    """A code from the authenticator app, or a recovery code (accounts.mfa tells them apart)."""

    code = forms.CharField(label=_("Code"), max_length=40, strip=True,
                           help_text=_("The 6-digit code your authenticator app shows, or one of your recovery codes."),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                                         "autofocus": True}))


class ConfirmAuthenticatorForm(forms.Form):
    code = forms.CharField(label=_("Code from the app"), max_length=10, strip=True,
                           help_text=_("Enter the 6-digit code the app shows now, to show it is set up."),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))
