"""Laboratory values are shown as reported: no trailing zeros, no lost digits."""

from __future__ import annotations

import pytest

from oncotrial.apps.labs.templatetags.lab_numbers import measured


@pytest.mark.parametrize(
    ("value", "shown"),
    [(6.91, "6.91"), (142.0, "142"), (0.035, "0.035"), (2247.4, "2247.4"), (None, "")],
)
def test_measured(value, shown):
    assert measured(value) == shown
