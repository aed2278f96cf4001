"""Tumour-size trajectories: baseline lesions and what each scan shows.

The sum of the target lesions follows a factor on its baseline size: it falls to a
nadir (a complete response sends non-nodal targets to 0 and nodes under 10 mm, a
partial response to 35–68 % of baseline, stable disease to 72–112 %), and from the
progression day on it grows by at least 30 % over its value then (or a new lesion
appears). A response followed by progression at the next scan is never confirmed. For
iRECIST studies a pseudo-progression is a transient swelling (iUPD) that resolves
into a response. The RECIST engine, not this module, computes the responses."""

from __future__ import annotations

import random
from dataclasses import dataclass

ORGANS = ("liver", "lung", "peritoneum", "adrenal", "kidney", "soft tissue", "pleura")
NON_TARGET_ORGANS = ("bone", "peritoneum", "pleura", "liver")
LOCATIONS = {
    "liver": ("segment VI", "segment VII", "segment IVa"),
    "lung": ("right lower lobe", "left upper lobe"),
    "lymph node": ("left para-aortic", "right iliac", "mediastinal (4R)"),
}
NADIRS = (("cr", 0.04), ("pr", 0.24), ("sd", 0.72))
"""How deep the best response goes, with its probability."""
PSEUDO_PROGRESSION = 0.12
"""Share of subjects of an iRECIST study whose first scan shows a pseudo-progression."""
NEW_LESION_PROGRESSION = 0.35


@dataclass(frozen=True)
class BaselineLesion:
    code: str
    kind: str
    """target / non_target"""
    organ: str
    location: str
    nodal: bool
    mm: float | None


@dataclass(frozen=True)
class Scan:
    """What one scan shows: mm per target lesion code, the non-target status, and the
    new lesions seen (code, organ, mm)."""

    targets: dict[str, float]
    non_target: str
    new_lesions: tuple[tuple[str, str, float], ...]


@dataclass(frozen=True)
class TumourCourse:
    lesions: tuple[BaselineLesion, ...]
    depth: str
    """cr / pr / sd: how deep the response goes before progression."""
    nadir: float
    nadir_day: int
    progression_day: float | None
    """Days from treatment start when the disease progresses (None: not before death or
    the data cut)."""
    by_new_lesion: bool
    pseudo: bool

    def factor(self, day: float) -> float:
        """The target sum at `day` as a fraction of baseline."""
        before = min(day, self.progression_day) if self.progression_day is not None else day
        # a pseudo-progression shrinks only after its swelling (from day 45)
        onset = 45 if self.pseudo else 0
        fall = min(max(before - onset, 0) / (self.nadir_day - onset), 1.0)
        value = 1.0 + (self.nadir - 1.0) * fall
        if self.pseudo:
            # a swelling peaking at +50 % on day 45, gone by day 110
            value += max(0.0, 0.5 * (1 - abs(before - 45) / 65)) if before < 110 else 0.0
        growing = self.progression_day is not None and day >= self.progression_day
        if growing and not self.by_new_lesion:
            assert self.progression_day is not None
            value = max(value, 0.05) * (1.3 + 0.004 * (day - self.progression_day))
        return value

    def scan(self, day: float, rng: random.Random) -> Scan:
        value = self.factor(day)
        progressed = self.progression_day is not None and day >= self.progression_day
        complete = self.depth == "cr" and value < 0.05 and not progressed
        targets: dict[str, float] = {}
        for lesion in self.lesions:
            if lesion.kind != "target" or lesion.mm is None:
                continue
            if complete:
                targets[lesion.code] = float(rng.randint(5, 8)) if lesion.nodal else 0.0
            else:
                wobble = rng.uniform(-0.02, 0.02)
                targets[lesion.code] = round(lesion.mm * max(value + wobble, 0.0), 1)
        new: tuple[tuple[str, str, float], ...] = ()
        if progressed and self.by_new_lesion:
            assert self.progression_day is not None
            weeks = (day - self.progression_day) / 7
            new = (("NL1", "liver", round(11 + weeks, 1)),)
            if weeks >= 4:
                new += (("NL2", "lung", 12.0),)
        return Scan(targets, "absent" if complete or value < 0.05 else "present", new)


def tumour_course(rng: random.Random, progression_day: float | None, criteria: str) -> TumourCourse:
    """Baseline lesions and a trajectory for one subject whose disease progresses on
    `progression_day` (days from treatment start)."""
    depth = rng.choices([d for d, _ in NADIRS], weights=[w for _, w in NADIRS])[0]
    nadir = {
        "cr": 0.0,
        "pr": rng.uniform(0.35, 0.68),
        "sd": rng.uniform(0.72, 1.12),
    }[depth]
    organs = rng.sample(ORGANS, 2)
    lesions = [
        BaselineLesion(
            "T1", "target", organs[0], _where(organs[0], rng), False, rng.randint(24, 52)
        ),
        BaselineLesion(
            "T2", "target", organs[1], _where(organs[1], rng), False, rng.randint(15, 34)
        ),
    ]
    if rng.random() < 0.5:
        organ = "lymph node"
        lesions.append(
            BaselineLesion("T3", "target", organ, _where(organ, rng), True, rng.randint(16, 28))
        )
    lesions.append(
        BaselineLesion(
            "NT1",
            "non_target",
            rng.choice(NON_TARGET_ORGANS),
            "multiple small deposits",
            False,
            None,
        )
    )
    pseudo = (
        criteria == "iRECIST"
        and (progression_day is None or progression_day > 160)
        and rng.random() < PSEUDO_PROGRESSION
    )
    if pseudo and depth == "sd":
        # a pseudo-progression resolves into a response
        depth, nadir = "pr", rng.uniform(0.35, 0.68)
    by_new = depth == "cr" or rng.random() < NEW_LESION_PROGRESSION
    nadir_day = rng.randint(60, 130)
    if pseudo:
        nadir_day = max(nadir_day, 140)
    return TumourCourse(
        lesions=tuple(lesions),
        depth=depth,
        nadir=nadir,
        nadir_day=nadir_day,
        progression_day=progression_day,
        by_new_lesion=by_new,
        pseudo=pseudo,
    )


def _where(organ: str, rng: random.Random) -> str:
    return rng.choice(LOCATIONS.get(organ, ("—",)))
