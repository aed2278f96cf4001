"""Benchmark: import a folder of 1,000 API v2 records.

    .venv/bin/python bench/registry/bench_import.py [--records 1000] [--workers N]

The records are made by copying the real samples in ../shared/ctgov-samples/api-v2
under new NCT ids into a temporary folder; the protocols are written to another
temporary folder. Prints the wall time of `import_files` (reading, mapping, checking,
writing) and a summary.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from oncotrial.registry.bulk import import_files

ROOT = Path(__file__).resolve().parents[2]
API_V2 = ROOT.parent / "shared" / "ctgov-samples" / "api-v2"


def make_records(target: Path, count: int) -> None:
    samples = [json.loads(p.read_text("utf-8")) for p in sorted(API_V2.glob("*.json"))]
    for index in range(count):
        study = samples[index % len(samples)]
        nct_id = f"NCT9{index:07d}"
        study["protocolSection"]["identificationModule"]["nctId"] = nct_id
        (target / f"{nct_id}.json").write_text(json.dumps(study), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as records, tempfile.TemporaryDirectory() as out:
        make_records(Path(records), args.records)
        start = time.perf_counter()
        result = import_files([records], out, workers=args.workers)
        elapsed = time.perf_counter() - start
        criteria = sum(w.inclusion + w.exclusion for w in result.written)
        computable = sum(w.computable for w in result.written)
        print(
            f"{len(result.written)} protocols written, {len(result.failed)} failed, "
            f"{criteria} criteria ({computable} with a rule) in {elapsed:.2f} s "
            f"({elapsed / max(len(result.written), 1) * 1000:.1f} ms per record)"
        )


if __name__ == "__main__":
    main()
