"""The full study report of a 1,000-subject study (target: under 30 seconds).

Builds a throwaway SQLite database with the demo's sites, users and seed studies, adds a
simulated cohort of N subjects to one study through the services (`oncotrial simulate`),
then times `oncotrial report STUDY --out DIR` (derivation of every endpoint, statistics,
every figure, the HTML page, PNGs and the CSV; the PDF is timed separately). The
cohort's set-up is not part of the figure.

    .venv/bin/python bench/report/bench_report.py [--subjects 1000] [--study sirolimus_pdac]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ONCOTRIAL = REPO / ".venv" / "bin" / "oncotrial"


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [str(ONCOTRIAL), *args], env=env, check=True, capture_output=True, text=True
    )
    return time.perf_counter() - started, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--study", default="sirolimus_pdac")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "ONCOTRIAL_DATA_DIR": data, "ONCOTRIAL_DEBUG": "1"}
        env.pop("DATABASE_URL", None)
        seconds, _ = run(["demo", "--no-serve", "--password", "bench-pass-1"], env)
        print(f"demo database built in {seconds:.1f} s", file=sys.stderr)
        seconds, out = run(
            [
                "simulate",
                options.study,
                "--subjects",
                str(options.subjects),
                "--seed",
                "bench",
                "--json",
            ],
            env,
        )
        simulated = json.loads(out)
        print(f"simulated {options.subjects} subjects in {seconds:.1f} s", file=sys.stderr)
        timings = []
        for index in range(options.repeat):
            out_dir = Path(data) / f"report-{index}"
            wall, out = run(
                ["report", options.study, "--out", str(out_dir), "--no-pdf", "--json"], env
            )
            written = json.loads(out)
            timings.append((wall, written["seconds"], written["subjects"]))
        _wall, out = run(
            ["report", options.study, "--out", str(Path(data) / "report-pdf"), "--json"], env
        )
        with_pdf = json.loads(out)
    result = {
        "study": options.study,
        "subjects_in_report": timings[0][2],
        "simulated": simulated,
        "report_seconds_best": round(min(t[1] for t in timings), 2),
        "report_wall_seconds_best": round(min(t[0] for t in timings), 2),
        "report_with_pdf_seconds": with_pdf["seconds"],
        "pdf_written": with_pdf["pdf"] is not None,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
