from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def protocol_file() -> Path:
    """A small complete protocol (radiotherapy + immunotherapy, three groups)."""
    return FIXTURES / "demo_trial.yaml"


@pytest.fixture
def edited_protocol(tmp_path: Path, protocol_file: Path):
    """Write a copy of the fixture protocol with text replaced; returns its path."""

    def edit(*replacements: tuple[str, str], name: str = "demo_trial.yaml") -> Path:
        text = protocol_file.read_text(encoding="utf-8")
        for old, new in replacements:
            assert old in text, old
            text = text.replace(old, new)
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return edit


@pytest.fixture
def loaded_study(db, protocol_file: Path):
    from oncotrial.apps.studies.services import load_protocol_file

    return load_protocol_file(protocol_file).study


@pytest.fixture
def user(db, django_user_model):
    return django_user_model.objects.create_user(username="reader", password="a-long-pass-123")
