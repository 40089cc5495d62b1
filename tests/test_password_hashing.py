"""Stored password hashes move to the portal's hasher (Argon2id, accounts/hashers.py) as their owners sign in.

The other tests hash with MD5 (conftest); these run with the production PASSWORD_HASHERS. An account whose
hash an earlier hasher made (Django's PBKDF2 before 0.8.0, or Argon2 at Django's own parameters) signs in
with it, on either portal, and leaves with an Argon2id hash at OWASP's parameters; a wrong password changes
nothing.
"""

import pytest
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
    PBKDF2SHA1PasswordHasher,
    get_hasher,
    make_password,
)
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from forecourt import settings as production
from forecourt.accounts import signup
from forecourt.accounts.hashers import OwaspArgon2idPasswordHasher
from forecourt.accounts.models import User

from . import factories
from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

EARLIER = {"pbkdf2_sha256": PBKDF2PasswordHasher, "pbkdf2_sha1": PBKDF2SHA1PasswordHasher,
           "argon2_django_defaults": Argon2PasswordHasher}
PORTALS = {  # sign-in page, its form's fields, a page only a signed-in user of that portal sees
    "live": ("/auth/password/login", "email", "live:my_account"),
    "admin": ("/portal-admin/sign-in/", "username", "adminportal:dashboard"),
}


@pytest.fixture(autouse=True)
def _production_hashers(settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS


def is_current(encoded: str) -> bool:
    """Made by the portal's hasher with its present parameters (what Django checks before rehashing)."""
    return (type(get_hasher()) is OwaspArgon2idPasswordHasher and encoded.startswith("argon2$argon2id$")
            and not get_hasher().must_update(encoded))


def with_hash(user: User, hasher: type) -> User:
    user.password = make_password(PASSWORD, hasher=hasher())
    user.save(update_fields=["password"])
    assert not is_current(user.password)
    return user


@pytest.mark.parametrize("portal", PORTALS)
@pytest.mark.parametrize("earlier", EARLIER)
def test_an_earlier_hash_becomes_argon2id_when_its_owner_signs_in(client, admin, consumer, portal, earlier):
    sign_in, field, private_page = PORTALS[portal]
    user = with_hash(admin if portal == "admin" else consumer, EARLIER[earlier])
    before = user.password

    assert client.post(sign_in, {field: user.email, "password": "wrong-password"}).status_code in (200, 400)
    user.refresh_from_db()
    assert user.password == before  # a wrong password changes nothing

    response = client.post(sign_in, {field: user.email, "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert is_current(user.password) and user.check_password(PASSWORD)
    assert client.get(reverse(private_page)).status_code == 200  # the session made at sign-in holds the new hash


def test_a_waiting_accounts_activation_link_survives_its_right_password_at_sign_in(client):
    """The activation link is bound to the stored hash: telling a waiting account's owner why they cannot
    sign in yet must not rehash it, or the link e-mailed before the upgrade would stop working."""
    waiting = with_hash(factories.consumer(is_active=False), PBKDF2PasswordHasher)
    before = waiting.password
    link = reverse("live:activate", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(waiting.pk)),
                                            "token": signup.activation_tokens.make_token(waiting)})

    told = client.post(PORTALS["live"][0], {"email": waiting.email, "password": PASSWORD})
    assert told.status_code == 403 and "waiting for" in told.content.decode()
    waiting.refresh_from_db()
    assert waiting.password == before

    assert client.post(link).status_code == 302
    waiting.refresh_from_db()
    assert waiting.is_active
    # Its first real sign-in rehashes it.
    client.logout()
    assert client.post(PORTALS["live"][0], {"email": waiting.email, "password": PASSWORD}).status_code == 302
    waiting.refresh_from_db()
    assert is_current(waiting.password)
