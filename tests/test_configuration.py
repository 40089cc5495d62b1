"""Loading configuration: defaults < portal.conf < PORTAL_* < TYK_PORTAL_*, errors, warnings and notices.

Every test passes an explicit `environ` and `cwd`, so none depends on the real environment.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from forecourt import configuration
from forecourt.configuration import Config, ConfigError
from forecourt.configuration.spec import SETTINGS

PASSWORD = "hunter2-Sw0rdfish"


def write_conf(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def load(tmp_path: Path, config_file: object = None, **environ: str) -> Config:
    return configuration.load(config_file=config_file, environ=environ, cwd=tmp_path)


def load_error(tmp_path: Path, config_file: object = None, **environ: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, config_file, **environ)
    message = str(info.value)
    assert "\n" not in message, "a configuration error is one line"
    return info.value


# --- defaults and where portal.conf comes from --------------------------------------------------------------


def test_defaults_when_nothing_is_configured(tmp_path):
    config = load(tmp_path)
    assert config.values == {s.key: s.default for s in SETTINGS}
    assert set(config.sources.values()) == {"default"}
    assert config.config_file is None
    assert config.warnings == []
    assert config.notices == []
    assert config["HostPort"] == 3001
    assert config["Database.Dialect"] == "sqlite3"
    assert config["LogLevel"] == "info"
    assert config["Session.SameSite"] == "Strict"


def test_portal_conf_in_cwd_is_read_when_present(tmp_path):
    conf = write_conf(tmp_path / "portal.conf", {"HostPort": 4000})
    config = load(tmp_path)
    assert config["HostPort"] == 4000
    assert config.sources["HostPort"] == f"portal.conf {conf}"
    assert config.config_file == str(conf)


def test_a_directory_named_portal_conf_in_cwd_is_not_read(tmp_path):
    (tmp_path / "portal.conf").mkdir()
    config = load(tmp_path)
    assert config.config_file is None
    assert config.sources["HostPort"] == "default"


def test_explicit_config_file_beats_portal_conf_in_cwd(tmp_path):
    write_conf(tmp_path / "portal.conf", {"HostPort": 4000})
    other = write_conf(tmp_path / "other.conf", {"HostPort": 5000})
    config = load(tmp_path, other)
    assert config["HostPort"] == 5000
    assert config.config_file == str(other)


def test_relative_config_file_is_resolved_against_cwd(tmp_path):
    (tmp_path / "etc").mkdir()
    conf = write_conf(tmp_path / "etc" / "forecourt.conf", {"HostPort": 4100})
    config = load(tmp_path, "etc/forecourt.conf")
    assert config["HostPort"] == 4100
    assert config.config_file == str(conf)


def test_config_file_accepts_a_path_object(tmp_path):
    conf = write_conf(tmp_path / "x.conf", {"LogFormat": "prod"})
    assert load(tmp_path, conf)["LogFormat"] == "prod"


def test_portal_config_environment_variable_names_the_file(tmp_path):
    conf = write_conf(tmp_path / "from-env.conf", {"HostPort": 4200})
    write_conf(tmp_path / "portal.conf", {"HostPort": 4000})
    config = load(tmp_path, PORTAL_CONFIG=str(conf))
    assert config["HostPort"] == 4200
    assert config.config_file == str(conf)
    assert config.warnings == [], "PORTAL_CONFIG is not an unknown setting"


def test_explicit_config_file_beats_portal_config_variable(tmp_path):
    explicit = write_conf(tmp_path / "explicit.conf", {"HostPort": 4300})
    env_conf = write_conf(tmp_path / "env.conf", {"HostPort": 4400})
    assert load(tmp_path, explicit, PORTAL_CONFIG=str(env_conf))["HostPort"] == 4300


# --- precedence -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("in_file", "portal", "tyk", "expected", "source"), [
    (False, False, False, 3001, "default"),
    (True, False, False, 4001, "portal.conf"),
    (True, True, False, 4002, "environment PORTAL_HOSTPORT"),
    (False, True, False, 4002, "environment PORTAL_HOSTPORT"),
    (True, True, True, 4003, "environment TYK_PORTAL_HOSTPORT"),
    (False, True, True, 4003, "environment TYK_PORTAL_HOSTPORT"),
    (True, False, True, 4003, "environment TYK_PORTAL_HOSTPORT"),
])
def test_each_layer_overrides_the_one_before(tmp_path, in_file, portal, tyk, expected, source):
    conf = write_conf(tmp_path / "portal.conf", {"HostPort": 4001} if in_file else {})
    env = {}
    if portal:
        env["PORTAL_HOSTPORT"] = "4002"
    if tyk:
        env["TYK_PORTAL_HOSTPORT"] = "4003"
    config = load(tmp_path, **env)
    assert config["HostPort"] == expected
    assert config.sources["HostPort"] == (f"portal.conf {conf}" if source == "portal.conf" else source)


def test_layers_apply_per_setting(tmp_path):
    conf = write_conf(tmp_path / "portal.conf", {
        "HostPort": 4001, "LogLevel": "debug", "LogFormat": "prod", "Session": {"Name": "from-file"},
    })
    config = load(tmp_path, PORTAL_LOG_LEVEL="error", TYK_PORTAL_LOG_FORMAT="dev",
                   PORTAL_SESSION_NAME="from-portal", TYK_PORTAL_SESSION_NAME="from-tyk")
    assert config["HostPort"] == 4001
    assert config["LogLevel"] == "error"
    assert config["LogFormat"] == "dev"
    assert config["Session.Name"] == "from-tyk"
    assert config["Workers"] == 0
    assert config.sources == {
        **{s.key: "default" for s in SETTINGS},
        "HostPort": f"portal.conf {conf}",
        "LogLevel": "environment PORTAL_LOG_LEVEL",
        "LogFormat": "environment TYK_PORTAL_LOG_FORMAT",
        "Session.Name": "environment TYK_PORTAL_SESSION_NAME",
    }


def test_tyk_portal_variables_are_not_mistaken_for_portal_ones(tmp_path):
    config = load(tmp_path, TYK_PORTAL_HOSTPORT="5005")
    assert config["HostPort"] == 5005
    assert config.warnings == []


def test_environment_names_that_differ_from_json_keys(tmp_path):
    config = load(tmp_path, PORTAL_DOCRENDERER="redoc", PORTAL_DATABASE_CONNECTION_MAX_LIFETIME="0",
                  PORTAL_SESSION_IDLE_TIMEOUT="60", PORTAL_THEMING_DISABLE_UPLOAD="true")
    assert config["ProductDocRenderer"] == "redoc"
    assert config["Database.ConnectionMaxLifetime"] == 0
    assert config["Session.IdleTimeout"] == 60
    assert config["Theming.DisableUpload"] is True


def test_unrelated_environment_variables_are_ignored_silently(tmp_path):
    config = load(tmp_path, HOME="/root", PATH="/usr/bin", MY_PORTAL_HOSTPORT="1", PORTALX="y")
    assert config["HostPort"] == 3001
    assert config.warnings == []


# --- JSON file shape ------------------------------------------------------------------------------------


def test_nested_json_keys(tmp_path):
    conf = write_conf(tmp_path / "portal.conf", {
        "Database": {"Dialect": "postgres", "ConnectionString": "postgres://db/portal", "EnableLogs": True,
                     "MaxRetries": 0},
        "Session": {"Secure": True, "SameSite": "Lax", "LifeTime": 60},
        "Theming": {"Theme": "dark", "Path": "/themes"},
    })
    config = load(tmp_path)
    assert config["Database.Dialect"] == "postgres"
    assert config["Database.ConnectionString"] == "postgres://db/portal"
    assert config["Database.EnableLogs"] is True
    assert config["Database.MaxRetries"] == 0
    assert config["Session.Secure"] is True
    assert config["Session.SameSite"] == "Lax"
    assert config["Session.LifeTime"] == 60
    assert config["Theming.Theme"] == "dark"
    assert config["Theming.Path"] == "/themes"
    assert config.sources["Database.Dialect"] == f"portal.conf {conf}"
    assert config.database["NAME"] == "portal"


def test_dotted_json_key_is_accepted(tmp_path):
    write_conf(tmp_path / "portal.conf", {"Database.Dialect": "mysql",
                                          "Database.ConnectionString": "/portal"})
    assert load(tmp_path)["Database.Dialect"] == "mysql"


def test_json_integer_as_float_and_string(tmp_path):
    write_conf(tmp_path / "portal.conf", {"HostPort": 4000.0, "RefreshInterval": "15"})
    config = load(tmp_path)
    assert config["HostPort"] == 4000
    assert config["RefreshInterval"] == 15


def test_json_object_for_a_scalar_setting_is_an_error(tmp_path):
    conf = write_conf(tmp_path / "portal.conf", {"Session": {"Name": {"x": 1}}})
    error = load_error(tmp_path)
    assert error.setting == "Session.Name"
    assert error.source == f"portal.conf {conf}"
    assert error.problem == "must be a string"


def test_json_error_message_names_key_and_file(tmp_path):
    conf = write_conf(tmp_path / "portal.conf", {"HostPort": 70000})
    error = load_error(tmp_path)
    assert str(error) == f"HostPort = 70000 (from portal.conf {conf}): must be a port number from 1 to 65535"


@pytest.mark.parametrize(("data", "key", "problem"), [
    ({"HostPort": True}, "HostPort", "must be a port number from 1 to 65535"),
    ({"HostPort": None}, "HostPort", "must be a port number from 1 to 65535"),
    ({"HostPort": 3001.5}, "HostPort", "must be a port number from 1 to 65535"),
    ({"HostPort": "http"}, "HostPort", "must be a port number from 1 to 65535"),
    ({"Database": {"EnableLogs": "sometimes"}}, "Database.EnableLogs", "must be a boolean: true or false"),
    ({"Database": {"EnableLogs": 2}}, "Database.EnableLogs", "must be a boolean: true or false"),
    ({"Database": {"Dialect": "oracle"}}, "Database.Dialect", "must be one of: sqlite3, postgres, mysql"),
    ({"LogLevel": ["info"]}, "LogLevel", "must be a string"),
    ({"LogFormat": None}, "LogFormat", "must be a string"),
    ({"Session": {"SameSite": "Relaxed"}}, "Session.SameSite", "must be one of: None, Lax, Strict"),
])
def test_bad_values_in_portal_conf(tmp_path, data, key, problem):
    conf = write_conf(tmp_path / "portal.conf", data)
    error = load_error(tmp_path)
    assert error.setting == key
    assert error.source == f"portal.conf {conf}"
    assert error.problem == problem
    assert str(error).startswith(key)
    assert str(error).endswith(f"(from portal.conf {conf}): {problem}")


# --- parser errors from the environment ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value", "problem"), [
    ("HOSTPORT", "abc", "must be a port number from 1 to 65535"),
    ("HOSTPORT", "", "must be a port number from 1 to 65535"),
    ("HOSTPORT", "3001.5", "must be a port number from 1 to 65535"),
    ("HOSTPORT", "0", "must be a port number from 1 to 65535"),
    ("HOSTPORT", "-1", "must be a port number from 1 to 65535"),
    ("HOSTPORT", "65536", "must be a port number from 1 to 65535"),
    ("WORKERS", "-1", "must be a whole number from 0 to 64"),
    ("WORKERS", "65", "must be a whole number from 0 to 64"),
    ("REFRESHINTERVAL", "0", "must be a whole number, 1 or more"),
    ("DATABASE_MAXRETRIES", "-1", "must be a whole number, 0 or more"),
    ("DATABASE_RETRYDELAY", "5s", "must be a whole number, 0 or more"),
    ("DATABASE_DIALECT", "oracle", "must be one of: sqlite3, postgres, mysql"),
    ("DATABASE_ENABLELOGS", "maybe", "must be a boolean: true or false"),
    ("SESSION_SECURE", "2", "must be a boolean: true or false"),
    ("SESSION_HTTPONLY", "enabled", "must be a boolean: true or false"),
    ("LOG_LEVEL", "verbose", "must be one of: debug, info, warn, error"),
    ("LOG_LEVEL", "trace", "must be one of: debug, info, warn, error"),
    ("LOG_FORMAT", "json", "must be one of: dev, prod"),
    ("SESSION_SAMESITE", "Relaxed", "must be one of: None, Lax, Strict"),
    ("DOCRENDERER", "swagger", "must be one of: stoplight, redoc"),
])
@pytest.mark.parametrize("prefix", ["PORTAL_", "TYK_PORTAL_"])
def test_bad_values_in_the_environment(tmp_path, prefix, name, value, problem):
    error = load_error(tmp_path, **{prefix + name: value})
    assert error.setting == prefix + name
    assert error.source == f"environment {prefix}{name}"
    assert error.problem == problem
    assert error.value == value
    assert str(error) == f"{prefix}{name} = {value!r} (from environment {prefix}{name}): {problem}"


def test_a_bad_portal_value_is_reported_even_if_tyk_portal_overrides_it(tmp_path):
    error = load_error(tmp_path, PORTAL_HOSTPORT="abc", TYK_PORTAL_HOSTPORT="4000")
    assert error.setting == "PORTAL_HOSTPORT"


@pytest.mark.parametrize("value", ["1", "65535", " 8080 ", "+8080"])
def test_port_accepts_the_whole_range(tmp_path, value):
    assert load(tmp_path, PORTAL_HOSTPORT=value)["HostPort"] == int(value)


@pytest.mark.parametrize(("value", "expected"), [
    ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("on", True), ("t", True), ("Y", True),
    ("false", False), ("False", False), ("0", False), ("no", False), ("off", False), ("f", False),
    ("n", False), ("", False), (" true ", True),
])
def test_boolean_spellings(tmp_path, value, expected):
    # Session.HttpOnly defaults to True, so False here proves the value was read.
    config = load(tmp_path, PORTAL_SESSION_HTTPONLY=value, PORTAL_SESSION_SECURE=value)
    assert config["Session.HttpOnly"] is expected
    assert config["Session.Secure"] is expected


@pytest.mark.parametrize(("name", "value", "key", "expected"), [
    ("DATABASE_DIALECT", "sqlite", "Database.Dialect", "sqlite3"),
    ("DATABASE_DIALECT", "SQLite3", "Database.Dialect", "sqlite3"),
    ("DATABASE_DIALECT", "postgresql", "Database.Dialect", "postgres"),
    ("DATABASE_DIALECT", "mariadb", "Database.Dialect", "mysql"),
    ("LOG_LEVEL", "warn", "LogLevel", "warn"),
    ("LOG_LEVEL", "warning", "LogLevel", "warn"),
    ("LOG_LEVEL", "WARNING", "LogLevel", "warn"),
    ("LOG_LEVEL", "fatal", "LogLevel", "error"),
    ("LOG_LEVEL", "panic", "LogLevel", "error"),
    ("LOG_LEVEL", " Debug ", "LogLevel", "debug"),
    ("SESSION_SAMESITE", "lax", "Session.SameSite", "Lax"),
    ("SESSION_SAMESITE", "NONE", "Session.SameSite", "None"),
    ("LOG_FORMAT", "PROD", "LogFormat", "prod"),
])
def test_aliases_and_case(tmp_path, name, value, key, expected):
    connection = {"PORTAL_DATABASE_CONNECTIONSTRING": "dbname=portal"} if expected == "postgres" else {}
    if expected == "mysql":
        connection = {"PORTAL_DATABASE_CONNECTIONSTRING": "/portal"}
    assert load(tmp_path, **{"PORTAL_" + name: value}, **connection)[key] == expected


def test_aliases_in_portal_conf(tmp_path):
    write_conf(tmp_path / "portal.conf", {"LogLevel": "warning", "Database": {"Dialect": "sqlite"}})
    config = load(tmp_path)
    assert (config["LogLevel"], config["Database.Dialect"]) == ("warn", "sqlite3")


# --- unknown settings -----------------------------------------------------------------------------------


def test_unknown_keys_in_portal_conf_are_warnings(tmp_path):
    conf = write_conf(tmp_path / "portal.conf", {
        "HostPort": 4000, "StoragePath": "/x", "Database": {"Dialect": "sqlite3", "Nope": 1},
        "Session": "flat",
    })
    config = load(tmp_path)
    assert config["HostPort"] == 4000
    assert sorted(config.warnings) == sorted([
        f"unknown setting StoragePath in {conf} is ignored",
        f"unknown setting Database.Nope in {conf} is ignored",
        f"unknown setting Session in {conf} is ignored",
    ])
    assert config.notices == []


def test_unknown_environment_variables_are_warnings(tmp_path):
    config = load(tmp_path, PORTAL_HOSTPROT="1", TYK_PORTAL_NOPE="x", PORTAL_HOSTPORT="4000",
                  PORTAL_NOPE_FILE="/nonexistent", TYK_PORTAL_CONFIG="/nonexistent")
    assert config["HostPort"] == 4000
    assert sorted(config.warnings) == [
        "unknown setting PORTAL_HOSTPROT in the environment is ignored",
        "unknown setting PORTAL_NOPE_FILE in the environment is ignored",
        "unknown setting TYK_PORTAL_CONFIG in the environment is ignored",
        "unknown setting TYK_PORTAL_NOPE in the environment is ignored",
    ]


# --- portal.conf that cannot be used ---------------------------------------------------------------------


def test_nonexistent_explicit_config_file(tmp_path):
    missing = tmp_path / "missing.conf"
    error = load_error(tmp_path, missing)
    assert error.setting == "portal.conf"
    assert error.source == f"portal.conf {missing}"
    assert str(error) == (f"portal.conf (from portal.conf {missing}): "
                          "cannot be read: No such file or directory")


def test_nonexistent_file_named_by_portal_config(tmp_path):
    error = load_error(tmp_path, PORTAL_CONFIG="nowhere.conf")
    assert error.source == f"portal.conf {tmp_path / 'nowhere.conf'}"
    assert "cannot be read: No such file or directory" in str(error)


def test_unreadable_explicit_config_file(tmp_path):
    # A directory cannot be read as a file, even by root (which ignores file permissions).
    (tmp_path / "conf.d").mkdir()
    error = load_error(tmp_path, tmp_path / "conf.d")
    assert error.setting == "portal.conf"
    assert error.problem == "cannot be read: Is a directory"


def test_config_file_that_is_not_utf8(tmp_path):
    conf = tmp_path / "portal.conf"
    conf.write_bytes(b'{"Theming": {"Theme": "caf\xe9"}}')
    error = load_error(tmp_path)
    assert error.problem == "is not UTF-8 text"
    assert error.source == f"portal.conf {conf}"


def test_invalid_json(tmp_path):
    conf = tmp_path / "portal.conf"
    conf.write_text('{\n  "HostPort": 3001,\n}\n', encoding="utf-8")
    error = load_error(tmp_path, conf)
    assert error.setting == "portal.conf"
    assert error.problem.startswith("is not valid JSON: ")
    assert error.problem.endswith(" at line 3")


def test_empty_config_file_is_invalid_json(tmp_path):
    (tmp_path / "portal.conf").write_text("", encoding="utf-8")
    assert load_error(tmp_path).problem.startswith("is not valid JSON")


@pytest.mark.parametrize("data", [[{"HostPort": 3001}], "HostPort", 3001, None])
def test_json_that_is_not_an_object(tmp_path, data):
    conf = write_conf(tmp_path / "portal.conf", data)
    error = load_error(tmp_path)
    assert str(error) == f"portal.conf (from portal.conf {conf}): must hold a JSON object of settings"


# --- _FILE variants -------------------------------------------------------------------------------------


def test_file_variant_reads_the_value_and_strips_the_trailing_newline(tmp_path):
    secret = tmp_path / "session_key"
    secret.write_text("  from a file  \n", encoding="utf-8")
    config = load(tmp_path, PORTAL_SESSION_KEY_FILE=str(secret))
    assert config["Session.Key"] == "  from a file  "
    assert config.sources["Session.Key"] == "environment PORTAL_SESSION_KEY_FILE"
    assert config.warnings == []


def test_file_variant_strips_crlf_and_several_newlines(tmp_path):
    secret = tmp_path / "session_key"
    secret.write_bytes(b"line1\nline2\r\n\r\n")
    assert load(tmp_path, PORTAL_SESSION_KEY_FILE=str(secret))["Session.Key"] == "line1\nline2"


def test_file_variant_for_the_connection_string(tmp_path):
    secret = tmp_path / "dsn"
    secret.write_text(f"postgres://portal:{PASSWORD}@db:5432/portal\n", encoding="utf-8")
    config = load(tmp_path, PORTAL_DATABASE_DIALECT="postgres",
                  PORTAL_DATABASE_CONNECTIONSTRING_FILE=str(secret))
    assert config.database["PASSWORD"] == PASSWORD
    assert config.database["NAME"] == "portal"


def test_tyk_file_variant_beats_portal_value(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("tyk-file\n", encoding="utf-8")
    config = load(tmp_path, PORTAL_SESSION_KEY="plain", TYK_PORTAL_SESSION_KEY_FILE=str(secret))
    assert config["Session.Key"] == "tyk-file"
    assert config.sources["Session.Key"] == "environment TYK_PORTAL_SESSION_KEY_FILE"


def test_file_variant_beats_portal_conf(tmp_path):
    write_conf(tmp_path / "portal.conf", {"LicenseKey": "from-conf"})
    secret = tmp_path / "licence"
    secret.write_text("from-file", encoding="utf-8")
    assert load(tmp_path, PORTAL_LICENSEKEY_FILE=str(secret))["LicenseKey"] == "from-file"


def test_nonexistent_file_variant_is_an_error(tmp_path):
    missing = tmp_path / "no-such-secret"
    error = load_error(tmp_path, PORTAL_SESSION_KEY_FILE=str(missing))
    assert error.setting == "PORTAL_SESSION_KEY_FILE"
    assert error.source == "environment PORTAL_SESSION_KEY_FILE"
    assert str(error) == (f"PORTAL_SESSION_KEY_FILE = {str(missing)!r} "
                          "(from environment PORTAL_SESSION_KEY_FILE): "
                          "names a file that cannot be read: No such file or directory")


def test_unreadable_file_variant_is_an_error(tmp_path):
    error = load_error(tmp_path, TYK_PORTAL_DATABASE_CONNECTIONSTRING_FILE=str(tmp_path))
    assert error.setting == "TYK_PORTAL_DATABASE_CONNECTIONSTRING_FILE"
    assert error.problem == "names a file that cannot be read: Is a directory"


# --- secrets --------------------------------------------------------------------------------------------


def test_describe_masks_secrets_and_reports_sources(tmp_path):
    conf = write_conf(tmp_path / "portal.conf", {"LicenseKey": "tyk-licence-value"})
    config = load(tmp_path, PORTAL_SESSION_KEY=PASSWORD, PORTAL_HOSTPORT="4000",
                  PORTAL_DATABASE_CONNECTIONSTRING=str(tmp_path / "p.db"))
    rows = {row["key"]: row for row in config.describe()}
    assert [row["key"] for row in config.describe()] == [s.key for s in SETTINGS]
    assert rows["Session.Key"] == {"key": "Session.Key", "env": "PORTAL_SESSION_KEY", "value": "********",
                                   "source": "environment PORTAL_SESSION_KEY", "ignored": False}
    assert rows["Database.ConnectionString"]["value"] == "********"
    assert rows["LicenseKey"] == {"key": "LicenseKey", "env": "PORTAL_LICENSEKEY", "value": "********",
                                  "source": f"portal.conf {conf}", "ignored": True}
    assert rows["HostPort"]["value"] == 4000
    assert rows["HostPort"]["source"] == "environment PORTAL_HOSTPORT"
    assert rows["Session.SameSite"] == {"key": "Session.SameSite", "env": "PORTAL_SESSION_SAMESITE",
                                        "value": "Strict", "source": "default", "ignored": False}
    assert PASSWORD not in json.dumps(config.describe())
    assert "tyk-licence-value" not in json.dumps(config.describe())
    # The real values are still there for the portal itself.
    assert config["Session.Key"] == PASSWORD


def test_describe_shows_empty_secrets_as_empty(tmp_path):
    rows = {row["key"]: row for row in load(tmp_path).describe()}
    assert rows["Session.Key"]["value"] == ""
    assert rows["Database.ConnectionString"]["value"] == ""


@pytest.mark.parametrize(("dialect", "conn"), [
    ("postgres", f"postgres://portal:{PASSWORD}@db:notaport/portal"),
    ("postgres", f"postgres://portal:{PASSWORD}@db:5432/"),
    ("postgres", f"postgres://portal:[{PASSWORD}]@db/portal"),
    ("postgres", f"host=db password={PASSWORD} port=x dbname=portal"),
    ("mysql", f"portal:{PASSWORD}@tcp(db:3306)portal"),
    ("mysql", f"portal:{PASSWORD}@tcp(db:abc)/portal"),
    ("mysql", f"mysql://portal:[{PASSWORD}]@db/portal"),
    ("mysql", f"portal:{PASSWORD}@tcp(db)/portal?colour=blue"),
])
def test_malformed_connection_string_error_never_shows_the_password(tmp_path, dialect, conn):
    error = load_error(tmp_path, PORTAL_DATABASE_DIALECT=dialect, PORTAL_DATABASE_CONNECTIONSTRING=conn)
    assert error.setting == "PORTAL_DATABASE_CONNECTIONSTRING"
    assert error.source == "environment PORTAL_DATABASE_CONNECTIONSTRING"
    assert error.value is None
    assert PASSWORD not in str(error)
    assert PASSWORD[:6] not in str(error)


def test_connection_string_error_from_portal_conf_names_the_key(tmp_path):
    conf = write_conf(tmp_path / "portal.conf", {
        "Database": {"Dialect": "mysql", "ConnectionString": f"portal:{PASSWORD}@tcp(db:3306)/"},
    })
    error = load_error(tmp_path)
    assert error.setting == "Database.ConnectionString"
    assert error.source == f"portal.conf {conf}"
    assert error.problem.startswith("names no database")
    assert PASSWORD not in str(error)


def test_connection_string_error_from_a_file_variant(tmp_path):
    secret = tmp_path / "dsn"
    secret.write_text(f"postgres://portal:{PASSWORD}@db:x/portal\n", encoding="utf-8")
    error = load_error(tmp_path, TYK_PORTAL_DATABASE_DIALECT="postgres",
                       TYK_PORTAL_DATABASE_CONNECTIONSTRING_FILE=str(secret))
    assert error.setting == "TYK_PORTAL_DATABASE_CONNECTIONSTRING_FILE"
    assert error.problem == "has a port that is not a number"
    assert PASSWORD not in str(error)


def test_missing_connection_string_for_a_server_dialect(tmp_path):
    error = load_error(tmp_path, PORTAL_DATABASE_DIALECT="postgresql")
    assert error.setting == "Database.ConnectionString"
    assert error.source == "default"
    assert error.problem.startswith("is required for the postgres dialect")


def test_wrongly_typed_secret_in_portal_conf_is_not_echoed(tmp_path):
    write_conf(tmp_path / "portal.conf", {"Session": {"Key": [PASSWORD]}})
    error = load_error(tmp_path)
    assert error.setting == "Session.Key"
    assert error.problem == "must be a string"
    assert error.value is None
    assert PASSWORD not in str(error)


def test_non_secret_bad_value_is_echoed(tmp_path):
    write_conf(tmp_path / "portal.conf", {"Session": {"Name": ["cookie-name"]}})
    error = load_error(tmp_path)
    assert error.value == ["cookie-name"]
    assert "cookie-name" in str(error)


def test_in_memory_sqlite_is_refused_at_load(tmp_path):
    error = load_error(tmp_path, PORTAL_DATABASE_CONNECTIONSTRING=":memory:")
    assert error.setting == "PORTAL_DATABASE_CONNECTIONSTRING"
    assert "in-memory database" in error.problem


# --- Tyk settings without effect ------------------------------------------------------------------------


def test_ignored_tyk_settings_produce_notices_not_warnings(tmp_path):
    write_conf(tmp_path / "portal.conf", {"LicenseKey": "abc", "Database": {"MaxIdleConnections": 5}})
    config = load(tmp_path, PORTAL_DATABASE_MAX_OPEN_CONNECTIONS="20")
    assert config.warnings == []
    assert config["Database.MaxOpenConnections"] == 20
    assert config["Database.MaxIdleConnections"] == 5
    assert len(config.notices) == 3
    assert config.notices[0].startswith(
        "Database.MaxOpenConnections is accepted for Tyk compatibility and has no effect: ")
    assert config.notices[1].startswith("Database.MaxIdleConnections is accepted for Tyk compatibility")
    assert config.notices[2] == ("LicenseKey is accepted for Tyk compatibility and has no effect: "
                                 "Tyk licence key; Forecourt needs none.")


def test_no_notices_for_ignored_settings_left_at_default(tmp_path):
    assert load(tmp_path, PORTAL_HOSTPORT="4000").notices == []


def test_ignored_settings_are_still_validated(tmp_path):
    error = load_error(tmp_path, PORTAL_DATABASE_MAX_IDLE_CONNECTIONS="-1")
    assert error.setting == "PORTAL_DATABASE_MAX_IDLE_CONNECTIONS"
    assert error.problem == "must be a whole number, 0 or more"


# --- the database entry ---------------------------------------------------------------------------------


def test_database_defaults_to_sqlite_in_data_dir(tmp_path):
    config = load(tmp_path, PORTAL_DATADIR=str(tmp_path / "state"))
    assert config.database["ENGINE"] == "django.db.backends.sqlite3"
    assert config.database["NAME"] == str(tmp_path / "state" / "portal.db")


def test_database_from_tyk_style_mysql_settings(tmp_path):
    config = load(tmp_path, TYK_PORTAL_DATABASE_DIALECT="mariadb",
                  TYK_PORTAL_DATABASE_CONNECTIONSTRING="portal:pw@tcp(db:3306)/portal?charset=utf8&parseTime=True")
    assert config.database["ENGINE"] == "django.db.backends.mysql"
    assert (config.database["HOST"], config.database["PORT"]) == ("db", "3306")
    assert config.database["OPTIONS"]["charset"] == "utf8mb4"


def test_config_error_is_an_exception_with_its_parts():
    error = ConfigError("PORTAL_X", "environment PORTAL_X", "must be y", "z")
    assert (error.setting, error.source, error.problem, error.value) == (
        "PORTAL_X", "environment PORTAL_X", "must be y", "z")
    assert str(error) == "PORTAL_X = 'z' (from environment PORTAL_X): must be y"
    assert str(ConfigError("K", "default", "is bad")) == "K (from default): is bad"


# --- the typed configuration ----------------------------------------------------------------------------------


def test_every_setting_is_a_typed_attribute_with_its_source(tmp_path):
    conf = write_conf(tmp_path / "portal.conf", {"HostPort": 4000, "Database": {"MaxRetries": 7}})
    config = load(tmp_path, conf, PORTAL_LOG_LEVEL="warning", TYK_PORTAL_SESSION_SECURE="true")
    assert (config.host_port, config.database_max_retries, config.log_level, config.session_secure) == (
        4000, 7, "warn", True)
    assert config.source_of("host_port") == config.source_of("HostPort") == f"portal.conf {conf}"
    assert config.source_of("log_level") == "environment PORTAL_LOG_LEVEL"
    assert config.source_of("session_secure") == "environment TYK_PORTAL_SESSION_SECURE"
    assert config.source_of("data_dir") == "default"
    assert config.setting("tls_config_enable").since == "0.6.0"
    assert config.setting("HostPort").env == "HOSTPORT"
    for setting in SETTINGS:
        assert getattr(config, setting.attr) == config[setting.key] == config.values[setting.key], setting.key
    with pytest.raises(KeyError):
        config.source_of("no_such_setting")


def test_the_configuration_is_frozen(tmp_path):
    import dataclasses

    config = load(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.host_port = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.values["HostPort"] = 1  # type: ignore[index]
    changed = dataclasses.replace(config, host_port=1)
    assert (changed.host_port, changed["HostPort"], config.host_port) == (1, 1, 3001)


def test_attribute_names_are_unique_and_leave_the_config_s_own_names_alone():
    attrs = [setting.attr for setting in SETTINGS]
    assert len(set(attrs)) == len(attrs)
    assert all(attr.isidentifier() and attr == attr.lower() for attr in attrs)
    own = {name for name in dir(Config) if not name.startswith("_")} | {"sources", "config_file", "warnings",
                                                                        "notices"}
    assert own & set(attrs) == set()


def _types_script(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(__file__).resolve().parent.parent / "scripts" / "config-types.py"
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, check=False)


def test_typed_settings_module_is_up_to_date():
    """configuration/typed.py is generated from spec.py (scripts/config-types.py); a stale copy fails here."""
    result = _types_script("--check")
    assert result.returncode == 0, result.stderr


def test_typed_settings_check_reports_a_stale_module(tmp_path):
    module = tmp_path / "typed.py"
    assert _types_script("--file", str(module)).returncode == 0
    assert _types_script("--check", "--file", str(module)).returncode == 0
    text = module.read_text()
    assert "    host_port: int\n" in text and 'log_level: Literal["debug", "info", "warn", "error"]' in text
    module.write_text(text.replace("    host_port: int\n", "    host_port: str\n"))
    result = _types_script("--check", "--file", str(module))
    assert result.returncode == 1 and "stale" in result.stderr



def test_src_reads_settings_by_attribute_not_by_tyk_name():
    """`cfg.host_port` (typed, checked by mypy), not `cfg["HostPort"]` (Any): only the configuration package
    itself reads values by their Tyk names."""
    import re

    names = "|".join(re.escape(setting.key) for setting in SETTINGS)
    read = re.compile(rf"""\[\s*(["'])({names})\1\s*\]""")
    src = Path(__file__).resolve().parent.parent / "src" / "forecourt"
    found = [f"{path.relative_to(src)}:{number}: {line.strip()}"
             for path in sorted(src.rglob("*.py")) if "configuration" not in path.relative_to(src).parts
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if read.search(line)]
    assert found == []
