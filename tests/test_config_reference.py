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
        default = "(empty)" if setting.default in ("", []) else str(setting.default).lower()
        assert default in row.lower(), (setting.key, row)


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False)


def test_check_reports_stale_copies_and_leaves_them_alone(tmp_path):
    reference, example = tmp_path / "configuration.md", tmp_path / "env.example"
    assert _script("--file", str(reference), "--env-file", str(example)).returncode == 0  # written afresh
    assert _script("--check", "--file", str(reference), "--env-file", str(example)).returncode == 0
    stale_reference = reference.read_text().replace("| `HostPort` |", "| `HostPortX` |")
    reference.write_text(stale_reference)
    example.write_text(example.read_text().replace("# PORTAL_HOSTPORT=3001\n", ""))
    result = _script("--check", "--file", str(reference), "--env-file", str(example))
    assert result.returncode == 1
    assert f"{reference} is stale" in result.stderr and f"{example} is stale" in result.stderr
    assert reference.read_text() == stale_reference


def test_env_example_sets_only_what_compose_needs_and_shows_every_other_default(tmp_path):
    example = tmp_path / "env.example"
    _script("--file", str(tmp_path / "configuration.md"), "--env-file", str(example))
    lines = example.read_text().splitlines()
    active = [line for line in lines if line.startswith("PORTAL_")]
    assert active == ["PORTAL_PUBLIC_URL=http://localhost:3001", "PORTAL_LOG_FORMAT=prod"]
    for setting in SETTINGS:
        names = (f"# PORTAL_{setting.env}=", f"PORTAL_{setting.env}=")
        assert any(line.startswith(names) for line in lines), setting.key
