"""Time Kaplan–Meier (two groups, medians with CIs) plus the log-rank test on 100,000 subjects.

Usage (one core):  taskset -c 0 .venv/bin/python bench/km/bench_km.py [--json] [--n N]

Data: N simulated subjects (default 100,000) randomised 1:1 to two arms with exponential
survival (median 12 and 18 months) and uniform censoring over 0–36 months, about 48 %
censored; seeded, so every run analyses the same data.  Two time grids:

* ``continuous``: times as floats, so nearly every time is distinct (the worst case);
* ``days``: times rounded up to whole days, as captured dates give (many ties).

Each figure is the best of 5 runs of ``analyse_survival`` (checks, sort, both curves
with log-log intervals and medians, log-rank), and, separately, of the
``kaplan_meier`` curve of one arm and of ``logrank_test``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable

import numpy as np

from oncotrial.domain.stats import analyse_survival, kaplan_meier, logrank_test


def simulate(n: int, seed: int = 20240601) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    arm = rng.random(n) < 0.5
    median = np.where(arm, 18.0, 12.0)
    event_time = rng.exponential(median / np.log(2))
    censor_time = rng.uniform(0, 36, n)
    t = np.minimum(event_time, censor_time)
    e = (event_time <= censor_time).astype(np.int64)
    groups = np.where(arm, "experimental", "control").tolist()
    return t, e, groups


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def timings(times: np.ndarray, e: np.ndarray, g: list[str]) -> dict[str, float]:
    ctrl = [i for i, grp in enumerate(g) if grp == "control"]
    t1, e1 = times[ctrl], e[ctrl]
    return {
        "analyse_survival_s": round(best_of(lambda: analyse_survival(times, e, g)), 4),
        "kaplan_meier_one_arm_s": round(best_of(lambda: kaplan_meier(t1, e1)), 4),
        "logrank_test_s": round(best_of(lambda: logrank_test(times, e, g)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--n", type=int, default=100_000, help="number of subjects")
    args = parser.parse_args()
    t, e, g = simulate(args.n)
    grids = {"continuous": t, "days": np.ceil(t * 30.4375)}
    figures: dict[str, object] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpu_affinity": len(os.sched_getaffinity(0)),
        "subjects": args.n,
        "censored_fraction": round(1 - float(e.mean()), 3),
    }
    for label, times in grids.items():
        res = analyse_survival(times, e, g)
        assert res.logrank is not None
        figures[label] = {
            "distinct_times": int(np.unique(times).size),
            **timings(times, e, g),
            "medians": {c.name: c.median for c in res.groups},
            "median_ci": {c.name: [c.ci_lower, c.ci_upper] for c in res.groups},
            "logrank_chisq": round(res.logrank.chisq, 2),
        }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
