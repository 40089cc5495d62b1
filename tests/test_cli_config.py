"""The real `python -m forecourt` CLI: `config show`, configuration errors, `version` and `--help`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import forecourt
from forecourt.configuration.spec import SETTINGS

SECRET = "supersecret"
CONFIG_ERROR = "forecourt: configuration error: "


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "TYK_PORTAL_"))}
    clean["PORTAL_DATADIR"] = str(tmp_path)
    return clean


@pytest.fixture
def run(tmp_path, env):
    def run(*args: str, extra: dict[str, str] | None = None, cwd: Path | None = None):
        return subprocess.run(
            [sys.executable, "-m", "forecourt", *args],
            env={**env, **(extra or {})},
            cwd=cwd or tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


def show_rows(stdout: str) -> dict[str, str]:
    """`config show` lines by setting key (the first word)."""
    rows = {}
    for line in stdout.splitlines()[1:]:
        key, _, rest = line.partition(" ")
        rows[key] = rest.strip()
    return rows


# --- config show ----------------------------------------------------------------------------------------


def test_config_show_prints_values_and_sources(run, tmp_path):
    result = run("config", "show", extra={"PORTAL_HOSTPORT": "4567", "TYK_PORTAL_LOG_LEVEL": "warning"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "portal.conf: (none)"
    rows = show_rows(result.stdout)
    assert list(rows) == [s.key for s in SETTINGS]
    assert rows["HostPort"].split() == ["4567", "environment", "PORTAL_HOSTPORT"]
    assert rows["LogLevel"].split() == ["warn", "environment", "TYK_PORTAL_LOG_LEVEL"]
    assert rows["DataDir"].split() == [str(tmp_path), "environment", "PORTAL_DATADIR"]
    assert rows["LogFormat"].split() == ["dev", "default"]
    assert rows["Session.Secure"].split() == ["false", "default"]


def test_config_show_masks_secrets(run):
    result = run("config", "show", extra={"PORTAL_SESSION_KEY": SECRET})
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout
    assert SECRET not in result.stderr
    assert show_rows(result.stdout)["Session.Key"].split() == [
        "********", "environment", "PORTAL_SESSION_KEY"]


def test_config_show_masks_secrets_read_from_files(run, tmp_path):
    secret_file = tmp_path / "dsn"
    secret_file.write_text(f"postgres://portal:{SECRET}@db:5432/portal\n", encoding="utf-8")
    result = run("config", "show", extra={
        "PORTAL_DATABASE_DIALECT": "postgres",
        "PORTAL_DATABASE_CONNECTIONSTRING_FILE": str(secret_file),
    })
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert show_rows(result.stdout)["Database.ConnectionString"].split() == [
        "********", "environment", "PORTAL_DATABASE_CONNECTIONSTRING_FILE"]


def test_config_show_json(run, tmp_path):
    result = run("config", "show", "--json", extra={"PORTAL_SESSION_KEY": SECRET, "PORTAL_NOPE": "1"})
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["config_file"] is None
    assert data["warnings"] == ["unknown setting PORTAL_NOPE in the environment is ignored"]
    rows = {row["key"]: row for row in data["settings"]}
    assert list(rows) == [s.key for s in SETTINGS]
    assert rows["Session.Key"] == {"key": "Session.Key", "env": "PORTAL_SESSION_KEY", "value": "********",
                                   "source": "environment PORTAL_SESSION_KEY", "ignored": False}
    assert rows["HostPort"]["value"] == 3001
    assert rows["HostPort"]["source"] == "default"
    assert rows["DataDir"]["value"] == str(tmp_path)
    assert rows["Session.HttpOnly"]["value"] is True


def test_config_show_reads_conf_option(run, tmp_path):
    conf = tmp_path / "etc" / "forecourt.conf"
    conf.parent.mkdir()
    conf.write_text(json.dumps({"HostPort": 4321, "Database": {"Dialect": "sqlite"}, "LicenseKey": SECRET}),
                    encoding="utf-8")
    result = run("--conf", "etc/forecourt.conf", "config", "show", "--json")
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["config_file"] == str(conf)
    rows = {row["key"]: row for row in data["settings"]}
    assert rows["HostPort"]["value"] == 4321
    assert rows["HostPort"]["source"] == f"portal.conf {conf}"
    assert rows["Database.Dialect"]["value"] == "sqlite3"
    assert rows["LicenseKey"]["value"] == "********"
    assert rows["LicenseKey"]["ignored"] is True


def test_config_show_text_with_conf_marks_ignored_settings(run, tmp_path):
    conf = tmp_path / "portal.conf"
    conf.write_text(json.dumps({"Database": {"MaxOpenConnections": 7}}), encoding="utf-8")
    result = run("--conf", str(conf), "config", "show")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"portal.conf: {conf}"
    assert show_rows(result.stdout)["Database.MaxOpenConnections"].split() == [
        "7", "portal.conf", str(conf), "(no", "effect", "in", "Forecourt)"]
    assert "(no effect in Forecourt)" not in show_rows(result.stdout)["Database.MaxIdleConnections"]


def test_environment_beats_conf_file_in_the_cli(run, tmp_path):
    conf = tmp_path / "portal.conf"
    conf.write_text(json.dumps({"HostPort": 4321}), encoding="utf-8")
    result = run("--conf", str(conf), "config", "show", "--json",
                 extra={"PORTAL_HOSTPORT": "5000", "TYK_PORTAL_HOSTPORT": "6000"})
    rows = {row["key"]: row for row in json.loads(result.stdout)["settings"]}
    assert rows["HostPort"]["value"] == 6000
    assert rows["HostPort"]["source"] == "environment TYK_PORTAL_HOSTPORT"


def test_portal_conf_in_the_working_directory_is_read(run, tmp_path):
    (tmp_path / "portal.conf").write_text(json.dumps({"LogFormat": "prod"}), encoding="utf-8")
    data = json.loads(run("config", "show", "--json").stdout)
    assert data["config_file"] == str(tmp_path / "portal.conf")
    assert {row["key"]: row for row in data["settings"]}["LogFormat"]["value"] == "prod"


def test_config_show_prints_warnings_on_stderr(run):
    result = run("config", "show", extra={"PORTAL_HOSTPROT": "1"})
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "warning: unknown setting PORTAL_HOSTPROT in the environment is ignored"]


# --- configuration errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["config", "show"],
    ["config", "show", "--json"],
    ["migrate"],
    ["migrate", "--plan"],
    ["serve", "--no-jobs"],
    ["bootstrap", "--email", "admin@example.com", "--password", "x"],
])
def test_bad_setting_exits_2_with_one_line(run, command):
    result = run(*command, extra={"PORTAL_HOSTPORT": "abc"})
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines == [CONFIG_ERROR + "PORTAL_HOSTPORT = 'abc' (from environment PORTAL_HOSTPORT): "
                     "must be a port number from 1 to 65535"]
    assert "PORTAL_HOSTPORT" in lines[0]
    assert "environment" in lines[0]


def test_bad_tyk_setting_names_the_tyk_variable(run):
    result = run("config", "show", extra={"TYK_PORTAL_DATABASE_DIALECT": "oracle"})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        CONFIG_ERROR + "TYK_PORTAL_DATABASE_DIALECT = 'oracle' "
        "(from environment TYK_PORTAL_DATABASE_DIALECT): must be one of: sqlite3, postgres, mysql"]


def test_malformed_connection_string_does_not_print_the_password(run):
    result = run("config", "show", extra={
        "PORTAL_DATABASE_DIALECT": "postgres",
        "PORTAL_DATABASE_CONNECTIONSTRING": f"postgres://portal:{SECRET}@db:notaport/portal",
        "PORTAL_SESSION_KEY": SECRET,
    })
    assert result.returncode == 2
    assert SECRET not in result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        CONFIG_ERROR + "PORTAL_DATABASE_CONNECTIONSTRING "
        "(from environment PORTAL_DATABASE_CONNECTIONSTRING): has a port that is not a number"]


def test_nonexistent_conf_exits_2(run, tmp_path):
    missing = tmp_path / "missing.conf"
    result = run("--conf", str(missing), "config", "show")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        CONFIG_ERROR + f"portal.conf (from portal.conf {missing}): cannot be read: No such file or directory"]


def test_nonexistent_file_in_portal_config_exits_2(run, tmp_path):
    result = run("config", "show", extra={"PORTAL_CONFIG": str(tmp_path / "missing.conf")})
    assert result.returncode == 2
    assert result.stderr.startswith(CONFIG_ERROR + "portal.conf (from portal.conf ")
    assert len(result.stderr.splitlines()) == 1


def test_directory_as_conf_exits_2(run, tmp_path):
    (tmp_path / "conf.d").mkdir()
    result = run("--conf", str(tmp_path / "conf.d"), "config", "show")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--conf" in result.stderr
    assert "is a directory" in result.stderr


@pytest.mark.parametrize(("content", "problem"), [
    ("{not json", "is not valid JSON: "),
    ("[1, 2]", "must hold a JSON object of settings"),
])
def test_unusable_conf_exits_2(run, tmp_path, content, problem):
    conf = tmp_path / "portal.conf"
    conf.write_text(content, encoding="utf-8")
    result = run("--conf", str(conf), "config", "show")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(CONFIG_ERROR + f"portal.conf (from portal.conf {conf}): {problem}")


def test_unreadable_secret_file_exits_2(run, tmp_path):
    result = run("config", "show", extra={"PORTAL_SESSION_KEY_FILE": str(tmp_path / "nope")})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        CONFIG_ERROR + f"PORTAL_SESSION_KEY_FILE = {str(tmp_path / 'nope')!r} "
        "(from environment PORTAL_SESSION_KEY_FILE): "
        "names a file that cannot be read: No such file or directory"]


# --- version and help -----------------------------------------------------------------------------------


def test_version(run):
    result = run("version")
    assert result.returncode == 0
    assert result.stdout == forecourt.__version__ + "\n"
    assert result.stderr == ""


def test_version_json(run):
    result = run("version", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"version": forecourt.__version__}


def test_version_option(run):
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"forecourt, version {forecourt.__version__}"


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_the_commands(run, flag):
    result = run(flag)
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: forecourt [OPTIONS] COMMAND [ARGS]...")
    assert "--conf" in result.stdout
    commands_section = result.stdout.split("Commands:", 1)[1]
    commands = {line.split()[0] for line in commands_section.splitlines() if line.strip()}
    assert commands == {"serve", "migrate", "version", "config", "bootstrap", "theme",
                        "backup", "restore", "upgrade-check", "verify", "downgrade", "search-index", "rebuild-derived",
                        "export", "plan", "apply"}


def test_config_help_lists_show(run):
    result = run("config", "--help")
    assert result.returncode == 0
    commands_section = result.stdout.split("Commands:", 1)[1]
    assert [line.split()[0] for line in commands_section.splitlines() if line.strip()] == ["show"]
