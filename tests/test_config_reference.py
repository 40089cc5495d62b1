"""docs/configuration.md is generated from the settings definitions; a stale copy fails here."""

import subprocess
import sys
from pathlib import Path

from forecourt.configuration.spec import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "config-reference.py"


def test_configuration_reference_is_up_to_date():
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_reference_names_every_setting_with_its_variables_and_default():
    text = (ROOT / "docs" / "configuration.md").read_text()
    for setting in SETTINGS:
        row = next((line for line in text.splitlines() if line.startswith(f"| `{setting.key}` |")), None)
        assert row is not None, setting.key
        assert f"`PORTAL_{setting.env}`" in row and f"`TYK_PORTAL_{setting.env}`" in row
        assert (f"`PORTAL_{setting.env}_FILE`" in row) == setting.secret
        default = "(empty)" if setting.default == "" else str(setting.default).lower()
        assert default in row.lower(), (setting.key, row)


def test_check_fails_on_a_stale_reference(tmp_path):
    """--check reports an edited copy and leaves it alone."""
    target = ROOT / "docs" / "configuration.md"
    original = target.read_text()
    stale = tmp_path / "configuration.md"
    stale.write_text(original.replace("| `HostPort` |", "| `HostPortX` |"))
    result = subprocess.run([sys.executable, str(SCRIPT), "--check", "--file", str(stale)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 1
    assert "is stale" in result.stderr
    assert stale.read_text() == original.replace("| `HostPort` |", "| `HostPortX` |")
