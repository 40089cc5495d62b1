"""Secrets in configuration files: always by reference, never in clear.

A secret field's value is `{env: NAME}` (an environment variable of the process that plans or
applies) or `{file: PATH}` (a file, e.g. a mounted Kubernetes secret; trailing newline dropped).
Export writes `{env: FORECOURT_<KIND>_<KEY>_<FIELD>}` for each secret that is set, so the exported
files name what the pipeline must provide; a plain string is refused as a secret in clear, so a
file with one never reaches git through this tool. Values are resolved only when planning or
applying, and never printed: the plan says "changed" without either value; the applying work
registers them with forecourt.redaction, so no log line carries one.
"""

from __future__ import annotations

import os
import re
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


def resolve(value: Any, base: Path | None) -> str:
    """The secret a reference names. `base` is the source's folder, where relative files start."""
    if not is_reference(value):
        raise Unresolved(RULE)
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
