"""Starting the cluster (README, "Crisis-day scale"): from a checkout only its owner can read,
on loopback, on ports another process may take first; a start that fails says why and leaves
nothing running. Real processes, no cluster shared with test_cluster.py.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List

import pytest
import requests

from vrt.ops.cluster import Cluster, Nginx
from vrt.ops.servers import (
    ROOT,
    BotServers,
    PortInUse,
    current_model,
    free_port,
    listening_addresses,
    listening_ports_of,
)
from vrt.ops.stores import RedisServer


def processes_using(folder: Path) -> Dict[int, str]:
    """Processes with a file under `folder` open or their working folder there (a server's log,
    nginx's error log and pid file): nothing may be left of a stopped start."""
    using = {}
    folder = folder.resolve()
    for process in Path("/proc").glob("[0-9]*"):
        try:
            links = [process / "cwd", *(process / "fd").iterdir()]
        except OSError:
            continue
        for link in links:
            try:
                target = Path(os.readlink(link))
            except OSError:
                continue
            if target == folder or folder in target.parents:
                try:
                    using[int(process.name)] = (
                        (process / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                    )
                except OSError:
                    pass
                break
    return using


def taken_port() -> socket.socket:
    """A port another program holds (a listening socket of this test)."""
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", free_port()))
    holder.listen()
    return holder


def web_files_the_workers_cannot_read(folder: Path) -> Dict[str, str]:
    """A copy of web/ that nginx's workers cannot read, and the settings that make it so."""
    web = folder / "web"
    shutil.copytree(ROOT / "web", web)
    folder.chmod(0o700)
    if os.geteuid() == 0:  # root reads anything: workers as another user, as www-data were
        nobody = pwd.getpwnam("nobody")
        return {"VRT_WEB_ROOT": str(web), "VRT_NGINX_USER": f"nobody {grp.getgrgid(nobody.pw_gid).gr_name}"}
    (web / "index.html").chmod(0)
    return {"VRT_WEB_ROOT": str(web)}


@pytest.mark.parametrize("fault", ["port taken", "widget files unreadable"])
def test_a_failed_nginx_start_says_why_and_leaves_no_nginx(tmp_path, fault):
    listen, actions = free_port(), free_port()
    env = {
        "VRT_NGINX_LISTEN": f"127.0.0.1:{listen}",
        "VRT_NGINX_ACTIONS_LISTEN": f"127.0.0.1:{actions}",
        "VRT_RASA_SERVERS": f"127.0.0.1:{free_port()}",
        "VRT_ACTION_SERVERS": f"127.0.0.1:{free_port()}",
    }
    holder = None
    if fault == "port taken":
        holder = taken_port()
        env["VRT_NGINX_LISTEN"] = f"127.0.0.1:{holder.getsockname()[1]}"
        expected = f"bind() to {env['VRT_NGINX_LISTEN']} failed (98: Address already in use)"
    else:
        env.update(web_files_the_workers_cannot_read(Path(tempfile.mkdtemp(prefix="vrt-private-"))))
        expected = "(13: Permission denied)"
    nginx = Nginx(env, logdir=tmp_path)
    try:
        with pytest.raises(RuntimeError) as failed:
            nginx.start()
        assert expected in str(failed.value)
        assert (failed.type is PortInUse) == (fault == "port taken")
        assert nginx.process is None
        assert processes_using(nginx.workdir) == {} and processes_using(tmp_path) == {}
        port = int(env["VRT_NGINX_LISTEN"].rsplit(":", 1)[1])
        if holder:  # the port is still the other program's alone
            assert ("127.0.0.1", port) in listening_ports_of(os.getpid())
        else:
            assert not listening_addresses(port)
    finally:
        nginx.remove()
        if holder:
            holder.close()
        else:
            shutil.rmtree(Path(env["VRT_WEB_ROOT"]).parent, ignore_errors=True)


def test_a_failed_cluster_start_says_why_and_stops_what_it_started(tmp_path):
    """make run-cluster on a port another program holds (VRT_CLUSTER_PORT): PostgreSQL and
    Redis had started first; all of it stops, and the message names the port."""
    holder = taken_port()
    port = holder.getsockname()[1]
    cluster = Cluster(tmp_path, replicas=1, nginx_port=port)
    try:
        with pytest.raises(RuntimeError, match=f"port {port} on 127.0.0.1 is in use") as failed:
            cluster.start()
        assert "Address already in use" in str(failed.value)
        assert processes_using(tmp_path) == {}, "a server of the failed start still runs"
        assert cluster.nginx is None and cluster.redis.process is None
        assert not listening_addresses(cluster.postgres.port) and not listening_addresses(cluster.redis.port)
        assert not cluster.postgres.base.exists()
        assert all(s.rasa_process is None and s.action_process is None for s in cluster.replicas)
    finally:
        cluster.stop()
        holder.close()


def test_servers_whose_port_was_taken_start_on_another(tmp_path):
    """A port is free when chosen and can be taken before the server binds it (`rasa run`
    imports Rasa for 5-40 s first): the server starts again on another one."""
    redis_server = RedisServer(tmp_path / "redis")
    actions = BotServers(workdir=tmp_path / "actions", model=current_model())
    holders = []
    for server, attribute in ((redis_server, "port"), (actions, "action_port")):
        holders.append(socket.socket())
        holders[-1].setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holders[-1].bind(("127.0.0.1", getattr(server, attribute)))
        holders[-1].listen()
    taken = {h.getsockname()[1] for h in holders}
    try:
        redis_server.start()
        actions.start_actions()
        assert redis_server.port not in taken and actions.action_port not in taken
        assert listening_ports_of(redis_server.process.pid) == {("127.0.0.1", redis_server.port)}
        assert listening_ports_of(actions.action_process.pid) == {("127.0.0.1", actions.action_port)}
        assert "address already in use" in actions.log("actions").lower()
        # A port the caller chose stays: the error says so.
        with pytest.raises(PortInUse):
            RedisServer(tmp_path / "fixed", port=holders[0].getsockname()[1]).start()
    finally:
        redis_server.stop()
        actions.stop()
        for holder in holders:
            holder.close()


def private_copy_of_the_checkout() -> Path:
    """The checkout's files (tracked and new ones, as they are now) in a folder of mode 700,
    with the current model; the venv is this one (its packages; `vrt` comes from the copy)."""
    private = Path(tempfile.mkdtemp(prefix="vrt-private-"))  # mode 700, as `mktemp -d`
    checkout = private / "vrt-assistent"
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    )
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (ROOT / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, checkout / name)
    (checkout / "models").mkdir()
    shutil.copy2(current_model(), checkout / "models")
    (checkout / ".venv").symlink_to(ROOT / ".venv")
    return private


def descendants(pid: int) -> List[int]:
    parents: Dict[int, List[int]] = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat_file.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(parent, []).append(int(stat_file.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def test_the_cluster_starts_from_a_folder_only_its_owner_can_read():
    """`make run-cluster` in a checkout of mode 700 (a home folder, `mktemp -d`): nginx's
    workers serve the widget page from it, a resident is answered, every server listens on
    127.0.0.1 only, and Ctrl-C leaves nothing running."""
    private = private_copy_of_the_checkout()
    checkout = private / "vrt-assistent"
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout),  # the copy's `vrt`, so its ROOT is the copy
        "VRT_CLUSTER_PORT": str(port),
        "VRT_CLUSTER_REPLICAS": "1",
        "VRT_BIND": "127.0.0.1",
    }
    cluster = subprocess.Popen(
        [str(checkout / ".venv" / "bin" / "python"), "-m", "vrt.ops.cluster"],
        cwd=checkout,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    output: List[str] = []
    reader = threading.Thread(target=lambda: output.extend(cluster.stderr), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 900
        while not any("cluster ready" in line for line in output):
            assert cluster.poll() is None, "make run-cluster ended:\n" + "".join(output)
            assert time.monotonic() < deadline, "not ready:\n" + "".join(output)
            time.sleep(0.5)
        printed = "".join(output)
        config = next(line.split()[1] for line in output if line.strip().startswith("nginx "))
        assert f"root {checkout}/web;" in Path(config).read_text()
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200 and "vrt-chat.js" in page.text
        reply = requests.post(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook",
            json={"sender": "private-checkout", "message": "hallo"},
            timeout=60,
        )
        assert reply.status_code == 200 and "Hallo" in reply.json()[0]["text"]
        listeners = {s for pid in descendants(cluster.pid) for s in listening_ports_of(pid)}
        assert len(listeners) >= 5, listeners  # nginx (2), Rasa, action server, Redis
        assert {address for address, _ in listeners} == {"127.0.0.1"}, listeners
        postgres = int(printed.split("PostgreSQL    127.0.0.1:")[1].split()[0])
        assert listening_addresses(postgres) == {"127.0.0.1"}
    finally:
        cluster.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            cluster.wait(timeout=120)
        finally:
            reader.join(timeout=10)
            left = processes_using(private)
            if cluster.returncode is None:
                cluster.kill()
            shutil.rmtree(private, ignore_errors=True)
    assert cluster.returncode == 0, "".join(output)
    assert left == {}, f"still running after Ctrl-C: {left}"
    assert not listening_addresses(port) and not listening_addresses(postgres)
