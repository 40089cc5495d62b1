"""The instance secret: Django's SECRET_KEY when PORTAL_SESSION_KEY is not configured."""

import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from .models import InstanceSecret

NAME = InstanceSecret.SECRET_KEY


def load_or_create(name: str = NAME, generate: Callable[[], str] = lambda: secrets.token_urlsafe(50)) -> str:
    """Return the stored secret `name`, creating it if this is the first process to need one.

    Safe when several processes race: the unique name lets exactly one insert win and the
    others read the winner's value.
    """
    existing = InstanceSecret.objects.filter(name=name).values_list("value", flat=True).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            InstanceSecret.objects.create(name=name, value=generate())
    except IntegrityError:
        pass
    return InstanceSecret.objects.values_list("value", flat=True).get(name=name)


def is_active() -> bool:
    try:
        return bool(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django refuses to hand out an empty SECRET_KEY
        return False


def activate() -> None:
    """Make SECRET_KEY usable in this process (idempotent)."""
    if not is_active():
        settings.SECRET_KEY = load_or_create()
