"""What the access app does when something it depends on changes elsewhere."""

from typing import Any

from django.dispatch import receiver

from forecourt.accounts.signals import user_deactivated

from . import credentials


@receiver(user_deactivated, dispatch_uid="access.revoke_credentials_of_deactivated_user")
def revoke_credentials_of_deactivated_user(sender: Any, user: Any, actor: Any, **kwargs: Any) -> None:
    credentials.revoke_all_of(user, actor, note=f"credential revoked: its owner {user} was deactivated")
