"""Problems found in a protocol file, each tied to a path inside it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str
    severity: Literal["error", "warning"] = "error"
    line: int | None = None

    @property
    def dotted_path(self) -> str:
        return ".".join(str(p) for p in self.path) or "(top level)"

    def format(self, filename: str) -> str:
        where = f"{filename}:{self.line}" if self.line is not None else filename
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.dotted_path}: {self.message}"


class ProtocolError(ValueError):
    """A protocol that cannot be used; carries every problem found."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(p.format(filename) for p in problems))
