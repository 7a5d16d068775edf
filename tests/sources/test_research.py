"""The RNSR and i-Lab connectors on the real exports (counts, idempotence, dry run, links) and on
bad files made from them in tmp dirs (layout, encoding, check digits, missing ids, personal data)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bioatlas.atlas.models import Actor, ActorChange, Identifier, Relation, ResearchFact, Site
from bioatlas.core.errors import FileError
from bioatlas.sources.ilab_load import import_ilab
from bioatlas.sources.rnsr_load import import_rnsr

RNSR = "rnsr/fr-esr-structures-recherche-publiques-actives.csv"
ILAB = "ilab/fr-esr-laureats-concours-national-i-lab.csv"


def _count(db, model, *where):
    with db() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _kinds(db):
    with db() as s:
        return dict(s.execute(select(Actor.kind, func.count()).group_by(Actor.kind)).all())


def _head(shared, name, n=None):
    """The header and the first n rows (lists of cells) of a real export."""
    text = (shared / "data" / name).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    return rows[: None if n is None else n + 1]


def _sub(row, old, new):
    return [cell.replace(old, new) for cell in row]


def _write(tmp_path, name, rows, *, encoding="utf-8", bom=False):
    """A copy in the official layout (`;`, CRLF, quoted where needed) of the given rows."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode(encoding) + out.getvalue().encode(encoding))
    return path


def test_full_files_counts_idempotent_and_dry_run(db, shared):
    rnsr_file, ilab_file = shared / "data" / RNSR, shared / "data" / ILAB
    dry = import_rnsr(db, rnsr_file, dry_run=True)
    assert not dry.committed and _count(db, Actor) == 0  # a dry run writes nothing
    report = import_rnsr(db, rnsr_file)
    assert report.committed and report.read == 4506 and report.rejected == 0
    assert report.created == dry.created == 4506  # the dry run's counts are the real ones
    assert report.structures_by_kind == {"research_unit": 4498, "company": 3, "foundation": 5}
    assert sum(report.supervisors.values()) == _count(db, Identifier, Identifier.scheme == "siret")
    kinds = _kinds(db)
    assert kinds["research_unit"] == 4498 and kinds["university"] > 50
    assert sum(kinds.values()) == 4506 + sum(report.supervisors.values())
    assert report.missing_parents > 0 and any("numero_de_structure_parent" in w for w in report.warnings)
    assert _count(db, Relation, Relation.relation == "supervised_by") > 4000
    assert _count(db, Relation, Relation.relation == "part_of") > 1000
    # LS9 (biotechnology) structures carry their ERC panel as a fact with its source
    assert _count(db, ResearchFact, ResearchFact.kind == "erc_panel", ResearchFact.code == "LS9") >= 109
    assert _count(db, ResearchFact, ResearchFact.kind == "rnsr_domain", ResearchFact.code == "5") >= 1123
    assert report.located > 3800  # the rest: abroad, no address, CEDEX of no single commune (warned)

    again = import_rnsr(db, rnsr_file)
    assert again.unchanged == 4506 and again.created == again.updated == 0 and again.relations == 0
    assert set(again.supervisors) == {"unchanged"}

    changes = _count(db, ActorChange)
    dry_ilab = import_ilab(db, ilab_file, dry_run=True)
    assert not dry_ilab.committed and _kinds(db).get("startup") is None and _count(db, ActorChange) == changes
    first = import_ilab(db, ilab_file)
    assert first.read == 3923 and first.rejected == 5 and first.without_siren == 3923 - 5 - 2983
    assert first.created == first.startups == 2407 == dry_ilab.created == _kinds(db)["startup"]
    assert {e.column for e in first.errors} == {"N° SIREN"} and all(e.line and e.file for e in first.errors)
    assert first.units_linked > 400 and _count(db, Relation, Relation.relation == "spun_out_of") == first.units_linked
    second = import_ilab(db, ilab_file)
    assert second.unchanged == 2407 and second.created == second.updated == 0


def test_ilab_same_company_several_years_is_one_actor(db, shared, tmp_path):
    header, *rows = _head(shared, ILAB)
    col, year_col = header.index("N° SIREN"), header.index("Année de concours")
    years: dict[str, set[str]] = {}
    for row in rows:
        if row[col]:
            years.setdefault(row[col], set()).add(row[year_col])
    siren = next(s for s in sorted(years) if len(years[s]) >= 2)  # a laureate of several years
    mine = [row for row in rows if row[col] == siren]
    report = import_ilab(db, _write(tmp_path, "ilab.csv", [header, *mine], bom=True))
    assert report.read == len(mine) and report.created == 1 and report.startups == 1
    with db() as s:
        actor_ids = s.scalars(select(Identifier.actor_id).where(Identifier.scheme == "siren",
                                                                 Identifier.value == siren)).all()
        assert len(actor_ids) == 1
        kept = set(s.scalars(select(ResearchFact.code).where(ResearchFact.kind == "ilab_year",
                                                            ResearchFact.actor_id == actor_ids[0])))
        assert kept == years[siren]


def test_ilab_without_rnsr_warns_and_links_nothing(db, shared, tmp_path):
    report = import_ilab(db, shared / "data" / ILAB, dry_run=True)
    assert report.units_missing > 400 and report.units_linked == 0
    assert any("import RNSR first" in w for w in report.warnings)


def test_bad_luhn_and_missing_ids_are_named(db, shared, tmp_path):
    header, *rows = _head(shared, RNSR, 5)
    no_id = ["", *rows[1][1:]]
    bad_id = ["12345", *rows[1][1:]]
    path = _write(tmp_path, "rnsr.csv", [header, rows[0], no_id, bad_id, rows[2]])
    report = import_rnsr(db, path)
    assert report.created == 2 and report.rejected == 2
    assert [(e.line, e.column) for e in report.errors] == [(3, "numero_national_de_structure")] * 1 + [
        (4, "numero_national_de_structure")]
    assert all(e.file == "rnsr.csv" for e in report.errors)

    # a supervising body's SIRET with a wrong check digit: the body is not linked, the row warns
    good = "19440100600011"
    assert good in rows[0][header.index("siret_des_tutelles")]
    path = _write(tmp_path, "rnsr2.csv", [header, _sub(rows[0], good, "19440100600012")])
    report = import_rnsr(db, path)
    assert any("siret_des_tutelles" in w and "19440100600012" in w for w in report.warnings)
    assert _count(db, Identifier, Identifier.value == "19440100600012") == 0

    iheader, *irows = _head(shared, ILAB, 3)
    row = irows[0]  # SIREN 423388446
    assert "423388446" in row
    path = _write(tmp_path, "ilab.csv", [iheader, _sub(row, "423388446", "423388447")], bom=True)
    report = import_ilab(db, path)
    assert report.rejected == 1 and report.errors[0].column == "N° SIREN" and report.errors[0].line == 2
    assert report.errors[0].value == "423388447" and _kinds(db).get("startup") is None


def test_wrong_layout_and_encoding_are_file_errors(db, shared, tmp_path):
    header, *rows = _head(shared, RNSR, 2)
    cut = [h for h in header if h != "siret_des_tutelles"]
    path = _write(tmp_path, "rnsr.csv", [cut, *rows])
    with pytest.raises(FileError) as exc:
        import_rnsr(db, path)
    assert "rnsr.csv" in str(exc.value) and "siret_des_tutelles" in str(exc.value)
    latin = _write(tmp_path, "latin.csv", [header, *rows], encoding="latin-1")
    with pytest.raises(FileError, match="not UTF-8"):
        import_rnsr(db, latin)
    ih, *ir = _head(shared, ILAB, 2)
    with pytest.raises(FileError, match="N° SIREN"):
        import_ilab(db, _write(tmp_path, "ilab.csv", [_sub(ih, "N° SIREN", "SIREN"), *ir]))
    with pytest.raises(FileError, match="not UTF-8"):
        import_ilab(db, _write(tmp_path, "ilab-latin.csv", [ih, *ir], encoding="latin-1"))
    assert _count(db, Actor) == 0


def test_personal_columns_filled_are_ignored(db, shared, tmp_path):
    header, row = _head(shared, RNSR, 1)
    cols, cells = header, list(row)
    assert cells[cols.index("nom_du_responsable")] == ""
    for col, value in (("nom_du_responsable", "Zzpersonne"), ("prenom_du_responsable", "Yyprenom"),
                       ("titre_du_responsable", "Directeur Xxtitre")):
        cells[cols.index(col)] = value
    path = _write(tmp_path, "rnsr.csv", [header, cells])
    assert import_rnsr(db, path).created == 1

    iheader, irow = _head(shared, ILAB, 1)
    icols, icells = iheader, list(irow)
    for col, value in (("Nom du lauréat", "Zzpersonne"), ("Prénom du candidat", "Yyprenom"),
                       ("Email", "yy.zz@example.org"), ("Idref", "123456789"), ("Genre", "F")):
        icells[icols.index(col)] = value
    path = _write(tmp_path, "ilab.csv", [iheader, icells], bom=True)
    assert import_ilab(db, path).created == 1
    with db() as s:
        texts = json.dumps([
            [a.name, a.description_fr] for a in s.scalars(select(Actor))
        ] + s.execute(select(ResearchFact.code, ResearchFact.label)).all().__repr__().split()
          + [n for (n,) in s.execute(select(Identifier.value))]
          + [str(c.new_value) for c in s.scalars(select(ActorChange))], ensure_ascii=False)
    for personal in ("Zzpersonne", "Yyprenom", "Xxtitre", "yy.zz@example.org", "123456789"):
        assert personal not in texts


def test_cli_import_rnsr_dry_run_json(db, database_url, shared, tmp_path, monkeypatch):
    from bioatlas.cli import app

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    header, *rows = _head(shared, RNSR, 3)
    path = _write(tmp_path, "rnsr.csv", [header, *rows])
    result = CliRunner().invoke(app, ["import", "rnsr", str(path), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["created"] == 3 and body["dry_run"] and not body["committed"]
    assert _count(db, Actor) == 0
    bad = _write(tmp_path, "bad.csv", ["a;b", "1;2"])
    result = CliRunner().invoke(app, ["import", "ilab", str(bad)])
    assert result.exit_code == 2 and "bad.csv" in result.output and "nothing was written" in result.output


def test_site_located_through_gazetteer(db, shared, tmp_path):
    header, *rows = _head(shared, RNSR, 3)
    report = import_rnsr(db, _write(tmp_path, "rnsr.csv", [header, *rows]))
    assert report.located == 3  # incl. "44322 NANTES CEDEX 3": Nantes, the only one in département 44
    with db() as s:
        site = s.scalars(select(Site).join(Actor).where(Actor.name.like("FEDERATION DE RECHERCHE MATH%"))).one()
        assert site.commune_insee == "44109" and site.address == "2 rue de la Houssinière" and site.latitude
        assert site.precision == "commune"  # the street address is kept, the point is the commune's
    cells = list(rows[0])
    cells[header.index("code_postal")] = "00000"
    report = import_rnsr(db, _write(tmp_path, "rnsr2.csv", [header, cells]))
    assert report.located == 0 and any("code_postal" in w and "00000" in w for w in report.warnings)


def test_places_cedex_and_unknown_are_never_guessed():
    from bioatlas.atlas.service import GeocodeError, gazetteer
    from bioatlas.sources.places import locate

    geo = gazetteer()
    assert locate(geo, postcode="75252", commune="PARIS CEDEX 05").name == "Paris 05"
    assert locate(geo, postcode="44322", commune="NANTES CEDEX 3").insee == "44109"
    with pytest.raises(GeocodeError):
        locate(geo, postcode="13397", commune="MARSEILLE CEDEX 20")  # no 20th arrondissement
    with pytest.raises(GeocodeError, match="75231"):
        locate(geo, postcode="75231", commune="Paris Cedex")  # which arrondissement: not said
    with pytest.raises(GeocodeError, match="Tokyo"):
        locate(geo, postcode="15000", commune="Tokyo")


def test_contacts_in_ilab_texts_are_never_imported(shared):
    """The real export has e-mail addresses and phone numbers in a few summaries and mottos: the
    parser drops them (personal data), and keeps the rest of the text."""
    import re

    from bioatlas.core.text import redact_contacts
    from bioatlas.sources.ilab import Laureate, read

    email = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
    raw = (shared / "data" / "ilab" / "fr-esr-laureats-concours-national-i-lab.csv").read_text(encoding="utf-8-sig")
    assert len(email.findall(raw)) >= 4  # the file does hold some (so this test can fail)
    laureates = [r for r in read(shared / "data" / "ilab" / "fr-esr-laureats-concours-national-i-lab.csv")
                 if isinstance(r, Laureate)]
    texts = [t for r in laureates for t in (r.summary, r.title) if t]
    assert texts and not [t for t in texts if email.search(t)]
    assert redact_contacts("Contact : jean.dupont@exemple.fr ou 01 23 45 67 89, projet AAV.") == \
        "Contact : […] ou […], projet AAV."
