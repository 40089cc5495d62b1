"""The container and Kubernetes files, checked without a container engine or a cluster (none runs here).

What is checked: every file the Dockerfile copies exists and is not excluded by .dockerignore; the image
runs as a non-root user, exposes 3001, keeps state in /data and serves by default; its HEALTHCHECK
command, run for real, passes against a running `forecourt serve` and fails where nothing listens;
docker-compose.yaml and .env.example name only real settings with usable values; the Helm chart, rendered
by tests/support/gotemplate.py (strict: a value a template reads must be in values.yaml), gives valid
YAML, valid for Kubernetes' own schemas, with the probes, security context, volumes and Secrets promised in
docs/install.md; the documents link what exists.
"""

import fnmatch
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

import forecourt
from forecourt import configuration
from forecourt.configuration import dsn
from forecourt.configuration.spec import BY_ENV, SETTINGS

from .support import servers
from .support.gotemplate import Chart, Fail

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "deploy" / "helm" / "forecourt"


# --- Dockerfile ---------------------------------------------------------------------------------------

def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for instruction in dockerfile():
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def ignored(path: str) -> bool:
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith("#")]
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    verdict = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        variants = {pattern, pattern.replace("**/", "")} if pattern.startswith("**/") else {pattern}
        if any(fnmatch.fnmatch(prefix, v) or ("/" not in v and fnmatch.fnmatch(prefix.rsplit("/", 1)[-1], v))
               for prefix in prefixes for v in variants):
            verdict = not negate
    return verdict


def test_every_file_the_dockerfile_copies_exists_and_reaches_the_build_context():
    copies = [args for word, args in dockerfile() if word == "COPY" and "--from=" not in args]
    assert copies
    for args in copies:
        *sources, _dest = args.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file"
            assert not ignored(source), f"COPY {source}: excluded by .dockerignore"
    # What the wheel build reads: pyproject's readme and setup.py's CHANGELOG.md are among them.
    copied = {s for args in copies for s in args.split()[:-1]}
    assert {"pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "CHANGELOG.md", "src"} <= copied


def test_dockerignore_keeps_local_state_out_of_the_image():
    for path in (".venv/bin/python", "data/portal.db", ".git/HEAD", "tests/test_x.py", "dist/x.whl",
                 "src/forecourt/__pycache__/cli.cpython-311.pyc", "portal.conf", ".env"):
        assert ignored(path), path
    assert not ignored("src/forecourt/cli.py")


def test_image_is_multi_stage_non_root_with_data_volume_port_and_serve():
    build, runtime = stages()[0], stages()[-1]
    assert len(stages()) >= 2
    assert any("build-essential" in args for _, args in build)
    assert not any("build-essential" in args for _, args in runtime)  # no compiler in the runtime image
    final = dict(runtime)
    user = final["USER"].split(":")[0]
    assert user == "${UID}" and ("ARG", "UID=10001") in runtime  # a numeric uid, so runAsNonRoot can check it
    assert final["EXPOSE"] == "3001"
    assert json.loads(final["VOLUME"]) == ["/data"]
    assert json.loads(final["ENTRYPOINT"]) == ["forecourt"] and json.loads(final["CMD"]) == ["serve"]
    env = final["ENV"]
    for name, value in re.findall(r"(PORTAL_\w+)=(\S+)", env):
        assert name[len("PORTAL_"):] in BY_ENV, name
        BY_ENV[name[len("PORTAL_"):]].parse(value)
    assert "PORTAL_DATADIR=/data" in env


def healthcheck() -> list[str]:
    args = dict(stages()[-1])["HEALTHCHECK"]
    command = json.loads(args[args.index("CMD") + 3:].strip())
    assert command[0] == "python"
    return [sys.executable, *command[1:]]


@pytest.mark.one_engine
def test_healthcheck_passes_on_a_live_server_and_fails_without_one(migrated_env, start_server):
    command = healthcheck()
    server = start_server(migrated_env)
    server.wait_for("/live", 200)
    assert subprocess.run(command, env={"PORTAL_HOSTPORT": str(server.port)}, capture_output=True,
                          check=False, timeout=30).returncode == 0
    nobody = servers.free_port()
    assert subprocess.run(command, env={"PORTAL_HOSTPORT": str(nobody)}, capture_output=True,
                          check=False, timeout=30).returncode != 0


@pytest.mark.one_engine
@pytest.mark.server
def test_healthcheck_speaks_https_when_the_container_serves_tls(migrated_env, start_server, tmp_path):
    from .test_tls import make_certificate, tls_env

    tls = tls_env(*make_certificate(tmp_path))
    server = start_server({**migrated_env, **tls})
    command = healthcheck()
    env = {"PORTAL_HOSTPORT": str(server.port), "PORTAL_TLS_ENABLE": "true"}
    deadline = 60
    while subprocess.run(command, env=env, capture_output=True, check=False, timeout=30).returncode != 0:
        deadline -= 1
        assert deadline and server.proc.poll() is None, server.log()
        time.sleep(0.5)
    # Plain HTTP to the TLS port fails: the check follows PORTAL_TLS_ENABLE, it does not guess.
    assert subprocess.run(command, env={"PORTAL_HOSTPORT": str(server.port)}, capture_output=True,
                          check=False, timeout=30).returncode != 0


# --- docker compose and .env.example ----------------------------------------------------------------

def env_example() -> tuple[dict[str, str], dict[str, str]]:
    """(assignments, commented-out assignments) of .env.example."""
    active, commented = {}, {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            (commented if match.group(1) else active)[match.group(2)] = match.group(3)
    return active, commented


def test_env_example_lists_every_setting_with_values_forecourt_accepts(tmp_path):
    active, commented = env_example()
    named = {n for n in {**active, **commented} if n.startswith("PORTAL_")}
    assert {f"PORTAL_{s.env}" for s in SETTINGS} <= named
    for name in named:
        assert name[len("PORTAL_"):] in BY_ENV, f"{name} is not a setting"
    # As written, and with every commented example switched on, the values load without a warning.
    for environ in ({k: v for k, v in active.items() if k.startswith("PORTAL_")},
                    {k: v for k, v in {**commented, **active}.items() if k.startswith("PORTAL_")}):
        environ = {k: v.replace("@postgres:", "@127.0.0.1:") for k, v in environ.items()}
        config = configuration.load(environ=environ, cwd=tmp_path)
        assert config.warnings == []


def test_compose_runs_forecourt_on_postgres_with_a_data_volume():
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    app, db = compose["services"]["forecourt"], compose["services"]["postgres"]
    assert app["build"] == "." and app["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert any(str(p).endswith(":3001") for p in app["ports"])
    assert any(str(v).endswith(":/data") for v in app["volumes"])
    assert app["read_only"] is True and app["tmpfs"] == ["/tmp"]  # noqa: S108
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    active, _ = env_example()
    for name, value in app["environment"].items():
        assert name[len("PORTAL_"):] in BY_ENV
        # ${VAR:-default}: the default that applies with .env.example as it is.
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: active[m.group(1)], value)
        resolved = re.sub(r"^\$\{\w+:-(.*)\}$", r"\1", resolved)
        app["environment"][name] = resolved
    assert app["environment"]["PORTAL_DATABASE_DIALECT"] == "postgres"
    database = dsn.database("postgres", app["environment"]["PORTAL_DATABASE_CONNECTIONSTRING"], "/data")
    assert (database["HOST"], database["NAME"], database["USER"]) == ("postgres", "portal",
                                                                       db["environment"]["POSTGRES_USER"])


# --- Helm chart -----------------------------------------------------------------------------------------

# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest schema at hand.
KUBERNETES = ("1.25.0", kubernetes_validate.latest_version())


def render(values=None) -> dict[tuple[str, str], dict]:
    """{(kind, name): resource} of the chart rendered with `values`. Every document must be YAML and valid
    for Kubernetes' own OpenAPI schemas (strict: an unknown or misspelt field fails)."""
    chart = Chart(CHART)
    # Helm checks the merged values against values.schema.json before it renders anything.
    jsonschema.validate(chart.values(values), json.loads((CHART / "values.schema.json").read_text()))
    resources = {}
    for name, text in chart.render(values).items():
        if name.endswith(".txt"):
            continue
        for document in yaml.safe_load_all(text):
            if document:
                for version in KUBERNETES:
                    kubernetes_validate.validate(document, version, strict=True)
                resources[(document["kind"], document["metadata"]["name"])] = document
    return resources


def deployment(resources):
    return next(r for (kind, _), r in resources.items() if kind == "Deployment")


def test_chart_metadata_follows_the_release():
    meta = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert meta["apiVersion"] == "v2" and meta["appVersion"] == forecourt.__version__
    assert meta["kubeVersion"] == f">={KUBERNETES[0]}-0"


def test_schema_validation_catches_a_misspelt_field():
    """The schemas used above do reject what a cluster would (here: a probe's misspelt `path`)."""
    document = yaml.safe_load(Chart(CHART).render()["deployment.yaml"])
    document["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["pth"] = "/live"
    with pytest.raises(kubernetes_validate.ValidationError, match="pth"):
        kubernetes_validate.validate(document, KUBERNETES[0], strict=True)


def test_chart_defaults_render_a_restricted_single_replica_sqlite_portal():
    resources = render()
    assert {kind for kind, _ in resources} == {"Deployment", "Service", "ConfigMap", "Secret", "PersistentVolumeClaim"}
    pod = deployment(resources)["spec"]["template"]["spec"]
    assert deployment(resources)["spec"]["replicas"] == 1
    assert deployment(resources)["spec"]["strategy"] == {"type": "Recreate"}
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert pod["automountServiceAccountToken"] is False
    (app,) = pod["containers"]
    for container in [app, *pod["initContainers"]]:
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/data", "/tmp"}  # noqa: S108
    assert [c["args"] for c in pod["initContainers"]] == [["migrate"]]
    assert app["args"] == ["serve"]
    assert app["ports"] == [{"name": "http", "containerPort": 3001, "protocol": "TCP"}]
    assert app["startupProbe"]["httpGet"]["path"] == "/live"
    assert app["livenessProbe"]["httpGet"]["path"] == "/live"
    assert app["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert "initialDelaySeconds" not in app["livenessProbe"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["tmp"] == {"name": "tmp", "emptyDir": {}}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] in {name for _, name in resources}
    service = next(r for (kind, _), r in resources.items() if kind == "Service")
    assert service["spec"]["ports"][0]["port"] == 3001 and service["spec"]["ports"][0]["targetPort"] == "http"
    assert service["spec"]["selector"] == deployment(resources)["spec"]["selector"]["matchLabels"]
    # The environment comes from the chart's own ConfigMap and Secret, naming only real settings.
    refs = {(("ConfigMap" if "configMapRef" in e else "Secret"), (e.get("configMapRef") or e["secretRef"])["name"])
            for e in app["envFrom"]}
    assert refs <= set(resources)
    config = next(r for (kind, _), r in resources.items() if kind == "ConfigMap")["data"]
    for name in config:
        assert name[len("PORTAL_"):] in BY_ENV, name
    assert configuration.load(environ=dict(config), cwd=CHART).warnings == []
    assert config["PORTAL_DATADIR"] == "/data" and config["PORTAL_HOSTPORT"] == "3001"


def test_chart_for_external_postgres_with_replicas_and_a_first_admin_from_a_secret():
    dsn_text = "postgres://portal:s3cret@db.example.svc:5432/portal?sslmode=require"
    resources = render({"replicaCount": 3, "database": {"dialect": "postgres", "connectionString": dsn_text},
                        "admin": {"enabled": True, "email": "admin@example.com", "existingSecret": "portal-admin",
                                  "passwordKey": "pw"},
                        "secrets": {"SESSION_KEY": "k" * 50}, "persistence": {"enabled": False}})
    spec = deployment(resources)["spec"]
    # Rolling: no old pod stops before a new one is ready (what tests/test_rolling_upgrade.py rehearses).
    assert spec["replicas"] == 3
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    assert spec["template"]["spec"]["containers"][0]["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "5"]
    stop_first = deployment(render({"replicaCount": 2, "database": {"dialect": "postgres"},
                                    "upgradeStrategy": "Recreate", "persistence": {"enabled": False}}))["spec"]
    assert stop_first["strategy"] == {"type": "Recreate"}
    pod = spec["template"]["spec"]
    migrate, bootstrap = pod["initContainers"]
    assert migrate["args"] == ["migrate"]
    assert bootstrap["args"] == ["bootstrap", "--email", "admin@example.com", "--password-file",
                                 "/run/forecourt-admin/password", "--token-file", "/tmp/admin-api-token"]  # noqa: S108 - a path in the pod
    assert "runAsUser" not in bootstrap["securityContext"] or bootstrap["securityContext"]["runAsUser"] != 0
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["admin"]["secret"] == {"secretName": "portal-admin", "items": [{"key": "pw", "path": "password"}]}
    assert volumes["data"] == {"name": "data", "emptyDir": {}}
    assert not any(kind == "PersistentVolumeClaim" for kind, _ in resources)
    secret = resources[("Secret", "portal-forecourt")]["stringData"]
    assert secret == {"PORTAL_DATABASE_CONNECTIONSTRING": dsn_text, "PORTAL_SESSION_KEY": "k" * 50}
    config = resources[("ConfigMap", "portal-forecourt")]["data"]
    loaded = configuration.load(environ={**config, **secret}, cwd=CHART)
    assert loaded["Database.Dialect"] == "postgres" and loaded.database["HOST"] == "db.example.svc"


def test_chart_with_replicas_shares_a_read_write_many_volume():
    resources = render({"replicaCount": 2, "database": {"dialect": "postgres"},
                        "persistence": {"accessModes": ["ReadWriteMany"], "storageClass": "nfs"}})
    claim = next(r for (kind, _), r in resources.items() if kind == "PersistentVolumeClaim")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"] and claim["spec"]["storageClassName"] == "nfs"
    pod = deployment(resources)["spec"]["template"]["spec"]
    assert {v["name"]: v for v in pod["volumes"]}["data"]["persistentVolumeClaim"]["claimName"] == \
        claim["metadata"]["name"]


def test_chart_for_mysql_with_its_connection_string_in_an_existing_secret():
    resources = render({"database": {"dialect": "mysql", "existingSecret": "portal-db"},
                        "admin": {"enabled": True, "email": "a@example.com", "password": "pw-from-values"}})
    app = deployment(resources)["spec"]["template"]["spec"]["containers"][0]
    assert {"secretRef": {"name": "portal-db"}} in app["envFrom"]
    assert resources[("ConfigMap", "portal-forecourt")]["data"]["PORTAL_DATABASE_DIALECT"] == "mysql"
    assert resources[("Secret", "portal-forecourt-admin")]["stringData"] == {"password": "pw-from-values"}


@pytest.mark.parametrize(("values", "message"), [
    ({"replicaCount": 2}, "SQLite allows one replica"),
    ({"replicaCount": 2, "database": {"dialect": "postgres"}}, "use persistence.accessModes"),
    ({"admin": {"enabled": True, "password": "x"}}, "admin.email is required"),
    ({"admin": {"enabled": True, "email": "a@example.com"}}, "admin.password or admin.existingSecret"),
])
def test_chart_refuses_unsafe_values(values, message):
    with pytest.raises(Fail, match=message):
        render(values)


@pytest.mark.parametrize("values", [
    {"database": {"dialect": "postgresql"}},  # Forecourt takes the alias; the chart's own checks need the name
    {"replicaCount": 0},
    {"replicas": 2},  # a misspelt value is an error, not silently ignored
    {"config": {"public_url": "https://portal.example.com"}},
    {"persistence": {"accessModes": ["ReadWriteAll"]}},
])
def test_values_schema_refuses_what_the_chart_cannot_use(values):
    with pytest.raises(jsonschema.ValidationError):
        render(values)


def _paths(values, prefix=""):
    for key, value in values.items():
        yield prefix + key
        if isinstance(value, dict) and value:
            yield from _paths(value, prefix + key + ".")


def test_templates_and_values_agree():
    """Every .Values path a template names is in values.yaml (also in branches the renders above skip),
    and every top-level value is used by a template."""
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    known = set(_paths(values))
    text = "\n".join(p.read_text() for p in (CHART / "templates").iterdir())
    referenced = set(re.findall(r"\.Values\.([A-Za-z0-9_.]+)", text))
    assert referenced - known == set()
    assert {path.split(".")[0] for path in referenced} == set(values)
    for name in values["config"]:
        assert name in BY_ENV, f"config.{name} is not a setting"
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert set(schema["properties"]) == set(values)  # every value is described, and nothing else


# --- documentation ----------------------------------------------------------------------------------------

INSTALL_DOCS = ["install.md", "configuration.md", "upgrade.md", "admin-api.md", "migrating-from-tyk.md"]


def test_readme_links_every_document_and_their_links_resolve():
    readme = (ROOT / "README.md").read_text()
    for doc in sorted((ROOT / "docs").glob("*.md")):
        assert f"](docs/{doc.name})" in readme, f"README.md does not link docs/{doc.name}"
    for name in INSTALL_DOCS:
        text = (ROOT / "docs" / name).read_text()
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if not re.match(r"[a-z]+:", target):
                assert (ROOT / "docs" / target).exists(), f"docs/{name} links {target}, which does not exist"


def test_upgrade_guide_covers_every_artefact_with_the_lifecycle_commands():
    text = (ROOT / "docs" / "upgrade.md").read_text()
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    for artefact in ("pip", "Docker and Compose", "Kubernetes (Helm)", "deb and rpm"):
        body = next((s for s in sections if s.startswith(artefact)), None)
        assert body is not None, artefact
        for command in ("backup", "upgrade-check", "verify", "downgrade --to"):
            assert command in body, (artefact, command)
    assert "forecourt theme upgrade" in text


def test_admin_api_examples_name_operations_the_openapi_document_has():
    """Every `curl ... $PORTAL/portal-api/...` in docs/admin-api.md is an operation of docs/openapi.json."""
    spec = json.loads((ROOT / "docs" / "openapi.json").read_text())
    operations = [(method.upper(), re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"))
                  for path, item in spec["paths"].items() for method in item]
    text = (ROOT / "docs" / "admin-api.md").read_text().replace("\\\n", " ")
    examples = re.findall(r"curl ([^\n]*?)\$PORTAL(/portal-api/[^\s\"'?]*)", text)
    assert len(examples) >= 10
    for options, path in examples:
        method = re.search(r"-X (\w+)", options)
        verb = method.group(1) if method else ("POST" if " -F " in f" {options} " else "GET")
        assert any(m == verb and pattern.match(path) for m, pattern in operations), f"{verb} {path}"


# "forecourt [--conf FILE] COMMAND [SUBCOMMAND] [ARGS and --OPTIONS]" up to the end of the code span or line.
# A look-ahead, so "docker compose exec forecourt forecourt backup" is also read from its second "forecourt".
COMMAND_LINE = re.compile(r"(?=(forecourt((?: -{1,2}[a-z-]+(?: [^\s`-][^\s`]*)?)*) ([a-z][a-z-]+)([^`\n#|)]*)))")


def test_commands_in_the_install_and_upgrade_guides_exist_with_their_options():
    """`forecourt CMD --option` in the guides names real commands and options (they change as the CLI grows)."""
    import click

    from forecourt.cli import cli

    checked = 0
    for name in ("install.md", "upgrade.md", "migrating-from-tyk.md"):
        text = (ROOT / "docs" / name).read_text().replace("\\\n", " ")
        for match in COMMAND_LINE.finditer(text):
            command: click.Command = cli
            words = [match.group(3), *match.group(4).split()]
            while isinstance(command, click.Group) and words and words[0] in command.commands:
                command = command.commands[words.pop(0)]
            if command is cli:
                continue  # prose ("Forecourt serves ..."), not a command line
            options = {opt for param in command.params for opt in param.opts}
            for word in words:
                if word.startswith("--"):
                    assert word.split("=")[0] in options, f"docs/{name}: {match.group(1)!r}: {word} is not an option"
            checked += 1
    assert checked >= 40
