"""The bioproduction rule files: shipped data is valid and matches ROME v4.60; bad rules fail clearly."""

from __future__ import annotations

import pytest

from bioatlas.occupations.bioproduction import RulesError, load_rules
from bioatlas.sources import rome


def test_shipped_rules_are_valid_and_match_the_rome_file(rome_files):
    rules = load_rules()
    assert len(rules.occupations) >= 20 and len(rules.keywords) >= 10
    assert all(r.reason for r in rules.occupations.values()) and all(k.reason for k in rules.keywords)
    labels = {r.code: r.label for r in rome.read_occupations(rome_files.occupations).rows}
    assert rules.check_against(labels) == []  # every listed code exists, under the label written in the list


@pytest.mark.parametrize(
    "label, short, occupation, expected",
    [
        ("Biotechnologue", "Biotechnologue", "K2402", ("keyword", "biotechnology")),
        ("Préparateur / Préparatrice d'injectables en industrie pharmaceutique", None, "H2303", ("keyword", "pharmaceutical")),
        ("Technicien / Technicienne de laboratoire de contrôle", None, "H1510", ("occupation", "H1510")),
        ("Opérateur / Opératrice en culture cellulaire", None, "A1101", ("keyword", "cell culture")),
        ("Technicien / Technicienne BPF", None, "A1101", ("keyword", "good manufacturing practice")),
        ("Délégué / Déléguée pharmaceutique", None, "D1413", None),
        ("Médecin immunologue", None, "J1102", None),
        ("Opérateur / Opératrice en salle blanche en production électronique", None, "H2603", None),
        ("Responsable qualité en industrie", None, "H1502", None),  # listed occupation, titles=matching
    ],
)
def test_title_flags(label, short, occupation, expected):
    flag = load_rules().title_flag(label, short, occupation)
    if expected is None:
        assert not flag.bioproduction and flag.reason is None
    else:
        assert flag.bioproduction and flag.basis == expected[0] and expected[1] in flag.reason


def _write(tmp_path, occupations: str, keywords: str = "pattern,exclude,reason\n"):
    occ, kw = tmp_path / "occ.csv", tmp_path / "kw.csv"
    occ.write_text(occupations, encoding="utf-8")
    kw.write_text(keywords, encoding="utf-8")
    return occ, kw


@pytest.mark.parametrize(
    "occupations, keywords, message",
    [
        ("code,label,titles,reason\nH99,,all,x\n", None, "line 2: 'H99' is not a ROME code"),
        ("code,label,titles,reason\nH2302,,some,x\n", None, "titles must be `all` or `matching`"),
        ("code,label,titles,reason\nH2302,,all,x\nh2302,,all,y\n", None, "line 3: H2302 is listed twice"),
        ("code,label,titles,reason\nH2302,,all,\n", None, "has no reason"),
        ("code,label,reason\nH2302,,x\n", None, "missing column(s) titles"),
        ("code,label,titles,reason\nH2302,,all,a, b\n", None, "more fields than columns"),
        ("code,label,titles,reason\n", "pattern,exclude,reason\nbio(,,x\n", "bad regular expression"),
        ("code,label,titles,reason\n", "pattern,exclude,reason\nbio,,\n", "pattern and reason are required"),
    ],
)
def test_bad_rules_name_file_and_line(tmp_path, occupations, keywords, message):
    occ, kw = _write(tmp_path, occupations, keywords or "pattern,exclude,reason\n")
    with pytest.raises(RulesError) as exc:
        load_rules(occ, kw)
    assert message in str(exc.value) and str(tmp_path) in str(exc.value)


def test_check_against_warns_on_unknown_code_and_other_label(tmp_path):
    occ, kw = _write(tmp_path, "code,label,titles,reason\nH2302,Autre chose,all,x\nN9999,,all,y\n")
    warnings = load_rules(occ, kw).check_against({"H2302": "Conducteur"})
    assert len(warnings) == 2
    assert "N9999 is not in the ROME occupations file" in warnings[1] and "'Autre chose'" in warnings[0]
