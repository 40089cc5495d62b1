"""Connection strings in Tyk's forms turned into Django DATABASES entries (forecourt.configuration.dsn)."""

from pathlib import Path

import pytest

from forecourt.configuration import dsn

PASSWORD = "s3cr3t-P@ss:w/rd?#%&="


# --- sqlite3 ---------------------------------------------------------------------------------------------


def test_sqlite_empty_string_is_portal_db_in_data_dir(tmp_path):
    entry = dsn.sqlite("", str(tmp_path))
    assert entry["ENGINE"] == "django.db.backends.sqlite3"
    assert entry["NAME"] == str(tmp_path / "portal.db")


def test_sqlite_whitespace_only_is_treated_as_empty(tmp_path):
    assert dsn.sqlite("  \n", str(tmp_path))["NAME"] == str(tmp_path / "portal.db")


def test_sqlite_relative_data_dir_is_made_absolute_against_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert dsn.sqlite("", "./data")["NAME"] == str(tmp_path / "data" / "portal.db")


def test_sqlite_absolute_path(tmp_path):
    path = tmp_path / "sub" / "forecourt.db"
    assert dsn.sqlite(str(path), "/elsewhere")["NAME"] == str(path)


def test_sqlite_relative_path_is_relative_to_cwd_not_data_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    entry = dsn.sqlite("portal.db", "/some/data/dir")
    assert entry["NAME"] == str(tmp_path / "portal.db")
    assert Path(entry["NAME"]).is_absolute()


def test_sqlite_tilde_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert dsn.sqlite("~/portal.db", "/unused")["NAME"] == str(tmp_path / "portal.db")


def test_sqlite_unexpandable_tilde_is_a_value_error():
    with pytest.raises(ValueError, match="cannot expand ~"):
        dsn.sqlite("~no-such-user-forecourt/portal.db", "/unused")


def test_sqlite_file_uri_relative_drops_query(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert dsn.sqlite("file:portal.db?cache=shared&mode=rwc", ".")["NAME"] == str(tmp_path / "portal.db")


def test_sqlite_file_uri_absolute(tmp_path):
    path = tmp_path / "portal.db"
    assert dsn.sqlite(f"file:{path}?_busy_timeout=5000", ".")["NAME"] == str(path)


def test_sqlite_file_uri_is_percent_decoded(tmp_path):
    assert dsn.sqlite(f"file:{tmp_path}/my%20portal.db", ".")["NAME"] == str(tmp_path / "my portal.db")


def test_sqlite_plain_path_is_not_percent_decoded(tmp_path):
    # SQLite decodes %HH only in file: URIs; a plain file name is used as it is.
    path = tmp_path / "portal%41.db"
    assert dsn.sqlite(str(path), ".")["NAME"] == str(path)


def test_sqlite_url_relative(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert dsn.sqlite("sqlite:///relative.db", ".")["NAME"] == str(tmp_path / "relative.db")


def test_sqlite_url_absolute(tmp_path):
    assert dsn.sqlite(f"sqlite:///{tmp_path}/abs.db", ".")["NAME"] == str(tmp_path / "abs.db")


@pytest.mark.parametrize("conn", [
    ":memory:",
    "file::memory:",
    "file::memory:?cache=shared",
    "file:shared?mode=memory&cache=shared",
    "sqlite:///:memory:",
    "sqlite://",
    "file:",
])
def test_sqlite_refuses_in_memory_databases(conn):
    with pytest.raises(ValueError, match="in-memory database is not shared between workers"):
        dsn.sqlite(conn, "/data")


def test_sqlite_options_enable_wal_and_immediate_transactions(tmp_path):
    options = dsn.sqlite("", str(tmp_path))["OPTIONS"]
    assert "PRAGMA journal_mode=WAL;" in options["init_command"]
    assert "PRAGMA foreign_keys=ON;" in options["init_command"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 20


# --- postgres --------------------------------------------------------------------------------------------


def test_postgres_url_full():
    entry = dsn.postgres("postgres://portal:pw@db.example.com:5433/portaldb?sslmode=disable&connect_timeout=5")
    assert entry == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "portaldb",
        "USER": "portal",
        "PASSWORD": "pw",
        "HOST": "db.example.com",
        "PORT": "5433",
        "OPTIONS": {"sslmode": "disable", "connect_timeout": "5"},
    }


def test_postgresql_scheme_and_defaults():
    entry = dsn.postgres("postgresql://db/portal")
    assert (entry["HOST"], entry["PORT"], entry["USER"], entry["PASSWORD"], entry["NAME"]) == (
        "db", "", "", "", "portal")
    assert entry["OPTIONS"] == {}


def test_postgres_url_password_with_special_characters_is_decoded():
    entry = dsn.postgres("postgres://us%40er:s3cr3t-P%40ss%3Aw%2Frd%3F%23%25%26%3D@db:5432/portal")
    assert entry["USER"] == "us@er"
    assert entry["PASSWORD"] == PASSWORD


def test_postgres_url_database_name_is_decoded():
    assert dsn.postgres("postgres://db/my%20portal")["NAME"] == "my portal"


def test_postgres_url_ipv6_host():
    entry = dsn.postgres("postgres://u@[::1]:5432/portal")
    assert (entry["HOST"], entry["PORT"]) == ("::1", "5432")


def test_postgres_url_socket_directory_in_query():
    entry = dsn.postgres("postgres:///portal?host=/var/run/postgresql")
    assert entry["HOST"] == "/var/run/postgresql"
    assert entry["OPTIONS"] == {}


def test_postgres_keyvalue():
    entry = dsn.postgres("host=db port=5432 user=portal password=pw dbname=portal sslmode=require")
    assert entry == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "portal",
        "USER": "portal",
        "PASSWORD": "pw",
        "HOST": "db",
        "PORT": "5432",
        "OPTIONS": {"sslmode": "require"},
    }


def test_postgres_keyvalue_quoted_password_with_spaces_and_quotes():
    entry = dsn.postgres(r"host=db dbname=portal password='a b\'c=d'")
    assert entry["PASSWORD"] == "a b'c=d"


@pytest.mark.parametrize(("conn", "password"), [
    (r"dbname=portal password=p\ q\\r", "p q\\r"),
    ("dbname=portal password=pa'ss", "pa'ss"),
    ("dbname=portal password=''", ""),
    ("dbname=portal password='x y=z' host=db", "x y=z"),
])
def test_postgres_keyvalue_follows_libpq_quoting(conn, password):
    assert dsn.postgres(conn)["PASSWORD"] == password


def test_postgres_keyvalue_allows_spaces_around_equals():
    entry = dsn.postgres("host = db  port= 5432 dbname =portal")
    assert (entry["HOST"], entry["PORT"], entry["NAME"]) == ("db", "5432", "portal")


def test_postgres_keyvalue_without_host_uses_default_socket():
    entry = dsn.postgres("dbname=portal")
    assert (entry["NAME"], entry["HOST"], entry["PORT"]) == ("portal", "", "")


@pytest.mark.parametrize("conn", ["", "   "])
def test_postgres_empty_is_an_error(conn):
    with pytest.raises(ValueError, match="is required for the postgres dialect"):
        dsn.postgres(conn)


@pytest.mark.parametrize("conn", [
    "postgres://portal:pw@db:5432",
    "postgres://portal:pw@db:5432/",
    "host=db user=portal password=pw",
    "host=db dbname=",
])
def test_postgres_missing_database_name(conn):
    with pytest.raises(ValueError, match="names no database"):
        dsn.postgres(conn)


@pytest.mark.parametrize("conn", [
    "postgres://portal:pw@db:abc/portal",
    "postgres://portal:pw@db:99999/portal",
    "host=db port=abc dbname=portal",
    "host=db port=-1 dbname=portal",
])
def test_postgres_bad_port(conn):
    with pytest.raises(ValueError, match="has a port that is not a number"):
        dsn.postgres(conn)


@pytest.mark.parametrize(("conn", "key"), [
    ("postgres://db/portal?sslmod=disable", "sslmod"),
    ("host=db dbname=portal colour=blue", "colour"),
])
def test_postgres_unknown_parameter(conn, key):
    with pytest.raises(ValueError, match=f"has an unknown PostgreSQL parameter '{key}'"):
        dsn.postgres(conn)


@pytest.mark.parametrize("conn", [
    "mysql://portal:pw@db/portal",
    "host=db dbname=portal justaword",
    "=x dbname=portal",
    "host='unterminated dbname=portal",
])
def test_postgres_malformed(conn):
    with pytest.raises(ValueError, match="is not a valid connection string: expected a URL postgres://"):
        dsn.postgres(conn)


@pytest.mark.parametrize("conn", [
    "postgres://portal:[hunter2]@db/portal",
    "postgres://portal:hunter[2x@db/portal",
    "postgres://portal:hunter2@db:notaport/portal",
    "postgres://portal:hunter2@db/",
    "host=db port=x password=hunter2 dbname=portal",
    "host='db password=hunter2 dbname=portal",
])
def test_postgres_errors_never_contain_the_password(conn):
    with pytest.raises(ValueError) as info:
        dsn.postgres(conn)
    assert "hunter" not in str(info.value)


# --- mysql -----------------------------------------------------------------------------------------------

MYSQL_DEFAULT_OPTIONS = {
    "charset": "utf8mb4",
    "isolation_level": "read committed",
    "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
}


def test_mysql_go_dsn_tcp():
    entry = dsn.mysql("portal:pw@tcp(db.example.com:3307)/portaldb?charset=utf8&parseTime=True&loc=Local")
    assert entry == {
        "ENGINE": "django.db.backends.mysql",
        "NAME": "portaldb",
        "USER": "portal",
        "PASSWORD": "pw",
        "HOST": "db.example.com",
        "PORT": "3307",
        "OPTIONS": MYSQL_DEFAULT_OPTIONS,
    }


def test_mysql_go_dsn_tcp_without_port():
    entry = dsn.mysql("portal:pw@tcp(db)/portal")
    assert (entry["HOST"], entry["PORT"]) == ("db", "")


def test_mysql_go_dsn_default_network():
    entry = dsn.mysql("portal:pw@(db:3306)/portal")
    assert (entry["USER"], entry["PASSWORD"], entry["HOST"], entry["PORT"], entry["NAME"]) == (
        "portal", "pw", "db", "3306", "portal")


def test_mysql_go_dsn_ipv6_address():
    entry = dsn.mysql("portal:pw@tcp([::1]:3306)/portal")
    assert (entry["HOST"], entry["PORT"]) == ("::1", "3306")


def test_mysql_go_dsn_unix_socket():
    entry = dsn.mysql("portal:pw@unix(/var/run/mysqld/mysqld.sock)/portal")
    assert entry["HOST"] == "localhost"
    assert entry["PORT"] == ""
    assert entry["OPTIONS"]["unix_socket"] == "/var/run/mysqld/mysqld.sock"


def test_mysql_go_dsn_without_credentials_or_address():
    entry = dsn.mysql("/portal")
    assert (entry["USER"], entry["PASSWORD"], entry["HOST"], entry["PORT"], entry["NAME"]) == (
        "", "", "", "", "portal")


def test_mysql_go_dsn_user_without_password():
    entry = dsn.mysql("portal@tcp(db:3306)/portal")
    assert (entry["USER"], entry["PASSWORD"]) == ("portal", "")


def test_mysql_go_dsn_password_is_taken_literally():
    # Go DSN passwords are not URL-encoded: everything up to the last "@" belongs to the password.
    entry = dsn.mysql(f"portal:{PASSWORD}@tcp(db:3306)/portal")
    assert entry["USER"] == "portal"
    assert entry["PASSWORD"] == PASSWORD
    assert entry["HOST"] == "db"


def test_mysql_url():
    entry = dsn.mysql("mysql://portal:pw@db:3306/portal?charset=latin1")
    assert entry == {
        "ENGINE": "django.db.backends.mysql",
        "NAME": "portal",
        "USER": "portal",
        "PASSWORD": "pw",
        "HOST": "db",
        "PORT": "3306",
        "OPTIONS": {**MYSQL_DEFAULT_OPTIONS, "charset": "latin1"},
    }


def test_mariadb_url_without_port():
    entry = dsn.mysql("mariadb://portal@db/portal")
    assert (entry["HOST"], entry["PORT"], entry["USER"], entry["PASSWORD"]) == ("db", "", "portal", "")


def test_mysql_url_password_with_special_characters_is_decoded():
    entry = dsn.mysql("mysql://portal:s3cr3t-P%40ss%3Aw%2Frd%3F%23%25%26%3D@db/portal")
    assert entry["PASSWORD"] == PASSWORD


@pytest.mark.parametrize(("charset", "expected"), [
    ("utf8", "utf8mb4"),
    ("utf8mb3", "utf8mb4"),
    ("utf8mb4", "utf8mb4"),
    ("utf8,latin1", "utf8mb4"),
    ("latin1,utf8", "latin1"),
    ("", "utf8mb4"),
])
def test_mysql_charset(charset, expected):
    assert dsn.mysql(f"u:p@tcp(db)/portal?charset={charset}")["OPTIONS"]["charset"] == expected


def test_mysql_charset_defaults_to_utf8mb4():
    assert dsn.mysql("u:p@tcp(db)/portal")["OPTIONS"]["charset"] == "utf8mb4"


def test_mysql_parameter_names_are_case_insensitive():
    entry = dsn.mysql("u:p@tcp(db)/portal?Charset=utf8&ParseTime=true&TLS=true")
    assert entry["OPTIONS"]["charset"] == "utf8mb4"
    assert entry["OPTIONS"]["ssl_mode"] == "REQUIRED"


@pytest.mark.parametrize("value", ["true", "required", "skip-verify", "preferred", "TRUE"])
def test_mysql_tls_requires_ssl(value):
    assert dsn.mysql(f"u:p@tcp(db)/portal?tls={value}")["OPTIONS"]["ssl_mode"] == "REQUIRED"


def test_mysql_tls_false_sets_nothing():
    assert "ssl_mode" not in dsn.mysql("u:p@tcp(db)/portal?tls=false")["OPTIONS"]


@pytest.mark.parametrize("conn", ["", "  "])
def test_mysql_empty_is_an_error(conn):
    with pytest.raises(ValueError, match="is required for the mysql dialect"):
        dsn.mysql(conn)


@pytest.mark.parametrize("conn", [
    "portal:pw@tcp(db:3306)/",
    "portal:pw@tcp(db:3306)/?charset=utf8",
    "mysql://portal:pw@db:3306",
    "mysql://portal:pw@db:3306/",
])
def test_mysql_missing_database_name(conn):
    with pytest.raises(ValueError, match="names no database"):
        dsn.mysql(conn)


@pytest.mark.parametrize("conn", [
    "portal:pw@tcp(db:abc)/portal",
    "portal:pw@(db:33o6)/portal",
    "mysql://portal:pw@db:abc/portal",
])
def test_mysql_bad_port(conn):
    with pytest.raises(ValueError, match="has a port that is not a number"):
        dsn.mysql(conn)


@pytest.mark.parametrize("conn", [
    "u:p@tcp(db)/portal?colour=blue",
    "mysql://u:p@db/portal?colour=blue",
])
def test_mysql_unknown_parameter(conn):
    with pytest.raises(ValueError, match="has an unknown MySQL parameter 'colour'"):
        dsn.mysql(conn)


@pytest.mark.parametrize("conn", [
    "portal:pw@tcp(db:3306)portal",
    "portal:pw@db:3306/portal",
    "postgres://portal:pw@db/portal",
])
def test_mysql_malformed(conn):
    with pytest.raises(ValueError, match="is not a valid connection string: expected user:password@tcp"):
        dsn.mysql(conn)


@pytest.mark.parametrize("conn", [
    "portal:hunter2@tcp(db:3306)portal",
    "portal:hunter2@tcp(db:abc)/portal",
    "portal:hunter2@tcp(db)/",
    "portal:hunter2@tcp(db)/portal?colour=1",
    "mysql://portal:[hunter2]@db/portal",
    "mysql://portal:hunter2@db:x/portal",
])
def test_mysql_errors_never_contain_the_password(conn):
    with pytest.raises(ValueError) as info:
        dsn.mysql(conn)
    assert "hunter" not in str(info.value)


# --- database() dispatch ---------------------------------------------------------------------------------


def test_database_dispatches_on_dialect(tmp_path):
    assert dsn.database("sqlite3", "", str(tmp_path))["ENGINE"] == "django.db.backends.sqlite3"
    assert dsn.database("postgres", "dbname=portal", ".")["ENGINE"] == "django.db.backends.postgresql"
    assert dsn.database("mysql", "/portal", ".")["ENGINE"] == "django.db.backends.mysql"
