"""The Admin Portal's own forms: its sign-in, and the forms of its pages beyond a resource's (a
rejection's reason, a change of plan, the test e-mail). The resources' forms are forecourt.resources.forms."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from forecourt.accounts import throttle
from forecourt.catalog.models import Plan

if TYPE_CHECKING:  # generic in django-stubs only: at run time ModelChoiceField takes no type argument
    ModelChoiceField = forms.ModelChoiceField[Any]
else:
    ModelChoiceField = forms.ModelChoiceField


class AdminAuthenticationForm(AuthenticationForm):
    """Sign-in for admins only, throttled like the Live Portal's sign-in (accounts.throttle).

    A consumer with a correct password gets the same message as a wrong password, so the
    form does not tell an attacker which e-mail addresses belong to consumers; it counts as a
    failure too. Failures count against the address and the client with the Live Portal's keys,
    so guesses spread over both sign-in pages count together; an attempt is counted before its
    password is checked, and while either key is locked or full, the password is not checked.
    `retry_after` is then the seconds to wait (else 0).
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Enter the e-mail address and password of an admin account."),
    }

    username = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True,
                                                                              "autocomplete": "email"}))

    retry_after = 0

    def clean(self) -> dict[str, Any]:
        address = self.cleaned_data.get("username")
        if not address or not self.cleaned_data.get("password") or self.request is None:
            return super().clean()  # a missing field: nothing is tried, nothing counted
        attempt = throttle.SignIn.of(self.request, address)
        self.retry_after = attempt.begin()  # counted before the password is checked
        if self.retry_after:
            raise forms.ValidationError(throttle.sign_in_locked(self.retry_after), code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError as exc:
            # The password was checked: a wrong one, or a consumer's (invalid_login), stays counted.
            self.retry_after = attempt.failed()
            if self.retry_after:
                raise forms.ValidationError(throttle.sign_in_locked(self.retry_after), code="locked") from exc
            raise
        except BaseException:
            attempt.failed()
            raise
        attempt.succeeded()
        return cleaned

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not getattr(user, "is_admin", False):
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text=_("Shown to the consumer in the e-mail and on their request."))


class PlanChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name}: {obj.limits_in_words}"


class ChangePlanForm(forms.Form):
    """Another plan of an approved request's catalogue; forecourt.access.credentials.change_plan
    checks the rest (approved, same provider) and moves the credentials at the gateway."""

    plan = PlanChoiceField(queryset=Plan.objects.none(), empty_label=None, label=_("New plan"),
                           help_text=_("The app's active credentials get the new plan's limits at the gateway."))

    def __init__(self, *args: Any, access_request: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["plan"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = access_request.catalogue.plans.order_by("display_name", "pk")
        field.initial = access_request.plan_id


class TestEmailForm(forms.Form):
    to = forms.EmailField(label=_("Send a test e-mail to"))


class SecondFactorForm(forms.Form):
    """A code from the authenticator app, or a recovery code (accounts.mfa tells them apart)."""

    code = forms.CharField(label=_("Code"), max_length=40, strip=True,
                           help_text=_("The 6-digit code your authenticator app shows, or one of your recovery codes."),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}))


class ConfirmAuthenticatorForm(forms.Form):
    code = forms.CharField(label=_("Code from the app"), max_length=10, strip=True,
                           help_text=_("Enter the 6-digit code the app shows now, to show it is set up."),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))
