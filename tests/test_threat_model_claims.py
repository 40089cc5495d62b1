"""Claims of THREAT_MODEL.md that no other test checked: each test here fails if its claim stops being true."""

import dataclasses
import json
import os
import subprocess
import sys

import pytest
from django.conf import global_settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.utils.module_loading import import_string

from forecourt import configuration
from forecourt.accounts import services
from forecourt.accounts.models import User
from forecourt.audit.models import AuditEntry
from forecourt.ops import crypto
from forecourt.ops.models import InstanceSecret

from .conftest import PASSWORD


def production_setting(name: str, tmp_path) -> object:
    """A setting as `forecourt.settings` derives it in a fresh process (the tests override some)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "TYK_PORTAL_"))}
    env["PORTAL_DATADIR"] = str(tmp_path)
    code = (f"import json, forecourt.settings as s; from django.conf import global_settings as g; "
            f"print(json.dumps(getattr(s, {name!r}, getattr(g, {name!r}))))")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_passwords_are_hashed_with_argon2id(db, settings, tmp_path):
    """The tests hash with MD5 for speed (conftest); the portal itself hashes new passwords with Argon2id at
    the OWASP Password Storage Cheat Sheet's parameters, and still accepts the hashes of Django's defaults
    (each rehashed at its next check: test_password_hashing)."""
    hashers = production_setting("PASSWORD_HASHERS", tmp_path)
    assert hashers[0] == "forecourt.accounts.hashers.OwaspArgon2idPasswordHasher"
    assert hashers[1:] == list(global_settings.PASSWORD_HASHERS)  # every hash Django made before still verifies
    settings.PASSWORD_HASHERS = hashers
    user = services.bootstrap("root@example.com", PASSWORD).user
    stored = User.objects.get(pk=user.pk).password
    assert PASSWORD not in stored
    decoded = identify_hasher(stored).decode(stored)
    assert (decoded["algorithm"], decoded["variety"]) == ("argon2", "argon2id")
    # OWASP: m=19 MiB, t=2, p=1.
    assert (decoded["memory_cost"], decoded["time_cost"], decoded["parallelism"]) == (19 * 1024, 2, 1)
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)

    for path in hashers[1:]:
        earlier = import_string(path)()
        try:
            encoded = make_password(PASSWORD, hasher=earlier)
        except ValueError:  # its library is not installed (bcrypt, which Forecourt never required)
            continue
        rehashed: list[str] = []
        assert check_password(PASSWORD, encoded, setter=rehashed.append), path
        assert rehashed == [PASSWORD], f"{path}: not rehashed with the first hasher"
        assert not check_password("wrong-password", encoded), path


def test_session_key_setting_is_the_signing_secret(tmp_path):
    """With Session.Key set, SECRET_KEY is that value from the start (no per-process random one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "TYK_PORTAL_"))}
    env.update(PORTAL_DATADIR=str(tmp_path), PORTAL_SESSION_KEY="operator-chosen-signing-secret-0123456789")
    code = "import forecourt.settings as s; print(s.SECRET_KEY)"
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.stdout.strip() == "operator-chosen-signing-secret-0123456789", done.stderr
    # Unset, nothing random is made up per process: SECRET_KEY stays empty until loaded from the database.
    del env["PORTAL_SESSION_KEY"]
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.stdout.strip() == "", done.stderr


def test_without_an_encryption_key_one_is_generated_once_and_kept(db):
    config = configuration.get()
    try:
        configuration.reset(dataclasses.replace(config, encryption_key=""))
        InstanceSecret.objects.filter(name=InstanceSecret.ENCRYPTION_KEY).delete()
        crypto.reset()
        token = crypto.encrypt("hunter2")
        [stored] = InstanceSecret.objects.filter(name=InstanceSecret.ENCRYPTION_KEY).values_list("value", flat=True)
        crypto.reset()  # as another process would start: it reads the same key
        assert crypto.decrypt(token) == "hunter2"
        crypto.encrypt("again")
        assert list(InstanceSecret.objects.filter(name=InstanceSecret.ENCRYPTION_KEY).values_list(
            "value", flat=True)) == [stored]  # generated once
    finally:
        configuration.reset(config)
        crypto.reset()


@pytest.mark.parametrize("path", ["/", "/catalogue-products", "/auth/password/login", "/portal-admin/sign-in/",
                                  "/portal-api/docs"])
def test_pages_cannot_be_framed(client, db, path):
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_password_hashes_never_reach_the_audit_log(api, admin):
    """Users made and changed through the Admin API are audited with every field but the password."""
    organisation, _ = services.ensure_default_organisation()
    created = api("post", "/users", {"Email": "someone@example.com", "First": "Some", "Last": "One",
                                      "Role": "consumer-admin", "OrganisationID": organisation.pk})
    assert created.status_code in (200, 201), created.content
    user = User.objects.get(email="someone@example.com")
    user.set_password("another-strong-password-1")
    user.save()
    assert api("put", f"/users/{user.pk}", {"First": "Somebody"}).status_code == 200
    entries = list(AuditEntry.objects.filter(object_type="accounts.user"))
    assert entries
    for entry in entries:
        text = json.dumps(entry.changes)
        assert '"password"' not in text and user.password not in text and admin.password not in text
