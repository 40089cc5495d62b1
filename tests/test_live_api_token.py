"""A consumer's portal API token on My account (/my-account/api-token): created and shown once,
its prefix and last use shown after, replaced, revoked; the Admin API still refuses it; the
token is in no later page and no log line."""

import ast
import logging
import re
from pathlib import Path

import pytest
from django.test import Client

from forecourt.accounts import tokens
from forecourt.accounts.models import ApiToken, User
from forecourt.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

PAGE = "/my-account/api-token"
SRC = Path(__file__).resolve().parent.parent / "src" / "forecourt"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create(client: Client) -> str:
    response = client.post(PAGE, {"action": "create"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    shown = re.search(r'data-testid="new-token">([^<]+)<', response.content.decode())
    assert shown, response.content.decode()
    return shown.group(1)


def test_a_consumer_creates_sees_replaces_and_revokes_their_token(consumer, caplog, django_assert_max_num_queries):
    caplog.set_level(logging.DEBUG)
    client = signed_in(consumer)
    with django_assert_max_num_queries(14):  # a signed-in page's (session, user, theme, menus...) and the token
        first = client.get(PAGE)
    assert first.status_code == 200 and "You have no API token." in first.content.decode()
    assert "http://testserver/mcp" in first.content.decode()

    token = create(client)
    assert tokens.owner(token) == consumer
    page = client.get(PAGE).content.decode()
    assert token not in page and token[:8] in page  # the prefix, never the token
    assert "last used" in page  # owner() just recorded a use
    account = client.get("/my-account").content.decode()
    assert token not in account and token[:8] in account and PAGE in account

    replacement = create(client)
    assert replacement != token
    assert tokens.owner(token) is None and tokens.owner(replacement) == consumer
    assert ApiToken.objects.filter(user=consumer).count() == 1

    revoked = client.post(PAGE, {"action": "revoke"}, follow=True)
    assert "no longer works" in revoked.content.decode() and "You have no API token." in revoked.content.decode()
    assert tokens.owner(replacement) is None
    assert not ApiToken.objects.filter(user=consumer).exists()
    # Each change is in the audit log, by the user, without the token.
    entries = list(AuditEntry.objects.filter(object_id=str(consumer.pk)).order_by("pk").values_list("note", "actor_id"))
    assert entries == [("API token rotated", consumer.pk)] * 2 + [("API token revoked", consumer.pk)]
    assert not AuditEntry.objects.filter(changes__icontains=token[8:]).exists()

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in logged and replacement not in logged


def test_an_unknown_action_changes_nothing(consumer):
    client = signed_in(consumer)
    token = create(client)
    response = client.post(PAGE, {"action": "drop tables"}, follow=True)
    assert "Unknown action." in response.content.decode()
    assert tokens.owner(token) == consumer


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/auth/password/login")
    assert client.post(PAGE, {"action": "create"}).status_code in (302, 403)
    assert not ApiToken.objects.exists()


def test_one_users_token_page_never_touches_anothers(consumer, admin):
    admin_token = tokens.rotate(admin)
    client = signed_in(consumer)
    create(client)
    client.post(PAGE, {"action": "revoke"})
    assert tokens.owner(admin_token) == admin


def test_the_admin_api_still_refuses_a_consumers_token(consumer):
    token = create(signed_in(consumer))
    for header in (token, f"Bearer {token}"):
        response = Client().get("/portal-api/users", HTTP_AUTHORIZATION=header)
        assert response.status_code == 403, response.content


def test_an_inactive_users_token_opens_nothing(consumer):
    token = create(signed_in(consumer))
    consumer.is_active = False
    consumer.save()
    assert tokens.owner(token) is None


def test_the_mcp_sdk_is_imported_only_by_the_mcp_endpoint():
    """Other pages do not pay for the SDK's import (seconds): what Django's URLconf loads at a worker's
    first request imports neither the SDK nor the modules over it at module level."""
    for module in ("urls.py", "mcp/views.py"):
        tree = ast.parse((SRC / module).read_text())
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = {a.name for n in top if isinstance(n, ast.Import) for a in n.names}
        names |= {f"{n.module or ''}.{a.name}" if n.level else (n.module or "") for n in top
                  if isinstance(n, ast.ImportFrom) for a in n.names}
        heavy = {n for n in names if n.split(".")[0] in ("mcp", "starlette", "anyio")
                 or n.endswith((".server", ".bridge"))}
        assert not heavy, (module, heavy)
