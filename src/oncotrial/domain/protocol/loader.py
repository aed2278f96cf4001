"""Loading and validating a protocol file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path as FilePath

from pydantic import ValidationError

from oncotrial.domain.protocol.errors import problems_from_validation_error
from oncotrial.domain.protocol.model import Protocol
from oncotrial.domain.protocol.problems import Problem, ProtocolError
from oncotrial.domain.protocol.references import check_references
from oncotrial.domain.protocol.sample_size_check import check_sample_size
from oncotrial.domain.protocol.yaml_source import read_yaml


@dataclass(frozen=True)
class Validation:
    filename: str
    protocol: Protocol | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return self.protocol is not None and not self.errors

    def format_problems(self) -> list[str]:
        return [p.format(self.filename) for p in self.problems]


def validate_text(text: str, filename: str = "<protocol>") -> Validation:
    source = read_yaml(text)
    if source.problems and source.data is None:
        return Validation(filename, None, source.problems)
    problems = list(source.problems)
    if not isinstance(source.data, dict):
        problems.append(Problem((), "a protocol file must be a mapping of keys to values", line=1))
        return Validation(filename, None, problems)
    try:
        protocol = Protocol.model_validate(source.data)
    except ValidationError as exc:
        problems += problems_from_validation_error(exc, source.data)
        protocol = None
    if protocol is not None:
        problems += check_references(protocol)
        problems += check_sample_size(protocol)
    located = [
        Problem(p.path, p.message, p.severity, p.line or source.line_of(p.path)) for p in problems
    ]
    located.sort(key=lambda p: (p.line or 0, p.dotted_path))
    usable = protocol if not any(p.severity == "error" for p in located) else None
    return Validation(filename, usable, located)


def validate_file(path: str | FilePath) -> Validation:
    file_path = FilePath(path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Validation(str(path), None, [Problem((), f"cannot read the file: {exc}")])
    return validate_text(text, str(path))


def load_protocol(path: str | FilePath) -> Protocol:
    """The protocol in `path`; raises ProtocolError listing every problem."""
    validation = validate_file(path)
    if validation.protocol is None:
        raise ProtocolError(validation.filename, validation.errors)
    return validation.protocol
