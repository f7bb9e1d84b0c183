"""The real action server and Rasa server, for the end-to-end tests and for bench/.

Each server runs as its own process on a free port of 127.0.0.1 (the Rasa server: VRT_BIND,
as in `make run`; the action server: VRT_ACTION_BIND, read by rasa_sdk_plugins), with a
temporary SQLite tracker store, the given trained model, and the project's own
deploy/endpoints.sqlite.yml and credentials.yml. Logs go to `workdir`.

A free port is only free when it is chosen: another process can take it before the server,
which loads Rasa for 5-40 s first, binds it. A server that reports "address already in use"
is started again on another port (PORT_ATTEMPTS).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Sequence, Set, Tuple

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


LOOPBACK = "127.0.0.1"
# Tries of a server whose port another process took in the meantime (each try is one start).
PORT_ATTEMPTS = 5
_handed_out: Set[int] = set()
_handing_out = threading.Lock()


def bind_address() -> str:
    """Where the tests' Rasa servers listen: VRT_BIND as in `make run`, loopback unless set."""
    return os.environ.get("VRT_BIND") or LOOPBACK


def connect_host(interface: str) -> str:
    """The address a client on this machine uses for a server listening on `interface`."""
    return LOOPBACK if interface in ("0.0.0.0", "::", "") else interface


def _ephemeral_ports() -> Tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A port nothing listens on now, never the same twice in this process.

    Chosen below the kernel's ephemeral range where there is room (20000 up to it): the
    outgoing connections of the load the tests make take ports from that range and could take
    this one before the server binds it. The server's start still checks (PORT_ATTEMPTS).
    """
    low, _ = _ephemeral_ports()
    candidates = range(20000, low) if low - 20000 >= 2000 else None
    with _handing_out:
        for _ in range(200):
            port = random.choice(candidates) if candidates else 0
            with socket.socket() as sock:
                try:
                    sock.bind((LOOPBACK, port))
                except OSError:
                    continue
                port = sock.getsockname()[1]
            if port not in _handed_out:
                _handed_out.add(port)
                return port
    raise RuntimeError("no free port found in 200 tries")


class PortInUse(RuntimeError):
    """A server could not bind its port: another process took it after free_port() chose it."""


def port_taken(output: str) -> bool:
    # Sanic: "[Errno 98] error while attempting to bind on address ...: address already in use";
    # nginx: "bind() to 127.0.0.1:N failed (98: Address already in use)"; Redis, PostgreSQL alike.
    return "address already in use" in output.lower()


def listening_addresses(port: int) -> Set[str]:
    """Addresses with a socket listening on `port`, IPv4 and IPv6 (/proc/net/tcp, tcp6)."""
    return {address for address, listening_port, _ in listening_sockets() if listening_port == port}


def listening_sockets() -> List[Tuple[str, int, int]]:
    """(address, port, socket inode) of every listening TCP socket of this machine."""
    found = []
    for table, size in (("tcp", 4), ("tcp6", 16)):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            host, port = fields[1].split(":")
            if fields[3] != "0A":  # 0A: LISTEN
                continue
            # The kernel prints the address as 32-bit words in host (little-endian) order.
            raw = b"".join(struct.pack("<I", int(host[i : i + 8], 16)) for i in range(0, len(host), 8))
            family = socket.AF_INET if size == 4 else socket.AF_INET6
            found.append((socket.inet_ntop(family, raw), int(port, 16), int(fields[9])))
    return found


def listening_ports_of(pid: int) -> Set[Tuple[str, int]]:
    """(address, port) of the listening sockets process `pid` holds (its /proc/PID/fd)."""
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    except (FileNotFoundError, ProcessLookupError):
        return set()
    return {(address, port) for address, port, inode in listening_sockets() if inode in inodes}


def current_model() -> Path:
    """The newest model in models/, the one plain `rasa run` loads."""
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    if not models:
        raise RuntimeError("No trained model in models/; run `make train` first.")
    return models[-1]


def log_since(log: Path, offset: int) -> str:
    try:
        with log.open("rb") as file:
            file.seek(offset)
            return file.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def wait_for(
    url: str, process: subprocess.Popen, log: Path, timeout: float = 600, since: int = 0, port: int = 0
) -> None:
    """Waits until `url` answers 2xx, and with `port` until the process itself listens there
    (whatever took the port in the meantime could answer too). Raises PortInUse when the process
    ended because its port was taken, RuntimeError with the end of its log (from byte `since`)
    otherwise."""
    # Generous timeout: loading a model takes minutes on a busy machine. Short interval: the
    # benchmark's ready time includes this wait.
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log_since(log, since)
            error = PortInUse if port_taken(output) else RuntimeError
            raise error(f"{url}: process exited early (exit code {process.returncode})\n{output[-3000:]}")
        if port and port not in {p for _, p in listening_ports_of(process.pid)}:
            last = f"not listening on port {port} yet"
            time.sleep(0.1)
            continue
        try:
            answer = requests.get(url, timeout=2)
            if answer.ok:
                return
            last = f"HTTP {answer.status_code}"
        except requests.RequestException as exc:
            last = type(exc).__name__
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout} s (last: {last})\n{log_since(log, since)[-3000:]}")


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
    interface: str = field(default_factory=bind_address)  # the Rasa server's (`rasa run --interface`)
    tracker_db: Optional[Path] = None
    endpoints: str = "deploy/endpoints.sqlite.yml"
    extra_env: dict = field(default_factory=dict)
    rasa_process: Optional[subprocess.Popen] = None
    action_process: Optional[subprocess.Popen] = None

    @property
    def rasa_url(self) -> str:
        return f"http://{connect_host(self.interface)}:{self.rasa_port}"

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

    def _spawn(self, name: str, args: List[str]) -> Tuple[subprocess.Popen, int]:
        """Starts a server; returns its process and where its output starts in its log."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        with (self.workdir / f"{name}.log").open("ab") as output:
            since = output.tell()
            process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=self.env(),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return process, since

    def actions_command(self) -> List[str]:
        # The interface: VRT_ACTION_BIND (rasa_sdk_plugins), loopback unless set.
        return [RASA, "run", "actions", "--actions", "actions", "--port", str(self.action_port)]

    def rasa_command(self) -> List[str]:
        args = [RASA, "run", "--model", str(self.model), "--port", str(self.rasa_port)]
        args += ["--interface", self.interface]  # `rasa run` alone listens on every interface
        args += ["--credentials", "credentials.yml", "--endpoints", self.endpoints]
        return args + ["--cors", *self.cors_origins]

    def start_actions(self) -> None:
        for attempt in range(PORT_ATTEMPTS):
            self.action_process, since = self._spawn("actions", self.actions_command())
            try:
                url = f"http://127.0.0.1:{self.action_port}/health"
                log = self.workdir / "actions.log"
                return wait_for(url, self.action_process, log, since=since, port=self.action_port)
            except PortInUse:
                self.action_process = None
                if attempt == PORT_ATTEMPTS - 1:
                    raise
                self.action_port = free_port()

    def start_rasa(self) -> float:
        """Starts the Rasa server; returns the seconds until its HTTP API answers."""
        started = time.monotonic()
        for attempt in range(PORT_ATTEMPTS):
            self.rasa_process, since = self._spawn("rasa", self.rasa_command())
            try:
                url, log = f"{self.rasa_url}/webhooks/rest/", self.workdir / "rasa.log"
                wait_for(url, self.rasa_process, log, since=since, port=self.rasa_port)
                return time.monotonic() - started
            except PortInUse:
                self.rasa_process = None
                if attempt == PORT_ATTEMPTS - 1:
                    raise
                self.rasa_port = free_port()
        raise AssertionError("unreachable")

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
