"""Saving and deleting SSO profiles, for both admin interfaces (forecourt.resources.definitions names
these as the profile resource's saver and deleter; forecourt.resources.writes audits around them)."""

from typing import Any

from django.db import transaction

from forecourt.accounts.models import User
from forecourt.audit import services as audit
from forecourt.wording import counted

from .models import SsoIdentity, SsoProfile


def save(form: Any, actor: User | None) -> SsoProfile:
    """Save a valid SsoProfileForm, recording who changed it last (Tyk's `UpdatedBy`; empty when no
    admin did: `forecourt apply` from the command line)."""
    profile: SsoProfile = form.save(commit=False)
    profile.updated_by = actor.email if actor is not None else ""
    profile.save()
    return profile


def delete(profile: SsoProfile, actor: User) -> None:
    """Delete a profile and the identities linked through it (their accounts stay, and sign in another
    way). The audit log says how many links went with it: those users can no longer sign in through it."""
    with transaction.atomic():
        linked = SsoIdentity.objects.filter(profile=profile).count()
        if linked:
            audit.record(actor, "other", profile, note=f"deleted with {counted(linked, 'linked account')}")
        profile.delete()
