"""The deployment files in deploy/, checked with the tools that run without Docker or a
Kubernetes cluster (README, "Crisis-day scale"): Kubernetes' own schemas (kubernetes-validate,
offline), `docker-compose config` (Debian's docker-compose, no engine needed) and `nginx -t` on
the template filled in as the containers fill it in. No server is started.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from vrt.ops import nginx
from vrt.ops.cluster import NGINX
from vrt.ops.servers import ROOT, VENV_BIN

KUBERNETES = ROOT / "deploy" / "kubernetes"
COMPOSE = ROOT / "deploy" / "docker-compose.yml"
KUBERNETES_VERSION = "1.28.0"


def kubernetes_validate(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "kubernetes-validate"), "--strict", "-k", KUBERNETES_VERSION, *map(str, files)],
        capture_output=True,
        text=True,
    )


def test_kubernetes_manifests_match_the_kubernetes_schemas():
    listed = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())["resources"]
    files = [KUBERNETES / name for name in listed] + [KUBERNETES / "secret.example.yaml"]
    assert sorted(KUBERNETES.glob("*.yaml")) == sorted(files + [KUBERNETES / "kustomization.yaml"])
    result = kubernetes_validate(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    kinds = {(d["kind"], d["metadata"]["name"]) for f in files for d in yaml.safe_load_all(f.read_text())}
    for role in ("vrt-rasa", "vrt-actions", "vrt-nginx"):
        assert ("Deployment", role) in kinds and ("Service", role) in kinds
    assert ("HorizontalPodAutoscaler", "vrt-rasa") in kinds
    assert {("ConfigMap", "vrt-config"), ("Secret", "vrt-secrets")} <= kinds


def test_the_schema_check_catches_a_misspelt_field(tmp_path):
    broken = tmp_path / "rasa.yaml"
    broken.write_text((KUBERNETES / "rasa.yaml").read_text().replace("readinessProbe:", "readynessProbe:"))
    assert kubernetes_validate(broken).returncode != 0


def test_probes_use_the_rasa_channel_status_and_the_action_server_health():
    def probes(file: str) -> dict:
        deployment = next(yaml.safe_load_all((KUBERNETES / file).read_text()))
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        return {kind: container[kind]["httpGet"]["path"] for kind in ("readinessProbe", "livenessProbe")}

    assert probes("rasa.yaml") == {"readinessProbe": "/webhooks/rest/", "livenessProbe": "/"}
    assert probes("actions.yaml") == {"readinessProbe": "/health", "livenessProbe": "/health"}


def compose_config(env: dict) -> subprocess.CompletedProcess:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is not installed; scripts/test_cluster.sh installs it")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VRT_")}
    return subprocess.run(
        [binary, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, env={**clean, **env}
    )


def test_docker_compose_file_is_valid_and_wants_its_secrets_from_the_environment():
    secrets = {"VRT_DB_PASSWORD": "not-a-real-one", "VRT_ACTION_TOKEN": "not-a-real-one"}
    result = compose_config(secrets)
    assert result.returncode == 0, result.stderr
    missing = compose_config({"VRT_ACTION_TOKEN": "not-a-real-one"})
    assert missing.returncode != 0 and "VRT_DB_PASSWORD" in missing.stderr


@pytest.mark.parametrize("where", ["docker-compose.yml", "kubernetes/nginx.yaml"])
def test_nginx_accepts_the_template_filled_in_as_the_containers_do(where):
    if where == "docker-compose.yml":
        env = yaml.safe_load(COMPOSE.read_text())["services"]["nginx-config"]["environment"]
    else:
        deployment = next(yaml.safe_load_all((KUBERNETES / "nginx.yaml").read_text()))
        env = {
            e["name"]: e.get("value", "https://chat.example")
            for e in deployment["spec"]["template"]["spec"]["initContainers"][0]["env"]
        }
    env = {k: str(v) for k, v in env.items() if "${" not in str(v)}
    # Names of the containers resolve to loopback here; the folders are local ones.
    out = Path(tempfile.mkdtemp(prefix="vrt-nginx-check-"))
    try:
        hosts = {**env, "VRT_WEB_ROOT": str(ROOT / "web"), "VRT_NGINX_ERROR_LOG": str(out / "error.log")}
        for name in ("VRT_RASA_SERVERS", "VRT_ACTION_SERVERS"):
            hosts[name] = " ".join(f"127.0.0.1:{a.rsplit(':', 1)[1]}" for a in env[name].split())
        config = nginx.render(out, hosts)
        result = subprocess.run(
            [NGINX, "-t", "-c", str(config), "-e", "stderr"], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    finally:
        shutil.rmtree(out, ignore_errors=True)
