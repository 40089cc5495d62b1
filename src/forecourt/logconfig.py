"""Logging set-up shared by every Forecourt process (CLI, web workers, job worker).

`PORTAL_LOG_FORMAT=prod` writes one JSON object per line (time, level, logger, message and
any structured fields passed with `extra=`); `dev` writes one readable line. The level comes
from `PORTAL_LOG_LEVEL` (debug | info | warn | error).

Every handler of the root logger runs `RedactSecrets` first, so no line of any logger (ours,
httpx's and httpcore's, granian's, Django's) carries a secret: see forecourt.redaction for what
it takes out and why.
"""

import logging
import logging.config
import os
from datetime import UTC, datetime
from typing import Any

from forecourt import redaction
from forecourt.ops import startlog

LEVELS = {"debug": "DEBUG", "info": "INFO", "warn": "WARNING", "error": "ERROR"}

# Attributes every LogRecord has; anything else on a record came from `extra=` and is a field.
_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime", "taskName"}


class DevFormatter(logging.Formatter):
    """`2026-01-01 12:00:00 INFO  forecourt.startup  message  key=value ...`"""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s  %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
        if fields:
            text += "  " + " ".join(f"{k}={v}" for k, v in fields.items())
        return text


class RedactSecrets(logging.Filter):
    """Takes secrets out of a record before any handler formats it: the message with its args,
    the `extra=` fields, the exception and the stack. A record that holds no secret is left as
    it is; one that did gets its message formatted once, redacted (`args` cleared), and its
    exception as redacted text (`exc_text`, `exc_info` cleared), which both formatters print."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: the handler reports it, with the raw format only
            message = str(record.msg)
            record.args = None
        clean = redaction.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        for name, value in list(vars(record).items()):
            if name in _STANDARD or name.startswith("_") or value is None or isinstance(value, bool | int | float):
                continue
            text = value if isinstance(value, str) else str(value)
            clean = redaction.redact(text)
            if clean != text:
                setattr(record, name, clean)
        if record.exc_info:
            text = record.exc_text or _EXCEPTIONS.formatException(record.exc_info)
            clean = redaction.redact(text)
            if clean != text:
                record.exc_text, record.exc_info = clean, None
        elif record.exc_text:
            record.exc_text = redaction.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redaction.redact(record.stack_info)
        return True


_EXCEPTIONS = logging.Formatter()


class ProblemRecorder(logging.Handler):
    """Appends each WARNING-or-worse record to the file `forecourt serve` keeps for `forecourt verify`
    (forecourt.ops.startlog); installed only when that file is named in the environment."""

    def __init__(self, path: str) -> None:
        super().__init__(level=logging.WARNING)
        self.path = path

    def emit(self, record: logging.LogRecord) -> None:
        try:
            startlog.append(self.path, {
                "time": datetime.fromtimestamp(record.created, UTC).isoformat(), "level": record.levelname,
                "logger": record.name, "message": record.getMessage()[:2000], "pid": os.getpid()})
        except Exception:
            self.handleError(record)


def dict_config(level: str = "info", fmt: str = "dev", sql: bool = False) -> dict[str, Any]:
    """The logging.config.dictConfig for the given settings (also handed to granian)."""
    python_level = LEVELS[level]
    formatter: dict[str, Any]
    if fmt == "prod":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        }
    else:
        formatter = {"()": "forecourt.logconfig.DevFormatter"}
    handlers: dict[str, Any] = {"console": {"class": "logging.StreamHandler", "formatter": "default",
                                            "stream": "ext://sys.stderr", "filters": ["redact"]}}
    problem_log = os.environ.get("FORECOURT_PROBLEM_LOG")  # forecourt.ops.startlog.PROBLEM_LOG_ENV
    if problem_log:
        handlers["problems"] = {"()": "forecourt.logconfig.ProblemRecorder", "path": problem_log,
                                "filters": ["redact"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "filters": {"redact": {"()": "forecourt.logconfig.RedactSecrets"}},
        "handlers": handlers,
        "root": {"handlers": list(handlers), "level": python_level},
        "loggers": {
            # A 404 from a crawler is not a warning about the portal; 5xx are still logged.
            "django.request": {"level": "ERROR"},
            "django.db.backends": {"level": "DEBUG" if sql else "INFO"},
            "granian.access": {"level": "WARNING"},
        },
    }


def configure(level: str = "info", fmt: str = "dev", sql: bool = False) -> None:
    logging.config.dictConfig(dict_config(level, fmt, sql))
