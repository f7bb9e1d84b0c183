"""The real action server and Rasa server, for the end-to-end tests and for bench/.

Each server runs as its own process on a free 127.0.0.1 port, with a temporary SQLite
tracker store, the given trained model, and the project's own deploy/endpoints.sqlite.yml
and credentials.yml. Logs go to `workdir`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import struct
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Sequence, Set

import requests

from vrt.paths import ROOT  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
RASA = str(VENV_BIN / "rasa")


def figure_recorder(path: Path):
    """record(line): appends a measured figure to `path`, emptied first (the scripts print it)."""
    path.parent.mkdir(exist_ok=True)
    path.write_text("")

    def record(line: str) -> None:
        with path.open("a") as out:
            out.write(line + "\n")

    return record


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_addresses(port: int) -> Set[str]:
    """IPv4 addresses with a socket listening on `port` (from /proc/net/tcp)."""
    addresses = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        host, local_port = fields[1].split(":")
        if fields[3] == "0A" and int(local_port, 16) == port:  # 0A: LISTEN
            addresses.add(socket.inet_ntoa(struct.pack("<I", int(host, 16))))
    return addresses


def current_model() -> Path:
    """The newest model in models/, the one plain `rasa run` loads."""
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    if not models:
        raise RuntimeError("No trained model in models/; run `make train` first.")
    return models[-1]


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 600) -> None:
    # Generous timeout: loading a model takes minutes on a busy machine. Short interval: the
    # benchmark's ready time includes this wait.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited early\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout} s\n{log.read_text()[-3000:]}")


def stop_process(process: Optional[subprocess.Popen]) -> None:
    """Ends a process started with start_new_session=True, and its children."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass
class BotServers:
    workdir: Path
    model: Path
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    cors_origins: List[str] = field(default_factory=lambda: ["http://localhost:8080"])
    tracker_db: Optional[Path] = None
    endpoints: str = "deploy/endpoints.sqlite.yml"
    extra_env: dict = field(default_factory=dict)
    rasa_process: Optional[subprocess.Popen] = None
    action_process: Optional[subprocess.Popen] = None

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def rest_url(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    def env(self) -> dict:
        env = dict(os.environ)
        env.update(
            VRT_ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.action_port}/webhook",
            VRT_TRACKER_DB=str(self.tracker_db or self.workdir / "tracker.db"),
            # The action server reads crisis notices from the same store (vrt.notices.store).
            VRT_ENDPOINTS=self.endpoints,
            TF_CPP_MIN_LOG_LEVEL="2",
            RASA_TELEMETRY_ENABLED="false",
        )
        env.update(self.extra_env)
        return env

    def _spawn(self, name: str, args: List[str]) -> subprocess.Popen:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.workdir / f"{name}.log"
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env(),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_actions(self) -> None:
        self.action_process = self._spawn(
            "actions", [RASA, "run", "actions", "--actions", "actions", "--port", str(self.action_port)]
        )
        wait_for(
            f"http://127.0.0.1:{self.action_port}/health", self.action_process, self.workdir / "actions.log"
        )

    def start_rasa(self) -> float:
        """Starts the Rasa server; returns the seconds until its HTTP API answers."""
        started = time.monotonic()
        args = [RASA, "run", "--model", str(self.model), "--port", str(self.rasa_port)]
        args += ["--credentials", "credentials.yml", "--endpoints", self.endpoints]
        args += ["--cors", *self.cors_origins]
        self.rasa_process = self._spawn("rasa", args)
        wait_for(f"{self.rasa_url}/webhooks/rest/", self.rasa_process, self.workdir / "rasa.log")
        return time.monotonic() - started

    def start(self) -> "BotServers":
        try:
            self.start_actions()
            self.start_rasa()
        except BaseException:
            self.stop()  # no servers left behind when one does not come up
            raise
        return self

    def kill_actions(self) -> None:
        """Ends the action server as a crash does (SIGKILL); start_actions() brings it back."""
        os.killpg(self.action_process.pid, signal.SIGKILL)
        self.action_process.wait()
        self.action_process = None

    def log(self, name: str) -> str:
        """What a server printed so far: name is "rasa" or "actions"."""
        return (self.workdir / f"{name}.log").read_text()

    def stop_rasa(self) -> None:
        stop_process(self.rasa_process)
        self.rasa_process = None

    def restart_rasa(self) -> float:
        self.stop_rasa()
        return self.start_rasa()

    def stop(self) -> None:
        self.stop_rasa()
        stop_process(self.action_process)
        self.action_process = None

    def __enter__(self) -> "BotServers":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def say(self, sender: str, message: str) -> list:
        """One turn over the REST channel; returns the bot's messages."""
        response = requests.post(self.rest_url, json={"sender": sender, "message": message}, timeout=30)
        response.raise_for_status()
        return response.json()

    def say_socketio(self, session_id: str, messages: List[str]) -> List[dict]:
        """Turns over the socket.io channel, as the widget's socket.io clients talk; one reply each."""
        return [turn[0] for turn in asyncio.run(socketio_turns(self.rasa_url, session_id, messages))]


async def socketio_turns(
    url: str,
    session_id: str,
    messages: List[Any],
    headers: Optional[dict] = None,
    quiet_s: float = 1.0,
    transports: Sequence[str] = ("websocket",),
    **client_options,
) -> List[List[dict]]:
    """A conversation through a real socket.io client; returns all the bot's messages per turn.

    A str is sent as {"message": ..., "session_id": session_id}; anything else as it is.
    transports ("polling", "websocket"): long polling first, then the upgrade, as browsers do.
    """
    import socketio

    client = socketio.AsyncClient(reconnection=False, **client_options)
    replies: asyncio.Queue = asyncio.Queue()
    confirmed = asyncio.Event()
    client.on("bot_uttered", replies.put)
    client.on("session_confirm", lambda _: confirmed.set())
    await client.connect(url, headers=headers or {}, transports=list(transports), socketio_path="/socket.io")
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 30)
        turns = []
        for message in messages:
            data = {"message": message, "session_id": session_id} if isinstance(message, str) else message
            await client.emit("user_uttered", data)
            turn = [await asyncio.wait_for(replies.get(), 60)]
            while True:  # the rest of this turn's messages
                try:
                    turn.append(await asyncio.wait_for(replies.get(), quiet_s))
                except asyncio.TimeoutError:
                    break
            turns.append(turn)
        return turns
    finally:
        await client.disconnect()
