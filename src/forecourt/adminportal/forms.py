from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from forecourt.accounts import throttle


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
        "invalid_login": "Enter the e-mail address and password of an admin account.",
    }

    username = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True,
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
