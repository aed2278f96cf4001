"""Measure rule extraction against hand labels.

    .venv/bin/python bench/registry/quality.py

Two labelled sets are read:

- tests/registry/expected_criteria.yaml (development set: the patterns were tuned while
  it was written; `rules` are the rules that must come out, `computable_left` the
  criteria a person would compute but the importer leaves as checklist items);
- bench/registry/heldout_labels.yaml (held-out set: labelled after the patterns were
  frozen; `rules` are all criteria a person would compute).

For each set it prints the criteria counted, the rules produced, how many of them equal
the label (precision), the wrong ones, and the computable criteria left as checklist
items. Needs ../shared/ctgov-samples.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from oncotrial.registry.bulk import read_file

ROOT = Path(__file__).resolve().parents[2]
API_V2 = ROOT.parent / "shared" / "ctgov-samples" / "api-v2"
SETS = {
    "development": ROOT / "tests" / "registry" / "expected_criteria.yaml",
    "held-out": ROOT / "bench" / "registry" / "heldout_labels.yaml",
}


def measure(labels: dict[str, Any]) -> dict[str, Any]:
    criteria = produced = correct = computable = left = 0
    count_mismatches: list[str] = []
    wrong: list[str] = []
    for nct_id, label in sorted(labels.items()):
        (imported,) = read_file(API_V2 / f"{nct_id}.json")
        elig = imported.protocol.eligibility
        items = [*elig.inclusion, *elig.exclusion]
        criteria += len(items)
        if (len(elig.inclusion), len(elig.exclusion)) != (label["inclusion"], label["exclusion"]):
            count_mismatches.append(
                f"{nct_id}: {len(elig.inclusion)}/{len(elig.exclusion)} items, "
                f"labelled {label['inclusion']}/{label['exclusion']}"
            )
        truth = label.get("rules") or {}
        wanted = set(truth) | set(label.get("computable_left") or [])
        computable += len(wanted)
        for item in items:
            rule = item.rule.model_dump(by_alias=True, exclude_none=True) if item.rule else None
            if rule is not None:
                produced += 1
                if truth.get(item.id) == rule:
                    correct += 1
                else:
                    wrong.append(f"{nct_id} {item.id}: {json.dumps(rule)}")
            elif item.id in wanted:
                left += 1
    return {
        "records": len(labels),
        "criteria": criteria,
        "computable_by_label": computable,
        "rules_produced": produced,
        "rules_correct": correct,
        "precision": round(correct / produced, 3) if produced else None,
        "computable_left_as_checklist": left,
        "wrong_rules": wrong,
        "count_mismatches": count_mismatches,
    }


def main() -> int:
    if not API_V2.is_dir():
        print(f"{API_V2} not found", file=sys.stderr)
        return 2
    results = {
        name: measure(yaml.safe_load(path.read_text("utf-8"))) for name, path in SETS.items()
    }
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
