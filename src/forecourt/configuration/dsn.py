"""Connection strings in the forms Tyk users already have, turned into Django DATABASES entries.

- sqlite3: a file path (`portal.db`, `/data/portal.db`), `file:portal.db?...` or `sqlite:///path`.
- postgres: a URL (`postgres://user:pass@host:5432/db?sslmode=disable`) or a libpq key=value
  string (`host=db user=portal password=x dbname=portal sslmode=disable`).
- mysql: Go's DSN (`user:pass@tcp(host:3306)/db?charset=utf8&parseTime=True`, also `@(host)`,
  `@unix(/path)`) or a URL (`mysql://user:pass@host:3306/db`).

Errors are ValueError with a message saying which form was expected; passwords never appear
in them.
"""

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

_PG_KEYS = {
    "host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "sslrootcert", "sslcert",
    "sslkey", "connect_timeout", "application_name", "options", "target_session_attrs", "passfile",
}
_PG_FORM = "a URL postgres://user:password@host:5432/dbname or key=value pairs host=... dbname=..."
_MYSQL_FORM = "user:password@tcp(host:3306)/dbname?param=value or mysql://user:password@host:3306/dbname"
# Go driver parameters that mean nothing to mysqlclient.
_MYSQL_IGNORED = {"parsetime", "loc", "timeout", "readtimeout", "writetimeout", "allownativepasswords",
                  "multistatements", "interpolateparams", "collation", "maxallowedpacket"}


def sqlite(conn: str, data_dir: str) -> dict[str, Any]:
    text = conn.strip()
    if not text:
        path = Path(data_dir) / "portal.db"
    else:
        if text.startswith("sqlite:"):
            text = urlsplit(text).path
            # sqlite:///relative.db has the path "/relative.db"; sqlite:////abs.db has "//abs.db".
            text = unquote(text.removeprefix("/"))
        elif text.startswith("file:"):
            text = unquote(text[len("file:"):].split("?", 1)[0])
        if text in ("", ":memory:") or "mode=memory" in conn:
            raise ValueError("must name a database file: an in-memory database is not shared between workers")
        path = Path(text)
    try:
        name = str(path.expanduser().absolute())
    except RuntimeError:  # "~" with no home directory (HOME unset, uid not in passwd), or "~nosuchuser"
        raise ValueError(f"cannot expand ~ in {str(path)!r}: no home directory is known") from None
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            # WAL lets readers proceed while one writer writes; IMMEDIATE takes the write lock at
            # BEGIN so two writers queue on `timeout` instead of failing with "database is locked".
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


# libpq's rules: `key = value`, a value in single quotes may hold spaces, and a backslash escapes
# the next character (`\'`, `\\`) in quoted and bare values alike.
_PG_KEY = re.compile(r"\s*([^\s=]+)\s*=\s*")
_PG_VALUE = re.compile(r"'((?:[^'\\]|\\.)*)'|(?!')((?:[^\s\\]|\\.)*)(?!\S)", re.DOTALL)


def _pg_keyvalue(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    text, pos = text.strip(), 0
    while pos < len(text):
        key = _PG_KEY.match(text, pos)
        value = key and _PG_VALUE.match(text, key.end())
        if not key or not value:
            raise ValueError(f"is not a valid connection string: expected {_PG_FORM}")
        if key[1] not in _PG_KEYS:
            raise ValueError(f"has an unknown PostgreSQL parameter {key[1]!r}: expected {_PG_FORM}")
        out[key[1]] = re.sub(r"\\(.)", r"\1", value[1] if value[1] is not None else value[2], flags=re.DOTALL)
        pos = value.end()
    return out


def _urlsplit(text: str, form: str) -> Any:
    try:
        return urlsplit(text)
    except ValueError:  # e.g. an unencoded "[" in the password; urllib's message would quote it
        raise ValueError(f"is not a valid connection string: expected {form}") from None


def _pg_url(text: str) -> dict[str, str]:
    url = _urlsplit(text, _PG_FORM)
    if url.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"is not a valid connection string: expected {_PG_FORM}")
    try:
        port = url.port
    except ValueError:
        raise ValueError("has a port that is not a number") from None
    out = {"host": url.hostname or "", "dbname": unquote(url.path.lstrip("/"))}
    if port:
        out["port"] = str(port)
    if url.username:
        out["user"] = unquote(url.username)
    if url.password:
        out["password"] = unquote(url.password)
    for key, value in parse_qsl(url.query, keep_blank_values=True):
        if key not in _PG_KEYS:
            raise ValueError(f"has an unknown PostgreSQL parameter {key!r}: expected {_PG_FORM}")
        out[key] = value
    return out


def postgres(conn: str) -> dict[str, Any]:
    text = conn.strip()
    if not text:
        raise ValueError(f"is required for the postgres dialect: expected {_PG_FORM}")
    params = _pg_url(text) if "://" in text else _pg_keyvalue(text)
    if not params.get("dbname"):
        raise ValueError(f"names no database: expected {_PG_FORM}")
    name = params.pop("dbname")
    entry: dict[str, Any] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": params.pop("user", ""),
        "PASSWORD": params.pop("password", ""),
        "HOST": params.pop("host", ""),
        "PORT": params.pop("port", ""),
        "OPTIONS": dict(params),
    }
    if entry["PORT"] and not entry["PORT"].isdigit():
        raise ValueError("has a port that is not a number")
    return entry


_GO_DSN = re.compile(
    r"^(?:(?P<user>[^:@]*)(?::(?P<password>.*))?@)?"
    r"(?:(?P<net>tcp|unix)?\((?P<addr>[^)]*)\))?"
    r"/(?P<dbname>[^?]*)(?:\?(?P<params>.*))?$"
)


def mysql(conn: str) -> dict[str, Any]:  # noqa: C901, PLR0912 - one branch per part of Go's MySQL DSN grammar
    text = conn.strip()
    if not text:
        raise ValueError(f"is required for the mysql dialect: expected {_MYSQL_FORM}")
    options: dict[str, Any] = {}
    if "://" in text:
        url = _urlsplit(text, _MYSQL_FORM)
        if url.scheme not in ("mysql", "mariadb"):
            raise ValueError(f"is not a valid connection string: expected {_MYSQL_FORM}")
        try:
            port = url.port
        except ValueError:
            raise ValueError("has a port that is not a number") from None
        user, password = unquote(url.username or ""), unquote(url.password or "")
        host, port_text, name = url.hostname or "", str(port or ""), unquote(url.path.lstrip("/"))
        query = url.query
    else:
        match = _GO_DSN.match(text)
        if not match:
            raise ValueError(f"is not a valid connection string: expected {_MYSQL_FORM}")
        user, password = match["user"] or "", match["password"] or ""
        addr, name, query = match["addr"] or "", match["dbname"], match["params"] or ""
        host, port_text = addr, ""
        if match["net"] == "unix":
            options["unix_socket"] = addr
            host = "localhost"
        elif addr:
            host, _, port_text = addr.rpartition(":") if ":" in addr else (addr, "", "")
            if host.startswith("[") and host.endswith("]"):  # tcp([::1]:3306)
                host = host[1:-1]
            if port_text and not port_text.isdigit():
                raise ValueError("has a port that is not a number")
    if not name:
        raise ValueError(f"names no database: expected {_MYSQL_FORM}")
    charset = "utf8mb4"
    for key, value in parse_qsl(query, keep_blank_values=True):
        lowered = key.lower()
        if lowered == "charset":
            # Go accepts a list ("utf8mb4,utf8"); the first is the wanted one. utf8 is widened to
            # utf8mb4 so that every character a user types can be stored.
            charset = value.split(",")[0] or charset
            charset = "utf8mb4" if charset in ("utf8", "utf8mb3") else charset
        elif lowered in ("tls", "ssl-mode", "ssl_mode"):
            if value.lower() in ("true", "required", "skip-verify", "preferred"):
                options["ssl_mode"] = "REQUIRED"
        elif lowered not in _MYSQL_IGNORED:
            raise ValueError(f"has an unknown MySQL parameter {key!r}: expected {_MYSQL_FORM}")
    options.update({
        "charset": charset,
        "isolation_level": "read committed",
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
    })
    return {
        "ENGINE": "django.db.backends.mysql",
        "NAME": name,
        "USER": user,
        "PASSWORD": password,
        "HOST": host,
        "PORT": port_text,
        "OPTIONS": options,
    }


def database(dialect: str, conn: str, data_dir: str) -> dict[str, Any]:
    if dialect == "sqlite3":
        return sqlite(conn, data_dir)
    if dialect == "postgres":
        return postgres(conn)
    return mysql(conn)
