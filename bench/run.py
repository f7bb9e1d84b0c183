"""`make bench`: accuracy, latency and cost of VRT Assistent next to Rasa's default config.

The benchmark is the list STEPS below; each step is timed and writes its log under
results/bench-logs/. A step is a function that takes the Bench and returns its figures,
which go into results/bench.json (docs/bench.md says what each one means).

Environment (for development; a normal run sets none of these):
  BENCH_SKIP=train,cv,baseline,load   skip steps (their keys stay null)
  BENCH_READY_RUNS=3                  Rasa server starts for the median ready time
  BENCH_CV_SEED=2024                  the cross-validation folds (bench/seeded_folds.py)
  BENCH_REUSE_BASELINE=1              reuse models/baseline/ and its training time from the
                                      previous results/bench.json instead of retraining
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

from bench import answers, language, load, nlu_eval, privacy, report, voices
from vrt.ops.servers import RASA, ROOT, BotServers

RESULTS = ROOT / "results"
BASELINE_CONFIG = ROOT / "bench" / "baseline_config.yml"
BASELINE_MODEL = ROOT / "models" / "baseline" / "baseline.tar.gz"
# Keys that are null until a step measures them, so a skipped or broken step shows.
HEADLINE = """intent_accuracy intent_macro_f1 response_selector_accuracy emergency_recall
    baseline_intent_accuracy baseline_intent_macro_f1 baseline_train_full_s baseline_ready_s
    turn50_over_turn1 train_full_s train_nlu_s ready_s rss_mb action_rss_mb""".split()
LATENCY_KEYS = ("p50", "p95", "p99", "errors", "requests", "empty_replies", "throughput_rps")


class BenchError(RuntimeError):
    """A step of the benchmark broke (not: a target was missed)."""


def run_logged(args: List[str], log: Path, extra_env: Optional[Dict[str, str]] = None) -> float:
    """Runs a command with its output in `log`; returns the wall time in seconds, rounded."""
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false", **(extra_env or {})}
    start = time.monotonic()
    with log.open("wb") as out:
        # Cross-validation trains five models: over an hour on a busy 2-core machine.
        timeout = float(os.environ.get("BENCH_COMMAND_TIMEOUT_S", 4 * 3600))
        proc = subprocess.run(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-2500:]
        raise BenchError(f"{' '.join(args[1:3])} failed (exit {proc.returncode}); log: {log}\n{tail}")
    return round(time.monotonic() - start, 1)


def timed_cold_train(args: List[str], log: Path) -> float:
    """A Rasa training command with an empty, temporary training cache."""
    with tempfile.TemporaryDirectory(prefix="vrt-bench-cache-") as cache:
        return run_logged(args, log, extra_env={"RASA_CACHE_DIRECTORY": cache})


def peak_rss_mb(process: Optional[subprocess.Popen]) -> Optional[float]:
    """Peak resident memory (VmHWM) in MiB; `rasa run` and `rasa run actions` are one process each."""
    status = Path(f"/proc/{process.pid}/status").read_text() if process else ""
    kb = [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")]
    return round(kb[0] / 1024, 1) if kb else None


def say(message: str) -> None:
    print(f"\033[1m==> bench: {message}\033[0m", file=sys.stderr, flush=True)


def mib(path: Path) -> float:
    return round(path.stat().st_size / 2**20, 1)


def pick(figures: Dict[str, Any], *keys: str) -> Dict[str, Any]:
    return {key: figures[key] for key in keys}


@dataclass
class Bench:
    model: Path
    config: Path
    results: Path = RESULTS
    ready_runs: int = field(default_factory=lambda: int(os.environ.get("BENCH_READY_RUNS", "3")))
    skip: Set[str] = field(
        default_factory=lambda: {s.strip() for s in os.environ.get("BENCH_SKIP", "").split(",") if s.strip()}
    )

    @property
    def logs(self) -> Path:
        return self.results / "bench-logs"

    @contextmanager
    def servers(self, model: Path, label: str) -> Iterator[BotServers]:
        """The action server, stopped with the Rasa server at the end; start_ready starts the latter."""
        # Scripted residents send 50 turns back to back: over the per-client rate limit
        # (vrt/channels/rate_limit.py), which is not what the bench measures.
        bot = BotServers(
            workdir=self.results / "bench-servers" / label, model=model, extra_env={"VRT_RATE_LIMIT": "off"}
        )
        try:
            bot.start_actions()
            yield bot
        finally:
            bot.stop()


def start_ready(bot: BotServers) -> Tuple[float, float]:
    """(Re)starts the Rasa server: seconds until its HTTP API answers, and until "hallo" gets an answer."""
    http_s = bot.restart_rasa()
    started = time.monotonic()
    if not bot.say(f"bench-ready-{time.time_ns()}", "hallo"):
        raise BenchError("the Rasa server answered 'hallo' with nothing")
    return http_s, http_s + time.monotonic() - started


# --- steps ----------------------------------------------------------------------------


def train_cost(bench: Bench) -> Dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="vrt-bench-train-") as out:
        args = ["--config", str(bench.config), "--out", out, "--fixed-model-name"]
        full = [RASA, "train", *args, "full", "--domain", "domain.yml", "--data", "data"]
        nlu = [RASA, "train", "nlu", *args, "nlu", "--nlu", "data/nlu"]
        return {
            "train_full_s": timed_cold_train(full, bench.logs / "train-full.log"),
            "train_nlu_s": timed_cold_train(nlu, bench.logs / "train-nlu.log"),
        }


def heldout_figures(result: Dict[str, Any], prefix: str = "") -> Dict[str, Any]:
    return {
        f"{prefix}intent_accuracy": result["intent"]["accuracy"],
        f"{prefix}intent_macro_f1": result["intent"]["macro_f1"],
        f"{prefix}response_selector_accuracy": result["response_selection"]["accuracy"],
        f"{prefix}emergency_recall": result["emergency"]["recall"],
        f"{prefix}entity_f1": nlu_eval.entity_f1(result["entities"]),
    }


def test_nlu(bench: Bench, model: Path, label: str) -> Dict[str, Any]:
    """`rasa test nlu` on the held-out set; Rasa's reports and plots go to results/<label>/."""
    out = bench.results / label
    args = [
        RASA,
        "test",
        "nlu",
        "--nlu",
        str(ROOT / "tests" / "nlu"),
        "--model",
        str(model),
        "--out",
        str(out),
    ]
    run_logged(args, bench.logs / f"test-nlu-{label}.log")
    return nlu_eval.evaluate_dir(out)


def heldout(bench: Bench) -> Dict[str, Any]:
    result = test_nlu(bench, bench.model, "heldout")
    return {
        **heldout_figures(result),
        "entities": result["entities"],
        "per_intent": result["intent"]["per_label"],
        "confused_pairs": result["intent"]["confused"],
        "response_selector_confused": result["response_selection"]["confused"],
        "emergency": result["emergency"],
    }


def cross_validation(bench: Bench, folds: int = 5) -> Dict[str, Any]:
    out, log = bench.results / "cross-validation", bench.logs / "cross-validation.log"
    # Rasa draws the folds from NumPy's unseeded global state; bench/seeded_folds.py seeds it.
    rasa = [sys.executable, "-m", "bench.seeded_folds"]
    args = [*rasa, "test", "nlu", "--nlu", str(ROOT / "data" / "nlu"), "--config", str(bench.config)]
    # --domain: the FAQ answers (`faq/<topic>` labels) live in domain.yml.
    args += ["--domain", str(ROOT / "domain.yml"), "--cross-validation", "--folds", str(folds)]
    seconds = run_logged([*args, "--out", str(out), "--no-plot"], log)
    cv = nlu_eval.cross_validation(out, folds, log.read_text(errors="replace"))
    return {"cross_validation": {**cv, "seconds": seconds}}


def load_and_memory(bench: Bench) -> Dict[str, Any]:
    messages = load.resident_messages()
    texts = [text for group in messages.values() for text in group]
    with bench.servers(bench.model, "vrt") as bot:
        ready = []
        for _ in range(bench.ready_runs):
            http_s, ready_s = start_ready(bot)
            ready.append(ready_s)
        asyncio.run(load.warm_up(bot.rest_url, texts))
        levels = {}
        for name, level in load.LEVELS.items():
            say(f"  {name}: {level.users} residents for up to {level.duration_s:.0f} s")
            levels[name] = asyncio.run(load.run_level(bot.rest_url, level, texts, name))
        say("  one conversation of 50 turns, 10 times")
        growth = asyncio.run(load.run_turn_growth(bot.rest_url, texts, messages.get("faq") or texts))
        figures = {
            "ready_s": round(statistics.median(ready), 1),
            "ready_runs_s": [round(r, 1) for r in ready],
            "ready_http_s": round(http_s, 1),
            "latency_ms": {name: pick(run, *LATENCY_KEYS) for name, run in levels.items()},
            "latency_runs": levels,
            "turn50_over_turn1": growth["turn50_over_turn1"],
            "turn_growth": growth,
            "rss_mb": peak_rss_mb(bot.rasa_process),
            "action_rss_mb": peak_rss_mb(bot.action_process),
        }
    broken = {
        name: run["error_kinds"] for name, run in levels.items() if run["errors"] and name != "users_50"
    }
    if broken:
        raise BenchError(f"failed requests: {broken}")
    return figures


def baseline(bench: Bench) -> Dict[str, Any]:
    figures: Dict[str, Any] = {}
    previous = _previous_results().get("baseline_train_full_s")
    if os.environ.get("BENCH_REUSE_BASELINE") == "1" and BASELINE_MODEL.is_file() and previous:
        figures.update(baseline_train_full_s=previous, baseline_reused=True)
    else:
        args = [RASA, "train", "--config", str(BASELINE_CONFIG), "--domain", "domain.yml", "--data", "data"]
        args += ["--out", str(BASELINE_MODEL.parent), "--fixed-model-name", "baseline"]
        figures["baseline_train_full_s"] = timed_cold_train(args, bench.logs / "train-baseline.log")
    figures["baseline_model_mb"] = mib(BASELINE_MODEL)
    figures.update(heldout_figures(test_nlu(bench, BASELINE_MODEL, "heldout-baseline"), prefix="baseline_"))
    if "baseline_load" in bench.skip:
        return figures
    with bench.servers(BASELINE_MODEL, "baseline") as bot:
        figures["baseline_ready_s"] = round(start_ready(bot)[1], 1)
        texts = [text for group in load.resident_messages().values() for text in group]
        asyncio.run(load.warm_up(bot.rest_url, texts))
        one = asyncio.run(load.run_level(bot.rest_url, load.LEVELS["users_1"], texts, "base1"))
        figures["baseline_latency_ms"] = {"users_1": pick(one, "p50", "p95", "p99", "errors")}
        figures["baseline_rss_mb"] = peak_rss_mb(bot.rasa_process)
    return figures


# The benchmark, in order. A new step: a module in bench/ with a function (bench) -> figures,
# added here under a name that BENCH_SKIP can use (see docs/bench.md).
STEPS: List[Tuple[str, Callable[..., Dict[str, Any]]]] = [
    ("train", train_cost),
    ("heldout", heldout),
    ("answers", answers.bench_step),
    ("voices", voices.bench_step),
    ("language", language.bench_step),
    ("cv", cross_validation),
    ("load", load_and_memory),
    ("baseline", baseline),
    ("privacy", privacy.bench_step),
]


def _previous_results() -> Dict[str, Any]:
    try:
        return json.loads((RESULTS / "bench.json").read_text())
    except (OSError, ValueError):
        return {}


def run(bench: Bench) -> int:
    bench.logs.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(bench.results / "bench-servers", ignore_errors=True)
    started = time.time()
    data: Dict[str, Any] = {key: None for key in HEADLINE}
    data.update(
        latency_ms={"users_1": {}, "users_10": {}, "users_50": {}}, model_mb=mib(bench.model), errors=[]
    )
    meta = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "model": bench.model.name,
        "config": bench.config.name,
        "spacy_pipeline": os.environ.get("VRT_SPACY_PIPELINE_NAME", "?"),
        "cpus": os.cpu_count(),
        "loadavg_start": round(os.getloadavg()[0], 2),
        "skipped": sorted(bench.skip),
        "step_seconds": {},
    }
    for name, step in STEPS:
        if name in bench.skip:
            say(f"{name}: skipped (BENCH_SKIP)")
            continue
        say(f"{name} ...")
        step_started = time.monotonic()
        try:
            data.update(step(bench))
        except Exception as exc:  # a broken step must not hide the others
            data["errors"].append(f"{name}: {exc}".splitlines()[0])
            print(f"\033[31mbench step '{name}' broke:\033[0m {exc}", file=sys.stderr)
            traceback.print_exc()
        meta["step_seconds"][name] = round(time.monotonic() - step_started, 1)
        say(f"{name}: {meta['step_seconds'][name]} s")
    meta.update(loadavg_end=round(os.getloadavg()[0], 2), total_s=round(time.time() - started, 1))
    data.update(meta=meta, targets=report.targets(data))

    (bench.results / "bench.json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    print(f"\n{report.console_table(data)}\n\nresults/bench.json ({meta['total_s']:.0f} s)")
    if data["errors"]:
        print("\033[31mbench: broken steps:\033[0m\n  " + "\n  ".join(data["errors"]))
        return 1
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, required=True, help="trained model to measure")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    args = parser.parse_args(argv)
    if not args.model.is_file():
        print(f"no model at {args.model}; run `make train`", file=sys.stderr)
        return 2
    return run(Bench(args.model.resolve(), args.config.resolve()))
