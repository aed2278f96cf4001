"""Time the tumour response engine on a deterministic synthetic cohort.

    .venv/bin/python bench/recist/bench_recist.py [--patients 10000] [--assessments 8]

Generates patients with 1-5 target lesions (some nodal), 0-3 non-target lesions and
occasional new lesions (some equivocal), half of them under RECIST 1.1 and half under
iRECIST, then times parsing + checking + evaluation of all of them. The generator uses a
fixed seed, so every run evaluates the same records.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections import Counter
from typing import Any

from oncotrial.domain.recist import evaluate_raw

ORGANS = ["liver", "lung", "bone", "adrenal", "spleen", "kidney"]
STATUSES = ["present"] * 6 + ["absent", "unequivocal_progression", "not_evaluated"]


def make_patient(rng: random.Random, index: int, n_assessments: int) -> dict[str, Any]:
    baseline = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(365))
    n_targets = rng.randint(1, 5)
    targets = []
    for i in range(n_targets):
        nodal = i >= 3 and rng.random() < 0.4  # at most two nodes (one "organ")
        size = rng.uniform(15, 60) if nodal else rng.uniform(10, 80)
        targets.append(
            {"id": f"T{i + 1}", "organ": ORGANS[i], "nodal": nodal, "mm": round(size, 1)}
        )
    non_targets = [
        {"id": f"N{i + 1}", "organ": "peritoneum", "status": "present"}
        for i in range(rng.randint(0, 3))
    ]
    assessments: list[dict[str, Any]] = [
        {"date": baseline.isoformat(), "targets": targets, "non_targets": non_targets}
    ]
    trend = rng.uniform(-0.25, 0.25)
    sizes = {t["id"]: float(t["mm"]) for t in targets}
    when = baseline
    for k in range(1, n_assessments):
        when += dt.timedelta(days=rng.randint(49, 63))
        follow = []
        for lesion_id in sizes:
            sizes[lesion_id] = max(0.0, sizes[lesion_id] * (1 + trend + rng.gauss(0, 0.08)))
            roll = rng.random()
            mm: float | str | None = round(sizes[lesion_id], 1)
            if roll < 0.02:
                mm = None
            elif roll < 0.04:
                mm = "too_small"
            follow.append({"id": lesion_id, "mm": mm})
        nts = [{"id": n["id"], "status": rng.choice(STATUSES)} for n in non_targets]
        new = []
        if rng.random() < 0.08:
            new.append(
                {
                    "id": f"L{k}",
                    "organ": rng.choice(ORGANS),
                    "mm": round(rng.uniform(4, 25), 1),
                    "equivocal": rng.random() < 0.3,
                }
            )
        assessments.append(
            {"date": when.isoformat(), "targets": follow, "non_targets": nts, "new_lesions": new}
        )
    return {
        "patient_id": f"P{index:05d}",
        "criteria": "iRECIST" if index % 2 else "RECIST 1.1",
        "confirmation": True,
        "min_sd_days": 42,
        "start_date": (baseline + dt.timedelta(days=3)).isoformat(),
        "assessments": assessments,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--assessments", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--repeat", type=int, default=3, help="report the best of N runs")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    cohort = [make_patient(rng, i, args.assessments) for i in range(args.patients)]
    best = float("inf")
    responses: Counter[str] = Counter()
    for _ in range(args.repeat):
        responses.clear()
        start = time.perf_counter()
        for record in cohort:
            responses[evaluate_raw(record).best_overall_response] += 1
        best = min(best, time.perf_counter() - start)
    per_patient_us = best / args.patients * 1e6
    print(
        f"{args.patients} patients x {args.assessments} assessments: "
        f"{best:.2f} s (best of {args.repeat}), {per_patient_us:.0f} us/patient"
    )
    print("best overall responses:", dict(sorted(responses.items())))


if __name__ == "__main__":
    main()
