"""Processes for the benchmark: timed Rasa commands and the two servers.

Everything runs against 127.0.0.1 only. Servers get free ports, a temporary SQLite
tracker store and the project's own deploy/endpoints.sqlite.yml and credentials.yml, like
tests/servers.py does for the end-to-end tests.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
RASA = str(VENV_BIN / "rasa")


class BenchError(RuntimeError):
    """A step of the benchmark broke (not: a target was missed)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**extra: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(TF_CPP_MIN_LOG_LEVEL="2", RASA_TELEMETRY_ENABLED="false")
    env.update(extra)
    return env


def run_logged(args: List[str], log: Path, env: Optional[Dict[str, str]] = None,
               timeout: float = 3600) -> float:
    """Runs a command with its output in `log`; returns the wall time in seconds."""
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with log.open("wb") as out:
        try:
            proc = subprocess.run(args, cwd=ROOT, env=env or base_env(), stdout=out,
                                  stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"{' '.join(args[:3])} timed out after {timeout:.0f} s; log: {log}") from exc
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-2500:]
        raise BenchError(f"{' '.join(args[:3])} failed (exit {proc.returncode}); log: {log}\n{tail}")
    return elapsed


def timed_cold_train(args: List[str], log: Path) -> float:
    """A Rasa training command with an empty, temporary training cache."""
    with tempfile.TemporaryDirectory(prefix="vrt-bench-cache-") as cache:
        return run_logged(args, log, env=base_env(RASA_CACHE_DIRECTORY=cache))


# --- memory ---------------------------------------------------------------------------

def _children(pid: int) -> List[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may contain spaces, so split after ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            kids.append(int(entry.name))
    return kids


def process_tree(pid: int) -> List[int]:
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(_children(current))
    return tree


def peak_rss_mb(pid: int) -> Optional[float]:
    """Peak resident memory (VmHWM) of a process and its children, summed, in MiB."""
    total_kb, seen = 0, False
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total_kb += int(line.split()[1])
                    seen = True
        except OSError:
            continue
    return round(total_kb / 1024, 1) if seen else None


# --- servers --------------------------------------------------------------------------

def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def post_message(url: str, sender: str, text: str, timeout: float = 30.0) -> list:
    data = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


@dataclass
class Server:
    name: str
    args: List[str]
    health_url: str
    log: Path
    env: Dict[str, str]
    process: Optional[subprocess.Popen] = None
    started_at: float = 0.0

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_http(self, timeout: float = 240, interval: float = 0.1) -> float:
        """Seconds from start until the health URL answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self.name} exited early (exit {self.process.returncode}); "
                                 f"log: {self.log}\n{self.log.read_text(errors='replace')[-2500:]}")
            if http_ok(self.health_url, timeout=1.0):
                return time.monotonic() - self.started_at
            time.sleep(interval)
        raise BenchError(f"{self.name} not ready after {timeout:.0f} s; log: {self.log}")

    def peak_rss_mb(self) -> Optional[float]:
        return peak_rss_mb(self.process.pid) if self.process else None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@dataclass
class BotUnderTest:
    """Action server plus Rasa server for one model, on free 127.0.0.1 ports."""

    model: Path
    workdir: Path
    label: str
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    actions: Optional[Server] = None
    rasa: Optional[Server] = None
    ready_s: Optional[float] = None
    ready_http_s: Optional[float] = None

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def _env(self) -> Dict[str, str]:
        return base_env(
            VRT_ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.action_port}/webhook",
            VRT_TRACKER_DB=str(self.workdir / f"tracker-{self.label}.db"),
        )

    def start(self) -> "BotUnderTest":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.actions = Server(
            "action server", [RASA, "run", "actions", "--actions", "actions", "--port",
                              str(self.action_port)],
            f"http://127.0.0.1:{self.action_port}/health",
            self.workdir / f"actions-{self.label}.log", self._env(),
        )
        self.actions.start()
        self.actions.wait_http()
        self.start_rasa()
        return self

    def start_rasa(self) -> float:
        """Starts the Rasa server; returns seconds until a first message is answered."""
        self.rasa = Server(
            "Rasa server", [RASA, "run", "--model", str(self.model), "--port", str(self.rasa_port),
                            "--credentials", "credentials.yml", "--endpoints", "deploy/endpoints.sqlite.yml"],
            f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/",
            self.workdir / f"rasa-{self.label}.log", self._env(),
        )
        self.rasa.start()
        self.ready_http_s = self.rasa.wait_http()
        # Ready means: a resident's first message gets an answer.
        reply = post_message(self.rest_url, f"bench-ready-{self.label}-{time.time_ns()}", "hallo")
        self.ready_s = time.monotonic() - self.rasa.started_at
        if not reply:
            raise BenchError(f"{self.label}: the Rasa server answered 'hallo' with nothing")
        return self.ready_s

    def restart_rasa(self) -> float:
        if self.rasa:
            self.rasa.stop()
        return self.start_rasa()

    def stop(self) -> None:
        for server in (self.rasa, self.actions):
            if server:
                server.stop()

    def __enter__(self) -> "BotUnderTest":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
