"""Write a gzip copy beside each large vendored text file the portal serves from its static folders.

WhiteNoise serves `name.gz` instead of `name` to a browser that accepts gzip (whitenoise.base: a
StaticFile's alternative encodings), but it only compresses at `collectstatic`, and Forecourt serves
straight from the package with no collect step (settings.WHITENOISE_USE_FINDERS). Without the copies,
the API docs page sent its 2 MB Stoplight Elements bundle uncompressed (Lighthouse: 1.7 MB to save).
Only files in a `vendor/` folder get one: they change only when a library is updated, whereas a copy of
the project's own small files (admin.css, ~11 KB) would go stale at every edit for little gain.
The copies are committed beside the vendored files they compress, so a wheel, an editable checkout and
the container image all serve them; `--check` (run by tests/test_static_compression.py) fails when a
copy is missing, stale, or left behind by a file that is gone.

    python scripts/compress-static.py          # write the missing or stale copies
    python scripts/compress-static.py --check  # exit 1 and name them instead
"""

import argparse
import gzip
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "forecourt"
COMPRESSIBLE = {".js", ".css", ".svg", ".json", ".map", ".txt", ".html"}
# Smaller files gain little over one round trip, and every copy is bytes in the repository.
MIN_SIZE = 10 * 1024


def static_files() -> list[Path]:
    return sorted(path for folder in SRC.glob("**/static") for path in folder.rglob("*") if path.is_file())


def wanted() -> dict[Path, bytes]:
    """The gzip copy each large text file should have: the same bytes every time (no name, mtime 0)."""
    copies = {}
    for path in static_files():
        if "vendor" in path.parts and path.suffix in COMPRESSIBLE and path.stat().st_size >= MIN_SIZE:
            copies[path.with_name(path.name + ".gz")] = gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
    return copies


def problems() -> list[str]:
    copies = wanted()
    found = []
    for target, data in copies.items():
        if not target.is_file():
            found.append(f"missing: {target.relative_to(SRC)}")
        elif gzip.decompress(target.read_bytes()) != gzip.decompress(data):
            found.append(f"stale: {target.relative_to(SRC)}")
    for path in static_files():
        if path.suffix == ".gz" and path not in copies:
            found.append(f"left behind (its file is gone or too small): {path.relative_to(SRC)}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report missing or stale copies; write nothing")
    args = parser.parse_args()
    if args.check:
        found = problems()
        for line in found:
            print(line)
        if found:
            print("run: python scripts/compress-static.py", file=sys.stderr)
        return 1 if found else 0
    for target, data in wanted().items():
        if not target.is_file() or gzip.decompress(target.read_bytes()) != gzip.decompress(data):
            target.write_bytes(data)
            print(f"wrote {target.relative_to(SRC)}")
    for line in problems():  # copies of files that are gone
        if line.startswith("left behind"):
            stale = SRC / line.split(": ", 1)[1]
            stale.unlink()
            print(f"removed {stale.relative_to(SRC)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
