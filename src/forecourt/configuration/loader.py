"""Load the effective configuration and remember where each value came from.

Precedence, lowest to highest: built-in defaults < portal.conf < PORTAL_* < TYK_PORTAL_*
(as in Tyk 1.17.3+). portal.conf is the file given with `--conf` (which the CLI passes on
to child processes as PORTAL_CONFIG), else ./portal.conf when it exists.
"""

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import dsn, tls
from .errors import ConfigError
from .said import Said, gettext_noop
from .spec import BY_ATTR, BY_ENV, BY_KEY, CONFIG_PATH_ENV, ENV_PREFIXES, FILE_SUFFIX, SETTINGS, Setting
from .typed import Settings

DEFAULT_CONFIG_FILE = "portal.conf"


@dataclass(frozen=True)
class Config(Settings):
    """The loaded configuration: every setting as a typed attribute (`config.host_port`, from typed.Settings),
    where each value came from (`source_of`), and what loading it found worth saying.

    `config["HostPort"]` reads a setting by its Tyk name, for code that goes through the spec (`describe`);
    other code reads the attributes, which mypy checks.
    """

    sources: Mapping[str, str]  # by Tyk name: "default", "portal.conf <path>" or "environment <NAME>"
    config_file: str | None
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @classmethod
    def from_values(cls, values: Mapping[str, Any], sources: Mapping[str, str], config_file: str | None,
                    warnings: list[str] | None = None, notices: list[str] | None = None) -> "Config":
        """A Config from the parsed values by Tyk name (every setting of the spec)."""
        typed = {setting.attr: values[setting.key] for setting in SETTINGS}
        return cls(**typed, sources=dict(sources), config_file=config_file, warnings=list(warnings or []),
                   notices=list(notices or []))

    def __getitem__(self, key: str) -> Any:
        return getattr(self, BY_KEY[key].attr)

    @property
    def values(self) -> Mapping[str, Any]:
        """Every setting's value by Tyk name, read-only (a changed configuration is a new Config:
        `dataclasses.replace(config, host_port=...)`)."""
        return MappingProxyType({setting.key: getattr(self, setting.attr) for setting in SETTINGS})

    @staticmethod
    def setting(name: str) -> Setting:
        """The definition of a setting (its Tyk names, help, `since`...), by attribute or Tyk name."""
        found = BY_ATTR.get(name) or BY_KEY.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def source_of(self, name: str) -> str:
        """Where a setting's value came from, by attribute or Tyk name: "default", "portal.conf <path>" or
        "environment <NAME>"."""
        return self.sources[self.setting(name).key]

    @property
    def database(self) -> dict[str, Any]:
        """The Django DATABASES["default"] entry (validated when the config was loaded)."""
        return dsn.database(self.database_dialect, self.database_connection_string, self.data_dir)

    def describe(self) -> list[dict[str, Any]]:
        """Every setting with its effective value (secrets masked) and source, for `config show`."""
        rows = []
        for setting in SETTINGS:
            value = getattr(self, setting.attr)
            if setting.secret and value:
                value = "********"
            rows.append({
                "key": setting.key,
                "env": "PORTAL_" + setting.env,
                "value": value,
                "source": self.sources[setting.key],
                "ignored": setting.ignored,
            })
        return rows


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"Database": {"Dialect": "x"}} -> {"Database.Dialect": "x"}; lists and scalars are leaves."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path not in BY_KEY:
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def _read_config_file(path: Path, source: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("portal.conf", source, f"cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError("portal.conf", source, "is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError("portal.conf", source, f"is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise ConfigError("portal.conf", source, "must hold a JSON object of settings")
    return data


def _parse(setting: Setting, raw: Any, name: str, source: str) -> Any:
    try:
        return setting.parse(raw)
    except ValueError as exc:
        shown = None if setting.secret else raw
        raise ConfigError(name, source, str(exc), shown) from None


def load(
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> Config:
    """Build the configuration. Raises ConfigError on the first unusable value."""
    env = os.environ if environ is None else environ
    base = Path(cwd) if cwd is not None else Path.cwd()
    values = {s.key: s.default for s in SETTINGS}
    sources = dict.fromkeys(values, "default")
    warnings: list[str] = []

    explicit = config_file or env.get(CONFIG_PATH_ENV)
    path: Path | None = None
    if explicit:
        path = Path(explicit)
        path = path if path.is_absolute() else base / path
    elif (base / DEFAULT_CONFIG_FILE).is_file():
        path = base / DEFAULT_CONFIG_FILE
    if path is not None:
        origin = f"portal.conf {path}"
        for key, raw in _flatten(_read_config_file(path, origin)).items():
            setting = BY_KEY.get(key)
            if setting is None:
                warnings.append(Said(gettext_noop("unknown setting %(key)s in %(path)s is ignored"),
                                     key=key, path=path))
                continue
            values[key] = _parse(setting, raw, key, origin)
            sources[key] = origin

    # PORTAL_* first, then TYK_PORTAL_* so the latter wins; a _FILE variant is read like its plain name.
    for prefix in reversed(ENV_PREFIXES):
        for name in sorted(env):
            if not name.startswith(prefix) or name == CONFIG_PATH_ENV:
                continue
            if prefix == "PORTAL_" and name.startswith("TYK_PORTAL_"):
                continue
            short = name[len(prefix):]
            from_file = short.endswith(FILE_SUFFIX) and short[: -len(FILE_SUFFIX)] in BY_ENV
            setting = BY_ENV.get(short[: -len(FILE_SUFFIX)] if from_file else short)
            if setting is None:
                warnings.append(Said(gettext_noop("unknown setting %(name)s in the environment is ignored"), name=name))
                continue
            value: Any = env[name]
            origin = f"environment {name}"
            if from_file:
                try:
                    value = Path(value).read_text(encoding="utf-8").rstrip("\r\n")
                except OSError as exc:
                    raise ConfigError(name, origin, f"names a file that cannot be read: {exc.strerror or exc}",
                                      env[name]) from None
            values[setting.key] = _parse(setting, value, name, origin)
            sources[setting.key] = origin

    notices: list[str] = [
        Said(gettext_noop("%(key)s is accepted for Tyk compatibility and has no effect: %(help)s"),
             key=s.key, help=s.help)
        for s in SETTINGS
        if s.ignored and sources[s.key] != "default"
    ]
    tls.check(values, sources, base, _env_or_key, warnings, notices)
    config = Config.from_values(values, sources, str(path) if path else None, warnings, notices)
    # Validate the connection string now, so a malformed one stops start-up with its name.
    try:
        config.database  # noqa: B018
    except ValueError as exc:
        key = "Database.ConnectionString"
        raise ConfigError(_env_or_key(key, sources[key]), sources[key], str(exc)) from None
    return config


def _env_or_key(key: str, source: str) -> str:
    if source.startswith("environment "):
        return source[len("environment "):]
    return key


_current: Config | None = None


def get() -> Config:
    """The process-wide configuration, loaded on first use."""
    global _current
    if _current is None:
        _current = load()
    return _current


def reset(config: Config | None = None) -> None:
    """Forget (or replace) the process-wide configuration; used by the CLI and tests."""
    global _current
    _current = config
