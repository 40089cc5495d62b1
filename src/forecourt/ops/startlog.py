"""The record of WARN and ERROR log lines since `forecourt serve` started, for `forecourt verify`.

The guide's last post-upgrade step is "review the Portal logs for ERROR or WARN". Logs go to
stderr, wherever the operator sends them, so `serve` also keeps a small file in DataDir: a header
line written at start (the file is emptied then), and one JSON line per WARNING-or-worse record of
the supervisor, the web workers and the job worker (forecourt.logconfig.ProblemRecorder, enabled
by PROBLEM_LOG_ENV, which the children inherit). Only problems are written, so it costs nothing
while the portal is healthy; it stops growing at MAX_BYTES.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROBLEM_LOG_ENV = "FORECOURT_PROBLEM_LOG"
MAX_BYTES = 1_000_000


def path_for(data_dir: str, port: int) -> Path:
    """One file per port, so two portals sharing a DataDir (tests, blue/green) keep their own."""
    return Path(data_dir).expanduser().absolute() / "logs" / f"serve-{port}.problems.jsonl"


def begin(data_dir: str, port: int, version: str) -> Path:
    """At start: empty the file, write its header and have this process and its children record to it."""
    path = path_for(data_dir, port)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"started_at": datetime.now(UTC).isoformat(), "pid": os.getpid(), "version": version}
    path.write_text(json.dumps(header) + "\n", encoding="utf-8")
    os.environ[PROBLEM_LOG_ENV] = str(path)
    return path


def append(path: str | Path, entry: dict[str, Any]) -> None:
    """One line, appended in one write (O_APPEND), so processes writing at once do not interleave."""
    try:
        if os.path.getsize(path) > MAX_BYTES:
            return
    except OSError:
        return  # no file: serve did not start one (or it was removed); record nothing
    line = (json.dumps(entry, default=str) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def read(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(header, problem records). Raises OSError when there is no file, ValueError when it is not one of ours."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise ValueError(f"{path} is empty")
    header = json.loads(lines[0])
    if not isinstance(header, dict) or "started_at" not in header:
        raise ValueError(f"{path} has no start-up header")
    records = []
    for line in lines[1:]:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            records.append({"level": "?", "logger": "?", "message": line[:500]})
    return header, records
