"""Laboratory analytes: what a protocol's lab panel names, in which units, against which
normal range, and which screening variable a result feeds.

A protocol writes its panels as clinicians do ("WBC", "haemoglobin", "total bilirubin",
"CA19-9"); `resolve` finds the analyte each name means. Every analyte has a default unit
and the units laboratories report it in, each with the exact factor that turns a value
in that unit into the default unit (bilirubin: 1 mg/dL = 17.1 µmol/L; creatinine:
1 mg/dL = 88.4 µmol/L; glucose: 1 mmol/L = 18.016 mg/dL; haemoglobin: 1 g/dL = 10 g/L).

The default reference ranges are usual adult ranges (Chinese national standards WS/T 404
and WS/T 405 where they exist). A laboratory's own range, recorded with the result,
always wins: flags and ×ULN use the range stored with each result.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from oncotrial.domain.protocol.schedule import Assessment

Feeds = Literal["value", "xuln"]
Flag = Literal["L", "H", ""]


class UnknownAnalyteError(ValueError):
    """A panel entry or analyte name that the catalogue does not know."""


class LabUnitError(ValueError):
    """A unit that is not one an analyte is reported in."""


@dataclass(frozen=True)
class LabUnit:
    symbol: str
    factor: float
    """A value in this unit × factor = the value in the analyte's default unit."""
    spellings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Analyte:
    id: str
    label: str
    aliases: tuple[str, ...]
    """Names protocols and laboratory reports use (matched ignoring case and spacing)."""
    dimension: str
    units: tuple[LabUnit, ...]
    """The first is the default unit (factor 1)."""
    lower: float | None
    upper: float | None
    """Default adult reference range, in the default unit (None: no limit)."""
    hard_max: float
    """The largest value that is physiologically possible, in the default unit: anything
    above is an entry error (a misplaced decimal point or a wrong unit)."""
    variable: str | None = None
    """The screening variable a result of this analyte gives, if any."""
    feeds: Feeds | None = None
    """How: the value in the variable's unit, or ×ULN (value / upper limit of normal)."""
    notes: str = ""

    @property
    def unit(self) -> str:
        return self.units[0].symbol

    @property
    def unit_symbols(self) -> list[str]:
        return [u.symbol for u in self.units]


def _key(text: str) -> str:
    """A name or unit as compared: lower case, µ/μ as u, × as x, no spaces, hyphens,
    underscores or dots between words."""
    text = text.strip().lower().replace("µ", "u").replace("μ", "u").replace("×", "x")
    text = text.replace("³", "3").replace("²", "2")
    return re.sub(r"[\s_\-]+", "", text)


def _unit_key(text: str) -> str:
    key = _key(text)
    if key.startswith("x10"):
        key = key[1:]
    return key.replace("10*", "10^")


CELLS = (
    LabUnit("10^9/L", 1.0, ("10^3/uL", "G/L", "10^3/mm3", "K/uL")),
    LabUnit("/uL", 1e-3, ("/mm3", "cells/uL", "cells/mm3")),
)
ENZYME = (LabUnit("U/L", 1.0, ("IU/L",)), LabUnit("ukat/L", 60.0))
"""1 µkat/L = 60 U/L (1 U = 1 µmol/min)."""


def _a(
    id_: str,
    label: str,
    aliases: Sequence[str],
    dimension: str,
    units: Sequence[LabUnit],
    lower: float | None,
    upper: float | None,
    hard_max: float,
    variable: str | None = None,
    feeds: Feeds | None = None,
    notes: str = "",
) -> Analyte:
    return Analyte(
        id_, label, tuple(aliases), dimension, tuple(units), lower, upper, hard_max, variable,
        feeds, notes,
    )  # fmt: skip


# fmt: off
CATALOGUE: tuple[Analyte, ...] = (
    # blood routine
    _a("wbc", "White blood cells", ["WBC", "white blood cell count", "leukocytes", "leucocytes"],
       "cell_count", CELLS, 3.5, 9.5, 1000, "wbc", "value"),
    _a("anc", "Absolute neutrophil count", ["ANC", "neutrophils", "neutrophil count", "NEUT#"],
       "cell_count", CELLS, 1.8, 6.3, 500, "anc", "value"),
    _a("lymphocytes", "Lymphocytes", ["lymphocyte count", "ALC", "LYMPH#"],
       "cell_count", CELLS, 1.1, 3.2, 500),
    _a("hemoglobin", "Haemoglobin", ["haemoglobin", "Hb", "HGB"], "mass_concentration",
       (LabUnit("g/L", 1.0), LabUnit("g/dL", 10.0)), 115, 175, 300, "hemoglobin", "value",
       notes="The default range spans both sexes (women 115–150, men 130–175 g/L)."),
    _a("platelets", "Platelets", ["PLT", "platelet count", "thrombocytes"],
       "cell_count", CELLS, 125, 350, 5000, "platelets", "value"),
    # liver and kidney function
    _a("alt", "ALT", ["alanine aminotransferase", "SGPT", "GPT", "ALAT"],
       "activity_concentration", ENZYME, 7, 40, 20000, "alt", "xuln"),
    _a("ast", "AST", ["aspartate aminotransferase", "SGOT", "GOT", "ASAT"],
       "activity_concentration", ENZYME, 13, 35, 40000, "ast", "xuln"),
    _a("bilirubin", "Total bilirubin", ["total bilirubin", "TBIL", "T-BIL", "bilirubin total"],
       "substance_concentration", (LabUnit("umol/L", 1.0), LabUnit("mg/dL", 17.1)),
       3.4, 20.5, 1000, "bilirubin", "xuln"),
    _a("albumin", "Albumin", ["ALB", "serum albumin"], "mass_concentration",
       (LabUnit("g/L", 1.0), LabUnit("g/dL", 10.0)), 40, 55, 100, "albumin", "value"),
    _a("creatinine", "Creatinine", ["serum creatinine", "CREA", "Cr", "SCr"],
       "substance_concentration", (LabUnit("umol/L", 1.0), LabUnit("mg/dL", 88.4)),
       41, 111, 5000, "creatinine", "xuln",
       notes="The default range spans both sexes (women 41–81, men 57–111 µmol/L)."),
    _a("urea", "Urea", ["BUN", "blood urea", "urea nitrogen"], "substance_concentration",
       (LabUnit("mmol/L", 1.0),), 2.6, 8.8, 150,
       notes="Entered in mmol/L only: mg/dL is ambiguous between urea and urea nitrogen."),
    # lipids and glucose
    _a("cholesterol", "Total cholesterol", ["total cholesterol", "TC", "CHOL"],
       "substance_concentration", (LabUnit("mmol/L", 1.0), LabUnit("mg/dL", 1 / 38.67)),
       None, 5.2, 50),
    _a("triglycerides", "Triglycerides", ["TG", "triglyceride", "TRIG"],
       "substance_concentration", (LabUnit("mmol/L", 1.0), LabUnit("mg/dL", 1 / 88.57)),
       None, 1.7, 100),
    _a("glucose", "Glucose", ["GLU", "blood glucose", "fasting glucose", "fasting plasma glucose"],
       "substance_concentration", (LabUnit("mmol/L", 1.0), LabUnit("mg/dL", 1 / 18.016)),
       3.9, 6.1, 150),
    # tumour markers
    _a("ca19_9", "CA19-9", ["CA19-9", "CA 19-9", "CA199", "carbohydrate antigen 19-9"],
       "arbitrary_concentration", (LabUnit("U/mL", 1.0, ("kU/L",)),), None, 37, 1e7,
       "ca19_9", "value"),
    _a("cea", "CEA", ["carcinoembryonic antigen"], "mass_concentration",
       (LabUnit("ng/mL", 1.0, ("ug/L",)),), None, 5.0, 1e6),
    _a("ca125", "CA125", ["CA-125", "CA 125", "carbohydrate antigen 125"],
       "arbitrary_concentration", (LabUnit("U/mL", 1.0, ("kU/L",)),), None, 35, 1e6),
    # thyroid
    _a("tsh", "TSH", ["thyrotropin", "thyroid stimulating hormone"], "arbitrary_concentration",
       (LabUnit("mIU/L", 1.0, ("uIU/mL", "mU/L")),), 0.27, 4.2, 1000),
    _a("ft3", "FT3", ["free T3", "free triiodothyronine"], "substance_concentration",
       (LabUnit("pmol/L", 1.0), LabUnit("pg/mL", 1.536)), 3.1, 6.8, 100),
    _a("ft4", "FT4", ["free T4", "free thyroxine"], "substance_concentration",
       (LabUnit("pmol/L", 1.0), LabUnit("ng/dL", 12.87)), 12, 22, 200),
    # coagulation
    _a("pt", "Prothrombin time", ["PT", "prothrombin time"], "time",
       (LabUnit("s", 1.0, ("sec", "seconds")),), 11, 14.5, 200),
    _a("inr", "INR", ["international normalised ratio", "international normalized ratio"],
       "ratio", (LabUnit("ratio", 1.0, ("", "1")),), 0.8, 1.2, 20, "inr", "value"),
    _a("aptt", "APTT", ["aPTT", "activated partial thromboplastin time", "PTT"], "time",
       (LabUnit("s", 1.0, ("sec", "seconds")),), 25, 35, 300, "aptt", "xuln"),
    _a("fibrinogen", "Fibrinogen", ["FIB", "Fbg"], "mass_concentration",
       (LabUnit("g/L", 1.0), LabUnit("mg/dL", 0.01)), 2.0, 4.0, 20),
    # pancreatic function
    _a("amylase", "Amylase", ["serum amylase", "AMY", "AMS"], "activity_concentration",
       ENZYME, 35, 135, 100000),
    _a("lipase", "Lipase", ["serum lipase", "LPS", "LIP"], "activity_concentration",
       ENZYME, 13, 60, 100000),
    _a("drain_amylase", "Drain amylase", ["drain amylase", "drain fluid amylase"],
       "activity_concentration", ENZYME, None, None, 1000000,
       notes="No normal range: a pancreatic fistula is a drain amylase above 3 × the upper "
       "limit of the serum amylase range (ISGPS 2016)."),
    # urine
    _a("urine_protein", "Urine protein (24 h)", ["urine protein", "24h urine protein",
       "proteinuria"], "mass_rate", (LabUnit("g/24h", 1.0), LabUnit("mg/24h", 1e-3)),
       None, 0.15, 50),
)
# fmt: on

BY_ID: dict[str, Analyte] = {a.id: a for a in CATALOGUE}
_BY_NAME: dict[str, Analyte] = {}
for _analyte in CATALOGUE:
    for _name in (_analyte.id, _analyte.label, *_analyte.aliases):
        _BY_NAME.setdefault(_key(_name), _analyte)


def resolve(name: str) -> Analyte:
    """The analyte a protocol's panel entry (or an analyte id) names."""
    analyte = _BY_NAME.get(_key(name))
    if analyte is not None:
        return analyte
    names = sorted({n.lower(): n for a in CATALOGUE for n in (*a.aliases, a.label)}.values())
    close = difflib.get_close_matches(name.strip(), names, n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise UnknownAnalyteError(
        f"unknown laboratory analyte {name!r}{hint}; the catalogue has "
        f"{', '.join(a.label for a in CATALOGUE)}"
    )


def assessment_analytes(assessment: Assessment) -> list[Analyte]:
    """The analytes of a protocol's lab assessment, in the protocol's order.

    A panel names them; an assessment with a single result (CA19-9 in U/mL) is found by
    its id, then its label. An unknown panel entry raises UnknownAnalyteError; a single
    assessment the catalogue cannot place (a qualitative pregnancy test) has none."""
    if assessment.panel:
        return [resolve(name) for name in assessment.panel]
    for name in (assessment.id, assessment.label):
        try:
            return [resolve(name)]
        except UnknownAnalyteError:
            continue
    return []


def lab_unit(analyte: Analyte, text: str | None) -> LabUnit:
    """The unit `text` of `analyte` (its default unit when empty)."""
    if text is None or not text.strip():
        return analyte.units[0]
    key = _unit_key(text)
    for unit in analyte.units:
        if key in {_unit_key(s) for s in (unit.symbol, *unit.spellings)}:
            return unit
    raise LabUnitError(
        f"{text.strip()} is not a unit of {analyte.label}: use {' or '.join(analyte.unit_symbols)}"
    )


def convert(analyte: Analyte, value: float, from_unit: str | None, to_unit: str | None) -> float:
    """`value` of `analyte` in `from_unit` expressed in `to_unit`."""
    src, dst = lab_unit(analyte, from_unit), lab_unit(analyte, to_unit)
    if src.symbol == dst.symbol:
        return value
    return value * src.factor / dst.factor


@dataclass(frozen=True)
class Range:
    lower: float | None
    upper: float | None


def default_range(analyte: Analyte, unit: str | None = None) -> Range:
    """The catalogue's adult reference range in `unit` (the default unit if None)."""

    def to(limit: float | None) -> float | None:
        if limit is None:
            return None
        return round(convert(analyte, limit, analyte.unit, unit), 6)

    return Range(to(analyte.lower), to(analyte.upper))


def flag(value: float, lower: float | None, upper: float | None) -> Flag:
    """ "L" below the lower limit of normal, "H" above the upper, "" within."""
    if lower is not None and value < lower:
        return "L"
    if upper is not None and value > upper:
        return "H"
    return ""


def times_uln(value: float, upper: float | None) -> float | None:
    """The value as a multiple of the upper limit of normal (None without one)."""
    if upper is None or upper <= 0:
        return None
    return value / upper


@dataclass(frozen=True)
class Change:
    absolute: float
    percent: float | None
    """None when the baseline is zero."""


def change_from_baseline(value: float, baseline: float) -> Change:
    """Change of `value` from `baseline` (same unit): absolute and in % of baseline."""
    percent = None if baseline == 0 else (value - baseline) / baseline * 100.0
    return Change(value - baseline, percent)


def best_change(baseline: float, later: Sequence[float]) -> Change | None:
    """The best change after baseline: the largest fall (or, if every value rose, the
    smallest rise) — for a tumour marker, the best response. None without later values."""
    if not later:
        return None
    return change_from_baseline(min(later), baseline)


@dataclass(frozen=True)
class ScreeningValue:
    variable: str
    value: float
    unit: str | None
    """The screening variable's unit ("xULN" for ×ULN; None for a unit-less variable)."""


def screening_value(
    analyte: Analyte,
    value: float,
    unit: str | None,
    *,
    variable_unit: str | None,
    upper: float | None = None,
) -> ScreeningValue:
    """The screening variable value a result gives: the value converted to the variable's
    unit, or value / ULN for a variable in ×ULN (`upper` in the result's unit; the
    catalogue's when None). Raises ValueError when the analyte feeds no variable, has
    no upper limit, or the variable's unit is not one of the analyte's."""
    if analyte.variable is None or analyte.feeds is None:
        raise ValueError(f"{analyte.label} does not give a screening variable.")
    if analyte.feeds == "xuln":
        uln = upper if upper is not None else default_range(analyte, unit).upper
        multiple = times_uln(value, uln)
        if multiple is None:
            raise ValueError(f"{analyte.label} needs an upper limit of normal for ×ULN.")
        return ScreeningValue(analyte.variable, round(multiple, 4), "xULN")
    if variable_unit is None:
        return ScreeningValue(analyte.variable, value, None)
    try:
        target = lab_unit(analyte, variable_unit)
    except LabUnitError:
        raise ValueError(
            f"{analyte.label} cannot be given in {variable_unit}, the unit of screening "
            f"variable {analyte.variable}."
        ) from None
    converted = round(convert(analyte, value, unit, target.symbol), 6)
    return ScreeningValue(analyte.variable, converted, target.symbol)


@dataclass(frozen=True)
class Check:
    """A value checked for entry: the problems found (empty: acceptable)."""

    value_in_default: float | None = None
    problems: list[str] = field(default_factory=list)


def check_value(analyte: Analyte, value: float, unit: str | None) -> Check:
    """Refuse a negative value or one above the physiological limit."""
    if value < 0:
        return Check(None, [f"{analyte.label} cannot be negative."])
    in_default = convert(analyte, value, unit, analyte.unit)
    if in_default > analyte.hard_max:
        limit = convert(analyte, analyte.hard_max, analyte.unit, unit)
        shown = lab_unit(analyte, unit).symbol
        return Check(
            in_default,
            [
                f"{value:g} {shown} is above the physiological limit for {analyte.label} "
                f"({limit:g} {shown}): check the value and the unit."
            ],
        )
    return Check(in_default, [])
