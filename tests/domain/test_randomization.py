"""Permuted-block randomization: reproducibility, balance, validation, strata."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from itertools import islice

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncotrial.domain.eligibility import Measurement
from oncotrial.domain.protocol.design import StratificationFactor
from oncotrial.domain.randomization import (
    ALL_SUBJECTS_STRATUM,
    allocation_blocks,
    generate_allocation_list,
    stratum_key,
)

ONE_TO_ONE = {"a": 1, "b": 1}
TWO_TO_ONE = {"a": 2, "b": 1}


def test_reproducible_from_seed_and_stratum() -> None:
    first = generate_allocation_list(ONE_TO_ONE, [2, 4, 6], 60, "s3cr3t", "site1")
    again = generate_allocation_list(ONE_TO_ONE, [6, 4, 2], 60, "s3cr3t", "site1")
    assert first == again
    assert len(first) == 60
    assert set(first) == {"a", "b"}
    # the order of the ratio mapping does not matter either
    assert generate_allocation_list({"b": 1, "a": 1}, [2, 4, 6], 60, "s3cr3t", "site1") == first


def test_reproducible_in_another_process() -> None:
    """String seeding does not depend on PYTHONHASHSEED or the process."""
    code = (
        "from oncotrial.domain.randomization import generate_allocation_list as g;"
        "print(''.join(g({'a': 1, 'b': 1}, [2, 4], 40, 'recorded-seed', 'ecog=0-1')))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": hash_seed},
        ).stdout.strip()
        for hash_seed in ("0", "1", "12345")
    }
    expected = "".join(
        generate_allocation_list(ONE_TO_ONE, [2, 4], 40, "recorded-seed", "ecog=0-1")
    )
    assert outputs == {expected}


def test_different_strata_and_seeds_differ() -> None:
    lists = {
        (seed, stratum): tuple(generate_allocation_list(ONE_TO_ONE, [4, 6], 40, seed, stratum))
        for seed in ("seed-1", "seed-2")
        for stratum in ("site1", "site2", "ecog=0|site=site1")
    }
    assert len(set(lists.values())) == len(lists)


def test_a_longer_list_extends_the_shorter_one() -> None:
    short = generate_allocation_list(TWO_TO_ONE, [3, 6], 10, "x", "all")
    long = generate_allocation_list(TWO_TO_ONE, [3, 6], 100, "x", "all")
    assert long[:10] == short
    assert generate_allocation_list(TWO_TO_ONE, [3, 6], 0, "x", "all") == []


def test_blocks_concatenate_to_the_list() -> None:
    blocks = list(islice(allocation_blocks(ONE_TO_ONE, [2, 4, 6], "seed", "s"), 20))
    flat = [arm for block in blocks for arm in block]
    assert generate_allocation_list(ONE_TO_ONE, [2, 4, 6], len(flat), "seed", "s") == flat
    # random block sizes: more than one size is used
    assert len({len(b) for b in blocks}) > 1
    assert {len(b) for b in blocks} <= {2, 4, 6}


def test_every_complete_block_is_exactly_balanced() -> None:
    for block in islice(allocation_blocks(ONE_TO_ONE, [2, 4, 6, 8], "balance", "all"), 500):
        counts = Counter(block)
        assert counts["a"] == counts["b"] == len(block) // 2


def test_one_to_one_imbalance_never_exceeds_half_the_largest_block() -> None:
    assignments = generate_allocation_list(ONE_TO_ONE, [4, 8], 2000, "imbalance", "all")
    difference = 0
    worst = 0
    for arm in assignments:
        difference += 1 if arm == "a" else -1
        worst = max(worst, abs(difference))
    assert worst <= 8 // 2
    assert worst > 0


def test_two_to_one_follows_the_ratio_per_complete_block() -> None:
    blocks = list(islice(allocation_blocks(TWO_TO_ONE, [3, 6, 9], "ratio", "all"), 300))
    for block in blocks:
        counts = Counter(block)
        assert counts["a"] == 2 * counts["b"]
        assert counts["a"] + counts["b"] == len(block)
    # after any number of complete blocks the totals are exactly 2:1
    total: Counter[str] = Counter()
    for block in blocks:
        total.update(block)
        assert total["a"] == 2 * total["b"]


def test_three_arms() -> None:
    ratio = {"low": 1, "high": 1, "control": 2}
    for block in islice(allocation_blocks(ratio, [4, 8], "three", "all"), 100):
        counts = Counter(block)
        k = len(block) // 4
        assert counts == Counter({"control": 2 * k, "low": k, "high": k})


@pytest.mark.parametrize(
    ("ratio", "block_sizes", "message"),
    [
        ({"a": 1, "b": 1}, [3], "block size 3 is not a multiple of the ratio total 2"),
        ({"a": 2, "b": 1}, [3, 4], "block size 4 is not a multiple of the ratio total 3"),
        ({"a": 1, "b": 1}, [], "at least one block size"),
        ({"a": 1, "b": 1}, [0], "block size must be a positive whole number"),
        ({"a": 1, "b": 0}, [2], "ratio of arm 'b' must be a positive whole number"),
        ({"a": 1}, [2], "at least two arms"),
    ],
)
def test_invalid_scheme_is_named(
    ratio: dict[str, int], block_sizes: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        generate_allocation_list(ratio, block_sizes, 10, "seed", "all")


def test_invalid_length_seed_and_stratum() -> None:
    with pytest.raises(ValueError, match="length"):
        generate_allocation_list(ONE_TO_ONE, [2], -1, "seed", "all")
    with pytest.raises(ValueError, match="seed"):
        generate_allocation_list(ONE_TO_ONE, [2], 4, "", "all")
    with pytest.raises(ValueError, match="stratum"):
        generate_allocation_list(ONE_TO_ONE, [2], 4, "seed", "")


@settings(max_examples=150, deadline=None)
@given(
    weights=st.lists(st.integers(min_value=1, max_value=3), min_size=2, max_size=4),
    multiples=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=3),
    length=st.integers(min_value=0, max_value=300),
    seed=st.text(min_size=1, max_size=20),
    stratum=st.text(min_size=1, max_size=20),
)
def test_balance_property(
    weights: list[int], multiples: list[int], length: int, seed: str, stratum: str
) -> None:
    ratio = {f"arm{i}": w for i, w in enumerate(weights)}
    total = sum(weights)
    block_sizes = [m * total for m in multiples]
    assignments = generate_allocation_list(ratio, block_sizes, length, seed, stratum)
    assert len(assignments) == length
    assert assignments == generate_allocation_list(ratio, block_sizes, length, seed, stratum)
    largest = max(block_sizes)
    counts: Counter[str] = Counter()
    for n, arm in enumerate(assignments, start=1):
        counts[arm] += 1
        for name, weight in ratio.items():
            # within a block, an arm's count strays from its share by at most block/4
            assert abs(counts[name] - n * weight / total) <= largest / 4 + 1e-9
    if len(ratio) == 2 and weights[0] == weights[1]:
        a = min(ratio)
        running = 0
        for arm in assignments:
            running += 1 if arm == a else -1
            assert abs(running) <= largest // 2


# ----------------------------------------------------------------- strata

FACTORS = [
    StratificationFactor(id="site", variable="site", levels=["beijing", "shanghai"]),
    StratificationFactor(id="ecog", variable="ecog", levels=["0", "1"]),
    StratificationFactor(id="liver", variable="liver_metastases", levels=["yes", "no"]),
]


def test_stratum_key_is_stable_and_sorted() -> None:
    values = {"ecog": 1, "site": "shanghai", "liver_metastases": True}
    key = stratum_key(FACTORS, values)
    assert key == "ecog=1|liver=yes|site=shanghai"
    assert stratum_key(list(reversed(FACTORS)), values) == key
    measured = {
        "ecog": Measurement(1),
        "site": Measurement("shanghai"),
        "liver_metastases": Measurement(False),
    }
    assert stratum_key(FACTORS, measured) == "ecog=1|liver=no|site=shanghai"


def test_stratum_key_without_factors() -> None:
    assert stratum_key([], {}) == ALL_SUBJECTS_STRATUM


def test_stratum_key_missing_value_names_the_factor() -> None:
    with pytest.raises(ValueError, match="factor 'ecog' needs a value for 'ecog'"):
        stratum_key(FACTORS, {"site": "beijing", "liver_metastases": False})
    with pytest.raises(ValueError, match="factor 'liver' needs a value"):
        stratum_key(FACTORS, {"site": "beijing", "ecog": 0, "liver_metastases": None})


def test_stratum_key_unknown_level_names_the_factor() -> None:
    with pytest.raises(ValueError, match=r"factor 'ecog': 2 is not one of its levels \(0, 1\)"):
        stratum_key(FACTORS, {"site": "beijing", "ecog": 2, "liver_metastases": True})
