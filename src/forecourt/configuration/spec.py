"""Every setting Forecourt reads, with its Tyk-compatible names.

A setting has a JSON path in portal.conf (`Database.Dialect`) and an environment name
(`DATABASE_DIALECT`, read as `PORTAL_DATABASE_DIALECT` and `TYK_PORTAL_DATABASE_DIALECT`).
Tyk's names are not derived from one another (`LogLevel` is `PORTAL_LOG_LEVEL`), so both
are written out. Secrets also accept `PORTAL_<NAME>_FILE`, the path of a file holding the value.
"""

import re
from dataclasses import dataclass
from typing import Any

from . import parsers
from .parsers import Parser


@dataclass(frozen=True)
class Setting:
    key: str  # JSON path in portal.conf, dotted
    env: str  # environment name without the PORTAL_ / TYK_PORTAL_ prefix
    parse: Parser
    default: Any
    help: str
    secret: bool = False
    # Accepted so Tyk configuration files keep working, but without effect in Forecourt.
    ignored: bool = False
    # The release that added the setting ("" = the first release), and whether it must be set:
    # `forecourt upgrade-check` lists settings new since a database's version, and blocks an
    # upgrade on a required one left unset. tests/test_releases.py checks `since` against git.
    since: str = ""
    required: bool = False

    @property
    def attr(self) -> str:
        """The Python name of the setting, an attribute of the loaded Config: `HostPort` -> `host_port`,
        `Database.MaxRetries` -> `database_max_retries`, `TLSConfig.Enable` -> `tls_config_enable`."""
        return "_".join(_WORD_START.sub("_", part).lower() for part in self.key.split("."))


# Where a word starts inside a CamelCase part: before an upper-case letter after a lower-case one or a
# digit, and before the last capital of an acronym that a word follows (TLSConfig: TLS_Config).
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


SETTINGS: tuple[Setting, ...] = (
    Setting("HostPort", "HOSTPORT", parsers.port, 3001, "Port the portal listens on."),
    Setting(
        "ListenAddress",
        "LISTENADDRESS",
        parsers.string,
        "0.0.0.0",  # noqa: S104 - a portal is a network service; Tyk listens on all addresses too.
        "Address the portal binds to (Forecourt).",
    ),
    Setting("PublicURL", "PUBLIC_URL", parsers.public_url, "",
            "The portal's address as its users reach it (https://portal.example.com), used for the links in "
            "e-mails (password resets, activations, invitations...); empty means the address each request "
            "came to, which a forged Host header can change (Forecourt).", since="0.4.0"),
    Setting("Workers", "WORKERS", parsers.integer(0, 64, "a whole number from 0 to 64"), 0,
            "Web worker processes; 0 picks from the CPU count (Forecourt)."),
    Setting("DataDir", "DATADIR", parsers.string, "./data",
            "Directory for the SQLite database and other local state (Forecourt)."),
    Setting("RefreshInterval", "REFRESHINTERVAL", parsers.positive, 10,
            "Minutes between provider synchronisations."),
    Setting("LogLevel", "LOG_LEVEL",
            parsers.choice("debug", "info", "warn", "error",
                           aliases={"warning": "warn", "dpanic": "error", "panic": "error", "fatal": "error"}),
            "info", "Log level."),
    Setting("LogFormat", "LOG_FORMAT", parsers.choice("dev", "prod"), "dev",
            "dev: readable text; prod: one JSON object per line."),
    Setting("Database.Dialect", "DATABASE_DIALECT",
            parsers.choice("sqlite3", "postgres", "mysql",
                           aliases={"sqlite": "sqlite3", "postgresql": "postgres", "mariadb": "mysql"}),
            "sqlite3", "Database engine."),
    Setting("Database.ConnectionString", "DATABASE_CONNECTIONSTRING", parsers.string, "",
            "Connection string; empty means an SQLite file in DataDir.", secret=True),
    Setting("Database.EnableLogs", "DATABASE_ENABLELOGS", parsers.boolean, False, "Log every SQL statement."),
    Setting("Database.MaxRetries", "DATABASE_MAXRETRIES", parsers.non_negative, 3,
            "Connection retries at start-up."),
    Setting("Database.RetryDelay", "DATABASE_RETRYDELAY", parsers.non_negative, 5000,
            "Milliseconds between connection retries."),
    Setting("Database.ConnectionMaxLifetime", "DATABASE_CONNECTION_MAX_LIFETIME", parsers.non_negative,
            1800000, "Milliseconds a database connection is reused; 0 reuses it indefinitely."),
    Setting("Database.MaxOpenConnections", "DATABASE_MAX_OPEN_CONNECTIONS", parsers.non_negative, 0,
            "Tyk pool size; Forecourt holds one connection per worker thread.", ignored=True),
    Setting("Database.MaxIdleConnections", "DATABASE_MAX_IDLE_CONNECTIONS", parsers.non_negative, 2,
            "Tyk pool size; Forecourt holds one connection per worker thread.", ignored=True),
    Setting("Session.Name", "SESSION_NAME", parsers.string, "portal-session", "Session cookie name."),
    Setting("Session.Secure", "SESSION_SECURE", parsers.boolean, False, "Mark cookies Secure (HTTPS only)."),
    Setting("Session.HttpOnly", "SESSION_HTTPONLY", parsers.boolean, True, "Hide the session cookie from scripts."),
    Setting("Session.SameSite", "SESSION_SAMESITE", parsers.choice("None", "Lax", "Strict"), "Strict",
            "SameSite attribute of the cookies."),
    Setting("Session.Key", "SESSION_KEY", parsers.string, "",
            "Secret for sessions and signing; empty means one generated once and kept in the database.",
            secret=True),
    Setting("EncryptionKey", "ENCRYPTION_KEY", parsers.string, "",
            "Key for secrets stored encrypted (provider keys, SMTP password); comma-separated to rotate. "
            "Empty means one generated once and kept in the database (Forecourt).", secret=True, since="0.2.0"),
    Setting("Session.LifeTime", "SESSION_LIFETIME", parsers.positive, 604800, "Session lifetime in seconds."),
    Setting("Session.IdleTimeout", "SESSION_IDLE_TIMEOUT", parsers.non_negative, 3600,
            "Seconds without activity after which a session ends; 0 disables."),
    Setting("Theming.Theme", "THEMING_THEME", parsers.string, "default", "Theme used at start-up."),
    Setting("Theming.Path", "THEMING_PATH", parsers.string, "./themes", "Directory of uploaded themes."),
    Setting("Theming.DisableUpload", "THEMING_DISABLE_UPLOAD", parsers.boolean, False,
            "Forbid theme uploads."),
    Setting("MaxUploadSize", "MAX_UPLOAD_SIZE", parsers.positive, 33554432, "Largest upload in bytes."),
    Setting("ProductDocRenderer", "DOCRENDERER", parsers.choice("stoplight", "redoc"), "stoplight",
            "Renderer for OpenAPI documents."),
    Setting("TryIt.Proxy", "TRY_IT_PROXY", parsers.boolean, False,
            "Send the API docs page's \"Try it\" calls through the portal (to the product's own gateway only, "
            "size- and time-limited) instead of from the browser straight to the gateway: for gateways that "
            "answer no CORS preflight. Off by default: the portal then relays developers' credentials, which "
            "it otherwise never sees after their one showing (Forecourt).", since="0.14.0"),
    Setting("TrustedProxies", "TRUSTED_PROXIES", parsers.networks, [],
            "Addresses or networks of the reverse proxies in front of the portal (comma-separated, e.g. "
            "10.0.0.0/8): a request from one of them is counted, by the sign-in and sign-up throttles, as "
            "coming from the address its X-Forwarded-For names, and its X-Forwarded-Proto: https makes the "
            "request HTTPS; empty trusts no proxy (Forecourt).", since="0.5.0"),
    Setting("Webhooks.AllowPrivateTargets", "WEBHOOKS_ALLOW_PRIVATE_TARGETS", parsers.boolean, False,
            "Let webhooks call loopback, private and link-local addresses.", since="0.5.0"),
    Setting("TLSConfig.Enable", "TLS_ENABLE", parsers.boolean, False,
            "Serve HTTPS with the certificate in TLSConfig.Certificates, checked at start (files readable, key "
            "matching the certificate); cookies are then Secure and HSTS is sent.", since="0.6.0"),
    Setting("TLSConfig.Certificates", "TLS_CERTIFICATES", parsers.tls_certificates, [],
            "The certificate to serve: a JSON list of one {Name, CertFile, KeyFile} (PEM files, the key "
            "unencrypted; relative paths from the working directory). Forecourt serves one certificate, so "
            "give one valid for every name the portal is reached by.", since="0.6.0"),
    Setting("TLSConfig.MinVersion", "TLS_MIN_VERSION", parsers.tls_version, 771,
            "Oldest TLS version offered: 771 (TLS 1.2) or 772 (TLS 1.3). Tyk's 769 and 770 (TLS 1.0 and 1.1) "
            "are accepted and mean TLS 1.2, which is the oldest Forecourt offers.", since="0.6.0"),
    Setting("TLSConfig.MaxVersion", "TLS_MAX_VERSION", parsers.tls_version, 772,
            "Tyk's newest TLS version; Forecourt offers up to TLS 1.3.", ignored=True, since="0.6.0"),
    Setting("TLSConfig.CipherSuites", "TLS_CIPHER_SUITES", parsers.string_list, [],
            "Tyk's allowed cipher suites (Go names); Forecourt uses its TLS library's modern defaults.",
            ignored=True, since="0.6.0"),
    Setting("TLSConfig.InsecureSkipVerify", "TLS_INSECURE_SKIP_VERIFY", parsers.boolean, False,
            "Tyk's switch to accept self-signed certificates; Forecourt never skips certificate checks.",
            ignored=True, since="0.6.0"),
    Setting("HSTS.MaxAge", "HSTS_MAX_AGE", parsers.non_negative, 31536000,
            "Seconds browsers keep to HTTPS for the portal's host (Strict-Transport-Security), sent when "
            "PublicURL is https or TLSConfig.Enable is set; 0 sends no such header (Forecourt).",
            since="0.6.0"),
    Setting("HSTS.Preload", "HSTS_PRELOAD", parsers.boolean, False,
            "Add includeSubDomains and preload to Strict-Transport-Security, for browsers' preload lists; needs "
            "HSTS.MaxAge of a year (31536000) or more, and binds every subdomain to HTTPS (Forecourt).",
            since="0.6.0"),
    Setting("Providers.AllowPrivateTargets", "PROVIDERS_ALLOW_PRIVATE_TARGETS", parsers.boolean, True,
            "Let providers (Tyk Dashboards) be reached at loopback and private addresses; link-local, cloud "
            "metadata, multicast, unspecified and reserved addresses are always refused (Forecourt).",
            since="0.6.0"),
    Setting("DocumentImport.AllowPrivateTargets", "DOCUMENT_IMPORT_ALLOW_PRIVATE_TARGETS", parsers.boolean, False,
            "Let admins import OpenAPI documents from URLs at loopback and private addresses (an internal "
            "server); link-local, cloud metadata, multicast, unspecified and reserved addresses are always "
            "refused (Forecourt).", since="0.7.0"),
    Setting("Cache.URL", "CACHE_URL", parsers.cache_url, "",
            "Where the Live Portal keeps its cached pages: empty means a cache in each web worker's memory "
            "(nothing to run; enough for one machine), a Redis URL (redis://[:password@]host[:port][/db], "
            "rediss:// for TLS) one cache that every worker and replica shares. A page's cache key holds the "
            "database's content revision, so no replica ever serves a page older than a committed change, "
            "and when Redis is down pages are rendered without it (Forecourt).",
            secret=True, since="0.8.0"),
    Setting("LicenseKey", "LICENSEKEY", parsers.string, "", "Tyk licence key; Forecourt needs none.",
            secret=True, ignored=True),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}
BY_ENV: dict[str, Setting] = {s.env: s for s in SETTINGS}
BY_ATTR: dict[str, Setting] = {s.attr: s for s in SETTINGS}

ENV_PREFIXES = ("TYK_PORTAL_", "PORTAL_")  # the longer first, so TYK_PORTAL_X is not read as PORTAL_X
FILE_SUFFIX = "_FILE"
# Environment names the loader itself reads, so they are not "unknown".
CONFIG_PATH_ENV = "PORTAL_CONFIG"
