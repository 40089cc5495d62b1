"""Issue 14, item 1: a consumer's Tyk API key is read by its owner once, and nowhere else.

A key's whole life (provisioning with the Dashboard refusing the first tries, the owner's one
reveal, a plan change, rotation, revocation) runs against the Tyk Dashboard simulator with every
logger at DEBUG, configured by the real forecourt.logconfig into files (SQL statements included).
At each step the test looks for every key issued so far in: every column of every table, the log
files, the Admin Portal's pages (as a provider-admin and as a super-admin), the Admin API's
answers about apps, access requests and credentials, and the owner's Live Portal pages. The
only place a key may appear is the answer to its owner's reveal.

Also here: the redaction filter itself, on httpx's real log line and on every shape of secret
it knows, and the data migration that takes keys out of `provider_reference`.
"""

import json
import logging
import logging.config

import httpx
import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from forecourt import logconfig, redaction
from forecourt.access import credentials
from forecourt.access import services as access
from forecourt.access.models import AccessRequest, Credential
from forecourt.accounts import tokens
from forecourt.accounts.models import Role, User
from forecourt.catalog.models import Plan, Product
from forecourt.jobs import queue
from forecourt.jobs.models import Job
from forecourt.providers import sync
from forecourt.providers.models import Provider

from . import factories
from .support import tyk
from .support.tyk import ORG_ID, SECRET, tyk_dashboard

__all__ = ["tyk_dashboard"]

KEYS_API = "/api/keys"


# -- logging as the real processes configure it, into files ----------------------------------------

@pytest.fixture
def debug_logs(tmp_path, monkeypatch):
    """forecourt.logconfig's configuration at DEBUG (JSON lines), every logger at DEBUG, the
    console written to a file and the problem log (WARNING and worse) to another; SQL logged.
    Answers a function that reads both files."""
    console, problems = tmp_path / "console.jsonl", tmp_path / "problems.jsonl"
    monkeypatch.setenv("FORECOURT_PROBLEM_LOG", str(problems))
    config = logconfig.dict_config("debug", "prod", sql=True)
    handler = {k: v for k, v in config["handlers"]["console"].items() if k != "stream"}
    config["handlers"]["console"] = {**handler, "class": "logging.FileHandler", "filename": str(console)}
    for settings in config["loggers"].values():
        settings["level"] = "DEBUG"
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, {name: logging.getLogger(name).level for name in config["loggers"]})
    logging.config.dictConfig(config)
    connection.force_debug_cursor = True  # django.db.backends logs every statement with its values
    try:
        yield lambda: "".join(path.read_text() for path in (console, problems) if path.exists())
    finally:
        connection.force_debug_cursor = False
        for handler in root.handlers:
            handler.close()
        root.handlers[:], level, levels = saved
        root.setLevel(level)
        for name, value in levels.items():
            logging.getLogger(name).setLevel(value)


# -- where a key must not be -------------------------------------------------------------------------

def database_dump() -> str:
    """Every column of every table, as text."""
    lines = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our own tables
            for row in cursor.fetchall():
                lines.append(f"{table}: " + " | ".join(
                    bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v) for v in row))
    return "\n".join(lines)


class Readers:
    """Everyone who may look at the credential and is not its owner's one reveal."""

    def __init__(self, super_admin: User, app_id: int, owner: User) -> None:
        provider_admin = factories.consumer(role=Role.PROVIDER_ADMIN)
        self.admins = {who.role: who for who in (super_admin, provider_admin)}
        self.app_id, self.owner = app_id, owner

    def pages(self) -> dict[str, str]:
        found: dict[str, str] = {}
        request_ids = list(AccessRequest.objects.filter(app_id=self.app_id).values_list("pk", flat=True))
        for role, user in self.admins.items():
            portal = Client()
            portal.force_login(user)
            paths = [f"/portal-admin/access-requests/{pk}/" for pk in request_ids]
            paths += ["/portal-admin/access-requests/", "/portal-admin/credentials/", "/portal-admin/apps/",
                      f"/portal-admin/apps/{self.app_id}/", "/portal-admin/audit-log/", "/portal-admin/jobs/"]
            for path in paths:
                response = portal.get(path)
                assert response.status_code in (200, 404), (role, path, response.status_code)
                found[f"{role} {path}"] = response.content.decode()
            token = tokens.issue(user)
            api = Client(headers={"Authorization": token})
            paths = ["/apps", f"/apps/{self.app_id}", f"/apps/{self.app_id}/credentials",
                     f"/apps/{self.app_id}/access-requests", "/access_requests"]
            for pk in request_ids:
                paths += [f"/access_requests/{pk}", f"/apps/{self.app_id}/access-requests/{pk}",
                          f"/apps/{self.app_id}/access-requests/{pk}/credentials"]
            for path in paths:
                response = api.get(f"/portal-api{path}")
                assert response.status_code in (200, 404), (role, path, response.status_code)
                found[f"{role} API {path}"] = response.content.decode()
        live = Client()
        live.force_login(self.owner)
        for path in ("/dashboard", "/apps", f"/apps/{self.app_id}"):
            found[f"owner {path}"] = live.get(path).content.decode()
        return found


def exposures(keys: list[str], logs, readers: Readers | None) -> list[str]:
    """Where any of `keys` can be read (an empty list: nowhere); the pages only with `readers`
    (they cost most, so the test reads them where the credential's state shows differently)."""
    places = {"database": database_dump(), "logs": logs(), **(readers.pages() if readers else {})}
    return [f"{place}: …{key[-4:]}" for place, body in places.items() for key in keys if key in body]


def run_due_jobs() -> None:
    """Run every due job, as the worker would, failures included; e-mails are not under test."""
    Job.objects.filter(name__startswith="notify.").delete()
    while queue.run_next("test") is not None:
        pass


def retry_now() -> None:
    Job.objects.filter(status=Job.Status.QUEUED).update(run_at=timezone.now())


def dashboard_message(text: str) -> str:
    """An error body as the Dashboard writes it (contracts/tyk: ApiResponse)."""
    return json.dumps({"Status": "Error", "Message": text, "Meta": None})


@pytest.fixture
def provider(tyk_dashboard):
    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID,
                                       policy_tags=["portal"])
    sync.sync(provider)
    return provider


def approved(provider, admin):
    product = Product.objects.get(provider=provider, name="Payments Product")
    product.published = True
    product.save()
    plans = [Plan.objects.get(provider=provider, name=name) for name in ("Free Plan", "Pro Plan")]
    owner = factories.consumer()
    request = access.submit_request(factories.app(owner), factories.catalogue([product], plans), plans[0], [product],
                                    owner)
    return access.approve(request, admin), plans


# -- the whole life of a key ------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_key_is_readable_only_in_its_owners_one_reveal(provider, admin, tyk_dashboard, debug_logs):
    request, (_free, pro) = approved(provider, admin)
    readers = Readers(admin, request.app_id, request.app.owner)

    # Provisioning: the Dashboard refuses the first try (the GET that looks for the key)...
    tyk_dashboard.fail("status", path=KEYS_API, method="GET", times=1, status=400)
    run_due_jobs()
    credential = Credential.objects.get(access_request=request)
    first_key = credential.secret
    assert credential.status == "pending" and len(first_key) == 32
    request.refresh_from_db()
    assert f"(credential #{credential.pk}) was refused (400)" in request.provisioning_error
    assert exposures([first_key], debug_logs, readers) == []

    # ... then answers 500 once (retried at once) and refuses the creation, naming the key as Tyk does.
    tyk_dashboard.fail("status", path=KEYS_API, method="GET", times=1, status=500)
    tyk_dashboard.fail("status", path=KEYS_API, method="POST", times=1, status=403, body=dashboard_message(
        f"access denied: You do not have permission to access  {KEYS_API}/{first_key}"))
    retry_now()
    run_due_jobs()
    request.refresh_from_db()
    assert "refused the API key (403)" in request.provisioning_error
    assert exposures([first_key], debug_logs, None) == []

    retry_now()
    run_due_jobs()
    credential.refresh_from_db()
    request.refresh_from_db()
    assert (credential.status, request.provisioning) == ("active", "done")
    assert first_key in tyk_dashboard.keys and credential.provider_reference in tyk_dashboard.hashed_keys
    assert exposures([first_key], debug_logs, readers) == []

    # The owner's one reveal is the one place the key is read.
    owner = Client()
    owner.force_login(request.app.owner)
    shown = owner.post(f"/apps/{request.app_id}/credentials/{credential.pk}/reveal")
    assert shown.status_code == 200 and first_key in shown.content.decode()
    assert exposures([first_key], debug_logs, None) == []

    # A plan change, then a rotation whose first tries are refused.
    credentials.change_plan(request, pro, admin)
    run_due_jobs()
    assert tyk_dashboard.hashed_keys[credential.provider_reference]["apply_policies"][-1] == pro.reference_id
    new = credentials.rotate(credential, admin)
    second_key = new.secret
    tyk_dashboard.fail("status", path=KEYS_API, method="POST", times=1, status=400)
    run_due_jobs()
    new.refresh_from_db()
    assert new.status == "pending"
    assert exposures([first_key, second_key], debug_logs, readers) == []
    tyk_dashboard.fail("status", path=KEYS_API, method="DELETE", times=1, status=400)
    retry_now()
    run_due_jobs()  # the new key is made; removing the old one is refused once
    assert Job.objects.get(name="access.revoke").status == Job.Status.QUEUED
    retry_now()
    run_due_jobs()
    new.refresh_from_db()
    credential.refresh_from_db()
    assert (new.status, credential.status) == ("active", "revoked")
    assert set(tyk_dashboard.keys) == {second_key}
    assert exposures([first_key, second_key], debug_logs, None) == []

    # Revocation.
    credentials.revoke(new, admin)
    run_due_jobs()
    assert tyk_dashboard.keys == {} and Credential.objects.get(pk=new.pk).status == "revoked"
    assert exposures([first_key, second_key], debug_logs, readers) == []
    assert not Job.objects.exclude(status=Job.Status.DONE).exclude(name__startswith="notify.").exists()

    # The logs did say what happened, naming the credential instead of the key.
    logs = debug_logs()
    assert f"(credential #{credential.pk})" in logs and "HTTP Request: POST" in logs
    assert f"{KEYS_API}/[redacted]" in logs and "access_credential" in logs  # httpx's lines; SQL
    assert SECRET not in logs  # nor the Dashboard's own API key


@pytest.mark.django_db
def test_with_a_dashboard_that_hashes_no_keys_the_key_stays_encrypted_and_works(provider, admin, tyk_dashboard,
                                                                                debug_logs, monkeypatch):
    """Tyk with key hashing off answers an empty `key_hash`: the key is its only address, kept
    encrypted in `gateway_key` for the credential's whole life, and carried encrypted by the job
    that revokes it after its app (and the row) is gone."""
    real = tyk_dashboard._key_data
    monkeypatch.setattr(tyk_dashboard, "_key_data", lambda key_id: {**real(key_id), "key_hash": ""})
    request, (_free, pro) = approved(provider, admin)
    readers = Readers(admin, request.app_id, request.app.owner)
    run_due_jobs()
    credential = Credential.objects.get(access_request=request)
    key = credential.secret
    assert credential.status == "active" and not credential.provider_data.get("hashed")
    assert credential.gateway_key == key and credential.provider_reference.startswith("portal-")
    with connection.cursor() as cursor:
        cursor.execute("SELECT gateway_key FROM access_credential WHERE id = %s", [credential.pk])
        assert cursor.fetchone()[0].startswith("fc1:")  # encrypted at rest
    owner = Client()
    owner.force_login(request.app.owner)
    assert key in owner.post(f"/apps/{request.app_id}/credentials/{credential.pk}/reveal").content.decode()

    credentials.change_plan(request, pro, admin)
    run_due_jobs()
    assert tyk_dashboard.keys[key]["apply_policies"][-1] == pro.reference_id
    assert exposures([key], debug_logs, readers) == []

    credentials.delete_app(request.app, admin)
    (job,) = Job.objects.filter(name="access.revoke")
    assert key not in json.dumps(job.payload) and job.payload["ref"]["gateway_key"].startswith("fc1:")
    run_due_jobs()
    assert tyk_dashboard.keys == {} and Job.objects.get(pk=job.pk).status == Job.Status.DONE
    assert key not in database_dump() and key not in debug_logs()


@pytest.mark.django_db
@pytest.mark.parametrize("product", ["Payments Product", "Accounts Product"])  # a key; an OAuth 2.0 client
def test_the_work_registers_its_secrets_while_it_calls_the_dashboard(provider, admin, tyk_dashboard, monkeypatch,
                                                                      product):
    """What a log line written during a Dashboard call cannot carry, whatever its shape: the key
    (or client secret) being provisioned, revoked or updated, and the Dashboard's own API key."""
    from forecourt.access import reveal
    from forecourt.providers.tyk import client

    seen: list[tuple[str, str, set[str]]] = []
    real = client.TykDashboard.request

    def request(self, method, path, **kwargs):
        seen.append((method, path, set(redaction.registered())))
        return real(self, method, path, **kwargs)

    monkeypatch.setattr(client.TykDashboard, "request", request)
    item = Product.objects.get(provider=provider, name=product)
    item.published = True
    item.save()
    plan = Plan.objects.get(provider=provider, name="Free Plan")
    owner = factories.consumer()
    request_ = access.submit_request(factories.app(owner), factories.catalogue([item], [plan]), plan, [item], owner)
    access.approve(request_, admin)
    run_due_jobs()
    credential = Credential.objects.get(access_request=request_, status="active")
    secret = credential.secret
    credentials.revoke(credential, admin)
    run_due_jobs()
    assert seen and all(SECRET in registered for _, _, registered in seen)
    gateway_calls = [(m, p, r) for m, p, r in seen if p.startswith((KEYS_API, "/api/apis/oauth/"))]
    assert {m for m, _, _ in gateway_calls} >= {"GET", "POST", "DELETE"}
    if credential.type == Credential.Type.KEY:
        # The ID in each path (the key while its hash is unknown, then the hash) is registered.
        assert all(p.rsplit("/", 1)[1] in registered for _, p, registered in gateway_calls)
        assert [m for m, p, _ in gateway_calls if p == f"{KEYS_API}/{secret}"] == ["GET", "POST"]
    else:
        assert all(secret in registered for m, _, registered in gateway_calls if m == "POST")

    shown = reveal.reveal_once(Credential.objects.create(
        app=credential.app, access_request=request_, provider=provider, provider_reference="portal-x",
        status="active", secret="the-secret-being-shown").pk, owner, lambda c, s: set(redaction.registered()))
    assert shown == {"the-secret-being-shown"} and redaction.registered() == ()


# -- the redaction filter ---------------------------------------------------------------------------

class Lines(logging.Handler):
    """The lines a handler of forecourt.logconfig writes: its filter, its formatter (dev or prod)."""

    def __init__(self, fmt: str = "dev") -> None:
        from pythonjsonlogger.json import JsonFormatter

        super().__init__()
        self.addFilter(logconfig.RedactSecrets())
        json_lines = JsonFormatter("%(levelname)s %(name)s %(message)s")
        self.setFormatter(logconfig.DevFormatter() if fmt == "dev" else json_lines)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def lines():
    handler = Lines()
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def test_httpx_request_lines_lose_the_key_in_the_url(lines):
    key = "0f65287b1c2d3e4f5a6b7c8d9e0f1a2b"
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with httpx.Client(base_url="http://dashboard.example:3000", transport=transport) as client:
        client.post(f"{KEYS_API}/{key}", json={})
        client.get(f"{KEYS_API}/{key}", params={"hashed": "true", "api_token": "tok-123456789"})
    assert 'HTTP Request: POST http://dashboard.example:3000/api/keys/[redacted] "HTTP/1.1 200 OK"' in lines.text
    assert "hashed=true&api_token=[redacted]" in lines.text
    assert key not in lines.text and "tok-123456789" not in lines.text


def test_registered_secrets_go_from_the_message_its_args_its_fields_and_its_exception(lines):
    secret = "s3cret-value-of-the-work"
    log = logging.getLogger("forecourt.test")
    with redaction.secrets_in_use(secret):
        log.warning("made %s for %s", secret, "someone", extra={"detail": {"value": secret}})
        try:
            raise ValueError(f"bad {secret}")
        except ValueError:
            log.exception("failed")
    log.warning("after the work: %s", secret)  # no longer registered, and no secret shape
    assert secret not in "\n".join(lines.lines[:-1])
    assert "made [redacted] for someone  detail={'value': '[redacted]'}" in lines.text
    assert "ValueError: bad [redacted]" in lines.text
    assert lines.lines[-1].endswith(f"after the work: {secret}")


@pytest.mark.parametrize(("line", "hidden"), [
    ("headers {'Authorization': 'tyk-dashboard-key-1'}", "tyk-dashboard-key-1"),
    ("Authorization: Bearer abcdefgh12345678", "abcdefgh12345678"),
    ("sent bearer abcdefgh12345678 upstream", "abcdefgh12345678"),
    ("GET /api/keys/5e9d9544a1dcd60001d0ed20e7f75f9e?hashed=1", "5e9d9544a1dcd60001d0ed20e7f75f9e"),
    ("GET https://h/x?api_token=t0ken-value&p=1", "t0ken-value"),
    ("GET https://h/x?p=1&access_token=t0ken-value", "t0ken-value"),
    ("SQL: SET secret = 'fc1:" + Fernet(Fernet.generate_key()).encrypt(b"k").decode() + "'", "gAAAAA"),
    ("connecting to postgres://forecourt:pa55word@db:5432/portal", "pa55word"),
    ("connecting to mysql://root:pa55word@127.0.0.1/portal", "pa55word"),
])
def test_secret_shapes_are_redacted(lines, line, hidden):
    logging.getLogger("anything.third.party").info("%s", line)
    assert hidden not in lines.text and redaction.REDACTED in lines.text


def test_a_line_without_secrets_is_left_as_it_was(lines):
    logging.getLogger("forecourt.test").info("job %s #%d done in %s", "access.revoke", 12, "0.5s",
                                            extra={"credential": 7})
    (line,) = lines.lines
    assert line.endswith("forecourt.test  job access.revoke #12 done in 0.5s  credential=7")


def test_the_json_format_is_redacted_too():
    handler = Lines("prod")
    log = logging.getLogger("forecourt.test.json")
    log.addHandler(handler)
    log.propagate = False
    try:
        with redaction.secrets_in_use("the-registered-secret"):
            try:
                raise RuntimeError("POST /api/keys/abcdef0123456789 the-registered-secret")
            except RuntimeError:
                log.exception("x %s", "the-registered-secret", extra={"field": "the-registered-secret"})
    finally:
        log.removeHandler(handler)
        log.propagate = True
    (line,) = handler.lines
    entry = json.loads(line)
    assert "the-registered-secret" not in line and "abcdef0123456789" not in line
    assert entry["message"] == "x [redacted]" and entry["field"] == "[redacted]"
    assert "RuntimeError: POST /api/keys/[redacted] [redacted]" in entry["exc_info"]


def test_every_root_handler_of_every_process_filters(monkeypatch, tmp_path):
    """The configuration the CLI, the job worker and granian's workers load puts the filter on
    every handler of the root logger, the problem log's included."""
    monkeypatch.setenv("FORECOURT_PROBLEM_LOG", str(tmp_path / "problems.jsonl"))
    for fmt in ("dev", "prod"):
        config = logconfig.dict_config("debug", fmt)
        assert config["filters"]["redact"] == {"()": "forecourt.logconfig.RedactSecrets"}
        assert set(config["root"]["handlers"]) == {"console", "problems"}
        assert all(config["handlers"][name]["filters"] == ["redact"] for name in config["root"]["handlers"])


def test_dashboard_errors_name_the_credential_not_the_key():
    """The messages that end up in the database (a job's last_error, a request's provisioning
    error) and on pages: the client names a key's path by what the caller shows, or masks it."""
    from forecourt.providers.tyk.client import Refused, TykDashboard

    key = "0f65287b1c2d3e4f5a6b7c8d9e0f1a2b"
    answer = dashboard_message(f"access denied: You do not have permission to access  {KEYS_API}/{key}")
    transport = httpx.MockTransport(lambda request: httpx.Response(403 if request.method == "POST" else 400,
                                                                   text=answer))
    with TykDashboard("http://dashboard.example", "dashboard-secret", transport=transport) as dashboard:
        with pytest.raises(Refused) as refused:
            dashboard.request("POST", f"{KEYS_API}/{key}", body={})
        with pytest.raises(Refused) as shown:
            dashboard.request("GET", f"{KEYS_API}/{key}", shown=f"{KEYS_API}/(credential #4)")
    assert key not in str(refused.value) and f"{KEYS_API}/[redacted]" in str(refused.value)
    assert str(shown.value).startswith(f"GET {KEYS_API}/(credential #4) was refused (400)")
    assert key not in str(shown.value)


# -- the migration -----------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_raw_keys_out_of_references_and_back(admin, tyk_dashboard):
    """Rows written by 0.5.0 (a key whose hash is unknown is its own reference; its revocation job
    carries it) are moved to `gateway_key` and keep working at the gateway; the reverse puts
    them back where 0.5.0 looks."""
    provider = Provider.objects.create(name="Dashboard", url=tyk_dashboard.url, secret=SECRET, org_id=ORG_ID)
    request = factories.pending_request()
    legacy_key, revoking_key = "a" * 24 + "legacy01", "b" * 24 + "revoke01"
    with tyk.client(tyk_dashboard) as http:
        for key in (legacy_key, revoking_key):
            assert http.post(f"{KEYS_API}/{key}", json={"apply_policies": []}).status_code == 200

    def old_row(reference, **fields):
        fields.setdefault("status", "active")
        return Credential.objects.create(app=request.app, access_request=request, provider=provider,
                                         provider_reference=reference, secret_hint=reference[-4:], **fields)

    legacy = old_row(legacy_key)
    hashed = old_row("41c5cb1e", provider_data={"hashed": True})
    oauth = old_row("client-id-1", type=Credential.Type.OAUTH2_CLIENT, provider_data={"api_id": "a"})
    revoking = old_row(revoking_key, status="revoking")
    job = queue.enqueue("access.revoke", {"ref": {"credential_id": revoking.pk, "provider_id": provider.pk,
                                                  "type": "key", "reference": revoking_key, "data": {}}})

    def references():
        return dict(Credential.objects.order_by("pk").values_list("pk", "provider_reference"))

    try:
        call_command("migrate", "access", "0006", verbosity=0)
        call_command("migrate", verbosity=0)  # every app: going back unapplied those built on access (usage)
        after = references()
        assert after[hashed.pk] == "41c5cb1e" and after[oauth.pk] == "client-id-1"
        for row, key in ((legacy, legacy_key), (revoking, revoking_key)):
            assert after[row.pk].startswith("portal-")
            assert Credential.objects.get(pk=row.pk).gateway_key == key
        payload = Job.objects.get(pk=job.pk).payload
        assert payload["ref"]["reference"] == after[revoking.pk]
        assert payload["ref"]["gateway_key"].startswith("fc1:")
        assert legacy_key not in database_dump() and revoking_key not in database_dump()

        call_command("migrate", "access", "0006", verbosity=0)
        back = references()
        assert (back[legacy.pk], back[revoking.pk], back[hashed.pk]) == (legacy_key, revoking_key, "41c5cb1e")
        assert Job.objects.get(pk=job.pk).payload == {"ref": {
            "credential_id": revoking.pk, "provider_id": provider.pk, "type": "key", "reference": revoking_key,
            "data": {}}}
    finally:
        call_command("migrate", verbosity=0)

    # Migrated forward again, the old rows still reach their keys at the gateway.
    credentials.revoke(Credential.objects.get(pk=legacy.pk), admin)
    run_due_jobs()
    assert set(tyk_dashboard.keys) == set()
    assert set(Credential.objects.filter(pk__in=[legacy.pk, revoking.pk]).values_list("status", flat=True)) == {
        "revoked"}
