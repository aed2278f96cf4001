"""A PDF of the HTML report, printed by a headless Chromium when one is installed (the
same browser the end-to-end tests use); without it the report is HTML only."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def browser() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def print_pdf(html: Path, pdf: Path, timeout: float = 120.0) -> bool:
    """Print `html` to `pdf`; False when no browser is available."""
    executable = browser()
    if executable is None:
        return False
    subprocess.run(
        [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    return pdf.exists() and pdf.stat().st_size > 0
