"""SAML sign-in across two `forecourt serve` replicas sharing one database: the sign-in starts on one and
the IdP's answer lands on the other (as behind a load balancer), alternately, for the same user: one
account, its mapped team kept, and an answer replayed to the other replica refused.

What makes this work is that nothing of a sign-in lives in a process: the outstanding request is in the
session (the database) and the signed RelayState, the used assertions in `UsedAssertion`.
"""

import json
import re
import subprocess
import sys
from html import unescape

import httpx
import pytest

from .idp.saml_fixture import saml_idp  # noqa: F401 - the fixture
from .support import servers

pytestmark = pytest.mark.server

PUBLIC = "http://portal.example.com"
SETUP = """
import django, json, sys
django.setup()
from forecourt.accounts.models import Organisation, Team
from forecourt.sso.models import SsoProfile
team = Team.objects.create(organisation=Organisation.objects.create(name="Acme"), name="Developers")
SsoProfile.objects.create(key="corp", name="Corp SAML", protocol="saml", saml_metadata_url=sys.argv[1],
                          group_field="groups", group_team_mapping={"dev": str(team.pk)})
print(team.pk)
"""
STATE = """
import django, json
django.setup()
from forecourt.accounts.models import User
from forecourt.sso.models import SsoIdentity, UsedAssertion
print(json.dumps({"users": [[u.email, sorted(t.pk for t in u.teams.all())] for u in User.objects.all()],
                  "links": SsoIdentity.objects.count(), "used": UsedAssertion.objects.count()}))
"""


def django_run(code: str, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args],
                          env={**env, "DJANGO_SETTINGS_MODULE": "forecourt.settings"},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


class Browser:
    """One browser, its session cookie kept by hand: every replica is reached as portal.example.com."""

    def __init__(self, cookie_name: str) -> None:
        self.cookie_name = cookie_name
        self.session = ""

    def request(self, server: servers.Server, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"Host": "portal.example.com"}
        if self.session:
            headers["Cookie"] = f"{self.cookie_name}={self.session}"
        response = httpx.request(method, server.url + path, headers=headers, timeout=60, **kwargs)  # type: ignore[arg-type]
        found = re.search(rf"{self.cookie_name}=([^;]*)", response.headers.get("set-cookie", ""))
        if found:
            self.session = found.group(1)
        return response


def sign_in(browser: Browser, start_on: servers.Server, answer_to: servers.Server, idp) -> tuple[httpx.Response, dict]:
    start = browser.request(start_on, "GET", "/tib/auth/corp/saml")
    assert start.status_code == 302, start.text[:500]
    page = httpx.get(start.headers["location"], timeout=60)
    key = re.search(r'name="key" value="([^"]+)"', page.text).group(1)
    posted = httpx.post(f"{idp.url}/sso/login", data={"key": key, "username": "ada"}, timeout=60)
    fields = {k: unescape(v) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', posted.text)}
    assert unescape(re.search(r'action="([^"]+)"', posted.text).group(1)) == f"{PUBLIC}/tib/auth/corp/saml/callback"
    # the browser's same-site repetition of the IdP's post (live/sso/bounce.py), to the other replica
    landed = browser.request(answer_to, "POST", "/tib/auth/corp/saml/callback",
                             data={**fields, "_sso_bounced": "1"})
    return landed, fields


def test_a_sign_in_started_on_one_replica_finishes_on_the_other(migrated_env, start_server, tmp_path, saml_idp):  # noqa: F811
    env = {**migrated_env, "PORTAL_PUBLIC_URL": PUBLIC}
    team = int(django_run(SETUP, env, saml_idp.metadata_url))
    a, b = start_server(env), start_server(env)
    a.wait_for("/ready", 200)
    b.wait_for("/ready", 200)
    cookie_name = "portal-session"
    saml_idp.trust_sp(Browser(cookie_name).request(a, "GET", "/tib/auth/corp/saml/metadata").text)
    saml_idp.users({"ada": {"email": ["ada@corp.example"], "groups": ["dev"]}})

    first = Browser(cookie_name)
    landed, fields = sign_in(first, a, b, saml_idp)
    assert landed.status_code == 302, landed.text[:800]
    assert first.request(a, "GET", "/my-account").status_code == 200  # the session, on the other replica

    second = Browser(cookie_name)
    landed, _ = sign_in(second, b, a, saml_idp)
    assert landed.status_code == 302, landed.text[:800]
    assert second.request(b, "GET", "/my-account").status_code == 200

    # the first answer again, from the browser that got it, to the replica that did not see it
    replayed = first.request(a, "POST", "/tib/auth/corp/saml/callback", data={**fields, "_sso_bounced": "1"})
    assert replayed.status_code == 403 and "used already" in replayed.text

    state = json.loads(django_run(STATE, env))
    assert state == {"users": [["ada@corp.example", [team]]], "links": 1, "used": 2}
    for server in (a, b):
        assert "Traceback" not in server.log() and fields["SAMLResponse"][:200] not in server.log()
