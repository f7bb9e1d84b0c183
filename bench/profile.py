"""CPU cost of one message: a real Rasa server under a steady REST load, profiled with cProfile.

    .venv/bin/python -m bench.profile [--messages 300] [--top 25]

Starts the action server and a Rasa server (SQLite, as `make run`) whose process runs Rasa
under cProfile with a CPU-time clock, switched on by SIGUSR1 after a warm-up and off by
SIGUSR2. Residents (4 at a time, held-out questions, 8 turns per conversation) send the
messages. Prints CPU ms per message for the whole server process and for the parts of a turn
(cumulative, so parts overlap), and writes results/profile.prof for `python -m pstats`.
CPU time, not wall time, so the figure holds on a busy machine too.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import random
import signal
import sys
import time
from pathlib import Path
from typing import List

import aiohttp

from bench import load
from vrt.ops.servers import ROOT, VENV_BIN, BotServers, current_model

PROFILE = ROOT / "results" / "profile.prof"
# Where a turn's CPU goes: (label, file suffix, function name); cumulative time of each.
PARTS = [
    ("REST request (vrt.channels.transports receive)", "vrt/channels/transports.py", "receive"),
    ("  privacy guard (vrt.privacy.guard check)", "vrt/privacy/guard.py", "check"),
    ("  Rasa turn (processor.handle_message)", "rasa/core/processor.py", "handle_message"),
    (
        "    read the conversation (tracker store)",
        "rasa/core/processor.py",
        "fetch_tracker_and_update_session",
    ),
    ("    NLU pipeline (parse_message)", "rasa/core/processor.py", "parse_message"),
    ("      NgramFeaturizer (n-grams, once per message)", "vrt/nlu/ngrams.py", "process"),
    ("      LexicalIntentClassifier", "vrt/nlu/lexical_classifier.py", "process"),
    ("      OutOfScopeVeto", "vrt/nlu/out_of_scope.py", "process"),
    ("      spaCy", "rasa/nlu/utils/spacy_utils.py", "process"),
    ("      CRFEntityExtractor", "rasa/nlu/extractors/crf_entity_extractor.py", "process"),
    ("    policy prediction (RulePolicy)", "rasa/core/processor.py", "_predict_next_with_tracker"),
    ("    run actions (incl. action server call)", "rasa/core/processor.py", "_run_action"),
    (
        "      validate action server reply (jsonschema)",
        "rasa/core/actions/action.py",
        "_validate_action_result",
    ),
    ("    save the conversation (tracker store)", "rasa/core/processor.py", "save_tracker"),
]


def serve(argv: List[str]) -> None:
    """Runs `rasa run ARGS` in this process with a switchable profiler (SIGUSR1 on, SIGUSR2 off)."""
    profiler = cProfile.Profile(time.process_time)
    signal.signal(signal.SIGUSR1, lambda *_: profiler.enable())
    signal.signal(signal.SIGUSR2, lambda *_: (profiler.disable(), profiler.dump_stats(str(PROFILE))))
    sys.argv = ["rasa", "run", *argv]
    from rasa.__main__ import main

    main()


class ProfiledServers(BotServers):
    def rasa_command(self) -> List[str]:
        args = [str(VENV_BIN / "python"), "-m", "bench.profile", "serve", "--model", str(self.model)]
        args += ["--port", str(self.rasa_port), "--interface", self.interface]
        return args + ["--credentials", "credentials.yml", "--endpoints", self.endpoints]


async def steady_load(url: str, texts: List[str], messages: int, residents: int = 4) -> float:
    """`messages` turns from `residents` at a time; returns the wall seconds."""
    rng = random.Random(5)
    left = [messages]
    started = time.monotonic()

    async def resident(n: int, session: aiohttp.ClientSession) -> None:
        conversation = 0
        while left[0] > 0:
            conversation += 1
            for _ in range(8):
                if left[0] <= 0:
                    return
                left[0] -= 1
                await load._turn(session, url, f"profile-{n}-{conversation}", rng.choice(texts), 30.0)

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(resident(n, session) for n in range(residents)))
    return time.monotonic() - started


def report(messages: int, wall_s: float, cpu_s: float, top: int) -> None:
    stats = pstats.Stats(str(PROFILE))
    print(
        f"{messages} messages in {wall_s:.1f} s wall; Rasa server process CPU {cpu_s * 1000 / messages:.1f} ms/message"
    )
    print(f"same load under cProfile, main thread: {stats.total_tt * 1000 / messages:.1f} ms/message")
    print("(the profiler's own overhead is in these; read them as shares) parts, cumulative:")
    for label, suffix, name in PARTS:
        total = sum(
            v[3] for (path, _, func), v in stats.stats.items() if func == name and path.endswith(suffix)
        )
        print(f"  {total * 1000 / messages:7.1f} ms  {label}")
    print(f"\ntop {top} functions by own CPU time:")
    stats.sort_stats("tottime").print_stats(top)


def main(argv: List[str]) -> int:
    if argv[:1] == ["serve"]:
        serve(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    texts = [t for group in load.resident_messages().values() for t in group]
    PROFILE.parent.mkdir(exist_ok=True)
    bot = ProfiledServers(workdir=ROOT / "results" / "bench-servers" / "profile", model=current_model())
    try:
        bot.start()
        asyncio.run(load.warm_up(bot.rest_url, texts))
        pid = bot.rasa_process.pid
        before = _cpu_s(pid)  # first without the profiler: its overhead would count too
        wall_s = asyncio.run(steady_load(bot.rest_url, texts, args.messages))
        cpu_s = _cpu_s(pid) - before
        os.kill(pid, signal.SIGUSR1)
        asyncio.run(steady_load(bot.rest_url, texts, args.messages))
        os.kill(pid, signal.SIGUSR2)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            not PROFILE.exists() or PROFILE.stat().st_mtime < time.time() - wall_s
        ):
            time.sleep(0.2)
    finally:
        bot.stop()
    report(args.messages, wall_s, cpu_s, args.top)
    return 0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
