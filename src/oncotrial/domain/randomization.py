"""Stratified permuted-block randomization with random block sizes.

The allocation list of a stratum is a sequence of blocks. Each block holds every arm in
proportion to the allocation ratio (a block of 6 under a 2:1 ratio holds four `a` and two
`b`) in a random order; the size of each block is drawn at random from the allowed sizes,
so a site cannot predict the end of a block.

Lists are reproducible: the pseudo-random generator is :class:`random.Random` seeded with
a string built from the study's recorded seed and the stratum label. String seeds are
hashed with SHA-512 by Python's version-2 seeding, independent of ``PYTHONHASHSEED``, the
machine and the process, so the same (seed, stratum) gives the same list everywhere. The
seed itself is chosen once per study by the caller (e.g. ``secrets.token_hex(16)``) and
recorded; this module reads no clock and no system randomness.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping, Sequence
from itertools import islice

from oncotrial.domain.protocol.design import StratificationFactor

__all__ = [
    "ALL_SUBJECTS_STRATUM",
    "allocation_blocks",
    "generate_allocation_list",
    "stratum_key",
    "validate_scheme",
]

ALL_SUBJECTS_STRATUM = "all"
"""The stratum label of a study without stratification factors."""

_SEED_FORMAT = "oncotrial-allocation-v1"


def validate_scheme(ratio: Mapping[str, int], block_sizes: Sequence[int]) -> None:
    """Raise ValueError naming the problem if the ratio or block sizes are unusable."""
    if len(ratio) < 2:
        raise ValueError(f"the allocation ratio needs at least two arms, got {dict(ratio)}")
    for arm, weight in ratio.items():
        if not isinstance(arm, str) or not arm:
            raise ValueError(f"arm ids must be non-empty text, got {arm!r}")
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
            raise ValueError(
                f"ratio of arm {arm!r} must be a positive whole number, got {weight!r}"
            )
    if not block_sizes:
        raise ValueError("at least one block size is needed")
    total = sum(ratio.values())
    for size in block_sizes:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"block size must be a positive whole number, got {size!r}")
        if size % total:
            raise ValueError(
                f"block size {size} is not a multiple of the ratio total {total} "
                f"({':'.join(str(w) for w in ratio.values())})"
            )


def allocation_blocks(
    ratio: Mapping[str, int], block_sizes: Sequence[int], seed: str, stratum: str
) -> Iterator[tuple[str, ...]]:
    """The endless sequence of blocks of one stratum's allocation list.

    Arms are ordered by id before shuffling, so the order of the `ratio` mapping (as read
    from a protocol file) does not change the list.
    """
    validate_scheme(ratio, block_sizes)
    if not isinstance(seed, str) or not seed:
        raise ValueError("the randomization seed must be non-empty text")
    if not isinstance(stratum, str) or not stratum:
        raise ValueError("the stratum label must be non-empty text")
    rng = random.Random(json.dumps([_SEED_FORMAT, seed, stratum]))
    sizes = sorted(set(block_sizes))
    arms = sorted(ratio)
    total = sum(ratio.values())
    while True:
        size = rng.choice(sizes)
        block = [arm for arm in arms for _ in range(ratio[arm] * (size // total))]
        rng.shuffle(block)
        yield tuple(block)


def generate_allocation_list(
    ratio: Mapping[str, int],
    block_sizes: Sequence[int],
    length: int,
    seed: str,
    stratum: str,
) -> list[str]:
    """The first `length` arm assignments of the stratum's allocation list.

    A longer list starts with the shorter one, so a list can be extended when a stratum
    recruits more than planned. Raises ValueError naming the problem for an unusable
    ratio, block size, length, seed or stratum.
    """
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise ValueError(f"length must be a whole number of zero or more, got {length!r}")
    blocks = allocation_blocks(ratio, block_sizes, seed, stratum)
    assignments: list[str] = []
    while len(assignments) < length:
        assignments.extend(next(blocks))
    return list(islice(assignments, length))


def stratum_key(
    factors: Sequence[StratificationFactor],
    values: Mapping[str, object],
) -> str:
    """A stable stratum label from the subject's values of the stratification factors.

    `values` maps screening variable ids (``factor.variable``) to the subject's value: a
    level text, a yes/no, a whole number, or an object with a ``value`` attribute (an
    eligibility ``Measurement``). The label lists ``factor=level`` sorted by factor id,
    joined by ``|`` (``ecog=0-1|liver_metastases=yes``); without factors it is
    :data:`ALL_SUBJECTS_STRATUM`. A missing value or one that is not a level of its factor
    raises ValueError naming the factor.
    """
    if not factors:
        return ALL_SUBJECTS_STRATUM
    parts: list[str] = []
    for factor in sorted(factors, key=lambda f: f.id):
        if factor.variable not in values or values[factor.variable] is None:
            raise ValueError(
                f"stratification factor {factor.id!r} needs a value for {factor.variable!r}"
            )
        raw = values[factor.variable]
        raw = getattr(raw, "value", raw)
        level = _level(raw, factor.levels)
        if level is None:
            raise ValueError(
                f"stratification factor {factor.id!r}: {raw!r} is not one of its levels "
                f"({', '.join(factor.levels)})"
            )
        parts.append(f"{factor.id}={level}")
    return "|".join(parts)


def _level(value: object, levels: Sequence[str]) -> str | None:
    if isinstance(value, bool):
        candidates = ["yes", "true"] if value else ["no", "false"]
    elif isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        candidates = [str(int(value))]
    elif isinstance(value, str):
        candidates = [value]
    else:
        return None
    for candidate in candidates:
        for level in levels:
            if level == candidate or level.lower() == candidate.lower():
                return level
    return None
