"""Time the Simon two-stage search over a grid of design problems.

Usage (one core):  taskset -c 0 .venv/bin/python bench/design/bench_simon.py [--json]

Grid: p0 = 0.05 .. 0.80 by 0.05; p1 - p0 in {0.10, 0.15, 0.20}; alpha in {0.05, 0.10};
power in {0.80, 0.90}.  Each problem is solved from a cold start (fresh tables).
Reports, over problems whose optimal and minimax designs have n <= 150, the slowest,
the median and the total time, and the slowest problem overall.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

from oncotrial.domain.design import simon_designs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    rows = []
    for i in range(1, 17):
        p0 = round(0.05 * i, 2)
        for diff in (0.10, 0.15, 0.20):
            p1 = round(p0 + diff, 2)
            if p1 >= 1:
                continue
            for alpha in (0.05, 0.10):
                for power in (0.80, 0.90):
                    t = time.perf_counter()
                    res = simon_designs(p0, p1, alpha, power)
                    dt = time.perf_counter() - t
                    n = max(res.optimal.n, res.minimax.n)
                    rows.append((dt, p0, p1, alpha, power, n, res.searched_to))
    small = [r for r in rows if r[5] <= 150]
    times = [r[0] for r in small]
    worst = max(small)
    worst_all = max(rows)
    figures = {
        "python": platform.python_version(),
        "cpu_affinity": len(os.sched_getaffinity(0)),
        "problems": len(rows),
        "problems_n_le_150": len(small),
        "max_seconds_n_le_150": round(max(times), 4),
        "median_seconds_n_le_150": round(statistics.median(times), 4),
        "total_seconds_n_le_150": round(sum(times), 3),
        "slowest_n_le_150": {
            "p0": worst[1],
            "p1": worst[2],
            "alpha": worst[3],
            "power": worst[4],
            "n": worst[5],
        },
        "slowest_overall": {
            "seconds": round(worst_all[0], 4),
            "p0": worst_all[1],
            "p1": worst_all[2],
            "alpha": worst_all[3],
            "power": worst_all[4],
            "n": worst_all[5],
        },
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        print(f"{key:24} {value}")


if __name__ == "__main__":
    main()
