"""Loading the real ROME v4.60 files (idempotent, all or nothing) and querying occupations and titles."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from bioatlas.atlas.models import Source
from bioatlas.occupations import service
from bioatlas.occupations.bioproduction import load_rules
from bioatlas.occupations.models import JobTitle, Occupation
from bioatlas.sources import rome
from bioatlas.sources.rome import RomeFileError

OCCUPATIONS = 1584
TITLES = 13120


def _summary(factory) -> dict:
    with factory() as s:
        return service.summary(s) | {"sources": s.scalar(select(func.count()).select_from(Source))}


def _copy(rome_files, tmp_path):
    occ = tmp_path / rome_files.occupations.name
    titles = tmp_path / rome_files.titles.name
    shutil.copy(rome_files.occupations, occ)
    shutil.copy(rome_files.titles, titles)
    return occ, titles


def _expected_bioproduction(rome_files) -> tuple[int, int]:
    """The subset the shipped rule files select, computed from the parsed files without the database."""
    rules = load_rules()
    occ = rome.read_occupations(rome_files.occupations)
    titles = rome.read_titles(rome_files.titles)
    n_occ = sum(rules.occupation_flag(r.code).bioproduction for r in occ.rows)
    n_titles = sum(rules.title_flag(r.label, r.short_label, r.occupation_code).bioproduction for r in titles.rows)
    return n_occ, n_titles


def test_load_twice_then_changed_labels(db, rome_files, tmp_path):
    first = service.load_rome(db, occupations_path=rome_files.occupations, titles_path=rome_files.titles)
    assert first.committed and first.ok and first.source == "rome:v460"
    assert (first.occupations.read, first.occupations.created) == (OCCUPATIONS, OCCUPATIONS)
    assert (first.titles.read, first.titles.created) == (TITLES, TITLES)
    n_occ, n_titles = _expected_bioproduction(rome_files)
    assert (first.occupations.bioproduction, first.titles.bioproduction) == (n_occ, n_titles)
    assert n_occ == len(load_rules().occupations)  # every listed code exists in v4.60
    assert first.warnings == []
    assert _summary(db) == {
        "occupations": OCCUPATIONS, "titles": TITLES, "bioproduction_occupations": n_occ,
        "bioproduction_titles": n_titles, "sources": 1,
    }

    second = service.load_rome(db, occupations_path=rome_files.occupations, titles_path=rome_files.titles)
    assert second.committed
    assert (second.occupations.created, second.occupations.updated, second.occupations.unchanged) == (0, 0, OCCUPATIONS)
    assert (second.titles.created, second.titles.updated, second.titles.unchanged) == (0, 0, TITLES)

    occ, titles = _copy(rome_files, tmp_path)
    occ.write_text(
        occ.read_text(encoding="utf-8").replace('"Technicien / Technicienne R&D"', '"Technicien / Technicienne de R&D"'),
        encoding="utf-8",
    )
    titles.write_text(
        titles.read_text(encoding="utf-8").replace('"Biotechnologue","Biotechnologue"', '"Biotechnologiste","Biotechnologue"'),
        encoding="utf-8",
    )
    third = service.load_rome(db, occupations_path=occ, titles_path=titles)
    assert (third.occupations.updated, third.occupations.unchanged) == (1, OCCUPATIONS - 1)
    assert (third.titles.updated, third.titles.unchanged) == (1, TITLES - 1)
    with db() as s:
        assert s.get(Occupation, "H1210").label == "Technicien / Technicienne de R&D"
        renamed = s.get(JobTitle, "11528")
        assert (renamed.label, renamed.label_key, renamed.bioproduction) == ("Biotechnologiste", "biotechnologiste", True)


def test_changed_rules_update_flags(db, rome_files, tmp_path):
    service.load_rome(db, occupations_path=rome_files.occupations, titles_path=rome_files.titles)
    occ_rules, kw_rules = tmp_path / "rome.csv", tmp_path / "keywords.csv"
    occ_rules.write_text("code,label,titles,reason\nA1413,,all,brewing is fermentation\n", encoding="utf-8")
    kw_rules.write_text("pattern,exclude,reason\nbiotechnolog,,biotechnology\n", encoding="utf-8")
    rules = load_rules(occ_rules, kw_rules)
    report = service.load_rome(db, occupations_path=rome_files.occupations, titles_path=rome_files.titles, rules=rules)
    assert report.occupations.bioproduction == 1
    with db() as s:
        brewer = s.get(Occupation, "A1413")
        assert brewer.bioproduction and brewer.bioproduction_reason == "brewing is fermentation"
        assert not s.get(Occupation, "H2302").bioproduction
        titles = s.scalars(select(JobTitle).where(JobTitle.bioproduction.is_(True))).all()
        by_basis = {t.bioproduction_basis for t in titles}
        assert by_basis == {"occupation", "keyword"}
        assert s.get(JobTitle, "11528").bioproduction_basis == "keyword"  # Biotechnologue
    assert report.titles.updated == report.titles.read - report.titles.unchanged


def test_dry_run_counts_and_writes_nothing(db, rome_files):
    report = service.load_rome(db, occupations_path=rome_files.occupations, titles_path=rome_files.titles, dry_run=True)
    assert not report.committed and report.occupations.created == OCCUPATIONS and report.titles.created == TITLES
    assert _summary(db) == {"occupations": 0, "titles": 0, "bioproduction_occupations": 0, "bioproduction_titles": 0,
                            "sources": 0}


@pytest.mark.parametrize("swap", [True, False])
def test_wrong_file_raises_and_writes_nothing(db, rome_files, shared, swap):
    if swap:  # the two files given in the wrong order
        args = (rome_files.titles, rome_files.occupations)
    else:  # a CSV of another kind (La Poste communes)
        args = (rome_files.occupations, shared / "data" / "geo" / "laposte_hexasmal.csv")
    with pytest.raises(RomeFileError) as exc:
        service.load_rome(db, occupations_path=args[0], titles_path=args[1])
    assert str(exc.value).startswith(str(args[0] if swap else args[1]))
    assert "missing column" in str(exc.value)
    assert _summary(db)["occupations"] == 0 and _summary(db)["sources"] == 0


def test_truncated_titles_file_rejects_and_writes_nothing(db, rome_files, tmp_path):
    occ, titles = _copy(rome_files, tmp_path)
    data = titles.read_bytes()
    cut = data.rindex(b'","', 0, len(data) // 2)  # ends after a complete field, half-way through
    titles.write_bytes(data[:cut + 1])
    report = service.load_rome(db, occupations_path=occ, titles_path=titles)
    assert not report.committed and report.titles.rejected == 1
    rejection = report.errors[0]
    assert rejection.file == titles.name and "fields, expected 13" in rejection.reason
    assert any("truncated" in w for w in report.warnings)
    assert _summary(db)["titles"] == 0 and _summary(db)["sources"] == 0

    kept = service.load_rome(db, occupations_path=occ, titles_path=titles, skip_invalid=True)
    assert kept.committed and kept.titles.created == kept.titles.read - 1
    assert _summary(db)["titles"] == kept.titles.created


def test_truncated_inside_a_quoted_field_is_a_file_error(db, rome_files, tmp_path):
    occ, titles = _copy(rome_files, tmp_path)
    data = occ.read_bytes()
    occ.write_bytes(data[: data.index(b'"Conducteur / Conductrice de proc') + 12])  # ends inside quotes
    with pytest.raises(RomeFileError) as exc:
        service.load_rome(db, occupations_path=occ, titles_path=titles)
    assert str(exc.value).startswith(f"{occ}, line ") and "truncated" in str(exc.value)
    assert _summary(db)["occupations"] == 0


def test_titles_of_unknown_occupations_are_rejected(db, rome_files, tmp_path):
    occ, titles = _copy(rome_files, tmp_path)
    lines = occ.read_text(encoding="utf-8").splitlines(keepends=True)
    occ.write_text("".join(line for line in lines if not line.startswith('"K2402"')), encoding="utf-8")
    report = service.load_rome(db, occupations_path=occ, titles_path=titles)
    assert not report.committed
    children = [r for r in rome.read_occupations(rome_files.occupations).rows if r.parent_code == "K2402" != r.code]
    assert report.occupations.rejected == len(children) == 8  # the occupations under the K2402 fiche lose their parent
    k2402_titles = sum(1 for r in rome.read_titles(rome_files.titles).rows if r.occupation_code == "K2402")
    assert report.titles.rejected >= k2402_titles
    assert any(r.value == "11528" and "K2402 is not in the occupations file" in r.reason for r in report.errors)
    assert _summary(db)["occupations"] == 0


class TestQueries:
    def test_known_occupation_and_titles(self, rome_db):
        with rome_db() as s:
            occupation = service.get_occupation(s, code="h2302")
            assert occupation.label == "Conducteur / Conductrice de procédé de fabrication en industrie pharmaceutique"
            assert (occupation.domain, occupation.subdomain, occupation.parent_code) == ("H", "H23", "H2301")
            assert occupation.bioproduction and "pharmaceutical" in occupation.bioproduction_reason
            assert occupation.source.key == "rome:v460" and occupation.source.licence.startswith("Licence Ouverte")
            assert len(occupation.titles) == 9
            main = [t for t in occupation.titles if t.main]
            assert [t.label for t in main] == [occupation.label]
            parent, children = service.related_occupations(s, occupation=occupation)
            assert parent.code == "H2301" and children == []
            fiche = service.get_occupation(s, code="H2301")
            assert [c.code for c in service.related_occupations(s, occupation=fiche)[1]] == ["H2302", "H2303", "H2304"]
            assert service.get_occupation(s, code="Z9999") is None

    def test_biotechnologue(self, rome_db):
        with rome_db() as s:
            title = s.get(JobTitle, "11528")
            assert (title.label, title.occupation_code) == ("Biotechnologue", "K2402")
            assert title.bioproduction and title.bioproduction_basis == "keyword"
            assert "biotechnology" in title.bioproduction_reason

    @pytest.mark.parametrize("q", ["biotechnologue", "BIOTECHNOLOGUE", "Biotéchnologue", " biotechnolo "])
    def test_search_is_accent_and_case_insensitive(self, rome_db, q):
        with rome_db() as s:
            total, items = service.list_occupations(s, q=q)
            assert "K2402" in [o.code for o in items]  # found through its job title
            total, titles = service.list_titles(s, q=q)
            assert "11528" in [t.code for t in titles]

    def test_search_words_and_codes(self, rome_db):
        with rome_db() as s:
            total, items = service.list_occupations(s, q="procédé pharmaceutique")
            assert "H2302" in [o.code for o in items]
            total, items = service.list_occupations(s, q="h23")
            assert [o.code for o in items] == ["H2301", "H2302", "H2303", "H2304"]
            total, items = service.list_occupations(s, q="Œnologue")
            assert [o.code for o in items] == ["A1423"]
            assert service.list_occupations(s, q="zzzz qqqq") == (0, [])
            total, titles = service.list_titles(s, q="technicien biotechnologie")
            assert {t.code for t in titles} == {"19727", "20042"}

    def test_paging_and_filters(self, rome_db):
        with rome_db() as s:
            total, first = service.list_occupations(s, limit=10)
            assert total == OCCUPATIONS and [o.code for o in first][:2] == ["A1101", "A1102"]
            _, second = service.list_occupations(s, limit=10, offset=10)
            assert not {o.code for o in first} & {o.code for o in second}
            total, items = service.list_occupations(s, domain="h", limit=200)
            assert 100 < total < OCCUPATIONS and all(o.domain == "H" for o in items)
            total, _ = service.list_titles(s, occupation="H2302")
            assert total == 9

    def test_bioproduction_subset(self, rome_db):
        with rome_db() as s:
            occupations, titles = service.bioproduction_subset(s)
            codes = {o.code for o in occupations}
            assert {"H2302", "H2303", "H1502", "H1206", "H1210", "K2402"} <= codes
            assert "A1101" not in codes and "D1413" not in codes
            total, _ = service.list_occupations(s, bioproduction=True)
            assert total == len(occupations) == len(load_rules().occupations)
            assert service.list_occupations(s, bioproduction=False)[0] == OCCUPATIONS - total
            flagged = {t.code for t in titles}
            assert {"11528", "17090", "405496", "19794"} <= flagged  # Biotechnologue, opérateur, conducteur, QC tech
            assert "13941" not in flagged  # Délégué pharmaceutique: sales, excluded by the keyword rule
            total, pharma = service.list_titles(s, q="pharmaceutique", bioproduction=True)
            assert total == len(pharma) and all(t.bioproduction for t in pharma)
            assert service.summary(s)["bioproduction_titles"] == len(titles)
