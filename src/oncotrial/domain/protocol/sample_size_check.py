"""Recomputing the sample size a protocol states from its own design parameters."""

from __future__ import annotations

from oncotrial.domain.design import DesignParameterError, compute_sample_size
from oncotrial.domain.protocol.model import Protocol
from oncotrial.domain.protocol.problems import Problem


def check_sample_size(protocol: Protocol) -> list[Problem]:
    design = protocol.sample_size
    if design is None or design.method == "descriptive":
        return []
    try:
        result = compute_sample_size(design.method, design.parameters)
    except DesignParameterError as exc:
        return [Problem(("sample_size", "parameters", exc.parameter), exc.detail)]
    except ValueError as exc:
        return [Problem(("sample_size", "parameters"), str(exc))]
    if result.n == design.target:
        return []
    return [
        Problem(
            ("sample_size", "target"),
            f"the protocol states {design.target} but {design.method} with these parameters "
            f"gives {result.n} ({result.summary})",
            severity="warning",
        )
    ]
