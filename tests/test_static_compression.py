"""The big vendored front-end files go out gzipped (scripts/compress-static.py writes the copies).

Without them the API docs page sent its 2 MB Stoplight Elements bundle uncompressed: Lighthouse's
performance score for the docs page was about 80, with 1.7 MB to save by compression.
"""

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ELEMENTS = "/static/live/vendor/elements/web-components.min.js"
SOURCE = ROOT / "src" / "forecourt" / "live" / "static" / "live" / "vendor" / "elements" / "web-components.min.js"


def test_every_large_vendored_file_has_a_fresh_gzip_copy():
    done = subprocess.run([sys.executable, "scripts/compress-static.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_changed_vendored_file_is_reported_stale(tmp_path, monkeypatch):
    """The check compares contents, so an updated library whose copy was not rewritten fails the suite."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import importlib
        compress = importlib.import_module("compress-static")
    finally:
        sys.path.pop(0)
    vendor = tmp_path / "pkg" / "static" / "pkg" / "vendor"
    vendor.mkdir(parents=True)
    library = vendor / "lib.js"
    library.write_text("var x = 1;\n" * 2000)
    monkeypatch.setattr(compress, "SRC", tmp_path)
    assert compress.problems() == ["missing: pkg/static/pkg/vendor/lib.js.gz"]
    (vendor / "lib.js.gz").write_bytes(gzip.compress(b"var x = 2;\n" * 2000))
    assert compress.problems() == ["stale: pkg/static/pkg/vendor/lib.js.gz"]
    library.unlink()
    assert compress.problems() == ["left behind (its file is gone or too small): pkg/static/pkg/vendor/lib.js.gz"]


@pytest.mark.django_db
def test_whitenoise_serves_the_gzip_copy_to_browsers_that_accept_it(client):
    zipped = client.get(ELEMENTS, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped.status_code == 200
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    body = b"".join(zipped.streaming_content)
    assert len(body) < SOURCE.stat().st_size / 3
    assert gzip.decompress(body) == SOURCE.read_bytes()

    plain = client.get(ELEMENTS)
    assert "Content-Encoding" not in plain
    assert b"".join(plain.streaming_content) == SOURCE.read_bytes()
