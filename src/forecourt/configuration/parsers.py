"""Value parsers for settings.

Each parser takes the raw value (a string from the environment, or any JSON value from
portal.conf) and returns the typed value, or raises ValueError whose text says what is
accepted. The loader turns that into a ConfigError naming the setting and its source.
"""

import ipaddress
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

Parser = Callable[[Any], Any]

_TRUE = {"true", "1", "yes", "on", "t", "y"}
_FALSE = {"false", "0", "no", "off", "f", "n", ""}


def boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("must be a boolean: true or false")


def integer(minimum: int | None = None, maximum: int | None = None, what: str = "an integer") -> Parser:
    def parse(raw: Any) -> int:
        if isinstance(raw, bool):
            raise ValueError(f"must be {what}")
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        else:
            try:
                value = int(str(raw).strip(), 10)
            except ValueError:
                raise ValueError(f"must be {what}") from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise ValueError(f"must be {what}")
        return value

    return parse


port = integer(1, 65535, "a port number from 1 to 65535")
non_negative = integer(0, None, "a whole number, 0 or more")
positive = integer(1, None, "a whole number, 1 or more")


def string(raw: Any) -> str:
    if isinstance(raw, (dict, list, bool)) or raw is None:
        raise ValueError("must be a string")
    return str(raw)


def choice(*options: str, aliases: dict[str, str] | None = None, case: bool = False) -> Parser:
    """One of `options`; `aliases` maps other accepted spellings to an option."""
    aliases = aliases or {}
    folded = {o if case else o.lower(): o for o in options}
    folded.update({(a if case else a.lower()): o for a, o in aliases.items()})

    def parse(raw: Any) -> str:
        text = string(raw).strip()
        key = text if case else text.lower()
        if key not in folded:
            raise ValueError("must be one of: " + ", ".join(options))
        return folded[key]

    # The values it can return: the typed configuration (configuration/typed.py) declares them as a Literal.
    setattr(parse, "options", options)  # noqa: B010 - a function attribute mypy does not know
    return parse


def networks(raw: Any) -> list[str]:
    """IP addresses or CIDR networks, comma-separated (or a JSON list): normalised network strings."""
    items = raw if isinstance(raw, list) else str(raw).split(",")
    found: list[str] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            found.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            raise ValueError(f"{text!r} is not an IP address or network: use e.g. 10.0.0.0/8, 192.0.2.7, "
                             "fd00::/8, comma-separated") from None
    return found


def public_url(raw: Any) -> str:
    """An absolute http(s) URL with a host and nothing after it but an optional "/"; returned as
    `scheme://host[:port]` (scheme and host in lower case, no trailing "/"). Empty stays empty."""
    text = string(raw).strip()
    if not text:
        return ""
    problem = "must be an absolute http or https URL with a host and no path, e.g. https://portal.example.com"
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError if it is not a port number
    except ValueError:
        raise ValueError(problem) from None
    if (parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username is not None
            or parts.password is not None or parts.path not in ("", "/") or parts.query or parts.fragment
            or text.endswith(("?", "#")) or any(c.isspace() for c in text)):
        raise ValueError(problem)
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port is not None else "")


def cache_url(raw: Any) -> str:
    """Where the shared cache is: "" (an embedded cache in each process) or a Redis URL,
    redis://[:password@]host[:port][/db] or rediss:// for TLS; the database a number from 0 to 15.
    Returned stripped; the text of an error never repeats the value (it may hold a password)."""
    text = string(raw).strip()
    if not text:
        return ""
    problem = ("must be empty (a cache in each process) or a Redis URL, e.g. redis://127.0.0.1:6379/0 or "
               "rediss://:password@cache.example.com:6380/1")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - ValueError if it is not a port number
    except ValueError:
        raise ValueError(problem) from None
    if parts.scheme.lower() not in ("redis", "rediss") or not parts.hostname or parts.fragment \
            or any(c.isspace() for c in text):
        raise ValueError(problem)
    database = parts.path.strip("/")
    if database and (not database.isdigit() or int(database) > 15):
        raise ValueError(problem + " (the database is a number from 0 to 15)")
    return text


def string_list(raw: Any) -> list[str]:
    """A JSON list of strings (portal.conf, or a JSON text in the environment), or comma-separated names."""
    items: Any = raw
    if isinstance(raw, str) and raw.strip().startswith("["):
        try:
            items = json.loads(raw)
        except json.JSONDecodeError:
            raise ValueError("must be a list of names: a JSON list or comma-separated") from None
    if isinstance(items, str):
        items = items.split(",")
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError("must be a list of names: a JSON list or comma-separated")
    return [item.strip() for item in items if item.strip()]


# Go's crypto/tls version numbers, which Tyk's TLSConfig.MinVersion and MaxVersion use.
TLS_VERSIONS = {769: "1.0", 770: "1.1", 771: "1.2", 772: "1.3"}


def tls_version(raw: Any) -> int:
    """769, 770, 771 or 772 (TLS 1.0 to 1.3, as Tyk writes them), as a number or a string."""
    problem = "must be a TLS version number: 769 (TLS 1.0), 770 (1.1), 771 (1.2) or 772 (1.3)"
    if isinstance(raw, bool):
        raise ValueError(problem)
    try:
        value = int(str(raw).strip(), 10)
    except ValueError:
        raise ValueError(problem) from None
    if value not in TLS_VERSIONS:
        raise ValueError(problem)
    return value


_CERTIFICATE_FIELDS = ("Name", "CertFile", "KeyFile")


def tls_certificates(raw: Any) -> list[dict[str, str]]:
    """Tyk's TLSConfig.Certificates: a list (a JSON text in the environment) of objects with a Name, a
    CertFile and a KeyFile. Only the shape is checked here; the files are read by configuration.tls."""
    example = '[{"Name": "portal", "CertFile": "portal.crt", "KeyFile": "portal.key"}]'
    items: Any = raw
    if isinstance(raw, str):
        if not raw.strip():
            return []
        try:
            items = json.loads(raw)
        except json.JSONDecodeError:
            raise ValueError(f"must be a JSON list of certificates, e.g. {example}") from None
    if not isinstance(items, list):
        raise ValueError(f"must be a JSON list of certificates, e.g. {example}")
    found: list[dict[str, str]] = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ValueError(f"certificate {number} must be an object like {example[1:-1]}")
        unknown = sorted(set(item) - set(_CERTIFICATE_FIELDS))
        if unknown:
            raise ValueError(f"certificate {number} has an unknown field {unknown[0]!r}: "
                             "each certificate has Name, CertFile and KeyFile")
        entry = {}
        for key in _CERTIFICATE_FIELDS:
            value = item.get(key, "")
            if not isinstance(value, str) or (key != "Name" and not value.strip()):
                raise ValueError(f"certificate {number} needs {key} as a "
                                 + ("string" if key == "Name" else "file path"))
            entry[key] = value.strip()
        found.append(entry)
    return found
