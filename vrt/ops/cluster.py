"""The crisis-day topology on one machine, without Docker (README, "Crisis-day scale"):
PostgreSQL, Redis, M action servers, N Rasa servers (`rasa run`, deploy/endpoints.postgres.yml)
and nginx in front (deploy/nginx/vrt.conf.template), all on 127.0.0.1.

Used by `make run-cluster` (python -m vrt.ops.cluster), tests/cluster and bench. The Rasa and action
servers are vrt/ops/servers.py's BotServers, the same processes the other tests start.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Set

import requests

from vrt.ops import nginx
from vrt.ops.servers import (
    LOOPBACK,
    PORT_ATTEMPTS,
    BotServers,
    PortInUse,
    bind_address,
    connect_host,
    current_model,
    free_port,
    listening_ports_of,
    log_since,
    port_taken,
    stop_process,
)
from vrt.ops.stores import PostgresServer, RedisServer

ENDPOINTS = "deploy/endpoints.postgres.yml"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BIND_FAILED = re.compile(r"bind\(\) to \S*:(\d+) failed")


def current_user() -> str:
    """nginx's `user` (user and group) for the workers: whoever starts the cluster, so the
    workers read the widget's files wherever the checkout is (also in a folder of mode 700)."""
    try:
        return f"{pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name}"
    except KeyError:  # no name for this id: then not root either, and nginx ignores `user`
        return "nobody"


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(none)"


def children(pid: int) -> Set[int]:
    """The running child processes of `pid` (an nginx master's workers)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            children.add(int(stat.parent.name))
    return children


class Nginx:
    """One nginx master process with a config filled in by vrt.ops.nginx."""

    def __init__(self, env: Dict[str, str], logdir: Optional[Path] = None) -> None:
        # Its own folder outside pytest's: pid file, temp files and the JSON answers. The logs
        # are opened by the master process, so they can go to `logdir` and stay after the stop.
        self.workdir = Path(tempfile.mkdtemp(prefix="vrt-nginx-"))
        self.logdir = logdir or self.workdir
        self.process: Optional[subprocess.Popen] = None
        self.configure(env)

    def configure(self, env: Dict[str, str]) -> None:
        """Fills in the template (again): the next start or reload() uses it."""
        self.port = int(env["VRT_NGINX_LISTEN"].rsplit(":", 1)[1])
        self.actions_port = int(env.get("VRT_NGINX_ACTIONS_LISTEN", "5056").rsplit(":", 1)[-1])
        self.host = connect_host(env["VRT_NGINX_LISTEN"].rsplit(":", 1)[0])
        self.access_log = self.logdir / f"nginx-{self.port}-access.log"
        self.error_log = self.logdir / f"nginx-{self.port}-error.log"
        self.env = {
            "VRT_NGINX_ACCESS_LOG": str(self.access_log),
            "VRT_NGINX_ERROR_LOG": str(self.error_log),
            "VRT_NGINX_USER": current_user(),
            **env,
        }
        self.config = nginx.render(self.workdir, {**os.environ, **self.env})
        self.web_root = nginx.values({**os.environ, **self.env}, self.workdir)["VRT_WEB_ROOT"]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> List[str]:
        return [NGINX, "-c", str(self.config), "-p", str(self.workdir), "-e", "stderr"]

    def start(self) -> "Nginx":
        """Starts nginx and waits until it serves the widget page. When it does not, stops it
        and raises with the cause: PortInUse for a port another process holds, RuntimeError
        with nginx's own error lines otherwise."""
        test = subprocess.run([*self.command(), "-t", "-q"], capture_output=True, text=True)
        if test.returncode:
            raise RuntimeError(f"nginx refuses {self.config}:\n{test.stderr}")
        log = self.workdir / "nginx.log"
        with log.open("ab") as output:
            since = output.tell()
            self.process = subprocess.Popen(
                [*self.command(), "-g", "daemon off;"],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_ready(log, since)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, log: Path, since: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        # First its own listeners: while nginx retries a taken port (2.5 s), whatever holds
        # that port would answer the page.
        wanted = {self.port, self.actions_port}
        while not wanted <= {port for _, port in listening_ports_of(self.process.pid)}:
            if self.process.poll() is not None:
                output = f"{log_since(log, since)}\nits error log {self.error_log}:\n{tail(self.error_log)}"
                error = PortInUse if port_taken(output) else RuntimeError
                raise error(
                    f"nginx ({self.config}) ended at its start (exit code {self.process.returncode}):\n{output}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"nginx did not listen on {sorted(wanted)} within {timeout} s:\n{tail(self.error_log)}"
                )
            time.sleep(0.05)
        page = f"{self.url}/index.html"
        while True:
            try:
                answer = requests.get(page, timeout=2)
                break
            except requests.RequestException as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{page}: no answer within {timeout} s ({exc})") from None
                time.sleep(0.05)
        if answer.status_code != 200:
            # 403 or 500 with "Permission denied": the workers cannot read the widget's files.
            raise RuntimeError(
                f"nginx answers HTTP {answer.status_code} for {page} (the widget's files: {self.web_root});"
                f" its error log {self.error_log}:\n{tail(self.error_log)}"
            )

    def workers(self) -> Set[int]:
        return children(self.process.pid) if self.process else set()

    def reload(self, env: Dict[str, str], timeout: float = 30) -> None:
        """A new configuration (servers that moved to another port) without closing the
        listeners: SIGHUP, then nginx replaces its workers; returns when the old ones are gone."""
        before = self.workers()
        self.configure(env)
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = self.workers()
            if now and not now & before:
                return
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not take {self.config} within {timeout} s:\n{tail(self.error_log)}")

    def stop(self) -> None:
        stop_process(self.process)  # SIGTERM to the process group: nginx's fast shutdown
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def distinct_free_ports(count: int, taken: Set[int] = frozenset()) -> List[int]:
    """Free ports, none twice (free_port() hands out a port once per process), none in `taken`."""
    ports: List[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in taken:
            ports.append(port)
    return ports


def session_from(source: Optional[str]) -> requests.Session:
    """A requests session whose connections come from the loopback address `source` (127.x.y.z),
    so nginx sees another client address, as for residents on their own connections."""
    session = requests.Session()
    if source:

        class FromSource(requests.adapters.HTTPAdapter):
            def init_poolmanager(self, *args, **kwargs):
                kwargs["source_address"] = (source, 0)
                super().init_poolmanager(*args, **kwargs)

        session.mount("http://", FromSource())
    return session


class Cluster:
    def __init__(
        self,
        workdir: Path,
        model: Optional[Path] = None,
        replicas: int = 2,
        action_servers: int = 1,
        nginx_port: Optional[int] = None,
        extra_env: Optional[Dict[str, str]] = None,
    ) -> None:
        self.workdir = workdir
        self.model = model or current_model()
        # nginx's listener for residents: VRT_BIND, as `make run`. Everything behind it listens
        # on loopback only, so nobody reaches a Rasa server, an action server or a store past nginx.
        self.bind = bind_address()
        self.nginx_port_fixed = nginx_port is not None
        ports = distinct_free_ports(2 + 2 * (replicas + action_servers), {nginx_port or 0})
        self.nginx_port = nginx_port or ports.pop()
        self.actions_port = ports.pop()  # nginx's listener for the action servers
        self.token = secrets.token_urlsafe(16)
        self.extra_env = dict(extra_env or {})
        self.postgres = PostgresServer()
        self.redis = RedisServer(workdir / "redis")
        self.action_servers = [
            BotServers(
                workdir=workdir / f"actions-{i}",
                model=self.model,
                endpoints=ENDPOINTS,
                action_port=ports.pop(),
                rasa_port=ports.pop(),  # unused: an action server only
                interface=LOOPBACK,
            )
            for i in range(action_servers)
        ]
        self.replicas = [
            BotServers(
                workdir=workdir / f"rasa-{i}",
                model=self.model,
                rasa_port=ports.pop(),
                action_port=ports.pop(),  # unused: the action servers are behind nginx
                endpoints=ENDPOINTS,
                interface=LOOPBACK,
            )
            for i in range(replicas)
        ]
        self.replica_count = replicas
        self.nginx: Optional[Nginx] = None

    def shared_env(self) -> Dict[str, str]:
        """What every Rasa and action server gets: the stores, the action secret."""
        return {
            **self.postgres.env,
            **self.redis.env,
            "VRT_ACTION_TOKEN": self.token,
            "VRT_ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.actions_port}/webhook",
            # The action servers listen on loopback whatever the caller's environment says.
            "VRT_ACTION_BIND": LOOPBACK,
            # Rasa's lock lifetime (default 60 s): a conversation whose server died mid-turn
            # waits this long for its lock. Well below nginx's 10 s read timeout, so the resident's
            # retry is answered (README, "Crisis-day scale").
            "TICKET_LOCK_LIFETIME": os.environ.get("TICKET_LOCK_LIFETIME", "5"),
            **self.extra_env,
        }

    def nginx_env(self, **overrides: str) -> Dict[str, str]:
        host = connect_host(self.bind)
        return {
            "VRT_RASA_SERVERS": " ".join(f"127.0.0.1:{r.rasa_port}" for r in self.replicas),
            "VRT_ACTION_SERVERS": " ".join(f"127.0.0.1:{a.action_port}" for a in self.action_servers),
            "VRT_NGINX_LISTEN": f"{self.bind}:{self.nginx_port}",
            "VRT_NGINX_ACTIONS_LISTEN": f"127.0.0.1:{self.actions_port}",
            "VRT_CORS_ORIGINS": " ".join(
                sorted({f"http://{h}:{self.nginx_port}" for h in (host, "127.0.0.1", "localhost")})
            ),
            **overrides,
        }

    def spare_ports(self, count: int) -> List[int]:
        """Free ports that none of the cluster's servers uses (for a second nginx)."""
        servers = [*self.replicas, *self.action_servers]
        used = {self.nginx_port, self.actions_port} | {
            p for s in servers for p in (s.rasa_port, s.action_port)
        }
        return distinct_free_ports(count, used)

    @property
    def url(self) -> str:
        return f"http://{connect_host(self.bind)}:{self.nginx_port}"

    @property
    def rest_url(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def start_nginx(self) -> None:
        """nginx on its two listeners; a listener port another process took in the meantime
        is chosen again, except the one the caller asked for (VRT_CLUSTER_PORT)."""
        for attempt in range(PORT_ATTEMPTS):
            self.nginx = Nginx(self.nginx_env(), logdir=self.workdir)
            try:
                self.nginx.start()
                return
            except PortInUse as taken:
                self.nginx.remove()
                self.nginx = None
                failed = {int(port) for port in BIND_FAILED.findall(str(taken))}
                if self.nginx_port_fixed and self.nginx_port in failed:
                    raise RuntimeError(
                        f"port {self.nginx_port} on {self.bind} is in use by another program"
                        f" (VRT_CLUSTER_PORT picks another):\n{taken}"
                    ) from None
                if attempt == PORT_ATTEMPTS - 1:
                    raise
                if self.actions_port in failed or not failed:
                    self.actions_port = free_port()
                if not self.nginx_port_fixed and (self.nginx_port in failed or not failed):
                    self.nginx_port = free_port()

    def start(self) -> "Cluster":
        try:
            self.postgres.create()
            self.redis.start()
            # nginx first: the Rasa servers reach the action servers through it, at the
            # address in their environment.
            self.start_nginx()
            env = self.shared_env()
            origins = self.nginx_env()["VRT_CORS_ORIGINS"].split()
            for server in [*self.action_servers, *self.replicas]:
                server.extra_env = env
                server.cors_origins = origins
            # All at once: on 2 cores each start takes 20-40 s; they overlap.
            with ThreadPoolExecutor(len(self.action_servers) + len(self.replicas)) as pool:
                started = [pool.submit(a.start_actions) for a in self.action_servers]
                started += [pool.submit(r.start_rasa) for r in self.replicas]
                for future in started:
                    future.result()
            # A server that found its port taken started on another one: tell nginx.
            if self.nginx_env() != {k: self.nginx.env[k] for k in self.nginx_env()}:
                self.nginx.reload(self.nginx_env())
        except BaseException:
            self.stop()
            raise
        return self

    def kill_replica(self, index: int) -> None:
        """Ends one Rasa server as a crash does (kill -9)."""
        replica = self.replicas[index]
        os.killpg(replica.rasa_process.pid, signal.SIGKILL)
        replica.rasa_process.wait()
        replica.rasa_process = None

    def say(
        self,
        sender: str,
        message: str,
        url: Optional[str] = None,
        timeout: float = 30,
        source: Optional[str] = None,
    ) -> requests.Response:
        """One REST turn, through nginx unless `url` names a Rasa server; from the loopback
        address `source` (a client of its own for nginx's limit) or 127.0.0.1."""
        with session_from(source) as session:
            return session.post(
                url or self.rest_url, json={"sender": sender, "message": message}, timeout=timeout
            )

    def stop(self) -> None:
        if self.nginx:
            self.nginx.remove()
            self.nginx = None
        for server in [*self.replicas, *self.action_servers]:
            server.stop()
        self.redis.stop()
        self.postgres.remove()


def main() -> int:
    """make run-cluster: start everything, print where, wait for Ctrl-C, stop everything."""
    workdir = Path(os.environ.get("VRT_CLUSTER_DIR", Path("var") / "cluster")).resolve()
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    cluster = Cluster(
        workdir,
        replicas=int(os.environ.get("VRT_CLUSTER_REPLICAS", "2")),
        action_servers=int(os.environ.get("VRT_CLUSTER_ACTION_SERVERS", "1")),
        nginx_port=int(os.environ.get("VRT_CLUSTER_PORT", "8088")),
    )
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    # Ctrl-C also when started from a shell that ignores SIGINT for background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.monotonic()
    print(
        f"Starting {cluster.replica_count} Rasa servers, the action server(s), PostgreSQL, Redis and nginx"
        f" (logs in {workdir}) ...",
        file=sys.stderr,
    )
    try:
        try:
            cluster.start()
        except RuntimeError as failed:  # Cluster.start() stopped what it had started
            print(f"The cluster did not start: {failed}", file=sys.stderr)
            return 1
        print(
            f"VRT Assistent cluster ready in {time.monotonic() - started:.0f} s:\n"
            f"  widget page   {cluster.url}/\n"
            f"  REST          {cluster.rest_url}\n"
            f"  socket.io     {cluster.url}/socket.io/\n"
            f"  Rasa servers  {', '.join(r.rasa_url for r in cluster.replicas)}\n"
            f"  PostgreSQL    127.0.0.1:{cluster.postgres.port} (database rasa, user rasa)\n"
            f"  Redis         127.0.0.1:{cluster.redis.port}\n"
            f"  nginx         {cluster.nginx.config} (its logs in {workdir})\n"
            "Ctrl-C stops everything.",
            file=sys.stderr,
        )
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        print("Stopping ...", file=sys.stderr)
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
