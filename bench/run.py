"""`make bench`: accuracy, latency and cost of VRT Assistent next to Rasa's default config.

Steps (each one is timed and its log kept under results/bench-logs/):
  1. cost: full training with a cold cache, NLU-only training with a cold cache
  2. held-out NLU test of the project model (tests/nlu)
  3. 5-fold cross-validation on the training data
  4. servers: ready time, latency at 1/10/50 residents, turn 1 vs turn 50, peak RSS
  5. baseline: Rasa's default config trained on the same data, measured the same way

Environment (for development; a normal run sets none of these):
  BENCH_SKIP=train,cv,baseline,load   skip steps (their keys stay null)
  BENCH_READY_RUNS=3                  Rasa server starts for the median ready time
  BENCH_REUSE_BASELINE=1              reuse models/baseline/ and its figures from the
                                      previous results/bench.json instead of retraining
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from bench import load, nlu_eval, report
from bench.procs import RASA, ROOT, BenchError, BotUnderTest, timed_cold_train

RESULTS = ROOT / "results"
LOGS = RESULTS / "bench-logs"
BASELINE_CONFIG = ROOT / "bench" / "baseline_config.yml"
BASELINE_DIR = ROOT / "models" / "baseline"
BASELINE_MODEL = BASELINE_DIR / "baseline.tar.gz"


def mib(path: Path) -> float:
    return round(path.stat().st_size / 2**20, 1)


def say(message: str) -> None:
    print(f"\033[1m==> bench: {message}\033[0m", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, model: Path, config: Path) -> None:
        self.model = model
        self.config = config
        self.skip = {s.strip() for s in os.environ.get("BENCH_SKIP", "").split(",") if s.strip()}
        self.ready_runs = int(os.environ.get("BENCH_READY_RUNS", "3"))
        self.data: Dict[str, Any] = {
            "intent_accuracy": None, "intent_macro_f1": None,
            "response_selector_accuracy": None, "emergency_recall": None,
            "baseline_intent_accuracy": None, "baseline_intent_macro_f1": None,
            "baseline_train_full_s": None, "baseline_ready_s": None,
            "latency_ms": {"users_1": {}, "users_10": {}, "users_50": {}},
            "turn50_over_turn1": None,
            "train_full_s": None, "train_nlu_s": None, "model_mb": mib(model),
            "ready_s": None, "rss_mb": None, "action_rss_mb": None,
            "errors": [],
        }
        self.details: Dict[str, Any] = {}
        self.timings: Dict[str, float] = {}

    # --- helpers ----------------------------------------------------------------------

    def step(self, name: str, fn: Callable[[], None]) -> None:
        if name in self.skip:
            say(f"{name}: skipped (BENCH_SKIP)")
            return
        say(f"{name} ...")
        start = time.monotonic()
        try:
            fn()
        except Exception as exc:  # a broken step must not hide the others
            message = f"{name}: {exc}"
            self.data["errors"].append(message.splitlines()[0])
            print(f"\033[31mbench step '{name}' broke:\033[0m {message}", file=sys.stderr)
            traceback.print_exc()
        finally:
            self.timings[name] = round(time.monotonic() - start, 1)
            say(f"{name}: {self.timings[name]} s")

    # --- steps ------------------------------------------------------------------------

    def train_cost(self) -> None:
        with tempfile.TemporaryDirectory(prefix="vrt-bench-train-") as out:
            self.data["train_full_s"] = round(timed_cold_train(
                [RASA, "train", "--config", str(self.config), "--domain", "domain.yml", "--data",
                 "data", "--out", out, "--fixed-model-name", "full"],
                LOGS / "train-full.log"), 1)
            self.data["train_nlu_s"] = round(timed_cold_train(
                [RASA, "train", "nlu", "--config", str(self.config), "--nlu", "data/nlu",
                 "--out", out, "--fixed-model-name", "nlu"],
                LOGS / "train-nlu.log"), 1)

    def heldout(self) -> None:
        result = nlu_eval.heldout(self.model, RESULTS / "heldout", LOGS, "vrt")
        self.details["heldout"] = result
        self.data["intent_accuracy"] = result["intent"]["accuracy"]
        self.data["intent_macro_f1"] = result["intent"]["macro_f1"]
        self.data["response_selector_accuracy"] = result["response_selection"]["accuracy"]
        self.data["emergency_recall"] = result["emergency"]["recall"]
        self.data["entity_f1"] = nlu_eval.entity_f1(result["entities"])
        self.data["entities"] = result["entities"]
        self.data["per_intent"] = result["intent"]["per_label"]
        self.data["confused_pairs"] = result["intent"]["confused"]
        self.data["response_selector_confused"] = result["response_selection"]["confused"]
        self.data["emergency"] = result["emergency"]
        report.plot_confusion(result["_intent_rows"], RESULTS / "confusion_matrix.png",
                              "Held-out intents (VRT config)")

    def cross_validation(self) -> None:
        cv = nlu_eval.cross_validate(self.config, RESULTS / "cross-validation", LOGS)
        self.details["cv"] = cv
        self.data["cross_validation"] = cv

    def servers(self) -> None:
        messages = load.resident_messages()
        texts = load.pool(messages)
        faq = messages.get("faq") or texts
        with BotUnderTest(self.model, RESULTS / "bench-servers", "vrt") as bot:
            ready = [bot.ready_s]
            for _ in range(self.ready_runs - 1):
                ready.append(bot.restart_rasa())
            self.data["ready_s"] = round(statistics.median(ready), 1)
            self.data["ready_runs_s"] = [round(r, 1) for r in ready]
            self.data["ready_http_s"] = round(bot.ready_http_s, 1)
            load.run(load.warm_up(bot.rest_url, texts))
            levels = {}
            for name, level in load.LEVELS.items():
                say(f"  {name}: {level.users} residents for up to {level.duration_s:.0f} s")
                levels[name] = load.run(load.run_level(bot.rest_url, level, texts, name))
            say("  one conversation of 50 turns, 10 times")
            growth = load.run(load.run_turn_growth(bot.rest_url, texts, faq))
            self.data["rss_mb"] = bot.rasa.peak_rss_mb()
            self.data["action_rss_mb"] = bot.actions.peak_rss_mb()
        report.plot_latency_by_load(levels, RESULTS / "latency_by_load.png")
        report.plot_latency_by_turn(growth, RESULTS / "latency_by_turn.png")
        keep = ("p50", "p95", "p99", "errors", "requests", "empty_replies", "throughput_rps")
        self.data["latency_ms"] = {
            name: {k: v[k] for k in keep if k in v} for name, v in levels.items()}
        self.data["latency_runs"] = {
            name: {k: v for k, v in r.items() if not k.startswith("_")} for name, r in levels.items()}
        self.data["turn50_over_turn1"] = growth["turn50_over_turn1"]
        self.data["turn_growth"] = growth
        self.details["growth"] = growth
        self.details["load_turns"] = load.LEVELS["users_10"].turns_per_conversation
        for name, runs in levels.items():
            if runs["errors"] and name != "users_50":
                raise BenchError(f"{name}: {runs['errors']} failed requests {runs['error_kinds']}")

    def baseline(self) -> None:
        previous = _previous_results()
        reuse = os.environ.get("BENCH_REUSE_BASELINE") == "1" and BASELINE_MODEL.is_file() \
            and previous.get("baseline_train_full_s")
        if reuse:
            self.data["baseline_train_full_s"] = previous["baseline_train_full_s"]
            self.data["baseline_reused"] = True
        else:
            BASELINE_DIR.mkdir(parents=True, exist_ok=True)
            self.data["baseline_train_full_s"] = round(timed_cold_train(
                [RASA, "train", "--config", str(BASELINE_CONFIG), "--domain", "domain.yml",
                 "--data", "data", "--out", str(BASELINE_DIR), "--fixed-model-name", "baseline"],
                LOGS / "train-baseline.log"), 1)
        self.data["baseline_model_mb"] = mib(BASELINE_MODEL)
        result = nlu_eval.heldout(BASELINE_MODEL, RESULTS / "heldout-baseline", LOGS, "baseline")
        self.details["baseline_heldout"] = result
        self.data["baseline_intent_accuracy"] = result["intent"]["accuracy"]
        self.data["baseline_intent_macro_f1"] = result["intent"]["macro_f1"]
        self.data["baseline_response_selector_accuracy"] = result["response_selection"]["accuracy"]
        self.data["baseline_emergency_recall"] = result["emergency"]["recall"]
        self.data["baseline_entity_f1"] = nlu_eval.entity_f1(result["entities"])
        report.plot_confusion(result["_intent_rows"], RESULTS / "confusion_matrix_baseline.png",
                              "Held-out intents (baseline config)")
        if "baseline_load" in self.skip:
            return
        texts = load.pool(load.resident_messages())
        with BotUnderTest(BASELINE_MODEL, RESULTS / "bench-servers", "baseline") as bot:
            self.data["baseline_ready_s"] = round(bot.ready_s, 1)
            load.run(load.warm_up(bot.rest_url, texts))
            one = load.run(load.run_level(bot.rest_url, load.LEVELS["users_1"], texts, "base1"))
            self.data["baseline_latency_ms"] = {"users_1": {k: one[k] for k in ("p50", "p95", "p99", "errors")}}
            self.data["baseline_rss_mb"] = bot.rasa.peak_rss_mb()

    # --- run --------------------------------------------------------------------------

    def run(self) -> int:
        RESULTS.mkdir(exist_ok=True)
        LOGS.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(RESULTS / "bench-servers", ignore_errors=True)
        started = time.time()
        self.data["meta"] = {
            "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
            "model": self.model.name,
            "config": self.config.name,
            "spacy_pipeline": os.environ.get("VRT_SPACY_PIPELINE_NAME", "?"),
            "cpus": os.cpu_count(),
            "loadavg_start": round(os.getloadavg()[0], 2),
            "skipped": sorted(self.skip),
        }
        self.step("train", self.train_cost)
        self.step("heldout", self.heldout)
        self.step("cv", self.cross_validation)
        self.step("load", self.servers)
        self.step("baseline", self.baseline)
        self.data["meta"]["step_seconds"] = self.timings
        self.data["meta"]["loadavg_end"] = round(os.getloadavg()[0], 2)
        self.data["meta"]["total_s"] = round(time.time() - started, 1)

        (RESULTS / "bench.json").write_text(json.dumps(self.data, indent=2, ensure_ascii=False))
        (RESULTS / "bench.md").write_text(report.markdown(self.data, self.details))
        print()
        print(report.console_table(self.data))
        print(f"\nresults/bench.json, results/bench.md and plots in results/ "
              f"({self.data['meta']['total_s']:.0f} s)")
        if self.data["errors"]:
            print("\033[31mbench: broken steps:\033[0m\n  " + "\n  ".join(self.data["errors"]))
            return 1
        return 0


def _previous_results() -> Dict[str, Any]:
    try:
        return json.loads((RESULTS / "bench.json").read_text())
    except (OSError, ValueError):
        return {}


def main(argv: Optional[List[str]] = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="trained model to measure")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    args = parser.parse_args(argv)
    if not args.model.is_file():
        print(f"no model at {args.model}; run `make train`", file=sys.stderr)
        return 2
    return Bench(args.model.resolve(), args.config.resolve()).run()
