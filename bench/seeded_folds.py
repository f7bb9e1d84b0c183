"""`rasa ...` with NumPy's global random state seeded first, for reproducible cross-validation.

Rasa 3.6 splits the folds with `StratifiedKFold(shuffle=True)` and no `random_state`
(rasa/nlu/test.py, generate_folds), which draws from NumPy's global state: every run had other
folds, and the 5-fold figures moved by about 0.01 on the same data and config. All folds are
drawn before the first fold trains, so seeding once here fixes them.

Usage: python -m bench.seeded_folds test nlu --cross-validation ...   (BENCH_CV_SEED, default 2024)
"""

import os
import sys

import numpy as np


def main() -> None:
    np.random.seed(int(os.environ.get("BENCH_CV_SEED", "2024")))
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
