"""Read and doctor backup archives in tests (a tampered member, a manifest from another version)."""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_helper(module: str, env: dict[str, str], cwd: Path, *args: str,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `python -m tests.support.<module>` against the database `env` points at."""
    child = {**env, "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, "-m", f"tests.support.{module}", *args], env=child, cwd=cwd,
                            capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{module} failed:\n{result.stderr}"
    return result


def members(path: Path) -> dict[str, bytes]:
    """{name: content} of every regular member, in archive order."""
    out: dict[str, bytes] = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            fh = tar.extractfile(member)
            out[member.name] = fh.read() if fh else b""
    return out


def manifest(path: Path) -> dict[str, Any]:
    return json.loads(members(path)["manifest.json"])


def jsonl(path: Path, table: str) -> list[list[Any]]:
    data = members(path)[f"database/{table}.jsonl"].decode()
    return [json.loads(line) for line in data.splitlines()]


def column(path: Path, table: str, name: str) -> list[Any]:
    columns = next(t["columns"] for t in manifest(path)["tables"] if t["table"] == table)
    return [row[columns.index(name)] for row in jsonl(path, table)]


def rewrite(source: Path, target: Path, *, edit_manifest: Callable[[dict[str, Any]], None] | None = None,
            replace: dict[str, bytes] | None = None, rehash: bool = False,
            extra: list[tarfile.TarInfo] | None = None) -> Path:
    """Copy an archive with changes; `rehash` recomputes the manifest's checksums (a careful forger)."""
    content = members(source)
    man = json.loads(content.pop("manifest.json"))
    content.update(replace or {})
    if edit_manifest:
        edit_manifest(man)
    if rehash:
        for name, data in content.items():
            man["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    with tarfile.open(target, "w:gz") as tar:
        for name, data in [("manifest.json", json.dumps(man).encode()), *content.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra or []:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isfile() else None)
    return target
