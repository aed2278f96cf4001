"""Turning one eligibility criterion's text into a computable rule, when it is safe to.

Each pattern recognises one kind of requirement common in oncology protocols (age,
performance status, life expectancy, measurable disease, blood counts, liver and kidney
function, brain metastases, pregnancy, washout windows, prior treatment). A criterion
gets a rule only when every requirement in its text was recognised: if words are left
over that may change the meaning ("unless", "if Gilbert's", a second condition we do not
read), the criterion stays an investigator checklist item and the note says what was
recognised. A wrong rule is worse than no rule.

Rules follow the protocol format: an inclusion rule must hold for the patient to be
eligible; an exclusion rule describes the condition that excludes.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from oncotrial.domain.protocol.variables import ScreeningVariable
from oncotrial.domain.units import convert

Section = Literal["inclusion", "exclusion"]
RuleDict = dict[str, Any]


@dataclass(frozen=True)
class Extraction:
    rule: RuleDict | None
    note: str | None = None
    variables: tuple[ScreeningVariable, ...] = ()
    """Protocol-level screening variables the rule needs (e.g. prior_egfr_tki)."""
    recognised: tuple[str, ...] = ()
    """Names of the patterns found, even when no rule was produced."""


@dataclass
class _Hit:
    start: int
    end: int
    rule: RuleDict
    kind: str
    variables: tuple[ScreeningVariable, ...] = ()
    note: str | None = None
    extra_spans: list[tuple[int, int]] = field(default_factory=list)


@functools.cache
def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A compiled pattern, compiled once (the patterns outnumber the `re` module cache)."""
    return re.compile(pattern, flags)


def _search(pattern: str, text: str, flags: int = 0) -> re.Match[str] | None:
    return _rx(pattern, flags).search(text)


def _match(pattern: str, text: str, flags: int = 0) -> re.Match[str] | None:
    return _rx(pattern, flags).match(text)


def _fullmatch(pattern: str, text: str, flags: int = 0) -> re.Match[str] | None:
    return _rx(pattern, flags).fullmatch(text)


def _finditer(pattern: str, text: str, flags: int = 0) -> Iterator[re.Match[str]]:
    return _rx(pattern, flags).finditer(text)


def _findall(pattern: str, text: str, flags: int = 0) -> list[Any]:
    return _rx(pattern, flags).findall(text)


def _sub(pattern: str, repl: str, text: str, flags: int = 0) -> str:
    return _rx(pattern, flags).sub(repl, text)


# --------------------------------------------------------------------------- numbers

_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:[.,]\d+)?)"
_COMP_WORDS: list[tuple[str, str]] = [
    (
        r"≥|>=|=>|⩾|≧|greater than or equal to|more than or equal to|equal to or greater than"
        r"|equal or greater than|equal to or more than|at least|no less than|not less than"
        r"|not lower than|no lower than|minimum of|of at least",
        ">=",
    ),
    (
        r"≤|<=|=<|⩽|≦|less than or equal to|equal to or less than|equal or less than|no more than"
        r"|not more than|no greater than|not greater than|not exceeding|not higher than"
        r"|no higher than|maximum of|up to|within",
        "<=",
    ),
    (r">|greater than|more than|higher than|above|over|exceeding|exceeds?", ">"),
    (r"<|less than|lower than|below|under|fewer than", "<"),
]
_COMP = "(?P<comp>" + "|".join(f"(?:{words})" for words, _ in _COMP_WORDS) + ")"
_OP_OF = [(_rx(f"^(?:{words})$", re.I), op) for words, op in _COMP_WORDS]


def _op(word: str) -> str:
    for pattern, op in _OP_OF:
        if pattern.match(word.strip()):
            return op
    raise ValueError(word)


def _number(text: str) -> float:
    if _fullmatch(r"\d{1,3}(?:,\d{3})+", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


def _clean(value: float) -> float | int:
    value = round(value, 6)
    return int(value) if value == int(value) else value


# --------------------------------------------------------------------------- units

_CELLS_E9 = r"(?:[x×X*]\s*)?10\s*(?:\^\s*9|⁹|\*{1,2}\s*9|9|e9|\(9\))\s*(?:cells\s*)?/\s*l\b|g/l\b"
_CELLS_E3 = r"(?:[x×X*]\s*)?10\s*(?:\^\s*3|³|\*{1,2}\s*3|3)\s*/\s*(?:u|µ|μ|m)l\b|k/(?:u|µ|μ)l\b"
_CELLS_MM3 = r"(?:cells\s*)?/\s*(?:mm\s*(?:3|³|\^3)|(?:u|µ|μ)l|cmm)\b"
_UNIT_CELLS = rf"(?P<unit>{_CELLS_E9}|{_CELLS_E3}|{_CELLS_MM3})"
_UNIT_HB = r"(?P<unit>g\s*/\s*dl\b|g\s*/\s*100\s*ml\b|g\s*/\s*l\b|mmol\s*/\s*l\b|mg\s*/\s*dl\b)"
_ULN = (
    r"(?:[x×X*]|times)?\s*(?:the\s+)?(?:institutional\s+|local\s+|laboratory\s+)?"
    r"(?:ULN\b|upper\s+limits?\s+of\s+(?:the\s+)?normal(?:\s+range)?(?:\s*\(ULN\))?"
    r"|upper\s+normal\s+limit|upper\s+limit\s+normal|upper\s+limit\s+of\s+the\s+reference)"
)


def _cell_count(value: float, unit: str | None, field_id: str) -> tuple[float, str | None]:
    """The count in 10^9/L and a note when the unit was converted or inferred."""
    if unit is None:
        threshold = 500 if field_id == "anc" else 10000
        if value >= threshold:
            return value / 1000, f"no unit given; {value:g} read as /mm³"
        raise _Unsure("no unit given")
    u = _sub(r"\s+", "", unit.lower())
    if _fullmatch(_CELLS_E9.replace(r"\s*", "").replace(r"\b", ""), u) or u == "g/l":
        return value, None
    if "10" in u or u.startswith("k/"):
        return value, None  # 10^3/uL equals 10^9/L
    return convert(value, "/mm3", "10^9/L"), f"{value:g}/mm³ converted to 10^9/L"


def _haemoglobin(value: float, unit: str | None) -> tuple[float, str | None]:
    if unit is None:
        if 5 <= value <= 15:
            return value, "no unit given; read as g/dL"
        if 50 <= value <= 150:
            return value / 10, "no unit given; read as g/L and converted to g/dL"
        raise _Unsure("no unit given")
    u = _sub(r"\s+", "", unit.lower())
    if u in ("g/dl", "g/100ml"):
        return value, None
    if u == "g/l":
        return convert(value, "g/L", "g/dL"), f"{value:g} g/L converted to g/dL"
    raise _Unsure(f"haemoglobin in {unit}")


class _Unsure(Exception):
    pass


# --------------------------------------------------------------------------- labs

_ANC = (
    r"(?:absolute\s+neutrophils?(?:\s+count)?|absolute\s+granulocytes?(?:\s+count)?"
    r"|neutrophils?(?:\s+granulocytes?)?(?:\s+count)?|neutrophil\s+granulocytes?"
    r"|\bANC\b|\bAGC\b|granulocytes?(?:\s+count)?)(?:\s*\((?:ANC|AGC|absolute value)\))?"
)
_PLT = r"(?:platelets?(?:\s+count)?|\bPLT\b|thrombocytes?(?:\s+count)?)(?:\s*\((?:PLT|PLC)\))?"
_HB = r"(?:ha?emoglobin|\bHg?b\b|\bHGB\b)(?:\s*\((?:Hg?b|HGB)\))?"
_BILI = r"(?:(?:serum\s+)?(?:total\s+)?bilirubin|\bT?BIL\b)(?:\s*\((?:T?BIL)\))?"
_AST = r"(?:\bAST\b|\bSGOT\b|aspartate\s+(?:amino)?transaminase|aspartate\s+aminotransferase)"
_ALT = r"(?:\bALT\b|\bSGPT\b|alanine\s+(?:amino)?transaminase|alanine\s+aminotransferase)"
_ABBR = r"(?:\s*\((?:AST|ALT|SGOT|SGPT|AST\s*/\s*SGOT|ALT\s*/\s*SGPT)\))?"
_TRANS = rf"(?:{_AST}|{_ALT}){_ABBR}"
_TRANS_GROUP = (
    rf"(?P<label>{_TRANS}(?:\s*(?:and/or|and|or|/|,|&)\s*{_TRANS})?|(?:serum\s+)?transaminases)"
)
_CREAT = r"(?:serum\s+)?creatinine(?!\s+clearance)(?:\s*\((?:Cr|SCr|sCr)\))?"
_CRCL = (
    r"(?:(?:calculated|measured|estimated)\s+)?(?:creatinine\s+clearance|\bCrCl\b|\bCLcr\b)"
    r"(?:\s*\((?:CrCl|CLcr)\))?"
)
_FILL = r"(?P<fill>[^\d≥≤<>=;.]{0,40}?)"


def _lab_hits(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    specs: list[tuple[str, str, str, str]] = [
        ("anc", _ANC, _UNIT_CELLS, r"neutro|\banc\b|\bagc\b|granulo"),
        ("platelets", _PLT, _UNIT_CELLS, r"platelet|\bplt\b|thrombo"),
        ("hemoglobin", _HB, _UNIT_HB, r"emoglobin|\bhg?b\b"),
    ]
    for field_id, label, unit_re, keywords in specs:
        if not _search(keywords, text, re.I):
            continue
        pattern = _rx(rf"(?P<label>{label}){_FILL}{_COMP}\s*{_NUM}\s*{unit_re}?", re.I)
        for m in pattern.finditer(text):
            value = _number(m.group("num"))
            unit = m.group("unit")
            if field_id == "hemoglobin":
                number, note = _haemoglobin(value, unit)
                rule = _cond(field_id, _op(m.group("comp")), number, "g/dL")
            else:
                number, note = _cell_count(value, unit, field_id)
                rule = _cond(field_id, _op(m.group("comp")), number, "10^9/L")
            hits.append(_Hit(m.start(), m.end(), rule, field_id, note=note))
    for field_id, label in (("bilirubin", _BILI), ("creatinine", _CREAT)):
        if not _search(
            r"bilirubin|\bt?bil\b" if field_id == "bilirubin" else "creatinine", text, re.I
        ):
            continue
        uln = _rx(rf"(?P<label>{label}){_FILL}{_COMP}\s*{_NUM}\s*{_ULN}", re.I)
        for m in uln.finditer(text):
            rule = _cond(field_id, _op(m.group("comp")), _number(m.group("num")), "xULN")
            hits.append(_Hit(m.start(), m.end(), rule, field_id))
        absolute = _rx(
            rf"(?P<label>{label}){_FILL}{_COMP}\s*{_NUM}\s*(?:mg\s*/\s*dl|[µμu]mol\s*/\s*l)", re.I
        )
        for m in absolute.finditer(text):
            if not any(h.start == m.start() for h in hits):
                raise _Unsure(f"{field_id} as an absolute concentration, not ×ULN")
    if not _search(r"creatinine\s+clearance|crcl|clcr", text, re.I):
        return hits + (
            _transaminase_hits(text)
            if _search(r"\bast\b|\balt\b|sgot|sgpt|transaminase|aminotransferase", text, re.I)
            else []
        )
    crcl = _rx(
        rf"(?P<label>{_CRCL}){_FILL}{_COMP}\s*{_NUM}\s*m[lL]\s*/\s*min(?:ute)?s?"
        r"(?P<bsa>\s*(?:/|per)\s*1[.,]73\s*m(?:2|²|\^2)?)?",
        re.I,
    )
    for m in crcl.finditer(text):
        if m.group("bsa"):
            raise _Unsure("clearance normalised to 1.73 m², not mL/min")
        rule = _cond(
            "creatinine_clearance", _op(m.group("comp")), _number(m.group("num")), "mL/min"
        )
        hits.append(_Hit(m.start(), m.end(), rule, "creatinine_clearance"))
    if _search(r"\bast\b|\balt\b|sgot|sgpt|transaminase|aminotransferase", text, re.I):
        hits += _transaminase_hits(text)
    return hits


_LIVER = r"(?:liver|hepatic)\s+(?:metastas[ie]s|metastatic\s+disease|involvement|mets|lesions)"


def _transaminase_hits(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    pattern = _rx(rf"{_TRANS_GROUP}{_FILL}{_COMP}\s*{_NUM}\s*{_ULN}", re.I)
    for m in pattern.finditer(text):
        label = m.group("label")
        fields = []
        if _search(_AST, label, re.I) or "transaminase" in label.lower():
            fields.append("ast")
        if _search(_ALT, label, re.I) or "transaminase" in label.lower():
            fields.append("alt")
        op = _op(m.group("comp"))
        value = _number(m.group("num"))
        base = _group(fields, op, value)
        hit = _Hit(m.start(), m.end(), base, "ast_alt")
        exception = _liver_exception(text, m.end())
        if exception is not None:
            ex_value, _ex_start, ex_end = exception
            with_mets = _group(fields, op, ex_value)
            if op in ("<", "<="):
                hit.rule = {
                    "any": [base, {"all": [_cond("liver_metastases", "==", True), with_mets]}]
                }
            else:
                hit.rule = {
                    "any": [
                        {"all": [_cond("liver_metastases", "==", False), base]},
                        {"all": [_cond("liver_metastases", "==", True), with_mets]},
                    ]
                }
            hit.extra_spans.append((m.end(), ex_end))
            hit.kind = "ast_alt_liver"
        elif _search(r"liver|hepatic", text[m.end() :], re.I):
            raise _Unsure("a liver-metastasis clause that could not be read")
        hits.append(hit)
    return hits


def _group(fields: list[str], op: str, value: float) -> RuleDict:
    conditions = [_cond(f, op, value, "xULN") for f in fields]
    if len(conditions) == 1:
        return conditions[0]
    return {"all": conditions} if op in ("<", "<=") else {"any": conditions}


def _liver_exception(text: str, after: int) -> tuple[float, int, int] | None:
    rest = text[after:]
    value_re = rf"{_COMP}\s*{_NUM}\s*{_ULN}"
    forward = _search(rf"{value_re}[^.;]{{0,80}}?{_LIVER}", rest, re.I)
    backward = _search(rf"{_LIVER}[^.;\d]{{0,80}}?{value_re}", rest, re.I)
    found = [m for m in (forward, backward) if m is not None]
    if not found:
        return None
    m = min(found, key=lambda x: x.start())
    if m.group("comp") and _op(m.group("comp")) not in ("<", "<=", ">", ">="):
        return None
    return _number(m.group("num")), after + m.start(), after + m.end()


# --------------------------------------------------------------------------- others


def _cond(field_id: str, op: str, value: Any, unit: str | None = None) -> RuleDict:
    rule: RuleDict = {"field": field_id, "op": op}
    rule["value"] = _clean(value) if isinstance(value, float) else value
    if unit is not None:
        rule["unit"] = unit
    return rule


_AGE_UNIT = r"(?:years?|yrs?)"


def _age_hits(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    patterns = [
        # Age ≥ 18 years / aged at least 18 / age of 18 years or older
        rf"\b(?:age[ds]?|age\s+of)\s*(?:is\s+|must\s+be\s+)?:?\s*{_COMP}\s*{_NUM}\s*{_AGE_UNIT}?"
        rf"(?:\s+(?:old|of\s+age))?",
        # ≥ 18 years of age / ≥ 18 years old
        rf"{_COMP}\s*{_NUM}\s*{_AGE_UNIT}\s+(?:of\s+age|old)\b",
    ]
    for pattern in patterns:
        for m in _finditer(pattern, text, re.I):
            hits.append(
                _Hit(
                    m.start(),
                    m.end(),
                    _cond("age", _op(m.group("comp")), _number(m.group("num"))),
                    "age",
                )
            )
    older = _rx(
        rf"(?:\bage[ds]?\s*)?{_NUM}\s*{_AGE_UNIT}\s*(?:of\s+age\s+)?(?:old\s+)?"
        r"(?P<dir>or\s+(?:older|above|over|more)|and\s+(?:older|above|over)|or\s+greater)"
        r"(?:\s+(?:of\s+age|old))?",
        re.I,
    )
    for m in older.finditer(text):
        hits.append(_Hit(m.start(), m.end(), _cond("age", ">=", _number(m.group("num"))), "age"))
    between = _rx(
        r"\b(?:age[ds]?|between)\s*(?:between\s*)?:?\s*(?P<lo>\d{1,3})\s*(?:-|–|to|and|~)\s*"
        rf"(?P<hi>\d{{1,3}})\s*{_AGE_UNIT}(?:\s+(?:old|of\s+age))?(?:\s*\(inclusive\))?",
        re.I,
    )
    for m in between.finditer(text):
        if not _search(r"\bage|years?\s+(?:old|of\s+age)", m.group(0), re.I):
            continue
        lo, hi = _number(m.group("lo")), _number(m.group("hi"))
        if lo >= hi:
            raise _Unsure("age range reversed")
        hits.append(
            _Hit(m.start(), m.end(), _cond("age", "between", [_clean(lo), _clean(hi)]), "age")
        )
    return hits


_ECOG_LABEL = (
    r"(?:(?:Eastern\s+Cooperative\s+Oncology\s+Group|ECOG|Zubrod)(?:\s*\((?:ECOG|PS)\))?"
    r"|(?:World\s+Health\s+Organi[sz]ation|WHO)(?:\s*\(WHO\))?)"
    r"(?:\s*(?:/|or)\s*(?:WHO|ECOG))?"
    r"(?:\s+(?:performance|physical)(?:\s+(?:status|state|score))?(?:\s+score)?|\s+PS)?"
    r"(?:\s*\((?:PS|ECOG\s*PS)\))?"
    r"(?:\s+(?:score|grade))?(?:\s+(?:of|is|must\s+be|should\s+be))?\s*:?\s*"
)
_RANGE = r"(?P<lo>\d)\s*(?:-|–|~|to|or)\s*(?P<hi>\d)\b"


def _performance_hits(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for m in _finditer(
        rf"(?P<label>{_ECOG_LABEL})(?:(?:{_RANGE})|(?:{_COMP}\s*(?P<num>\d)\b)"
        r"|(?P<list>\d(?:\s*,\s*\d)+(?:\s*,?\s*(?:or|and)\s*\d)?)"
        r"|(?P<single>\d)(?P<orless>\s+or\s+(?:less|lower|below))?)(?!\s*[.,]\d)",
        text,
        re.I,
    ):
        if not _search(r"ECOG|Eastern|Zubrod|WHO|World", m.group("label"), re.I):
            continue
        if m.group("lo") is not None:
            lo, hi = int(m.group("lo")), int(m.group("hi"))
            if lo > hi:
                continue
            rule = _cond("ecog", "<=", hi) if lo == 0 else _cond("ecog", "between", [lo, hi])
        elif m.group("num") is not None:
            rule = _cond("ecog", _op(m.group("comp")), int(m.group("num")))
        elif m.group("list") is not None:
            values = [int(v) for v in _findall(r"\d", m.group("list"))]
            if values != list(range(values[0], values[-1] + 1)):
                continue
            rule = (
                _cond("ecog", "<=", values[-1]) if values[0] == 0 else _cond("ecog", "in", values)
            )
        else:
            single = int(m.group("single"))
            rule = _cond("ecog", "<=" if m.group("orless") else "==", single)
        note = None
        if _search(r"WHO|World", m.group("label"), re.I) and not _search(
            r"ECOG|Eastern", m.group("label"), re.I
        ):
            note = "WHO performance status read on the ECOG scale (they are the same scale)"
        hits.append(_Hit(m.start(), m.end(), rule, "ecog", note=note))
    karnofsky = _rx(
        r"(?:Karnofsky(?:\s+performance)?(?:\s+(?:status|scale|score|index))?(?:\s*\(KPS\))?"
        rf"|\bKPS\b)(?:\s+(?:score|of|is))*\s*:?\s*(?:{_COMP}\s*{_NUM}\s*%?"
        r"|(?P<lo>\d{2,3})\s*%?\s*(?:-|–|to)\s*(?P<hi>100)\s*%?)",
        re.I,
    )
    for m in karnofsky.finditer(text):
        if m.group("lo"):
            rule = _cond("karnofsky", ">=", int(m.group("lo")))
        else:
            rule = _cond("karnofsky", _op(m.group("comp")), _number(m.group("num")))
        hits.append(_Hit(m.start(), m.end(), rule, "karnofsky"))
    return hits


def _life_expectancy_hits(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    pattern = _rx(
        r"(?:life\s+expectancy|(?:expected|estimated)\s+survival(?:\s+time)?)"
        r"(?:\s+(?:is|of|must\s+be))*"
        rf"\s*:?\s*(?:{_COMP}\s*)?{_NUM}\s*(?P<unit>weeks?|months?|days?|years?)"
        r"(?P<more>\s+or\s+(?:more|longer|greater)|\s+and\s+(?:more|above))?",
        re.I,
    )
    for m in pattern.finditer(text):
        op = _op(m.group("comp")) if m.group("comp") else ">="
        unit = m.group("unit").lower().rstrip("s") + "s"
        hits.append(
            _Hit(
                m.start(),
                m.end(),
                _cond("life_expectancy", op, _number(m.group("num")), unit),
                "life_expectancy",
            )
        )
    return hits


def _measurable_hits(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    pattern = _rx(
        r"(?P<neg>\bno\s+)?(?:at\s+least\s+(?:one|1)\s+(?:uni-?dimensionally\s+)?)?"
        r"measurable\s+(?:\(?target\)?\s+)?(?:disease|lesions?|tumou?rs?|sites?\s+of\s+disease)"
        r"(?:\s*\([^)]*\))?"
        r"(?:\s+(?:as\s+)?(?:defined\s+)?(?:by|per|according\s+to|based\s+on|using|as\s+per)"
        r"(?:\s+the)?\s+(?:(?:RECIST|Response\s+Evaluation\s+Criteria\s+in\s+Solid\s+Tumou?rs)"
        r"(?:\s*\(RECIST\))?(?:\s*(?:version|v\.?|ver\.?)?\s*(?P<ver>1[.,]\d))?(?:\s+criteria)?))?",
        re.I,
    )
    for m in pattern.finditer(text):
        prefix = text[max(0, m.start() - 20) : m.start()].lower()
        if _search(r"non[- ]?$|\bor\s+$|evaluable\s+(?:or|and/or)\s+$", prefix):
            raise _Unsure("measurable or evaluable disease")
        version = m.group("ver")
        if version and version.replace(",", ".") != "1.1":
            raise _Unsure(f"RECIST {version}")
        if _search(r"\b(?:mRECIST|iRECIST|RANO|Lugano|Cheson|PCWG|irRC|GCIG)\b", text):
            raise _Unsure("other response criteria")
        rule = _cond("measurable_disease", "==", not m.group("neg"))
        hits.append(_Hit(m.start(), m.end(), rule, "measurable_disease"))
    return hits


_CNS = (
    r"(?:brain|CNS|central\s+nervous\s+system|cerebral|intracranial|brain\s+and/or\s+"
    r"leptomeningeal|brain\s+or\s+leptomeningeal|CNS\s+or\s+leptomeningeal)"
    r"\s+(?:metastas[ie]s|metastatic\s+disease|mets|involvement)"
    r"(?:\s*\((?:parenchymal|leptomeningeal|parenchymal\s+or\s+leptomeningeal)\))?"
)
_ACTIVE_ALT = r"active|untreated|symptomatic|unstable|progressive|progressing|uncontrolled"
_ACTIVE_WORDS = rf"\b(?:{_ACTIVE_ALT})\b"
_ALLOWED_WORDS = (
    r"\b(?:treated|stable|asymptomatic)\b[^.]{0,120}?\b(?:allowed|eligible|permitted|may\s+"
    r"participate|can\s+be\s+included|are\s+not\s+excluded|acceptable)\b"
)


def _brain_hits(text: str, section: Section) -> list[_Hit]:
    hits: list[_Hit] = []
    for m in _finditer(
        rf"(?P<neg>\bno\s+(?:known\s+)?(?:evidence\s+of\s+)?)?(?P<q>(?:(?:{_ACTIVE_ALT})"
        rf"(?:\s*(?:,|or|and|and/or)\s*)?\s*)*)(?:known\s+)?(?:{_CNS})",
        text,
        re.I,
    ):
        qualifier = m.group("q") or ""
        active = bool(_search(_ACTIVE_WORDS, qualifier, re.I))
        allowed = _search(_ALLOWED_WORDS, text[m.end() :], re.I)
        negated = bool(m.group("neg"))
        if section == "exclusion" and negated:
            raise _Unsure("negated brain metastases in an exclusion")
        if section == "inclusion" and not negated:
            raise _Unsure("brain metastases required or described in an inclusion")
        spans: list[tuple[int, int]] = []
        if allowed is not None:
            spans.append((m.end(), m.end() + allowed.end()))
        if active or allowed is not None:
            value: RuleDict = _cond("brain_metastases", "==", "active")
            if section == "inclusion":
                value = _cond("brain_metastases", "!=", "active")
        else:
            value = _cond("brain_metastases", "!=", "none")
            if section == "inclusion":
                value = _cond("brain_metastases", "==", "none")
        hit = _Hit(m.start(), m.end(), value, "brain_metastases", extra_spans=spans)
        if allowed is not None:
            hit.note = (
                "treated / stable brain metastases are allowed: record them as "
                "'treated_stable' only when they meet the conditions in the text"
            )
        hits.append(hit)
    return hits


def _pregnancy_hits(text: str, section: Section) -> list[_Hit]:
    hits: list[_Hit] = []
    pregnant = _rx(r"(?P<neg>\b(?:not|non)[- ]\s*)?\bpregnan(?:t|cy)\b", re.I)
    feeding = _rx(
        r"(?P<neg>\b(?:not|non)[- ]\s*)?\b(?:breast[- ]?feeding|breastfeeding|lactating|lactation"
        r"|nursing|in\s+the\s+period\s+of\s+lactation)\b",
        re.I,
    )
    for pattern, field_id in ((pregnant, "pregnant"), (feeding, "breastfeeding")):
        for m in pattern.finditer(text):
            negated = bool(m.group("neg"))
            if section == "exclusion":
                if negated:
                    raise _Unsure("negated pregnancy in an exclusion")
                rule = _cond(field_id, "==", True)
            else:
                if not negated and not _search(r"\bnot?\b", text[: m.start()], re.I):
                    raise _Unsure("pregnancy in an inclusion without a negation")
                rule = _cond(field_id, "==", False)
            hits.append(_Hit(m.start(), m.end(), rule, "pregnancy"))
    if len(hits) < 2:
        return hits
    hits.sort(key=lambda h: h.start)
    joins = [text[a.end : b.start] for a, b in itertools.pairwise(hits)]
    if any(len(_content_words(j)) > 1 or _search(r"[.;]", j) for j in joins):
        return hits
    rules = [h.rule for h in hits]
    unique = [r for i, r in enumerate(rules) if r not in rules[:i]]
    if len(unique) == 1:
        combined = unique[0]
    else:
        combined = {"any": unique} if section == "exclusion" else {"all": unique}
    return [_Hit(hits[0].start, hits[-1].end, combined, "pregnancy")]


_THERAPIES: list[tuple[str, str]] = [
    (r"major\s+surg(?:ery|ical\s+procedures?)", "days_since_major_surgery"),
    (
        r"(?:palliative\s+|thoracic\s+)?(?:radiotherapy|radiation(?:\s+therapy)?|irradiation)",
        "days_since_radiotherapy",
    ),
    (
        r"(?:any\s+)?(?:investigational|experimental)\s+(?:drugs?|agents?|products?|therap(?:y|ies)"
        r"|treatments?|medicinal\s+products?)(?:\s+agents?)?",
        "days_since_last_trial_drug",
    ),
    (
        r"(?:prior\s+|previous\s+|last\s+(?:dose\s+of\s+)?)?(?:systemic\s+)?(?:anti-?cancer|"
        r"anti-?tumou?r|anti-?neoplastic|cytotoxic)\s+(?:therap(?:y|ies)|treatments?|agents?|"
        r"drugs?)|(?:systemic\s+)?chemotherapy|systemic\s+(?:anti-?cancer\s+)?therap(?:y|ies)",
        "days_since_last_anticancer_therapy",
    ),
]
_WINDOW = _rx(
    r"(?P<lead>within|during|in)\s+(?:the\s+)?(?:(?:last|past|previous|preceding)\s+)?"
    rf"{_NUM}\s*(?P<unit>days?|weeks?|months?)"
    r"(?:\s+(?:prior\s+to|before|of|preceding|from))?",
    re.I,
)
_SINCE = _rx(
    rf"(?:at\s+least|≥|>=|minimum\s+of|more\s+than|>)\s*{_NUM}\s*(?P<unit>days?|weeks?|months?)"
    r"\s+(?:since|after|from|must\s+have\s+elapsed\s+(?:since|from))",
    re.I,
)


def _washout_hits(text: str, section: Section) -> list[_Hit]:
    hits: list[_Hit] = []
    for m in _WINDOW.finditer(text):
        before = text[: m.start()]
        sentence_start = max(before.rfind("."), before.rfind(";"), -1) + 1
        subject = text[sentence_start : m.start()]
        negation = _match(r"\s*(?:no|not|without)\b", subject, re.I)
        negated = negation is not None
        fields = _therapy_fields(subject[negation.end() :] if negation else subject)
        if not fields:
            continue
        days = _days(_number(m.group("num")), m.group("unit"))
        if section == "exclusion" and not negated:
            op = "<="
            combine = "any"
        elif section == "inclusion" and negated:
            op = ">"
            combine = "all"
        else:
            raise _Unsure("a washout window worded the other way round")
        conditions = [_cond(f, op, days, "days") for f in fields]
        rule = conditions[0] if len(conditions) == 1 else {combine: conditions}
        note = (
            None
            if m.group("unit").lower().startswith("day")
            else (f"{m.group('num')} {m.group('unit')} counted as {days:g} days")
        )
        hits.append(_Hit(sentence_start, m.end(), rule, "washout", note=note))
    for m in _SINCE.finditer(text):
        fields = _therapy_fields(text[m.end() : m.end() + 80].split(".")[0])
        if not fields or section != "inclusion":
            continue
        days = _days(_number(m.group("num")), m.group("unit"))
        comparator = _match(_COMP, m.group(0), re.I)
        op = _op(comparator.group("comp")) if comparator is not None else ">="
        conditions = [_cond(f, op, days, "days") for f in fields]
        rule = conditions[0] if len(conditions) == 1 else {"all": conditions}
        end = m.end() + len(text[m.end() : m.end() + 80].split(".")[0])
        hits.append(_Hit(m.start(), end, rule, "washout"))
    return hits


def _days(value: float, unit: str) -> float:
    unit = unit.lower()
    if unit.startswith("week"):
        return value * 7
    if unit.startswith("month"):
        raise _Unsure("a washout in months (calendar months are not a fixed number of days)")
    return value


def _therapy_fields(subject: str) -> list[str]:
    fields: list[str] = []
    rest = subject
    for pattern, field_id in _THERAPIES:
        if _search(pattern, rest, re.I):
            fields.append(field_id)
            rest = _sub(pattern, " ", rest, flags=re.I)
    if not fields:
        return []
    leftover = _content_words(rest)
    if leftover:
        raise _Unsure(f"a washout for something not recognised ({' '.join(leftover[:4])})")
    return fields


def _words(*lines: str) -> list[str]:
    return " ".join(lines).split()


# ------------------------------------------------------------------ prior treatment

_PRIOR_CLASSES: list[tuple[str, str, str]] = [
    (
        r"(?:anti-?PD-?1\s*/\s*(?:anti-?)?PD-?L1|PD-?1\s*/\s*PD-?L1|PD-?\(L\)1)"
        r"(?:\s+(?:inhibitors?|antibod(?:y|ies)|blockade|therapy|agents?))?",
        "prior_pd1_pdl1_inhibitor",
        "Prior anti-PD-1 or anti-PD-L1 therapy",
    ),
    (
        r"anti-?PD-?L1(?:\s+(?:inhibitors?|antibod(?:y|ies)|therapy|agents?))?"
        r"|PD-?L1\s+(?:inhibitors?|antibod(?:y|ies)|blockade)",
        "prior_pdl1_inhibitor",
        "Prior anti-PD-L1 therapy",
    ),
    (
        r"anti-?PD-?1(?:\s+(?:inhibitors?|antibod(?:y|ies)|therapy|agents?))?"
        r"|PD-?1\s+(?:inhibitors?|antibod(?:y|ies)|blockade)",
        "prior_pd1_inhibitor",
        "Prior anti-PD-1 therapy",
    ),
    (
        r"anti-?CTLA-?4(?:\s+(?:inhibitors?|antibod(?:y|ies)|therapy))?|CTLA-?4\s+inhibitors?",
        "prior_ctla4_inhibitor",
        "Prior anti-CTLA-4 therapy",
    ),
    (r"(?:immune\s+)?checkpoint\s+inhibitors?(?:\s+therapy)?", "prior_immunotherapy", ""),
    (
        r"EGFR[- ]?(?:TKIs?|tyrosine\s+kinase\s+inhibitors?|inhibitors?)",
        "prior_egfr_tki",
        "Prior EGFR tyrosine kinase inhibitor",
    ),
    (
        r"ALK[- ]?(?:TKIs?|tyrosine\s+kinase\s+inhibitors?|inhibitors?)",
        "prior_alk_inhibitor",
        "Prior ALK inhibitor",
    ),
    (
        r"VEGFR?[- ]?(?:TKIs?|tyrosine\s+kinase\s+inhibitors?|inhibitors?)",
        "prior_vegfr_tki",
        "Prior VEGF(R) tyrosine kinase inhibitor",
    ),
    (r"KRAS\s*G12C\s+inhibitors?", "prior_kras_g12c_inhibitor", "Prior KRAS G12C inhibitor"),
    (r"CDK\s*4/6\s+inhibitors?", "prior_cdk46_inhibitor", "Prior CDK4/6 inhibitor"),
    (r"PARP\s+inhibitors?", "prior_parp_inhibitor", "Prior PARP inhibitor"),
    (r"taxanes?", "prior_taxane", "Prior taxane"),
]
_DRUGS = tuple(
    _words(
        "osimertinib gefitinib erlotinib afatinib dacomitinib icotinib almonertinib",
        "aumolertinib furmonertinib lazertinib crizotinib alectinib brigatinib lorlatinib",
        "ceritinib ensartinib pembrolizumab nivolumab atezolizumab durvalumab avelumab",
        "cemiplimab ipilimumab tremelimumab sintilimab camrelizumab tislelizumab toripalimab",
        "docetaxel paclitaxel pemetrexed gemcitabine vinorelbine etoposide irinotecan",
        "topotecan bevacizumab ramucirumab cetuximab necitumumab trastuzumab sotorasib",
        "adagrasib capmatinib tepotinib selpercatinib pralsetinib dabrafenib trametinib",
        "entrectinib larotrectinib amivantamab anlotinib palbociclib olaparib capecitabine",
        "carboplatin cisplatin oxaliplatin",
    )
)


def _prior_terms() -> list[tuple[str, str, str]]:
    terms = list(_PRIOR_CLASSES)
    terms.append(
        (
            r"platinum(?:[- ]based)?(?:\s+(?:doublet\s+)?chemotherapy)?",
            "prior_platinum_chemotherapy",
            "Prior platinum-based chemotherapy",
        )
    )
    for drug in _DRUGS:
        terms.append((rf"\b{drug}\b", f"prior_{drug}", f"Prior {drug}"))
    return terms


_PRIOR_TERMS = _prior_terms()
_TERM_ALT = "|".join(f"(?:{p})" for p, _, _ in _PRIOR_TERMS)
_PRIOR = _rx(
    r"(?P<neg>\b(?:no|not|without)\s+(?:any\s+)?)?"
    r"(?:(?:prior|previous|previously)\s+(?:(?:treatment|therapy|exposure|use)\s+(?:with|to)\s+"
    r"|treated\s+with\s+|received\s+)?(?:an?\s+|any\s+)?"
    r"|(?:has\s+|have\s+)?(?:previously\s+)?(?:received|been\s+treated\s+with)\s+"
    r"(?:prior\s+)?(?:an?\s+|any\s+)?)"
    rf"(?P<terms>(?:{_TERM_ALT})(?:\s*(?:,|or|and|and/or|/)\s*(?:an?\s+)?(?:{_TERM_ALT}))*)"
    r"(?:\s+(?:therapy|treatment|agents?|drugs?))?",
    re.I,
)


def _prior_hits(text: str, section: Section) -> list[_Hit]:
    from oncotrial.domain.protocol.variables import BUILTIN_BY_ID

    hits: list[_Hit] = []
    for m in _PRIOR.finditer(text):
        positioned: list[tuple[int, str, str]] = []
        rest = m.group("terms")
        for pattern, field_id, label in _PRIOR_TERMS:
            term = _search(pattern, rest, re.I)
            if term is not None:
                positioned.append((term.start(), field_id, label))
                rest = rest[: term.start()] + " " * (term.end() - term.start()) + rest[term.end() :]
                rest = _sub(pattern, " ", rest, flags=re.I)
        found = [(field_id, label) for _, field_id, label in sorted(positioned)]
        if not found or _content_words(rest):
            continue
        negated = bool(m.group("neg"))
        if section == "exclusion":
            if negated:
                raise _Unsure("negated prior treatment in an exclusion")
            conditions = [_cond(f, "==", True) for f, _ in found]
            rule = conditions[0] if len(conditions) == 1 else {"any": conditions}
        else:
            value = not negated
            conditions = [_cond(f, "==", value) for f, _ in found]
            if len(conditions) == 1:
                rule = conditions[0]
            else:
                rule = {"all": conditions} if negated else {"any": conditions}
        variables = tuple(
            ScreeningVariable(id=f, label=label, type="boolean")
            for f, label in found
            if f not in BUILTIN_BY_ID
        )
        hits.append(_Hit(m.start(), m.end(), rule, "prior_treatment", variables=variables))
    return hits


# --------------------------------------------------------------------------- residue

_FILLER = frozenset(
    _words(
        "a an the of with and or to in for at by as on be is are was were must should will",
        "shall have has having had patients patient subjects subject participants participant",
        "who that which serum total count counts level levels value values defined known",
        "documented laboratory lab blood absolute adequate organ bone marrow function",
        "hematologic haematologic hematological haematological liver hepatic renal kidney",
        "institutional upper limit limits normal uln evidence screening baseline time study",
        "entry enrollment enrolment randomization randomisation registration first dose start",
        "treatment therapy trial following criteria required requirement performance status",
        "score ps ecog scale eastern cooperative oncology group world health organization",
        "organisation karnofsky kps measurable disease lesion lesions according per recist",
        "response evaluation solid tumors tumours tumor tumour version v mm3 l ul dl g x",
        "times than equal greater less least within prior before last current currently women",
        "woman female females men male years year old age aged expectancy life months weeks",
        "days estimated expected survival sgot sgpt ast alt anc plt hb hgb clinically",
        "confirmed e.g i.e also both either all any one applicable range reference if present",
        "presence absence demonstrable note cns brain metastases metastasis central nervous",
        "system parenchymal leptomeningeal history below above listed determined sufficient",
        "functions organs received receive receiving cockcroft cockroft-gault cockcroft-gault",
        "gault formula calculated measured estimated inclusive",
    )
)
# Words above are read as not changing what the recognised pattern says. "history" is
# filler only for brain metastases and prior treatment, where it means the same.


def _content_words(text: str) -> list[str]:
    words = _findall(r"[a-zA-Z][a-zA-Z'-]*", text.lower())
    return [w for w in words if w not in _FILLER and len(w) > 1]


_HEDGES = _rx(
    r"\b(?:unless|except|exception|excluding|other\s+than|gilbert'?s?|if\s+(?!present)|"
    r"or\s+equivalent|investigator'?s?\s+(?:opinion|discretion|judg[e]?ment)|"
    r"at\s+the\s+discretion|may\s+be|can\s+be|allowed|permitted|eligible|acceptable|"
    r"should|recommended|without\s+transfusion|transfusion|growth\s+factor)\b",
    re.I,
)


Finder = Callable[[str, Section], list[_Hit]]


def _finders() -> list[tuple[re.Pattern[str], Finder]]:
    """Each pattern family with a cheap keyword test that must pass before it runs."""
    return [
        (_rx(r"\bage|years?\s+(?:old|of\s+age)|\byrs?\b", re.I), lambda t, s: _age_hits(t)),
        (
            _rx(r"ecog|eastern|zubrod|\bwho\b|world|karnofsky|\bkps\b", re.I),
            lambda t, s: _performance_hits(t),
        ),
        (_rx(r"expectancy|survival", re.I), lambda t, s: _life_expectancy_hits(t)),
        (_rx(r"measurable", re.I), lambda t, s: _measurable_hits(t)),
        (
            _rx(
                r"neutro|\banc\b|\bagc\b|granulo|platelet|\bplt\b|thrombo|emoglobin|\bhg?b\b"
                r"|bilirubin|\bt?bil\b|creatinine|crcl|clcr|\bast\b|\balt\b|sgot|sgpt|transaminase"
                r"|aminotransferase",
                re.I,
            ),
            lambda t, s: _lab_hits(t),
        ),
        (_rx(r"metasta|\bmets\b|involvement", re.I), _brain_hits),
        (_rx(r"pregnan|breast|lactat|nursing", re.I), _pregnancy_hits),
        (_rx(r"within|during|\bin\s+the|since|after|\bfrom\b", re.I), _washout_hits),
        (_rx(r"prior|previous|received|treated", re.I), _prior_hits),
    ]


_FINDERS = _finders()


def extract_rule(text: str, section: Section) -> Extraction:
    """The rule for one criterion, or none with a note saying why."""
    hits: list[_Hit] = []
    kinds: list[str] = []
    try:
        for keywords, finder in _FINDERS:
            if keywords.search(text):
                hits += finder(text, section)
    except _Unsure as exc:
        kinds = sorted({h.kind for h in hits})
        return Extraction(None, f"left to the investigator: {exc}", recognised=tuple(kinds))
    if not hits:
        return Extraction(None)
    hits = _without_overlaps(hits)
    kinds = [h.kind for h in hits]
    spans = sorted([(h.start, h.end) for h in hits] + [s for h in hits for s in h.extra_spans])
    residue = _residue(text, spans)
    hedge = _HEDGES.search(residue)
    leftover = _content_words(residue)
    if hedge is not None or leftover:
        why = f"'{hedge.group(0)}'" if hedge is not None else ", ".join(leftover[:6])
        return Extraction(
            None,
            f"recognised {', '.join(dict.fromkeys(kinds))} but the text says more ({why}); "
            "left to the investigator",
            recognised=tuple(kinds),
        )
    rule = _combine(text, hits)
    if rule is None:
        return Extraction(
            None,
            "several requirements joined in a way that could not be read; left to the investigator",
            recognised=tuple(kinds),
        )
    variables: dict[str, ScreeningVariable] = {}
    for h in hits:
        for v in h.variables:
            variables[v.id] = v
    notes = [h.note for h in hits if h.note]
    return Extraction(
        rule,
        "; ".join(dict.fromkeys(notes)) or None,
        tuple(variables.values()),
        tuple(kinds),
    )


def _without_overlaps(hits: list[_Hit]) -> list[_Hit]:
    hits = sorted(hits, key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[_Hit] = []
    for hit in hits:
        if kept and hit.start < kept[-1].end:
            if hit.end - hit.start > kept[-1].end - kept[-1].start:
                kept[-1] = hit
            continue
        kept.append(hit)
    return kept


def _residue(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    position = 0
    for start, end in spans:
        if start > position:
            out.append(text[position:start])
        position = max(position, end)
    out.append(text[position:])
    return " ".join(out)


def _combine(text: str, hits: list[_Hit]) -> RuleDict | None:
    unique: list[_Hit] = []
    for hit in hits:
        if not any(u.rule == hit.rule for u in unique):
            unique.append(hit)
    hits = unique
    if len(hits) == 1:
        return hits[0].rule
    joins = [text[a.end : b.start] for a, b in itertools.pairwise(hits)]
    ors = [bool(_search(r"\bor\b", j, re.I)) for j in joins]
    rules = [h.rule for h in hits]
    if all(ors):
        return {"any": rules}
    if not any(ors):
        return {"all": rules}
    return None
