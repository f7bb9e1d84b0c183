"""Timed Rasa commands with their logs, and the peak memory of a server's processes."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

from tests.servers import ROOT


class BenchError(RuntimeError):
    """A step of the benchmark broke (not: a target was missed)."""


def run_logged(
    args: List[str], log: Path, extra_env: Optional[Dict[str, str]] = None, timeout: float = 3600
) -> float:
    """Runs a command with its output in `log`; returns the wall time in seconds."""
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false", **(extra_env or {})}
    start = time.monotonic()
    with log.open("wb") as out:
        try:
            proc = subprocess.run(
                args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"{' '.join(args[:3])} timed out after {timeout:.0f} s; log: {log}") from exc
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-2500:]
        raise BenchError(f"{' '.join(args[:3])} failed (exit {proc.returncode}); log: {log}\n{tail}")
    return elapsed


def timed_cold_train(args: List[str], log: Path) -> float:
    """A Rasa training command with an empty, temporary training cache; seconds, rounded."""
    with tempfile.TemporaryDirectory(prefix="vrt-bench-cache-") as cache:
        return round(run_logged(args, log, extra_env={"RASA_CACHE_DIRECTORY": cache}), 1)


def _process_tree(pid: int) -> List[int]:
    parents: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # pid (comm) state ppid ...; comm may contain spaces, so split after ')'.
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo.extend(parents.get(tree[-1], []))
    return tree


def peak_rss_mb(process: Optional[subprocess.Popen]) -> Optional[float]:
    """Peak resident memory (VmHWM) of a process and its children, summed, in MiB."""
    if process is None:
        return None
    total_kb, seen = 0, False
    for pid in _process_tree(process.pid):
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
                seen = True
    return round(total_kb / 1024, 1) if seen else None
