"""`forecourt verify`: the guide's post-upgrade checks as one command, against a running portal.

Each check is a function returning a Check with a detail line and one of four statuses:

- PASS: checked, and it works;
- FAIL: checked, and it does not work;
- SKIP ("not checked"): the thing exists but this run did not check it (a consumer sign-in with
  no consumer account to sign in as, when the temporary consumer is refused). The command's
  exit status says so (forecourt.cli.upgrade: EXIT_NOT_CHECKED), because an operator reading the summary
  must not take an unchecked guide step for a passed one;
- NA (shown "N/A", "not applicable"): the thing does not exist on this portal (no provider configured), so
  there is nothing to check and nothing missed.

The checks:

- admin-portal: /live, /ready and the Admin Portal's sign-in page answer, and the server runs
  this version;
- admin-sign-in / consumer-sign-in: an admin (a consumer) can use the portal signed in. Nobody's
  password is known, so the command mints a short-lived session for the account straight in the
  session store (exactly what a successful sign-in produces, without the sign-in's side effects:
  no last-login update, no audit entry), requests the Admin Portal's dashboard (the Live
  Portal's developer dashboard) with it, and deletes it: the check leaves no trace. It proves
  the account is active and usable, that the server reads the same database and instance
  secret, and that sessions, middleware and the page work end to end. A portal without a
  consumer who can sign in (none yet, or only invited ones) is checked with a temporary
  consumer (lifecycle.throwaway) deleted right after, unless the operator refuses it (SKIP);
- providers: every provider synchronises through forecourt.providers.registry (a failed sync,
  or policies it had to skip, is a FAIL with the reasons); NA without providers;
- catalogue: the Live Portal's catalogue shows every product a visitor should see (published,
  in a public catalogue, not hidden by a sync); with none, its first page must still answer;
- theme: every template of the active theme renders (forecourt.themes.validate);
- log: `forecourt serve` logged no WARN or ERROR since it started (forecourt.ops.startlog), run
  last so that it also catches what the other checks caused on the server.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import AnonymousUser

import forecourt
from forecourt.accounts.models import ADMIN_ROLES, Role, User
from forecourt.catalog.services import CATALOGUE_PAGE_SIZE, visible_products
from forecourt.configuration import Config
from forecourt.ops import secret, startlog
from forecourt.providers import registry
from forecourt.providers.models import Provider
from forecourt.themes import storage
from forecourt.themes.validate import validate

from . import throwaway

PASS, FAIL, SKIP, NA = "PASS", "FAIL", "SKIP", "N/A"
# How the summary names each status, in the order it counts them.
COUNTED = ((PASS, "passed"), (SKIP, "not checked"), (NA, "not applicable"), (FAIL, "failed"))
TIMEOUT = 10.0
SESSION_SECONDS = 120


@dataclass
class Check:
    name: str
    status: str
    detail: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Target:
    """The portal to verify: its address, and this process's view of its configuration."""

    url: str
    config: Config
    admin_email: str | None = None
    consumer_email: str | None = None
    throwaway_consumer: bool = True  # check with a temporary consumer when no consumer can sign in

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=TIMEOUT, follow_redirects=False, verify=self.verify_tls, **kwargs)

    @property
    def verify_tls(self) -> bool:
        """The certificate a portal serves (TLSConfig) names its public host, not the loopback address
        `verify` reaches it at by default; on loopback nobody can stand in between, so the name is not
        checked there. Any other https URL is verified as usual."""
        host = urlsplit(self.url).hostname or ""
        return not (self.url.startswith("https://") and host in ("127.0.0.1", "::1", "localhost"))


def default_url(config: Config) -> str:
    address = config.listen_address
    host = "127.0.0.1" if address in ("", "0.0.0.0", "::") else address  # noqa: S104 - comparing, not binding
    if ":" in host:
        host = f"[{host}]"
    scheme = "https" if config.tls_config_enable else "http"  # TLS served directly: the port speaks only https
    return f"{scheme}://{host}:{config.host_port}"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# -- Admin Portal reachable ----------------------------------------------------------------------

def check_admin_portal(target: Target) -> Check:
    try:
        live = target.get("/live")
        ready = target.get("/ready")
        sign_in = target.get("/portal-admin/sign-in/")
    except httpx.HTTPError as exc:
        return Check("admin-portal", FAIL, f"{target.url} does not answer: {_one_line(exc)}")
    problems = []
    if live.status_code != 200:
        problems.append(f"/live answered {live.status_code}")
    version = None
    if ready.status_code != 200:
        problems.append(f"/ready answered {ready.status_code}: {ready.text[:200]}")
    else:
        version = ready.json().get("version")
        if version != forecourt.__version__:
            problems.append(f"the server runs Forecourt {version}, this command is {forecourt.__version__}")
    if sign_in.status_code != 200 or 'name="password"' not in sign_in.text:
        problems.append(f"/portal-admin/sign-in/ answered {sign_in.status_code} without a sign-in form")
    if problems:
        return Check("admin-portal", FAIL, "; ".join(problems), {"version": version})
    return Check("admin-portal", PASS, f"/live, /ready and the Admin Portal's sign-in page answer "
                                       f"(Forecourt {version})", {"version": version})


# -- signing in without a password ----------------------------------------------------------------

def _session_store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


def _mint_session(user: Any) -> Any:
    """A session such as django.contrib.auth.login() makes, without its signal (no last-login
    update) and short-lived; saved, so the server finds it."""
    secret.activate()  # the session hash is keyed with the instance secret the server uses
    store = _session_store()()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["_last_activity"] = int(time.time())  # so the idle-timeout middleware has nothing to write
    store.set_expiry(SESSION_SECONDS)
    store.create()
    return store


def _signed_in_get(target: Target, user: Any, path: str) -> httpx.Response:
    store = _mint_session(user)
    try:
        return target.get(path, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}"})
    finally:
        store.delete()


def _usable(user: Any) -> str:
    """"" when the account may sign in, else why not."""
    if not ModelBackend().user_can_authenticate(user):
        return f"{user.email} is deactivated"
    if not user.has_usable_password():
        return f"{user.email} has no usable password"
    return ""


def check_admin_sign_in(target: Target) -> Check:
    admins = User.objects.filter(role__in=ADMIN_ROLES)
    if target.admin_email:
        user = admins.filter(email__iexact=target.admin_email).first()
        if user is None:
            return Check("admin-sign-in", FAIL, f"there is no admin {target.admin_email}")
    else:
        usable = admins.filter(is_active=True).exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        user = (usable.filter(role=Role.SUPER_ADMIN).order_by("pk").first() or usable.order_by("pk").first())
        if user is None:
            return Check("admin-sign-in", FAIL, "there is no active admin: run `forecourt bootstrap`")
    why_not = _usable(user)
    if why_not:
        return Check("admin-sign-in", FAIL, why_not, {"user": user.email})
    try:
        response = _signed_in_get(target, user, "/portal-admin/")
    except httpx.HTTPError as exc:
        return Check("admin-sign-in", FAIL, f"the Admin Portal does not answer: {_one_line(exc)}")
    if response.status_code != 200 or "Sign out" not in response.text:
        where = response.headers.get("location", "")
        return Check("admin-sign-in", FAIL, f"signed in as {user.email}, the Admin Portal's dashboard answered "
                     f"{response.status_code}{' to ' + where if where else ''}", {"user": user.email})
    return Check("admin-sign-in", PASS, f"{user.email} can sign in: the Admin Portal's dashboard answers "
                 "their session", {"user": user.email})


NO_CONSUMER = "no active consumer account with a password to sign in as"


def check_consumer_sign_in(target: Target) -> Check:
    consumers = User.objects.exclude(role__in=ADMIN_ROLES)
    if target.consumer_email:
        user = consumers.filter(email__iexact=target.consumer_email).first()
        if user is None:
            return Check("consumer-sign-in", FAIL, f"there is no consumer {target.consumer_email}")
    else:
        # Invited consumers who have not chosen a password yet cannot sign in by design: not a failure,
        # but not a check of the sign-in either; a temporary consumer stands in for them.
        user = (consumers.filter(is_active=True).exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
                .order_by("pk").first())
        if user is None:
            return _check_with_a_temporary_consumer(target)
    why_not = _usable(user)
    if why_not:
        return Check("consumer-sign-in", FAIL, why_not, {"user": user.email})
    return _check_live_dashboard(target, user, user.email, {"user": user.email})


def _check_with_a_temporary_consumer(target: Target) -> Check:
    """The Live Portal's sign-in exists on every portal, with or without consumers: without one to
    sign in as, a temporary consumer (lifecycle.throwaway) is, and is deleted; refused, the check is
    not made, and says so (SKIP)."""
    if not target.throwaway_consumer:
        return Check("consumer-sign-in", SKIP, f"{NO_CONSUMER}, and --no-throwaway-consumer refused a temporary "
                     "one: name one with --consumer EMAIL")
    try:
        with throwaway.temporary_consumer() as user:
            check = _check_live_dashboard(target, user, "a temporary consumer", {"temporary": True})
    except throwaway.ThrowawayError as exc:
        return Check("consumer-sign-in", FAIL, f"{NO_CONSUMER}: {exc}", {"temporary": True})
    if check.status == PASS:
        check.detail += f" ({NO_CONSUMER}; the temporary consumer and its session were deleted)"
    return check


def _check_live_dashboard(target: Target, user: Any, who: str, data: dict[str, Any]) -> Check:
    try:
        response = _signed_in_get(target, user, "/dashboard")
    except httpx.HTTPError as exc:
        return Check("consumer-sign-in", FAIL, f"the Live Portal does not answer: {_one_line(exc)}", data)
    if response.status_code != 200:
        where = response.headers.get("location", "")
        return Check("consumer-sign-in", FAIL, f"signed in as {who}, the Live Portal's dashboard answered "
                     f"{response.status_code}{' to ' + where if where else ''}", data)
    return Check("consumer-sign-in", PASS, f"{who} can sign in: the Live Portal's dashboard answers "
                 "their session", data)


# -- providers ---------------------------------------------------------------------------------------

def check_providers(target: Target) -> Check:
    providers = list(Provider.objects.order_by("name"))
    if not providers:
        return Check("providers", NA, "no provider is configured: there is nothing to synchronise")
    failures: list[str] = []
    results: list[dict[str, Any]] = []
    for provider in providers:
        try:
            report = registry.client_for(provider).sync()
        except Exception as exc:  # down, refusing, already syncing, no integration...
            failures.append(f"{provider.name}: {_one_line(exc)}")
            results.append({"provider": provider.name, "error": _one_line(exc)})
            continue
        problems = list(getattr(report, "problems", []) or [])
        results.append({"provider": provider.name, "writes": getattr(report, "writes", None), "problems": problems})
        if problems:
            listed = "; ".join(f"policy {p.get('name') or p.get('policy')}: {p.get('reason')}" for p in problems[:5])
            failures.append(f"{provider.name}: the sync skipped {len(problems)} policy(ies) ({listed})")
    if failures:
        return Check("providers", FAIL, " | ".join(failures), {"providers": results})
    names = ", ".join(p.name for p in providers)
    return Check("providers", PASS, f"{len(providers)} provider(s) synchronised without a problem: {names}",
                 {"providers": results})


# -- catalogue ---------------------------------------------------------------------------------------

_TAGS = re.compile(r"<[^>]+>")


def check_catalogue(target: Target) -> Check:
    expected = list(visible_products(AnonymousUser()).order_by("display_name").values_list("display_name", flat=True))
    text = ""
    try:
        # Without a product to look for the catalogue still exists: its first page must answer.
        for page in range(1, max(1, -(-len(expected) // CATALOGUE_PAGE_SIZE)) + 1):
            response = target.get("/catalogue-products" + (f"?page={page}" if page > 1 else ""))
            if response.status_code != 200:
                return Check("catalogue", FAIL, f"the catalogue page {page} answered {response.status_code}")
            text += html.unescape(_TAGS.sub(" ", response.text))
    except httpx.HTTPError as exc:
        return Check("catalogue", FAIL, f"the Live Portal does not answer: {_one_line(exc)}")
    if not expected:
        return Check("catalogue", PASS, "the catalogue answers; no product is published in a public catalogue, "
                     "so none is looked for", {"products": []})
    seen = " ".join(text.split())
    missing = [name for name in expected if " ".join(name.split()) not in seen]
    if missing:
        return Check("catalogue", FAIL, f"{len(missing)} of {len(expected)} published product(s) are not shown: "
                     + ", ".join(missing[:10]), {"missing": missing})
    return Check("catalogue", PASS, f"the catalogue shows all {len(expected)} published product(s)",
                 {"products": expected})


# -- theme -------------------------------------------------------------------------------------------

def check_theme(target: Target) -> Check:
    name = storage.configured_active()
    try:
        source = storage.source(name)
    except Exception as exc:
        return Check("theme", FAIL, f"the active theme {name!r} cannot be read: {_one_line(exc)}")
    if source is None:
        return Check("theme", FAIL, f"the active theme {name!r} does not exist: the Live Portal uses the default")
    problems = [str(p) for p in validate(source)]
    if problems:
        return Check("theme", FAIL, f"the active theme {name!r}: {len(problems)} template error(s): "
                     + "; ".join(problems[:5]), {"theme": name, "problems": problems})
    templates = sum(1 for p in source.paths() if p.endswith((".html", ".txt")))
    return Check("theme", PASS, f"every template of the active theme {name!r} {source.manifest.version} renders",
                 {"theme": name, "templates": templates})


# -- the log since start-up ----------------------------------------------------------------------------

def check_log(target: Target) -> Check:
    port = urlsplit(target.url).port or target.config.host_port
    path = startlog.path_for(target.config.data_dir, port)
    try:
        header, records = startlog.read(path)
    except (OSError, ValueError) as exc:
        return Check("log", FAIL, f"no record of the log since start-up ({_one_line(exc)}): is the portal on port "
                     f"{port} started by `forecourt serve` with this DataDir?")
    since = f"since start-up at {header['started_at']} (Forecourt {header.get('version')})"
    if records:
        shown = "; ".join(f"{r.get('level')} {r.get('logger')}: {r.get('message')}" for r in records[:5])
        return Check("log", FAIL, f"{len(records)} WARN/ERROR record(s) {since}: {shown}",
                     {"path": str(path), "records": records[:50]})
    return Check("log", PASS, f"no WARN or ERROR {since}", {"path": str(path)})


CHECKS: tuple[Callable[[Target], Check], ...] = (
    check_admin_portal, check_admin_sign_in, check_consumer_sign_in, check_providers, check_catalogue,
    check_theme, check_log,
)


def run(target: Target) -> list[Check]:
    """Every check in order; one that crashes is a FAIL with its error, and the others still run."""
    results = []
    for check in CHECKS:
        name = check.__name__.removeprefix("check_").replace("_", "-")
        try:
            results.append(check(target))
        except Exception as exc:
            results.append(Check(name, FAIL, f"the check failed: {_one_line(exc)}"))
    return results


def counts(results: list[Check]) -> dict[str, int]:
    """{"passed": n, "not_checked": n, "not_applicable": n, "failed": n}: `--json`'s summary."""
    return {label.replace(" ", "_"): sum(1 for r in results if r.status == status) for status, label in COUNTED}


def summary(results: list[Check]) -> str:
    """"5 passed, 1 not checked, 1 not applicable, 0 failed": each status counted apart, so that a
    check that did not run never reads as one that passed."""
    return ", ".join(f"{sum(1 for r in results if r.status == status)} {label}" for status, label in COUNTED)
