"""A process that writes study reports as it is told which: one study key per line on
standard input, one JSON line per report on standard output (`{"study", "html"}`, or
`{"study", "error"}` for a report that could not be written). `oncotrial demo` starts it
before simulating, so the report libraries are loaded while the cohorts are built, and
each study's report is written on the second core as soon as its cohort is in (SQLite
readers do not wait for the writer).

    python -m oncotrial.cli.report_worker REPORTS_DIR
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from oncotrial.cli.study import setup_django


def write_reports(keys: Iterable[str], root: Path, reply: Callable[[dict[str, Any]], None]) -> None:
    """The report of each study in `keys` under `root`/<key>/ (HTML, figures, CSV)."""
    from oncotrial.apps.reports.files import write_report
    from oncotrial.apps.reports.study_report import build_full_report
    from oncotrial.apps.studies.models import Study
    from oncotrial.apps.studies.selectors import get_study

    for line in keys:
        key = line.strip()
        if not key:
            continue
        try:
            written = write_report(build_full_report(get_study(key)), root / key, pdf=False)
        except Study.DoesNotExist:
            reply({"study": key, "error": f"no study {key!r} is loaded"})
            continue
        reply({"study": key, "html": str(written.html)})


def main() -> None:
    setup_django()
    root = Path(sys.argv[1])

    def reply(message: dict[str, Any]) -> None:
        print(json.dumps(message), flush=True)

    write_reports(sys.stdin, root, reply)


if __name__ == "__main__":
    main()
