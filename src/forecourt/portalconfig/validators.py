"""The password policy from the general settings, as a Django password validator."""

from typing import Any

from django.core.exceptions import ValidationError

from .models import PortalSettings


class PortalPasswordPolicy:
    """Minimum length and, optionally, letters and digits, as set on the Settings page.

    Read at each validation, so a change applies at once in every process.
    """

    def _settings(self) -> Any:
        return PortalSettings.objects.filter(pk=1).first() or PortalSettings()

    def validate(self, password: str, user: Any = None) -> None:
        policy = self._settings()
        problems = []
        if len(password) < policy.password_min_length:
            problems.append(ValidationError(
                f"This password is too short. It must contain at least {policy.password_min_length} characters.",
                code="password_too_short"))
        if policy.password_require_mixed and not (
            any(c.isalpha() for c in password) and any(c.isdigit() for c in password)
        ):
            problems.append(ValidationError("The password must contain both letters and digits.",
                                            code="password_not_mixed"))
        if problems:
            raise ValidationError(problems)

    def get_help_text(self) -> str:
        policy = self._settings()
        text = f"At least {policy.password_min_length} characters"
        return text + (", with letters and digits." if policy.password_require_mixed else ".")
