"""make bench's cross-validation draws the same folds on every run (bench/seeded_folds.py)."""

import subprocess
import sys

from vrt.ops.servers import ROOT

# Rasa's own fold split, on the real training data, in a fresh process each time.
FOLDS = """
import hashlib, sys
from unittest import mock
import bench.seeded_folds as seeded
from rasa.nlu.test import generate_folds
from rasa.shared.nlu.training_data.loading import load_data

def print_folds():
    data = load_data("data/nlu")
    tests = [sorted(m.get("text") for m in test.intent_examples) for _, test in generate_folds(5, data)]
    print(hashlib.sha256(repr(tests).encode()).hexdigest())

with mock.patch("rasa.__main__.main", print_folds):
    seeded.main()
"""


def folds_digest(seed: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", FOLDS],
        cwd=ROOT,
        env={"BENCH_CV_SEED": seed, "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_cross_validation_folds_are_the_same_on_every_run():
    first, second, other_seed = folds_digest("2024"), folds_digest("2024"), folds_digest("7")
    assert first == second
    assert first != other_seed  # the seed decides the folds, so the check above can fail
