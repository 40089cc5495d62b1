"""Secrets in configuration files: always by reference, never in clear.

A secret field's value is `{env: NAME}` (an environment variable of the process that plans or
applies) or `{file: PATH}` (a file, e.g. a mounted Kubernetes secret; trailing newline dropped).
Export writes `{env: FORECOURT_<KIND>_<KEY>_<FIELD>}` for each secret that is set, so the exported
files name what the pipeline must provide; a plain string is refused as a secret in clear, so a
file with one never reaches git through this tool. Values are resolved only when planning or
applying, and never printed: the plan says "changed" without either value; the applying work
registers them with forecourt.redaction, so no log line carries one.

A source sent over the Admin API brings its own secrets (`given`: the request's `Secrets`, by
name): its `{env: NAME}` references resolve there, never in the server's environment, and `{file:}`
references are refused. Otherwise an admin's request could copy the server's own secrets (the
database's connection string, any file the portal can read) into a provider's key and so to an
address of their choosing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MAX_SECRET_FILE = 64 * 1024


RULE = "a secret is {env: NAME} or {file: PATH}; a secret in clear is refused"


class Unresolved(ValueError):
    """A reference that gives no value (unset variable, unreadable file) or is not a reference."""


def reference_name(kind: str, key: str, field: str) -> str:
    """The environment variable export names for one secret: FORECOURT_WEBHOOKS_BILLING_SECRET."""
    words = re.sub(r"[^A-Za-z0-9]+", "_", f"FORECOURT_{kind}_{key}_{field}").strip("_")
    return words.upper()


def is_reference(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and (
        isinstance(value.get("env"), str) or isinstance(value.get("file"), str))


def resolve(value: Any, base: Path | None, given: Mapping[str, str] | None = None) -> str:
    """The secret a reference names. `base` is the source's folder, where relative files start;
    `given`, when not None, the only secrets `{env: NAME}` may name (see the module's docstring)."""
    if not is_reference(value):
        raise Unresolved(RULE)
    if given is not None:
        if "env" not in value:
            raise Unresolved("a secret sent over the Admin API is {env: NAME}, NAME given in the request's "
                             "Secrets; {file: PATH} would read the server's files")
        if value["env"] not in given:
            raise Unresolved(f"the secret {value['env']} is not given in the request's Secrets")
        return given[value["env"]]
    if "env" in value:
        name = value["env"]
        if name not in os.environ:
            raise Unresolved(f"the environment variable {name} is not set")
        secret = os.environ[name]
    else:
        path = Path(value["file"])
        if not path.is_absolute():
            if base is None:
                raise Unresolved("a secret file must be an absolute path here")
            path = base / path
        try:
            if path.stat().st_size > MAX_SECRET_FILE:
                raise Unresolved(f"the secret file {value['file']} is larger than 64 KB")
            secret = path.read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise Unresolved(f"the secret file {value['file']} cannot be read: {exc.__class__.__name__}") from None
    return secret
