from django import forms
from django.contrib.auth.forms import AuthenticationForm


class AdminAuthenticationForm(AuthenticationForm):
    """Sign-in for admins only.

    A consumer with a correct password gets the same message as a wrong password, so the
    form does not tell an attacker which e-mail addresses belong to consumers.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter the e-mail address and password of an admin account.",
    }

    username = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True,
                                                                              "autocomplete": "email"}))

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not getattr(user, "is_admin", False):
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
