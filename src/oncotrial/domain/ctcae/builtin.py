"""A compact built-in catalogue of common oncology adverse event terms (CTCAE v5.0).

Each entry is the CTCAE term, its MedDRA system organ class, its MedDRA code and the
grades the term allows. It holds no grade descriptions: those come only from an
imported NCI workbook (`oncotrial ctcae import`). It is used when no workbook of the
protocol's CTCAE version has been imported.
"""

from __future__ import annotations

from oncotrial.domain.ctcae.terms import Catalogue, Term

BUILTIN_VERSION = "5.0"

_BLOOD = "Blood and lymphatic system disorders"
_CARDIAC = "Cardiac disorders"
_ENDOCRINE = "Endocrine disorders"
_GI = "Gastrointestinal disorders"
_GENERAL = "General disorders and administration site conditions"
_INFECTIONS = "Infections and infestations"
_INJURY = "Injury, poisoning and procedural complications"
_INVESTIGATIONS = "Investigations"
_METABOLISM = "Metabolism and nutrition disorders"
_MUSCULOSKELETAL = "Musculoskeletal and connective tissue disorders"
_NERVOUS = "Nervous system disorders"
_PSYCHIATRIC = "Psychiatric disorders"
_RENAL = "Renal and urinary disorders"
_RESPIRATORY = "Respiratory, thoracic and mediastinal disorders"
_SKIN = "Skin and subcutaneous tissue disorders"
_VASCULAR = "Vascular disorders"

# term, SOC, MedDRA code, lowest and highest grade allowed (every grade between them)
_ENTRIES: list[tuple[str, str, str, int, int]] = [
    ("Anemia", _BLOOD, "10002272", 1, 5),
    ("Febrile neutropenia", _BLOOD, "10016288", 3, 5),
    ("Myocarditis", _CARDIAC, "10028606", 2, 5),
    ("Adrenal insufficiency", _ENDOCRINE, "10001367", 1, 5),
    ("Hyperthyroidism", _ENDOCRINE, "10020850", 1, 5),
    ("Hypothyroidism", _ENDOCRINE, "10021114", 1, 5),
    ("Abdominal pain", _GI, "10000081", 1, 3),
    ("Colitis", _GI, "10009887", 1, 5),
    ("Constipation", _GI, "10010774", 1, 5),
    ("Diarrhea", _GI, "10012727", 1, 5),
    ("Mucositis oral", _GI, "10028130", 1, 5),
    ("Nausea", _GI, "10028813", 1, 3),
    ("Vomiting", _GI, "10047700", 1, 5),
    ("Death NOS", _GENERAL, "10011914", 5, 5),
    ("Edema limbs", _GENERAL, "10050068", 1, 3),
    ("Fatigue", _GENERAL, "10016256", 1, 3),
    ("Fever", _GENERAL, "10016558", 1, 5),
    ("Lung infection", _INFECTIONS, "10061229", 2, 5),
    ("Sepsis", _INFECTIONS, "10040047", 3, 5),
    ("Infusion related reaction", _INJURY, "10051792", 1, 5),
    ("Alanine aminotransferase increased", _INVESTIGATIONS, "10001551", 1, 4),
    ("Aspartate aminotransferase increased", _INVESTIGATIONS, "10003481", 1, 4),
    ("Blood bilirubin increased", _INVESTIGATIONS, "10005364", 1, 4),
    ("Creatinine increased", _INVESTIGATIONS, "10011368", 1, 4),
    ("Lymphocyte count decreased", _INVESTIGATIONS, "10025256", 1, 4),
    ("Neutrophil count decreased", _INVESTIGATIONS, "10029366", 1, 4),
    ("Platelet count decreased", _INVESTIGATIONS, "10035528", 1, 4),
    ("Weight loss", _INVESTIGATIONS, "10047900", 1, 3),
    ("White blood cell decreased", _INVESTIGATIONS, "10049182", 1, 4),
    ("Anorexia", _METABOLISM, "10002646", 1, 5),
    ("Hyperglycemia", _METABOLISM, "10020639", 1, 5),
    ("Hypertriglyceridemia", _METABOLISM, "10020870", 1, 5),
    ("Hypoalbuminemia", _METABOLISM, "10020943", 1, 5),
    ("Hypokalemia", _METABOLISM, "10021018", 1, 5),
    ("Hyponatremia", _METABOLISM, "10021038", 1, 5),
    ("Arthralgia", _MUSCULOSKELETAL, "10003239", 1, 3),
    ("Myalgia", _MUSCULOSKELETAL, "10028411", 1, 3),
    ("Dysgeusia", _NERVOUS, "10013911", 1, 2),
    ("Headache", _NERVOUS, "10019211", 1, 3),
    ("Peripheral sensory neuropathy", _NERVOUS, "10034620", 1, 4),
    ("Insomnia", _PSYCHIATRIC, "10022437", 1, 3),
    ("Acute kidney injury", _RENAL, "10069339", 3, 5),
    ("Proteinuria", _RENAL, "10037032", 1, 3),
    ("Cough", _RESPIRATORY, "10011224", 1, 3),
    ("Dyspnea", _RESPIRATORY, "10013963", 1, 5),
    ("Epistaxis", _RESPIRATORY, "10015090", 1, 5),
    ("Pneumonitis", _RESPIRATORY, "10035742", 1, 5),
    ("Alopecia", _SKIN, "10001760", 1, 2),
    ("Dry skin", _SKIN, "10013786", 1, 3),
    ("Palmar-plantar erythrodysesthesia syndrome", _SKIN, "10054524", 1, 3),
    ("Pruritus", _SKIN, "10037087", 1, 3),
    ("Rash maculo-papular", _SKIN, "10037868", 1, 3),
    ("Hypertension", _VASCULAR, "10020772", 1, 5),
    ("Thromboembolic event", _VASCULAR, "10043565", 1, 5),
]

BUILTIN_TERMS: tuple[Term, ...] = tuple(
    Term(term=name, soc=soc, meddra_code=code, grades=tuple(range(low, high + 1)))
    for name, soc, code, low, high in _ENTRIES
)


def builtin_catalogue(version: str = BUILTIN_VERSION) -> Catalogue:
    """The built-in terms, labelled with `version` (the protocol's, when no workbook of
    that version is imported)."""
    return Catalogue(version, BUILTIN_TERMS, source="built-in")
