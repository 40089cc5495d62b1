"""The bundled default theme is complete: every view it has is declared in its theme.json, with
a layout it has, so the Admin Portal lists every page and a theme derived from it starts whole."""

import json
from pathlib import Path

import forecourt

DEFAULT = Path(forecourt.__file__).parent / "themes" / "default"


def test_every_view_of_the_default_theme_is_declared_with_a_layout_it_has():
    manifest = json.loads((DEFAULT / "theme.json").read_text())
    declared = {entry["template"]: entry["layout"] for entry in manifest["templates"]}
    views = {path.stem for path in (DEFAULT / "views").glob("*.html")}
    assert set(declared) == views
    assert all((DEFAULT / "layouts" / f"{layout}.html").is_file() for layout in declared.values())
    assert len({entry["name"] for entry in manifest["templates"]}) == len(declared)  # names tell them apart
