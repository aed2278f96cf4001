"""When simulated subjects come to their visits: most on the target day or a day or two
off, a few outside the window, some visits missed."""

from __future__ import annotations

import random

MISSED = 0.05
OUT_OF_WINDOW = 0.04


def visit_day_offset(rng: random.Random, window_before: int, window_after: int) -> int | None:
    """Days from the visit's target date to the day it took place (None: missed)."""
    roll = rng.random()
    if roll < MISSED:
        return None
    if roll < MISSED + OUT_OF_WINDOW:
        return window_after + rng.randint(1, 4)
    shift = rng.choice([0, 0, 0, 0, 1, -1, 2, -2])
    return max(-window_before, min(window_after, shift))
