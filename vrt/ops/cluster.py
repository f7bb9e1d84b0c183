"""The crisis-day topology on one machine, without Docker (README, "Crisis-day scale"):
PostgreSQL, Redis, M action servers, N Rasa servers (`rasa run`, deploy/endpoints.postgres.yml)
and nginx in front (deploy/nginx/vrt.conf.template), all on 127.0.0.1.

Used by `make run-cluster` (python -m vrt.ops.cluster), tests/cluster and bench. The Rasa and action
servers are vrt/ops/servers.py's BotServers, the same processes the other tests start.
"""

from __future__ import annotations

import os
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
from vrt.ops.servers import BotServers, current_model, free_port, stop_process, wait_for
from vrt.ops.stores import PostgresServer, RedisServer

ENDPOINTS = "deploy/endpoints.postgres.yml"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    """One nginx master process with a config filled in by vrt.ops.nginx."""

    def __init__(self, env: Dict[str, str], logdir: Optional[Path] = None) -> None:
        # Its own folder outside pytest's (private to root): nginx's workers run as www-data
        # when started by root, and read busy.json and write temp files here. The logs are
        # opened by the master process, so they can go to `logdir` and stay after the stop.
        self.workdir = Path(tempfile.mkdtemp(prefix="vrt-nginx-"))
        self.workdir.chmod(0o755)
        self.port = int(env["VRT_NGINX_LISTEN"].rsplit(":", 1)[1])
        logdir = logdir or self.workdir
        self.access_log = logdir / f"nginx-{self.port}-access.log"
        env = {
            "VRT_NGINX_ACCESS_LOG": str(self.access_log),
            "VRT_NGINX_ERROR_LOG": str(logdir / f"nginx-{self.port}-error.log"),
            **env,
        }
        self.config = nginx.render(self.workdir, {**os.environ, **env})
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Nginx":
        command = [NGINX, "-c", str(self.config), "-p", str(self.workdir), "-e", "stderr"]
        test = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
        if test.returncode:
            raise RuntimeError(f"nginx refuses {self.config}:\n{test.stderr}")
        log = self.workdir / "nginx.log"
        self.process = subprocess.Popen(
            [*command, "-g", "daemon off;"],
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(f"{self.url}/index.html", self.process, log, timeout=30)
        return self

    def stop(self) -> None:
        stop_process(self.process)  # SIGTERM: nginx's fast shutdown
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def distinct_free_ports(count: int, taken: Set[int] = frozenset()) -> List[int]:
    """Free ports, none twice: free_port() can hand out the same port again once it is closed."""
    ports: List[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports and port not in taken:
            ports.append(port)
    return ports


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
            )
            for i in range(action_servers)
        ]
        self.replicas: List[BotServers] = []
        self.replica_count = replicas
        self.ports = ports  # for the Rasa servers
        self.nginx: Optional[Nginx] = None

    def shared_env(self) -> Dict[str, str]:
        """What every Rasa and action server gets: the stores, the action secret."""
        return {
            **self.postgres.env,
            **self.redis.env,
            "VRT_ACTION_TOKEN": self.token,
            "VRT_ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.actions_port}/webhook",
            # Rasa's lock lifetime (default 60 s): a conversation whose server died mid-turn
            # waits this long for its lock. Well below nginx's 10 s read timeout, so the resident's
            # retry is answered (README, "Crisis-day scale").
            "TICKET_LOCK_LIFETIME": os.environ.get("TICKET_LOCK_LIFETIME", "5"),
            **self.extra_env,
        }

    def nginx_env(self, **overrides: str) -> Dict[str, str]:
        return {
            "VRT_RASA_SERVERS": " ".join(f"127.0.0.1:{r.rasa_port}" for r in self.replicas),
            "VRT_ACTION_SERVERS": " ".join(f"127.0.0.1:{a.action_port}" for a in self.action_servers),
            "VRT_NGINX_LISTEN": f"127.0.0.1:{self.nginx_port}",
            "VRT_NGINX_ACTIONS_LISTEN": f"127.0.0.1:{self.actions_port}",
            "VRT_CORS_ORIGINS": f"http://127.0.0.1:{self.nginx_port} http://localhost:{self.nginx_port}",
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
        return f"http://127.0.0.1:{self.nginx_port}"

    @property
    def rest_url(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def start(self) -> "Cluster":
        try:
            self.postgres.create()
            self.redis.start()
            env = self.shared_env()
            for server in self.action_servers:
                server.extra_env = env
            origins = self.nginx_env()["VRT_CORS_ORIGINS"].split()
            self.replicas = [
                BotServers(
                    workdir=self.workdir / f"rasa-{i}",
                    model=self.model,
                    rasa_port=self.ports.pop(),
                    action_port=self.ports.pop(),  # unused: the action servers are behind nginx
                    endpoints=ENDPOINTS,
                    extra_env=env,
                    cors_origins=origins,
                )
                for i in range(self.replica_count)
            ]
            # nginx first: the Rasa servers reach the action servers through it.
            self.nginx = Nginx(self.nginx_env(), logdir=self.workdir).start()
            # All at once: on 2 cores each start takes 20-40 s; they overlap.
            with ThreadPoolExecutor(len(self.action_servers) + len(self.replicas)) as pool:
                started = [pool.submit(a.start_actions) for a in self.action_servers]
                started += [pool.submit(r.start_rasa) for r in self.replicas]
                for future in started:
                    future.result()
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
        self, sender: str, message: str, url: Optional[str] = None, timeout: float = 30
    ) -> requests.Response:
        """One REST turn, through nginx unless `url` names a Rasa server."""
        return requests.post(
            url or self.rest_url, json={"sender": sender, "message": message}, timeout=timeout
        )

    def stop(self) -> None:
        if self.nginx:
            self.nginx.remove()
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
        cluster.start()
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
