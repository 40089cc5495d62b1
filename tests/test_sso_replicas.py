"""Two `forecourt serve` replicas sharing one database sign the same user in through OpenID Connect,
alternately and crosswise: the sign-in starts on one replica (state, nonce and PKCE verifier in the
session) and the IdP's callback lands on the other, behind one public name as behind a load balancer.
One account, one linked identity, and the teams the user's IdP groups map to, whichever replica answered;
a group change at the IdP moves the user at their next sign-in. The client secret is in neither log.
Run on PostgreSQL by the suite's PostgreSQL run (and on each engine the suite runs)."""

import json
import subprocess
import sys
from http.cookies import SimpleCookie

import httpx
import pytest

from .idp.oidc_fixture import oidc_idp
from .support import servers

__all__ = ["oidc_idp"]
pytestmark = pytest.mark.server

PUBLIC = "http://portal.example.com"
HOST = {"Host": "portal.example.com"}
SECRET = "replica-test-client-secret-0f3a9c"
START = "/tib/auth/corp/openid-connect"

SETUP = """
import json, sys
import django
django.setup()
from forecourt.accounts import services
from forecourt.accounts.models import Organisation, Team
from forecourt.sso.models import SsoProfile
discovery, secret = sys.argv[1], sys.argv[2]
services.ensure_default_organisation()
org = Organisation.objects.create(name="Payments Inc")
Team.objects.create(organisation=org, name="Default Team", is_default=True)
devs = Team.objects.create(organisation=org, name="Payments developers")
reviewers = Team.objects.create(organisation=org, name="Payments reviewers")
SsoProfile.objects.create(key="corp", name="Corporate sign-in", oidc_discovery_url=discovery,
                          oidc_client_id="portal", oidc_client_secret=secret, group_field="groups",
                          group_team_mapping={"devs": str(devs.pk), "reviewers": str(reviewers.pk)})
print(json.dumps({"devs": devs.pk, "reviewers": reviewers.pk}))
"""

READ = """
import json
import django
django.setup()
from forecourt.accounts.models import User
from forecourt.sso.models import SsoIdentity
users = User.objects.filter(email="dana@corp.example")
print(json.dumps({"users": users.count(), "identities": SsoIdentity.objects.count(),
                  "teams": sorted(t.pk for u in users for t in u.teams.all())}))
"""


def python(env: dict[str, str], code: str, *args: str, cwd) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], env={**env, "DJANGO_SETTINGS_MODULE":
                                                                   "forecourt.settings"},
                          cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


class Browser:
    """Just enough of a browser: the portal's cookies sent to whichever replica a request goes to."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def get(self, server: servers.Server, path: str, **params: str) -> httpx.Response:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = httpx.get(server.url + path, params=params, timeout=servers.HTTP_TIMEOUT,
                             headers={**HOST, **({"Cookie": cookie} if cookie else {})})
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response


def sign_in(browser: Browser, idp, first: servers.Server, second: servers.Server) -> httpx.Response:
    started = browser.get(first, START, next="/my-account")
    assert started.status_code == 302, started.text[:1000]
    callback = httpx.URL(idp.sign_in(started.headers["location"], "dana"))
    assert f"{callback.scheme}://{callback.host}" == PUBLIC
    return browser.get(second, callback.path, **dict(callback.params))


def test_two_replicas_sign_one_user_in_alternately_with_one_account_and_the_right_teams(
        migrated_env, start_server, tmp_path, oidc_idp):
    env = {**migrated_env, "PORTAL_PUBLIC_URL": PUBLIC}
    teams = python(env, SETUP, oidc_idp.discovery_url, SECRET, cwd=tmp_path)
    oidc_idp.add_client("portal", SECRET, [f"{PUBLIC}{START}/callback"])
    dana = {"sub": "idp-dana", "email": "dana@corp.example", "name": "Dana Developer", "groups": ["devs"]}
    oidc_idp.set_users({"dana": dana})
    a, b = start_server(env), start_server(env)
    a.wait_for("/ready", 200)
    b.wait_for("/ready", 200)

    for round_, (first, second) in enumerate([(a, b), (b, a), (a, b)]):
        if round_ == 2:  # the IdP moves Dana to another group: the next sign-in moves her team
            oidc_idp.set_users({"dana": {**dana, "groups": ["reviewers"]}})
        browser = Browser()
        landed = sign_in(browser, oidc_idp, first, second)
        assert landed.status_code == 302, landed.text[:2000]
        assert landed.headers["location"] == "/my-account"
        # Signed in on both replicas: the session is the database's.
        for server in (a, b):
            page = browser.get(server, "/my-account")
            assert page.status_code == 200 and "dana@corp.example" in page.text
        state = python(env, READ, cwd=tmp_path)
        assert (state["users"], state["identities"]) == (1, 1)
        expected = teams["reviewers"] if round_ == 2 else teams["devs"]
        assert expected in state["teams"]
        if round_ == 2:
            assert teams["devs"] not in state["teams"]

    for server in (a, b):
        log = server.log()
        assert SECRET not in log and "Traceback" not in log
