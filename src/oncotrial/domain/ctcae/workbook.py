"""Read the NCI CTCAE workbook (.xlsx): v5.0 ("CTCAE v5.0 Clean Copy": MedDRA Code,
MedDRA SOC, CTCAE Term, Grade 1–5, Definition, Navigational Note) and the v4.03 layout
(MedDRA v12.0 Code, CTCAE v4.0 SOC, CTCAE v4.0 Term, Grade 1–5, CTCAE v4.0 AE Term
Definition).

Columns are found by their names in the header row (wherever that row is, whatever
spaces the header cells carry); a "-" or empty grade cell means the term has no such
grade. A file that cannot be read raises `WorkbookError` naming the sheet, row and
column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oncotrial.domain.ctcae.terms import GRADES, Term, normalise

HEADER_SEARCH_ROWS = 20
"""How many rows from the top of a sheet are searched for the header row."""

VERSIONS = ("5.0", "4.03")


class WorkbookError(ValueError):
    """The file is not a CTCAE workbook this reader understands."""

    def __init__(
        self,
        message: str,
        *,
        path: str = "",
        sheet: str = "",
        row: int | None = None,
        column: str = "",
    ) -> None:
        self.message = message
        self.path = path
        self.sheet = sheet
        self.row = row
        self.column = column
        where = [part for part in (path, f"sheet “{sheet}”" if sheet else "") if part]
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column “{column}”")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


@dataclass(frozen=True)
class Columns:
    """0-based positions of the columns of a header row."""

    header_row: int
    """1-based row number of the header."""
    term: int
    soc: int
    code: int
    grades: dict[int, int]
    definition: int | None
    navigational_note: int | None
    names: tuple[str, ...]
    """The header cells as written (for messages)."""
    version_hint: str | None
    """The CTCAE version the column names point to, if they do."""


@dataclass(frozen=True)
class WorkbookCatalogue:
    version: str
    sheet: str
    terms: tuple[Term, ...]

    def soc_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t in self.terms:
            counts[t.soc] = counts.get(t.soc, 0) + 1
        return dict(sorted(counts.items()))


def clean(value: Any) -> str:
    """A cell as text: non-breaking spaces and surrounding spaces removed, runs of
    spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).replace("\xa0", " ").split())


_GRADE = re.compile(r"^grade\s*([1-5])$")
_VERSION = re.compile(r"v\s*(\d+\.\d+)")


def _kind(header: str) -> str | int | None:
    name = normalise(header)
    grade = _GRADE.match(name)
    if grade:
        return int(grade.group(1))
    if "navigational" in name:
        return "note"
    if "definition" in name:
        return "definition"
    if "code" in name and "meddra" in name:
        return "code"
    if name.endswith("soc") or "system organ class" in name:
        return "soc"
    if name.endswith("term") and "ctcae" in name:
        return "term"
    return None


def map_header(cells: Sequence[Any], row_number: int) -> Columns | None:
    """The columns of `cells` if they are a CTCAE header row (a term, SOC, code and the
    five grade columns); else None."""
    names = tuple(clean(c) for c in cells)
    found: dict[str | int, int] = {}
    hint: str | None = None
    for index, name in enumerate(names):
        kind = _kind(name)
        if kind is None or kind in found:
            continue
        found[kind] = index
        if kind == "term":
            version = _VERSION.search(name.lower())
            if version:
                hint = "4.03" if version.group(1).startswith("4") else version.group(1)
    required: list[str | int] = ["term", "soc", "code", *GRADES]
    if any(kind not in found for kind in required):
        return None
    return Columns(
        header_row=row_number,
        term=found["term"],
        soc=found["soc"],
        code=found["code"],
        grades={g: found[g] for g in GRADES},
        definition=found.get("definition"),
        navigational_note=found.get("note"),
        names=names,
        version_hint=hint,
    )


def _version_of_sheet(title: str) -> str | None:
    match = _VERSION.search(title.lower())
    if match is None:
        return None
    return "4.03" if match.group(1).startswith("4") else match.group(1)


def _cell(row: Sequence[Any], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return clean(row[index])


def _text(row: Sequence[Any], index: int | None) -> str:
    text = _cell(row, index)
    return "" if text in ("-", "–") else text


def read_rows(
    rows: Iterable[Sequence[Any]],
    columns: Columns,
    *,
    sheet: str,
    path: str = "",
    progress: Callable[[int], None] | None = None,
) -> list[Term]:
    """The terms of the rows below the header row."""
    terms: list[Term] = []
    seen: dict[str, int] = {}
    names = columns.names
    for number, row in enumerate(rows, start=columns.header_row + 1):
        if not any(clean(c) for c in row):
            continue
        term = _cell(row, columns.term)

        def fail(message: str, index: int, row_number: int = number) -> WorkbookError:
            return WorkbookError(
                message, path=path, sheet=sheet, row=row_number, column=names[index]
            )

        if not term:
            raise fail("the term is empty.", columns.term)
        soc = _cell(row, columns.soc)
        if not soc:
            raise fail(f"the system organ class of “{term}” is empty.", columns.soc)
        code = _cell(row, columns.code)
        if code and not code.isdigit():
            raise fail(f"the MedDRA code of “{term}” is not a number: “{code}”.", columns.code)
        descriptions: dict[int, str] = {}
        for grade, index in columns.grades.items():
            text = _cell(row, index)
            if text and text not in ("-", "–"):
                descriptions[grade] = text
        if not descriptions:
            raise fail(f"“{term}” has no grade (every grade column is “-”).", columns.grades[1])
        key = normalise(term)
        if key in seen:
            raise fail(f"“{term}” is listed twice (also on row {seen[key]}).", columns.term)
        seen[key] = number
        terms.append(
            Term(
                term=term,
                soc=soc,
                meddra_code=code,
                grades=tuple(sorted(descriptions)),
                descriptions=descriptions,
                definition=_text(row, columns.definition),
                navigational_note=_text(row, columns.navigational_note),
            )
        )
        if progress is not None:
            progress(len(terms))
    if not terms:
        raise WorkbookError("no terms below the header row.", path=path, sheet=sheet)
    return terms


def _pick_sheet(workbook: Any, path: str) -> tuple[Any, Columns]:
    candidates: list[tuple[int, Any, Columns]] = []
    for order, sheet in enumerate(workbook.worksheets):
        for number, row in enumerate(
            sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), start=1
        ):
            columns = map_header(row, number)
            if columns is not None:
                # prefer a clean copy over tracked changes, then the first sheet
                rank = 0 if "clean" in sheet.title.lower() else 1
                if "track" in sheet.title.lower() or "mapping" in sheet.title.lower():
                    rank = 2
                candidates.append((rank * 1000 + order, sheet, columns))
                break
    if not candidates:
        titles = ", ".join(f"“{s.title}”" for s in workbook.worksheets)
        raise WorkbookError(
            f"no sheet has a header row with CTCAE Term, SOC, MedDRA Code and Grade 1–5 "
            f"columns in its first {HEADER_SEARCH_ROWS} rows (sheets: {titles}).",
            path=path,
        )
    _rank, sheet, columns = min(candidates, key=lambda c: c[0])
    return sheet, columns


def read_workbook(
    path: str | Path,
    version: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> WorkbookCatalogue:
    """The terms of the CTCAE workbook at `path`. `version` ("5.0" or "4.03") is taken
    from the sheet's name or column names when not given."""
    from openpyxl import load_workbook

    name = str(path)
    if version is not None and version not in VERSIONS:
        raise WorkbookError(f"CTCAE version {version} is not one of {', '.join(VERSIONS)}.")
    try:
        workbook = load_workbook(name, read_only=True, data_only=True)
    except FileNotFoundError:
        raise WorkbookError("no such file.", path=name) from None
    except Exception as exc:  # openpyxl raises several kinds for a file it cannot read
        raise WorkbookError(f"not an Excel workbook (.xlsx): {exc}", path=name) from None
    try:
        sheet, columns = _pick_sheet(workbook, name)
        detected = _version_of_sheet(sheet.title) or columns.version_hint
        if version is None:
            if detected is None or detected not in VERSIONS:
                raise WorkbookError(
                    "cannot tell the CTCAE version from the sheet; give --version.",
                    path=name,
                    sheet=sheet.title,
                )
            version = detected
        rows = sheet.iter_rows(min_row=columns.header_row + 1, values_only=True)
        terms = read_rows(rows, columns, sheet=sheet.title, path=name, progress=progress)
    finally:
        workbook.close()
    return WorkbookCatalogue(version=version, sheet=sheet.title, terms=tuple(terms))
