"""The mitigations of SECURITY.md that live in the start and deploy files, checked in the files
themselves (tests/e2e/test_exposure.py checks the same on running servers):

- every way the project starts the Rasa server keeps Rasa's HTTP API closed: the advisories of
  the HTTP API (CVE-2024-49375, remote model loading) need `rasa run --enable-api`. Only
  scripts/run.sh may add it, and only with `--auth-token` when VRT_API_TOKEN is set;
- the browser origins the files ship are exact origins: sanic-cors 2.0.1 matches an origin
  that looks like a regular expression with an unanchored `re.match` (CVE-2026-37737), and
  compares any other origin exactly;
- Rasa's telemetry is off wherever a Rasa process starts, so Rasa never initialises its Sentry
  error reporting (sentry-sdk 1.14, CVE-2024-40647).
"""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path
from typing import List

import pytest
import yaml
from sanic_cors.core import probably_regex

from vrt.ops.servers import ROOT, BotServers

# Where the project's own files could start a Rasa server or pass it options.
SCANNED = [
    ROOT / "Makefile",
    *sorted((ROOT / "scripts").iterdir()),
    *sorted(p for p in (ROOT / "deploy").rglob("*") if p.is_file()),
    *sorted((ROOT / "vrt").rglob("*.py")),
    *sorted((ROOT / "bench").rglob("*.py")),
    *sorted((ROOT / "rasa_sdk_plugins").rglob("*.py")),
]


def code_lines(path: Path) -> List[str]:
    """The lines of a script, config or Python file without its comments."""
    return [line for line in path.read_text().splitlines() if not line.lstrip().startswith(("#", ";"))]


def is_rasa_server(command: List[str]) -> bool:
    """`rasa run ...` is the Rasa server; `rasa run actions` is the action server."""
    for i, word in enumerate(command[:-1]):
        if Path(word).name == "rasa" and command[i + 1] == "run":
            return command[i + 2 : i + 3] != ["actions"]
    return False


def supervisord_command() -> List[str]:
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "scripts" / "supervisord.conf")
    return shlex.split(config["program:rasa"]["command"])


def systemd_command() -> List[str]:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read_string((ROOT / "deploy" / "systemd" / "vrt-rasa.service").read_text())
    return shlex.split(unit["Service"]["ExecStart"].replace("\\\n", " "))


def dockerfile_command() -> List[str]:
    text = (ROOT / "deploy" / "Dockerfile").read_text().replace("\\\n", " ")
    (cmd,) = re.findall(r"^CMD (\[.*\])$", text, flags=re.MULTILINE)
    return yaml.safe_load(cmd)


def compose_command() -> List[str]:
    return yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())["services"]["rasa"]["command"]


def kubernetes_command() -> List[str]:
    deployment = next(yaml.safe_load_all((ROOT / "deploy" / "kubernetes" / "rasa.yaml").read_text()))
    command = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[:2] == ["sh", "-c"]
    return shlex.split(command[2])


def servers_command(tmp_path) -> List[str]:
    """What vrt/ops/servers.py runs for the tests, make run-cluster and bench/."""
    spawned = []

    class Spawned(Exception):
        pass

    def spawn(name, args):
        spawned.append(args)
        raise Spawned

    servers = BotServers(workdir=tmp_path, model=tmp_path / "model.tar.gz")
    servers._spawn = spawn
    with pytest.raises(Spawned):
        servers.start_rasa()
    return spawned[0]


START_COMMANDS = {
    "scripts/supervisord.conf (make run)": supervisord_command,
    "deploy/systemd/vrt-rasa.service": systemd_command,
    "deploy/Dockerfile": dockerfile_command,
    "deploy/docker-compose.yml": compose_command,
    "deploy/kubernetes/rasa.yaml": kubernetes_command,
}


@pytest.mark.parametrize("where", START_COMMANDS)
def test_every_rasa_server_start_keeps_the_http_api_closed(where):
    command = START_COMMANDS[where]()
    assert is_rasa_server(command), command
    assert not any("enable-api" in word or "enable_api" in word for word in command), command


def test_the_test_and_cluster_servers_keep_the_http_api_closed(tmp_path):
    command = servers_command(tmp_path)
    assert is_rasa_server(command), command
    assert "--enable-api" not in command


def test_only_run_sh_enables_the_api_and_only_with_its_token():
    found = [
        (path.relative_to(ROOT).as_posix(), line.strip())
        for path in SCANNED
        if path.is_file()
        for line in code_lines(path)
        if "enable-api" in line or "enable_api" in line
    ]
    assert found == [
        (
            "scripts/run.sh",
            '[[ -z "${VRT_API_TOKEN:-}" ]] || VRT_RASA_API_ARGS="--enable-api --auth-token $VRT_API_TOKEN"',
        )
    ]
    # supervisord passes exactly that variable, which run.sh empties first.
    assert "%(ENV_VRT_RASA_API_ARGS)s" in supervisord_command()
    assert 'export VRT_RASA_API_ARGS=""' in code_lines(ROOT / "scripts" / "run.sh")


def shipped_origins() -> List[str]:
    """The browser origins in the start and deploy files: defaults, examples, --cors values."""
    origins = []
    for path in SCANNED:
        for line in code_lines(path) if path.is_file() else []:
            if re.search(r"VRT_CORS_ORIGINS|VRT_PUBLIC_URL|--cors|cors_origins", line):
                origins += re.findall(r"https?://[^\s\"',}]+", line)
    return origins


def test_shipped_browser_origins_are_exact_origins():
    origins = shipped_origins()
    # scripts/common.sh, deploy/env.example, deploy/systemd/env.example, docker-compose.yml,
    # kubernetes/config.yaml, vrt/ops/servers.py and vrt/ops/cluster.py each name at least one.
    assert len(origins) >= 8, origins
    for origin in origins:
        assert not probably_regex(origin), f"{origin}: sanic-cors would match it as a regex prefix"


def test_rasa_telemetry_is_off_wherever_rasa_starts(tmp_path):
    assert "export RASA_TELEMETRY_ENABLED=false" in code_lines(ROOT / "scripts" / "common.sh")
    for unit in ("vrt-rasa.service", "vrt-actions.service"):
        service = configparser.ConfigParser(strict=False, interpolation=None)
        service.read_string((ROOT / "deploy" / "systemd" / unit).read_text())
        assert "RASA_TELEMETRY_ENABLED=false" in service["Service"]["Environment"].split(), unit
    # The image's ENV, which docker-compose.yml and the Kubernetes manifests inherit.
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text().replace("\\\n", " ")
    assert re.search(r"^ENV .*RASA_TELEMETRY_ENABLED=false", dockerfile, flags=re.MULTILINE)
    compose = (ROOT / "deploy" / "docker-compose.yml").read_text()
    kubernetes = "".join(p.read_text() for p in (ROOT / "deploy" / "kubernetes").glob("*.yaml"))
    assert "RASA_TELEMETRY_ENABLED" not in compose + kubernetes  # nothing turns it back on
    assert BotServers(workdir=tmp_path, model=tmp_path / "m").env()["RASA_TELEMETRY_ENABLED"] == "false"
