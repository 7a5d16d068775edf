"""Biologic classification: the rule file, and real rows of both EMA lists."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from bioatlas.products import classify as cl
from bioatlas.products.classify import Classification, classify

from .conftest import row_of


def verdict(row) -> Classification:
    return classify(advanced_therapy=row.advanced_therapy, biosimilar=row.biosimilar, atc_code=row.atc_code,
                    inn=row.inn, active_substance=row.active_substance)


# -- the rule file ---------------------------------------------------------------------------
def test_rule_file_is_complete_and_ordered():
    rules = cl.load_rules()
    codes = [r.code for r in rules]
    assert len(codes) == len(set(codes))
    assert codes[:2] == ["atmp", "biosimilar"]
    assert all(r.description for r in rules)
    kinds = [r.kind for r in rules]
    # flags, then the non-biologic look-alikes, then ATC, INN stems, substance keywords
    assert kinds.index("atc") < kinds.index("inn", 4) < kinds.index("substance")
    assert {r.code for r in rules if not r.biologic} == {"inn:siran", "inn:rsen"}
    assert "none" not in codes and cl.describe("none").startswith("not matched")
    assert cl.describe("inn:mab").startswith("INN stem -mab")


def test_bad_rule_file_is_refused(tmp_path):
    path = tmp_path / "rules.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "kind", "pattern", "biologic", "except", "description"])
        w.writerow(["x", "colour", "-mab", "yes", "", "?"])
    with pytest.raises(cl.RuleError, match="line 2"):
        cl.load_rules(path)


# -- real rows, 29/01/2026 list --------------------------------------------------------------
@pytest.mark.parametrize(
    "name, rule, biologic",
    [
        ("Abseamed", "biosimilar", True),  # epoetin alfa biosimilar
        ("Hyrimoz", "biosimilar", True),  # adalimumab biosimilar
        ("Kymriah", "atmp", True),  # tisagenlecleucel, CAR-T
        ("Zolgensma", "atmp", True),  # onasemnogene abeparvovec, gene therapy
        ("Simponi", "atc:L04AB", True),  # golimumab, TNF inhibitor
        ("Keytruda", "atc:L01F", True),  # pembrolizumab
        ("Emgality", "inn:mab", True),  # galcanezumab, ATC N02: decided by the INN stem
        ("Lantus", "atc:A10A", True),  # insulin glargine
        ("Heplisav B", "atc:J07", True),  # hepatitis B vaccine
        ("Comirnaty", "atc:J07", True),  # mRNA vaccine
        ("Biktarvy", "none", False),  # bictegravir/emtricitabine/tenofovir: small molecules
        ("Glivec", "none", False),  # imatinib
        ("Pradaxa", "none", False),  # dabigatran: ends in -ran but is no oligonucleotide
        ("Evrenzo", "none", False),  # roxadustat, B03XA05: not all of B03XA is biologic
        ("Leqvio", "inn:siran", False),  # inclisiran: synthetic siRNA
        ("Eryseng", "substance:strain", True),  # veterinary vaccine without ATCvet code
        ("Hepizovac", "substance:vaccine", True),  # "disease" is no -ase enzyme
    ],
)
def test_real_rows_2026(report_2026, name, rule, biologic):
    assert verdict(row_of(report_2026, name)) == Classification(biologic, rule)


# -- real rows, 23/12/2018 list (no "Advanced therapy" column) --------------------------------
@pytest.mark.parametrize(
    "name, rule",
    [
        ("Kymriah", "inn:cel"),  # the ATMP flag is unknown: the -cel stem decides
        ("Glybera", "inn:gene"),
        ("Spherox", "atc:M09AX02"),
        ("Holoclar", "substance:cells"),
        ("Imrestor", "atc:L03AA"),  # veterinary, ATCvet QL03AA90 matches the human class L03AA
        ("Simponi", "atc:L04AB"),
    ],
)
def test_real_rows_2018(report_2018, name, rule):
    row = row_of(report_2018, name)
    assert row.advanced_therapy is None
    assert verdict(row) == Classification(True, rule)


def test_every_flagged_atmp_and_biosimilar_is_biologic(report_2026):
    atmps = [r for r in report_2026.rows if r.advanced_therapy]
    biosimilars = [r for r in report_2026.rows if r.biosimilar and not r.advanced_therapy]
    assert len(atmps) == 32 and len(biosimilars) == 181
    assert {verdict(r).rule for r in atmps} == {"atmp"}
    assert {verdict(r).rule for r in biosimilars} == {"biosimilar"}


def test_counts_on_the_real_lists(report_2026, report_2018):
    """Figures quoted in docs/sources-ema.md."""
    def count(report):
        return Counter((r.category, verdict(r).is_biologic) for r in report.rows)

    assert count(report_2026) == {("human", True): 727, ("human", False): 1544,
                                  ("veterinary", True): 189, ("veterinary", False): 190}
    assert count(report_2018) == {("human", True): 365, ("human", False): 969,
                                  ("veterinary", True): 115, ("veterinary", False): 113}


# -- rule mechanics (codes, not records) ---------------------------------------------------------
def test_rule_mechanics():
    assert classify(atc_code="QI07AA01").rule == "atc:QI"
    assert classify(atc_code="L01XC02").rule == "atc:L01XC"
    assert classify(atc_code="B03XA05").rule == "none"
    assert classify(inn="mab").rule == "none"  # a stem alone is no word ending
    assert classify(inn=None, active_substance="thrombin alfa").rule == "inn:alfa"  # INN empty: the substance
    assert classify(biosimilar=True, advanced_therapy=True).rule == "atmp"  # order decides
    assert classify(biosimilar=None, advanced_therapy=None, inn="").rule == "none"
