"""Targets, the Markdown summary, the plots and the short console table."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

# (label, how to read the figure from bench.json, target text, check)
Check = Callable[[Any, dict], Optional[bool]]


def _get(data: dict, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _cmp(op: str, bound: float) -> Check:
    def check(value: Any, _: dict) -> Optional[bool]:
        if value is None:
            return None
        return {"<": value < bound, "<=": value <= bound, ">=": value >= bound,
                "==": value == bound}[op]
    return check


def _f1_check(value: Any, data: dict) -> Optional[bool]:
    baseline = data.get("baseline_intent_macro_f1")
    if value is None:
        return None
    return value >= 0.93 and (baseline is None or value > baseline)


TARGETS: List[Tuple[str, str, str, Check]] = [
    ("held-out intent accuracy", "intent_accuracy", ">= 0.95", _cmp(">=", 0.95)),
    ("macro-F1", "intent_macro_f1", ">= 0.93 and > baseline", _f1_check),
    ("emergency recall", "emergency_recall", "1.0", _cmp("==", 1.0)),
    ("p95 latency, 1 user (ms)", "latency_ms.users_1.p95", "< 100", _cmp("<", 100)),
    ("p95 latency, 10 users (ms)", "latency_ms.users_10.p95", "< 300", _cmp("<", 300)),
    ("errors at 50 users", "latency_ms.users_50.errors", "0", _cmp("==", 0)),
    ("turn 50 / turn 1", "turn50_over_turn1", "<= 1.2", _cmp("<=", 1.2)),
    ("full train (s)", "train_full_s", "<= 60", _cmp("<=", 60)),
    ("ready (s)", "ready_s", "<= 20", _cmp("<=", 20)),
    ("Rasa server RSS (MiB)", "rss_mb", "<= 1024", _cmp("<=", 1024)),
]

INFO: List[Tuple[str, str, str]] = [
    ("response selector accuracy", "response_selector_accuracy", "baseline_response_selector_accuracy"),
    ("intent accuracy", "intent_accuracy", "baseline_intent_accuracy"),
    ("entity F1 (held-out)", "entity_f1", "baseline_entity_f1"),
    ("macro-F1", "intent_macro_f1", "baseline_intent_macro_f1"),
    ("full train (s)", "train_full_s", "baseline_train_full_s"),
    ("ready (s)", "ready_s", "baseline_ready_s"),
    ("model (MiB)", "model_mb", "baseline_model_mb"),
    ("Rasa server RSS (MiB)", "rss_mb", "baseline_rss_mb"),
    ("p95 latency, 1 user (ms)", "latency_ms.users_1.p95", "baseline_latency_ms.users_1.p95"),
]


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def _mark(ok: Optional[bool]) -> str:
    return {True: "met", False: "MISSED", None: "n/a"}[ok]


def target_rows(data: dict) -> List[Tuple[str, str, str, str]]:
    return [(label, _fmt(_get(data, key)), target, _mark(check(_get(data, key), data)))
            for label, key, target, check in TARGETS]


def console_table(data: dict) -> str:
    rows = [("figure", "value", "target", "")] + target_rows(data)
    rows += [("train NLU only (s)", _fmt(data.get("train_nlu_s")), "", ""),
             ("model (MiB)", _fmt(data.get("model_mb")), "", ""),
             ("action server RSS (MiB)", _fmt(data.get("action_rss_mb")), "", ""),
             ("baseline macro-F1", _fmt(data.get("baseline_intent_macro_f1")), "", ""),
             ("baseline full train (s)", _fmt(data.get("baseline_train_full_s")), "", "")]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _md_table(header: List[str], rows: List[List[Any]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_fmt(c) if not isinstance(c, str) else c for c in row) + " |"
            for row in rows]
    return "\n".join(out)


def markdown(data: dict, details: dict) -> str:
    parts = ["# VRT Assistent benchmark", ""]
    meta = data.get("meta", {})
    parts += [f"Run {meta.get('started', '?')}, model `{meta.get('model', '?')}`, "
              f"spaCy pipeline `{meta.get('spacy_pipeline', '?')}`, {meta.get('cpus', '?')} CPUs, "
              f"load average at start {meta.get('loadavg_start', '?')}.", ""]
    if data.get("errors"):
        parts += ["**Broken steps:**", ""] + [f"- {e}" for e in data["errors"]] + [""]
    parts += ["## Figures against the targets", "",
              _md_table(["figure", "value", "target", ""], [list(r) for r in target_rows(data)]), ""]
    parts += ["## Against the baseline (Rasa's default `rasa init` config, same data)", "",
              _md_table(["figure", "VRT", "baseline", "VRT / baseline"],
                        [[label, _get(data, a), _get(data, b),
                          (round(_get(data, a) / _get(data, b), 3)
                           if _get(data, a) is not None and _get(data, b) else None)]
                         for label, a, b in INFO]), ""]

    lat = data.get("latency_ms", {})
    parts += ["## Reply latency (REST round trip, SQLite tracker store)", "",
              _md_table(["users", "p50 ms", "p95 ms", "p99 ms", "requests", "req/s", "errors",
                         "empty replies"],
                        [[k.split("_")[1], v.get("p50"), v.get("p95"), v.get("p99"),
                          v.get("requests"), v.get("throughput_rps"), v.get("errors", 0),
                          v.get("empty_replies")] for k, v in lat.items()]), "",
              "Residents hold conversations of "
              f"{details.get('load_turns', '?')} turns from the held-out questions; think time "
              "between turns is 1-3 s with 10 and 50 users (0.05-0.15 s for one user, "
              "which only adds samples). ![latency by load](latency_by_load.png)", ""]
    growth = details.get("growth") or {}
    if growth:
        parts += ["## Latency as a conversation grows", "",
                  f"{growth.get('conversations')} conversations of {growth.get('turns')} turns; "
                  "turn 1 and turn 50 ask the same FAQ question.", "",
                  _md_table(["turn 1 p50", "turn 2 p50", "turn 50 p50", "turn50/turn1",
                             "turn50/turn2", "turns 46-50 / turns 2-6"],
                            [[growth.get("turn1_p50_ms"), growth.get("turn2_p50_ms"),
                              growth.get("last_turn_p50_ms"), growth.get("turn50_over_turn1"),
                              growth.get("turn50_over_turn2"),
                              growth.get("turns_last5_over_turns2to6")]]), "",
                  "![latency by turn](latency_by_turn.png)", ""]

    heldout = details.get("heldout") or {}
    if heldout:
        intent = heldout["intent"]
        parts += ["## Held-out set: per intent", "",
                  _md_table(["intent", "precision", "recall", "F1", "support"],
                            [[k, v["precision"], v["recall"], v["f1"], v["support"]]
                             for k, v in intent["per_label"].items()]), "",
                  "![confusion matrix](confusion_matrix.png)", "",
                  "### Confused pairs (target -> predicted)", ""]
        if intent["confused"]:
            parts += [f"- `{c['target']}` -> `{c['predicted']}` x{c['count']}: "
                      + "; ".join(f'"{t}"' for t in c["examples"]) for c in intent["confused"]]
        else:
            parts += ["None."]
        rs = heldout["response_selection"]
        parts += ["", f"### Response selector (FAQ answers): accuracy {_fmt(rs['accuracy'])} "
                  f"over {rs['n']} questions", ""]
        parts += [f"- `{c['target']}` -> `{c['predicted']}` x{c['count']}: "
                  + "; ".join(f'"{t}"' for t in c["examples"]) for c in rs["confused"]] or ["None."]
        em = heldout["emergency"]
        parts += ["", f"### Emergencies: recall {_fmt(em['recall'])} over {em['n']} messages", ""]
        parts += [f"- missed: \"{t}\"" for t in em["missed"]]
        parts += [f"- false alarm: \"{t}\"" for t in em["false_alarms"]] or []
        parts += [""]

    cv = details.get("cv") or {}
    if cv:
        pooled = cv["pooled_test_folds"]
        parts += [f"## {cv['folds']}-fold cross-validation on the training data", "",
                  f"Pooled test folds: intent accuracy {_fmt(pooled['intent_accuracy'])}, "
                  f"macro-F1 {_fmt(pooled['intent_macro_f1'])}, response selector accuracy "
                  f"{_fmt(pooled['response_selector_accuracy'])}, emergency recall "
                  f"{_fmt(pooled['emergency_recall'])}, entity F1 "
                  f"{_fmt(max([v['f1'] for v in pooled.get('entities', {}).values() if v.get('f1') is not None], default=None))} "
                  f"({cv['seconds']} s).", ""]
        stats = cv.get("fold_stats", {})
        rows = [[section, metric, v["mean"], v["std"]]
                for section, metrics in stats.items() for metric, v in metrics.items()]
        if rows:
            parts += [_md_table(["", "metric", "mean over folds", "std"], rows), ""]
        if pooled["confused"]:
            parts += ["Most confused pairs over the test folds:", ""]
            parts += [f"- `{c['target']}` -> `{c['predicted']}` x{c['count']}"
                      for c in pooled["confused"]] + [""]
    parts += ["## Cost", "",
              _md_table(["full train (cold cache)", "NLU-only train (cold cache)", "model",
                         "ready", "Rasa RSS", "action server RSS"],
                        [[f"{_fmt(data.get('train_full_s'))} s", f"{_fmt(data.get('train_nlu_s'))} s",
                          f"{_fmt(data.get('model_mb'))} MiB", f"{_fmt(data.get('ready_s'))} s",
                          f"{_fmt(data.get('rss_mb'))} MiB", f"{_fmt(data.get('action_rss_mb'))} MiB"]]),
              "", "Ready: from starting `rasa run` until the first message gets an answer. "
              "RSS: peak (VmHWM) after all load levels.", ""]
    return "\n".join(parts)


# --- plots ----------------------------------------------------------------------------

def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_confusion(rows: List[dict], path: Path, title: str) -> None:
    plt = _plt()
    import numpy as np

    labels = sorted({r["target"] for r in rows} | {r["predicted"] for r in rows})
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for r in rows:
        matrix[index[r["target"]], index[r["predicted"]]] += 1
    fig, ax = plt.subplots(figsize=(1.0 + 0.6 * len(labels), 0.8 + 0.55 * len(labels)))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                ax.text(j, i, matrix[i, j], ha="center", va="center",
                        color="white" if i == j else "crimson", fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_latency_by_load(levels: Dict[str, dict], path: Path) -> None:
    plt = _plt()
    names = list(levels)
    fig, ax = plt.subplots(figsize=(7, 4))
    data = [levels[n].get("_latencies") or [0] for n in names]
    ax.boxplot(data, labels=[n.replace("users_", "") + " users" for n in names],
               whis=(5, 95), showfliers=False)
    for i, n in enumerate(names, start=1):
        for q, marker in (("p50", "o"), ("p95", "^"), ("p99", "v")):
            if levels[n].get(q) is not None:
                ax.plot(i, levels[n][q], marker, color="tab:red" if q != "p50" else "tab:blue")
                ax.annotate(f"{q} {levels[n][q]:.0f}", (i, levels[n][q]), xytext=(8, 0),
                            textcoords="offset points", fontsize=7)
    ax.axhline(100, ls=":", color="grey")
    ax.axhline(300, ls=":", color="grey")
    ax.set_yscale("log")
    ax.set_ylabel("REST round trip (ms)")
    ax.set_title("Reply latency by load (box: p25-p75, whiskers: p5-p95)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_latency_by_turn(growth: dict, path: Path) -> None:
    plt = _plt()
    values = growth.get("p50_by_turn_ms") or []
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(range(1, len(values) + 1), values, marker=".")
    ax.set_xlabel("turn in the conversation")
    ax.set_ylabel("p50 round trip (ms)")
    ax.set_ylim(bottom=0)
    ax.set_title("Latency as a conversation grows")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
