"""Helpers for the theme tests: build theme zips and store themes without the upload path."""

import io
import json
import zipfile

from forecourt.themes import manifest as manifest_mod
from forecourt.themes import storage

MANIFEST = {"name": "acme", "version": "1.0.0", "author": "Acme", "base": "0.4.0",
            "templates": [{"name": "Home", "template": "home", "layout": "site_layout"}]}
LAYOUT = """<!doctype html><html><body>{% include "partials/header.html" %}
<main>{% block content %}{% endblock %}</main></body></html>"""
HOME = """{% extends layout %}{% block content %}<h1>Acme home</h1>{% endblock %}"""


def theme_files(**overrides):
    files = {
        "theme.json": json.dumps(MANIFEST).encode(),
        "layouts/site_layout.html": LAYOUT.encode(),
        "views/home.html": HOME.encode(),
        "assets/css/acme.css": b"body { color: red; }",
    }
    for key, value in overrides.items():
        path = key.replace("__", "/").replace("_DOT_", ".")
        if value is None:
            files.pop(path, None)
        else:
            files[path] = value if isinstance(value, bytes) else value.encode()
    return files


def make_zip(files: dict[str, bytes], prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content in files.items():
            archive.writestr(prefix + path, content)
    return buffer.getvalue()


def store(files: dict[str, bytes] | None = None, name: str = "acme", actor=None, **templates):
    """Store a theme directly (no validation): for themes that must break at run time."""
    files = dict(files or theme_files())
    for path, content in templates.items():
        files[path.replace("__", "/").replace("_DOT_", ".")] = content.encode()
    data = json.loads(files.pop("theme.json"))
    data["name"] = name
    manifest = manifest_mod.parse(json.dumps(data).encode())
    return storage.save(manifest, files, actor)
