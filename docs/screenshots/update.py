"""Refresh the README's screenshots from the end-to-end tests' full-page captures.

    make screenshots        # runs the browser tests, then this script

Each capture in test-output/e2e/ is cut to the part of the page a reader needs (from the
top, the height below) and scaled to 1000 pixels wide."""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "test-output" / "e2e"
HERE = Path(__file__).resolve().parent
WIDTH = 1000

# capture name -> height kept from the top, in the capture's pixels (1360 wide)
SHOTS = {
    "study-list": 700,
    "study-page": 1300,
    "candidate-eligible": 1250,
    "subject-calendar": 1400,
    "safety-ae-entry": 1150,
    "tumour-assessment-preview": 1150,
    "report": 2300,
    "worklist": 700,
}


def main() -> int:
    missing = [name for name in SHOTS if not (CAPTURES / f"{name}.png").exists()]
    if missing:
        print(f"missing captures (run the browser tests first): {', '.join(missing)}")
        return 1
    for name, height in SHOTS.items():
        with Image.open(CAPTURES / f"{name}.png") as capture:
            kept = capture.crop((0, 0, capture.width, min(height, capture.height)))
            scaled = kept.resize((WIDTH, round(kept.height * WIDTH / kept.width)), Image.LANCZOS)
            # 256 colours are plenty for pages and keep the repository small
            scaled.convert("RGB").quantize(colors=256).save(HERE / f"{name}.png", optimize=True)
        print(f"docs/screenshots/{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
