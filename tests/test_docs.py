"""The README documents every setting (a new setting without documentation fails here)."""

from pathlib import Path

from forecourt.configuration.spec import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_readme():
    missing = [s.key for s in SETTINGS if f"`{s.key}`" not in README or f"`PORTAL_{s.env}`" not in README]
    assert missing == []
