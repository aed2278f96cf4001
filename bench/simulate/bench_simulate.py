"""`oncotrial simulate` at scale: wall time and peak RSS for N subjects of one study.

Prepares a fresh SQLite data directory (migrate, load studies/*.yaml, the demo sites and
users; not timed), then runs `oncotrial simulate STUDY --subjects N --json` in its own
process and reports its wall time, the subjects per second and the peak resident set
size of that process (its VmHWM, read while it runs, and its ru_maxrss).

    .venv/bin/python bench/simulate/bench_simulate.py --subjects 1000 [--study sirolimus_pdac]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PREPARE = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oncotrial.web.settings")
import django
django.setup()
from pathlib import Path
from django.core.management import call_command
from oncotrial.apps.studies.models import Study
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.cli import demo_data
call_command("migrate", interactive=False, verbosity=0)
for path in sorted(Path("studies").glob("*.yaml")):
    load_protocol_file(path)
demo_data.ensure_sites_and_users("bench-pass", list(Study.objects.all()))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--study", default="sirolimus_pdac")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--as-of", default="2026-11-21")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="oncotrial-sim-"))
    env = {**os.environ, "ONCOTRIAL_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "-c", PREPARE], cwd=ROOT, env=env, check=True)
    command = [str(ROOT / ".venv" / "bin" / "oncotrial"), "simulate", args.study]
    command += ["--subjects", str(args.subjects), "--seed", args.seed]
    command += ["--as-of", args.as_of, "--json"]
    started = time.perf_counter()
    # progress lines (stderr) pass through; the JSON summary comes on stdout
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    shutil.rmtree(data, ignore_errors=True)
    if done.returncode != 0:
        sys.exit(f"oncotrial simulate failed ({done.returncode})")
    summary = json.loads(done.stdout)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "study": args.study,
                "subjects": args.subjects,
                "candidates": summary["candidates"],
                "wall_s": round(seconds, 1),
                "subjects_per_s": round(args.subjects / seconds, 2),
                "peak_rss_mb": summary["peak_rss_mb"],
                "largest_child_rss_mb": round(children / 1024, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
