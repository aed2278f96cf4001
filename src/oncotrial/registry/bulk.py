"""Importing many registry files at once.

Files are read, mapped and written independently: a file that cannot be read is
reported with its reason and the others still import. Large folders are spread over
worker processes. Each protocol is checked with the same model and cross-reference
checks as `oncotrial protocol validate` before it is written.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from oncotrial.domain.protocol.references import check_references
from oncotrial.registry.api_v2 import parse_studies
from oncotrial.registry.errors import RecordError
from oncotrial.registry.legacy_xml import parse_clinical_study
from oncotrial.registry.mapping import Imported, map_study

SUFFIXES = (".json", ".xml")


@dataclass(frozen=True)
class Written:
    source: str
    protocol_id: str
    nct_id: str | None
    output: str | None
    inclusion: int
    exclusion: int
    computable: int
    assumptions: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Failure:
    source: str
    reason: str


@dataclass
class BulkResult:
    written: list[Written] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)

    @property
    def duplicates(self) -> list[str]:
        """Protocol ids imported from more than one record (only one file is kept)."""
        seen: dict[str, list[str]] = {}
        for w in self.written:
            seen.setdefault(w.protocol_id, []).append(w.source)
        return [
            f"{pid} comes from {', '.join(sources)}; only one {pid}.yaml is kept"
            for pid, sources in seen.items()
            if len(sources) > 1
        ]


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """The record files named, with folders replaced by their .json / .xml files."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
        else:
            files.append(path)
    return files


def read_file(path: Path) -> list[Imported]:
    """Every study in one registry file, mapped to protocols; raises RecordError."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordError(source, f"cannot read the file: {exc.strerror or exc}") from None
    head = data.lstrip()[:1]
    if path.suffix.lower() == ".xml" or head == b"<":
        studies = [parse_clinical_study(data, source)]
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RecordError(source, f"not UTF-8 text: {exc.reason}") from None
        studies = parse_studies(text, source)
    imported: list[Imported] = []
    for index, study in enumerate(studies):
        where = source if len(studies) == 1 else f"{source}[{index}]"
        result = map_study(study, where)
        errors = [p for p in check_references(result.protocol) if p.severity == "error"]
        if errors:
            detail = "; ".join(f"{p.dotted_path}: {p.message}" for p in errors[:3])
            raise RecordError(where, f"the record maps to an invalid protocol: {detail}")
        imported.append(result)
    return imported


def _summary(source: str, item: Imported, output: str | None) -> Written:
    elig = item.protocol.eligibility
    criteria = [*elig.inclusion, *elig.exclusion]
    return Written(
        source=source,
        protocol_id=item.protocol.id,
        nct_id=item.nct_id,
        output=output,
        inclusion=len(elig.inclusion),
        exclusion=len(elig.exclusion),
        computable=sum(c.computable for c in criteria),
        assumptions=len(item.protocol.assumptions),
        warnings=tuple(item.warnings),
    )


def _import_one(path: Path, out_dir: Path | None) -> tuple[list[Written], Failure | None]:
    try:
        items = read_file(path)
    except RecordError as exc:
        return [], Failure(exc.source, exc.reason)
    except Exception as exc:  # a bug must not stop the other files
        return [], Failure(str(path), f"unexpected error: {type(exc).__name__}: {exc}")
    written: list[Written] = []
    for item in items:
        output = None
        if out_dir is not None:
            target = out_dir / f"{item.protocol.id}.yaml"
            try:
                target.write_text(item.to_yaml(), encoding="utf-8")
            except OSError as exc:
                return written, Failure(str(path), f"cannot write {target}: {exc}")
            output = str(target)
        written.append(_summary(str(path), item, output))
    return written, None


def _batch(paths: list[Path], out_dir: Path | None) -> list[tuple[list[Written], Failure | None]]:
    return [_import_one(p, out_dir) for p in paths]


def _batches(paths: list[Path], size: int) -> Iterator[list[Path]]:
    for start in range(0, len(paths), size):
        yield paths[start : start + size]


Progress = Callable[[int, int], None]


def import_files(
    paths: Iterable[str | Path],
    out_dir: str | Path | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> BulkResult:
    """Import every record file under `paths`, writing one YAML per study to `out_dir`."""
    files = expand(paths)
    target = Path(out_dir) if out_dir is not None else None
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
    result = BulkResult()
    total = len(files)
    done = 0
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if total >= 200 else 1

    def record(outcomes: list[tuple[list[Written], Failure | None]]) -> None:
        nonlocal done
        for written, failure in outcomes:
            result.written += written
            if failure is not None:
                result.failed.append(failure)
            done += 1
        if progress is not None:
            progress(done, total)

    if workers <= 1:
        for batch in _batches(files, 25):
            record(_batch(batch, target))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_batch, b, target) for b in _batches(files, 50)]
            for future in futures:
                record(future.result())
    return result
