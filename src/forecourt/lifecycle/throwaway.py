"""A temporary consumer for `forecourt verify`'s consumer-sign-in check, and its removal.

A portal before its first consumer (or with invited consumers only) still has the Live Portal
sign-in every consumer will use; the upgrade guide asks that it works. Without an account to
sign in as, verify makes one for the length of one request and deletes it.

What keeps it harmless:
- nobody can use it: its password is unusable (Django's "!" + random, which no password matches),
  so neither the sign-in form nor any other password check accepts it, and its address is under
  `.invalid` (RFC 2606: never delivered), so no reset or activation link can reach anyone. The
  only way in is the session verify mints for itself, which is deleted after its one request,
  and whose key is never printed;
- it sees nothing of anyone else: a consumer team member of no organisation, so no team's apps,
  requests or credentials are shown to it, and it appears in no team of anyone's;
- it leaves no trace: it is written straight with the ORM, not through accounts.services, so its
  creation sends no e-mail, queues no job, fires no webhook and writes no audit entry; deleting it
  removes the row and what cascades from it (nothing but what Django made with it). Creation runs
  in one transaction: if it fails, nothing was written. tests/test_verify.py counts the rows of
  every table before and after.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from forecourt.accounts.models import Role, User

DOMAIN = "verify.invalid"
FIRST_NAME = "forecourt verify"


class ThrowawayError(Exception):
    """The temporary consumer could not be made, or could not be deleted: the message says which."""


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _create() -> Any:
    user = User(email=f"temporary-{secrets.token_hex(8)}@{DOMAIN}", first_name=FIRST_NAME,
                role=Role.CONSUMER_TEAM_MEMBER, is_active=True)
    user.set_unusable_password()
    with transaction.atomic():
        user.save()
    return user


def _delete(user: Any) -> None:
    with transaction.atomic():
        user.delete()


@contextmanager
def temporary_consumer() -> Iterator[Any]:
    """An active consumer that exists inside the block only. ThrowawayError when it cannot be made
    (nothing is left) or cannot be deleted (its address is in the message, to delete it by hand)."""
    try:
        user = _create()
    except Exception as exc:
        raise ThrowawayError(f"a temporary consumer could not be created: {_one_line(exc)}") from exc
    try:
        yield user
    finally:
        email = user.email
        try:
            _delete(user)
        except Exception as exc:
            raise ThrowawayError(f"the temporary consumer {email} could not be deleted ({_one_line(exc)}): "
                                 "delete it in the Admin Portal's Users") from exc
