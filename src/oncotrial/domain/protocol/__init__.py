"""The protocol file format: pydantic models, loading, validation."""

from oncotrial.domain.protocol.loader import (
    Validation,
    load_protocol,
    validate_file,
    validate_text,
)
from oncotrial.domain.protocol.model import Protocol
from oncotrial.domain.protocol.problems import Problem, ProtocolError

__all__ = [
    "Problem",
    "Protocol",
    "ProtocolError",
    "Validation",
    "load_protocol",
    "validate_file",
    "validate_text",
]
