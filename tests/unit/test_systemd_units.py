"""The systemd units in deploy/systemd are valid for systemd and start the parts the way
`make run` does: restarted when they stop, on the configured interfaces only."""

import configparser
import shutil
import subprocess

import pytest

from vrt.ops.servers import ROOT

UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def test_there_is_a_unit_for_each_server():
    assert [unit.name for unit in UNITS] == ["vrt-actions.service", "vrt-rasa.service", "vrt-web.service"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_unit_restarts_its_server_and_binds_as_configured(unit):
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read_string(unit.read_text())
    assert service["Service"]["Restart"] == "always"
    assert "0.0.0.0" not in unit.read_text()
    if unit.name != "vrt-actions.service":
        assert "${VRT_BIND}" in service["Service"]["ExecStart"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    # Installed as the README says, with this clone as /opt/vrt-assistent.
    for unit in UNITS:
        text = unit.read_text().replace("/opt/vrt-assistent", str(ROOT))
        text = text.replace("/etc/vrt-assistent/env", str(ROOT / "deploy" / "systemd" / "env.example"))
        text = text.replace("User=vrt", "User=root").replace("Group=vrt", "Group=root")
        (tmp_path / unit.name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", *map(str, sorted(tmp_path.iterdir()))], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
