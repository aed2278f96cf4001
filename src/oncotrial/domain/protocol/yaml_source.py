"""Reading a protocol file: YAML data plus the line of every path in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from oncotrial.domain.protocol.problems import Path, Problem


@dataclass
class YamlSource:
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def read_yaml(text: str) -> YamlSource:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        return YamlSource(None, problems=[Problem((), f"not valid YAML: {problem}", line=line)])
    source = YamlSource(None)
    if node is None:
        source.problems.append(Problem((), "the file is empty", line=1))
        return source
    _index_lines(node, (), source)
    source.data = yaml.safe_load(text)
    return source


def _index_lines(node: yaml.Node, path: Path, source: YamlSource) -> None:
    source.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                source.problems.append(
                    Problem((*path, key), "duplicate key", line=key_node.start_mark.line + 1)
                )
            seen.add(key)
            source.lines[(*path, key)] = key_node.start_mark.line + 1
            _index_lines(value_node, (*path, key), source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*path, index), source)
