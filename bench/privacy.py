"""Precision and recall of the redaction of personal data, on bench/privacy_corpus.yml.

    .venv/bin/python -m bench.privacy        (also a step of `make bench`)

Recall: the share of the marked personal data that is gone after redaction (every
character of it replaced). Precision: the share of the redactions that hit marked personal
data. A message without personal data that comes back changed is a false alarm. Both are
also given per kind: recall per marked kind, precision per kind of redaction.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

CORPUS = Path(__file__).resolve().parent / "privacy_corpus.yml"
MARK = re.compile(r"<([a-z-]+):([^<>]+)>")
# (label, prefix of the two groups in the corpus file)
SETS = (
    ("development set", ""),
    ("held-out set", "heldout_"),
    ("second held-out set", "fresh_"),
    ("round 2 set", "round2_"),
    ("round 2 held-out set", "round2_heldout_"),
)


@dataclass
class Example:
    text: str
    gold: List[Tuple[int, int, str]]


def parse(marked: str) -> Example:
    text, gold, last = "", [], 0
    for m in MARK.finditer(marked):
        text += marked[last : m.start()]
        gold.append((len(text), len(text) + len(m.group(2)), m.group(1)))
        text += m.group(2)
        last = m.end()
    return Example(text + marked[last:], gold)


def load_all(path: Path = CORPUS) -> Dict[str, List[Example]]:
    """Every set of SETS together."""
    sets = [load(path, prefix) for _, prefix in SETS]
    return {group: [ex for corpus in sets for ex in corpus[group]] for group in sets[0]}


def load(path: Path = CORPUS, prefix: str = "") -> Dict[str, List[Example]]:
    """The development set, or with a prefix of SETS a held-out set."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        group: [parse(m) for m in data[prefix + group]]
        for group in ("with_personal_data", "without_personal_data")
    }


def _ratio(part: int, whole: int):
    return round(part / whole, 4) if whole else None


def evaluate(redactor, corpus: Dict[str, List[Example]]) -> dict:
    hits = redactions = gold_total = gold_found = kind_right = 0
    # per kind: marked items, of them removed; redactions, of them on personal data
    marked, removed, redacted, on_target = Counter(), Counter(), Counter(), Counter()
    misses, false_hits, changed = [], [], []
    start = time.perf_counter()
    examples = [*corpus["with_personal_data"], *corpus["without_personal_data"]]
    for ex in examples:
        findings = redactor.find(ex.text)
        redactions += len(findings)
        for f in findings:
            redacted[f.kind] += 1
            if any(f.start < g_end and g_start < f.end for g_start, g_end, _ in ex.gold):
                hits += 1
                on_target[f.kind] += 1
            else:
                false_hits.append(f"{ex.text[f.start : f.end]!r} as {f.kind} in: {ex.text}")
        for g_start, g_end, kind in ex.gold:
            gold_total += 1
            marked[kind] += 1
            covered = [f for f in findings if f.start < g_end and g_start < f.end]
            if all(
                any(f.start <= c < f.end for f in covered)
                for c in range(g_start, g_end)
                if not ex.text[c].isspace()
            ):
                gold_found += 1
                removed[kind] += 1
                kind_right += any(f.kind == kind for f in covered)
            else:
                misses.append(f"{kind} {ex.text[g_start:g_end]!r} in: {ex.text}")
    for ex in corpus["without_personal_data"]:
        if redactor.redact(ex.text) != ex.text:
            changed.append(ex.text)
    elapsed_ms = (time.perf_counter() - start) * 1000
    return {
        "messages_with_personal_data": len(corpus["with_personal_data"]),
        "messages_without_personal_data": len(corpus["without_personal_data"]),
        "personal_data_items": gold_total,
        "recall": _ratio(gold_found, gold_total),
        "precision": _ratio(hits, redactions),
        "right_placeholder": _ratio(kind_right, gold_found),
        "clean_messages_changed": len(changed),
        "ms_per_message": round(elapsed_ms / len(examples), 2),
        "per_kind": {
            kind: {
                "items": marked[kind],
                "recall": _ratio(removed[kind], marked[kind]),
                "redactions": redacted[kind],
                "precision": _ratio(on_target[kind], redacted[kind]),
            }
            for kind in sorted(set(marked) | set(redacted))
        },
        "missed": misses,
        "false_redactions": false_hits,
    }


def per_kind_lines(per_kind: Dict[str, Dict[str, Any]]) -> List[str]:
    """One line per kind: recall on its marked items, precision of its redactions."""

    def figure(value) -> str:
        return "  -  " if value is None else f"{value:.3f}"

    return [
        f"    {kind:<15} recall {figure(f['recall'])} ({f['items']} items)   "
        f"precision {figure(f['precision'])} ({f['redactions']} redactions)"
        for kind, f in per_kind.items()
    ]


def bench_step(bench: Any) -> Dict[str, Any]:
    """The `privacy` step of `make bench` (bench/run.py): figures under `redaction`."""
    from vrt.privacy.redact import Redactor

    redactor = Redactor()
    figures = {}
    for label, prefix in SETS:
        result = evaluate(redactor, load(prefix=prefix))
        figures[label] = {k: v for k, v in result.items() if k not in ("missed", "false_redactions")}
    per_kind = evaluate(redactor, load_all())["per_kind"]
    figures["all sets, per kind"] = per_kind
    print("privacy: redaction per kind, all sets of bench/privacy_corpus.yml together")
    print("\n".join(per_kind_lines(per_kind)))
    return {"redaction": figures}


def main() -> int:
    from vrt.privacy.redact import Redactor

    start = time.perf_counter()
    redactor = Redactor()
    load_s = time.perf_counter() - start
    print(f"Redaction of personal data ({CORPUS.name}); redactor start-up {load_s:.2f} s")
    for label, prefix in SETS:
        r = evaluate(redactor, load(prefix=prefix))
        print(
            f"{label}: {r['messages_with_personal_data']} messages with personal data "
            f"({r['personal_data_items']} items), {r['messages_without_personal_data']} without"
        )
        print(
            f"  recall {r['recall']:.3f} (personal data removed), precision {r['precision']:.3f} "
            f"(redactions that hit personal data), right placeholder {r['right_placeholder']:.3f}"
        )
        print(
            f"  messages without personal data changed: {r['clean_messages_changed']}; "
            f"{r['ms_per_message']} ms per message"
        )
        print("  per kind:")
        for line in per_kind_lines(r["per_kind"]):
            print(line)
        for line in r["missed"]:
            print(f"  missed: {line}")
        for line in r["false_redactions"]:
            print(f"  false redaction: {line}")
    r = evaluate(redactor, load_all())
    print(f"all sets together: recall {r['recall']:.3f}, precision {r['precision']:.3f}; per kind:")
    for line in per_kind_lines(r["per_kind"]):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
