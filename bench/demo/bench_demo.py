"""Time `oncotrial demo` from an empty database to a serving app.

Runs the demo in a fresh temporary data directory (the install is not counted), polls
http://127.0.0.1:PORT/ until the server answers, and prints the elapsed seconds, the
demo's own progress lines with a time stamp, and the peak RSS of the demo process.

    .venv/bin/python bench/demo/bench_demo.py            # or --json, --port, --keep
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", action="store_true", help="Keep the data directory.")
    parser.add_argument("--subjects", type=int, default=None)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="oncotrial-demo-"))
    env = {**os.environ, "ONCOTRIAL_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    command = [str(ROOT / ".venv" / "bin" / "oncotrial"), "demo", "--port", str(args.port)]
    command += ["--password", "bench-pass"]
    if args.subjects:
        command += ["--subjects", str(args.subjects)]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append((time.perf_counter() - started, line.rstrip()))
            if not args.json:
                print(f"{lines[-1][0]:6.1f}  {lines[-1][1]}", flush=True)

    threading.Thread(target=read, daemon=True).start()
    serving = None
    while process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/", timeout=2):
                serving = time.perf_counter() - started
        except urllib.error.HTTPError:
            serving = time.perf_counter() - started  # any answer: the app serves
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
            continue
        break
    rss_kb = _peak_rss_kb(process.pid)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    result = {
        "serving_after_s": round(serving, 1) if serving is not None else None,
        "peak_rss_mb": round(rss_kb / 1024, 1) if rss_kb else None,
        "data_dir": str(data),
        "exit": process.returncode,
    }
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(result, indent=2) if args.json else f"\nserving after {result}")
    sys.exit(0 if serving is not None else 1)


def _peak_rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


if __name__ == "__main__":
    main()
