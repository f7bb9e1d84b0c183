"""make test's bar on the residents' voices set (bench/voices.py, scripts/test.sh step 5)."""

from __future__ import annotations

from bench.voices import GATE_ANSWER_ACCURACY, GATE_ONLY_112, GATE_WITHIN_ONE, gate_failures


def figures(**changes):
    result = {
        "answer_accuracy": 0.9,
        "within_one_clarifying": 0.95,
        "emergency_recall": 1.0,
        "only_112_rate": 0.0,
    }
    return {**result, **changes}


def test_the_bars_are_the_issues():
    assert (GATE_ANSWER_ACCURACY, GATE_WITHIN_ONE, GATE_ONLY_112) == (0.85, 0.93, 0.02)


def test_figures_at_the_bars_pass():
    assert (
        gate_failures(
            figures(answer_accuracy=0.85, within_one_clarifying=GATE_WITHIN_ONE, only_112_rate=0.02)
        )
        == []
    )


def test_each_figure_fails_on_its_own():
    assert gate_failures(figures(answer_accuracy=0.849)) == ["voices answer_accuracy 0.849 < 0.85"]
    assert len(gate_failures(figures(within_one_clarifying=GATE_WITHIN_ONE - 0.001))) == 1
    assert gate_failures(figures(emergency_recall=0.98)) == ["voices emergency_recall 0.98 < 1.0"]
    assert gate_failures(figures(only_112_rate=0.021)) == ["voices only_112_rate 0.021 > 0.02"]
    assert len(gate_failures(figures(emergency_recall=None))) == 1  # no emergencies measured: a failure
