"""Importing the real EMA lists into products: idempotence, updates from a newer list, holders
resolved to actors, all-or-nothing, and the indicator queries."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bioatlas.atlas.models import Actor, Source
from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from bioatlas.products import mah, queries, service
from bioatlas.products.models import Product, ProductManufacturing
from bioatlas.products.service import import_ema
from bioatlas.sources import ema

from .conftest import write_xlsx

SANOFI, THERAVIA, MSD_FRANCE, NICOX = (
    "https://ror.org/02n6c9837", "https://ror.org/04megpp16", "https://ror.org/00kt5kp12", "https://ror.org/045vxn887",
)
CSL_FOUNDATION, IDEA_UNIT = "https://ror.org/04k6ep477", "https://ror.org/052k52s41"


def count(db, model=Product) -> int:
    with db() as s:
        return s.scalar(select(func.count()).select_from(model))


def product(db, number: str) -> Product:
    with db() as s:
        return s.scalar(select(Product).where(Product.product_number == number))


# -- import, idempotence, updates ---------------------------------------------------------------
def test_import_2026_then_again_changes_nothing(db, path_2026):
    first = import_ema(db, path=path_2026)
    assert first.committed and (first.created, first.updated, first.unchanged, first.older) == (2650, 0, 0, 0)
    assert first.categories == {"human": 2271, "veterinary": 379}
    assert first.atmps == 32 and first.biologics == 727 + 189
    assert count(db) == 2650
    second = import_ema(db, path=path_2026)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2650)
    assert second.changed_fields == {}
    with db() as s:
        sources = s.scalars(select(Source).where(Source.key.like("ema:%"))).all()
        assert [(x.key, x.kind, x.published) for x in sources] == [("ema:medicines:2026-01-29", "open_data", date(2026, 1, 29))]
        assert sources[0].licence == "EMA: reuse with acknowledgement"


def test_2018_list_then_2026_list_updates_what_changed(db, path_2018, path_2026):
    old = import_ema(db, path=path_2018)
    assert (old.created, old.atmps) == (1562, 0)  # no "Advanced therapy" column in 2018
    invirase = product(db, "EMEA/H/C/000113")
    assert (invirase.status, invirase.withdrawal_date, invirase.advanced_therapy) == ("authorised", None, None)
    new = import_ema(db, path=path_2026)
    assert (new.created, new.updated, new.unchanged) == (1088, 1562, 0)
    assert new.changed_fields["status"] == 185  # e.g. 138 authorised -> withdrawn
    assert new.changed_fields["advanced_therapy"] == 1562  # unknown -> stated
    invirase = product(db, "EMEA/H/C/000113")
    assert invirase.status == "withdrawn" and invirase.withdrawal_date == date(2023, 8, 16)
    assert (invirase.first_seen, invirase.last_seen) == (date(2018, 12, 23), date(2026, 1, 29))
    with db() as s:
        assert s.get(Source, invirase.source_id).key == "ema:medicines:2026-01-29"
        # 2018 products that the 2026 list flags as ATMPs
        flagged_old = s.scalar(select(func.count()).select_from(Product).where(
            Product.first_seen == date(2018, 12, 23), Product.advanced_therapy.is_(True)))
        assert flagged_old == 12
    again = import_ema(db, path=path_2026)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2650)


def test_older_list_never_overwrites_a_newer_one(db, load, report_2018, report_2026):
    load(report_2026)
    older = load(report_2018)
    assert (older.created, older.updated, older.unchanged, older.older) == (0, 0, 0, 1562)
    invirase = product(db, "EMEA/H/C/000113")
    assert invirase.status == "withdrawn" and invirase.advanced_therapy is False
    assert (invirase.first_seen, invirase.last_seen) == (date(2018, 12, 23), date(2026, 1, 29))


def test_products_carry_classification_and_provenance(db, load, report_2026):
    load(report_2026)
    simponi = product(db, "EMEA/H/C/000992")
    assert (simponi.name, simponi.inn, simponi.category) == ("Simponi", "golimumab", "human")
    assert (simponi.is_biologic, simponi.biologic_rule) == (True, "atc:L04AB")
    kymriah = product(db, "EMEA/H/C/004090")
    assert (kymriah.advanced_therapy, kymriah.biologic_rule) == (True, "atmp")
    assert "golimumab" in simponi.search_key and "emea h c 000992" in simponi.search_key


def test_dry_run_writes_nothing(db, path_2026):
    report = import_ema(db, path=path_2026, dry_run=True)
    assert report.created == 2650 and not report.committed
    assert count(db) == 0 and count(db, Source) == 0


# -- all or nothing -----------------------------------------------------------------------------
def test_bad_files_write_nothing(db, tmp_path, path_2026, rows_2026):
    truncated = tmp_path / "truncated-2026-01-29.xlsx"
    truncated.write_bytes(path_2026.read_bytes()[:100_000])
    as_csv = tmp_path / "medicines-2026-01-29.csv"
    as_csv.write_text("\n".join(",".join(str(c or "") for c in row[:5]) for row in rows_2026[8:40]), encoding="utf-8")
    inn = rows_2026[8].index("International non-proprietary name (INN) / common name")
    no_inn = write_xlsx(tmp_path / "no-inn-2026-01-29.xlsx", [r[:inn] + r[inn + 1 :] for r in rows_2026])
    for path in (truncated, as_csv, no_inn):
        with pytest.raises(ema.EmaFileError) as exc:
            import_ema(db, path=path)
        assert path.name in str(exc.value)
    assert count(db) == 0 and count(db, Source) == 0


def test_failure_midway_rolls_everything_back(db, path_2026, monkeypatch):
    real = service.upsert_product
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2000:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "upsert_product", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        import_ema(db, path=path_2026)
    assert count(db) == 0 and count(db, Source) == 0


def test_rejected_rows_are_reported_and_strict_writes_nothing(db, tmp_path, rows_2026):
    rows = [list(r) for r in rows_2026]
    rows[11][rows[8].index("Marketing authorisation date")] = "31/02/2021"  # line 12
    path = write_xlsx(tmp_path / "spoilt-2026-01-29.xlsx", rows)
    strict = import_ema(db, path=path, strict=True)
    assert not strict.committed and strict.rejected == 1 and [e.line for e in strict.errors] == [12]
    assert count(db) == 0
    lenient = import_ema(db, path=path)
    assert lenient.committed and lenient.created == 2649 and lenient.as_dict()["rejected"] == 1
    assert lenient.as_dict()["errors"][0]["reason"] == "not a date (dd/mm/yyyy)"


# -- holders ------------------------------------------------------------------------------------
def test_legal_forms_and_countries_of_real_holder_names(report_2026):
    holders = {r.mah_name for r in report_2026.rows if r.mah_name}
    cases = {
        "Merck Sharp & Dohme B.V.": ("merck sharp & dohme", "NL", "legal_form:B.V."),
        "AstraZeneca AB": ("astrazeneca", "SE", "legal_form:AB"),
        "Gilead Sciences Ireland UC": ("gilead sciences ireland", "IE", "legal_form:UC"),
        "Novartis Europharm Limited": ("novartis europharm", None, None),
        "Pfizer Europe MA EEIG": ("pfizer europe ma", None, None),
        "Dynavax GmbH": ("dynavax", None, None),
    }
    for name, (key, country, rule) in cases.items():
        assert name in holders
        assert mah.match_key(name) == key
        assert mah.country_of_name(name) == (country, rule)


def test_holders_resolved_exactly_never_guessed(db, load, report_2026, load_ror):
    ids = load_ror(SANOFI, THERAVIA, MSD_FRANCE, NICOX, CSL_FOUNDATION, IDEA_UNIT)
    report = load(report_2026)
    with db() as s:
        by_actor = dict(s.execute(select(Product.mah_actor_id, func.count()).group_by(Product.mah_actor_id)).all())
        sanofi_names = set(s.scalars(select(Product.mah_name).where(Product.mah_actor_id == ids[SANOFI])))
        theravia = s.scalars(select(Product).where(Product.mah_actor_id == ids[THERAVIA])).all()
    assert sanofi_names == {"Sanofi-Aventis", "sanofi-aventis", "Sanofi Aventis"}  # not "Sanofi B.V." (NL)
    assert {p.mah_country_rule for p in theravia} == {"actor:site"} and {p.mah_country for p in theravia} == {"FR"}
    assert ids[MSD_FRANCE] not in by_actor  # "Merck Sharp & Dohme B.V." is Dutch: country conflict
    assert ids[CSL_FOUNDATION] not in by_actor and ids[IDEA_UNIT] not in by_actor  # acronyms do not count
    assert report.mah["resolved"] == 9 and report.mah["conflict"] > 0
    simponi = product(db, "EMEA/H/C/000992")  # held by Janssen Cilag International NV: NV is Dutch or Belgian
    assert (simponi.mah_actor_id, simponi.mah_country) == (None, None)
    humira = product(db, "EMEA/H/C/000481")
    assert (humira.mah_name, humira.mah_country, humira.mah_country_rule) == ("AbbVie Deutschland GmbH & Co. KG", "DE", "name:Deutschland")


def test_ambiguous_holder_is_left_unresolved(db):
    with db() as s:
        source = get_or_create_source(s, SourceRecord(key="test:ambiguity", title="test", kind="file"))
        for _ in range(2):
            upsert_actor(s, ActorRecord(name="Ambiguity Test Holder", kind="company"), source=source, match_by_name=False)
        s.flush()
        resolution = mah.MahResolver(s).resolve("Ambiguity Test Holder GmbH")
        assert (resolution.status, resolution.actor_id) == ("ambiguous", None)
        assert mah.MahResolver(s).resolve("Ambiguity Test").status == "unresolved"
        s.rollback()


def test_deleting_the_holder_actor_unlinks_products(db, load, report_2026, load_ror):
    ids = load_ror(THERAVIA)
    load(report_2026)
    with db() as s:
        s.delete(s.get(Actor, ids[THERAVIA]))
        s.commit()
        assert s.scalar(select(func.count()).select_from(Product).where(Product.mah_name.ilike("theravia"))) == 3
        assert s.scalar(select(func.count()).select_from(Product).where(Product.mah_actor_id.is_not(None))) == 0


# -- manufacturing ------------------------------------------------------------------------------
def test_manufacturing_link_with_provenance(db, load, report_2026):
    load(report_2026)
    with db() as s:
        source = get_or_create_source(s, SourceRecord(key="test:manufacturing", title="test", kind="file"))
        actor_id = upsert_actor(s, ActorRecord(name="Test Manufacturer", kind="cdmo"), source=source).actor_id
        simponi = s.scalar(select(Product).where(Product.product_number == "EMEA/H/C/000992"))
        link = service.add_manufacturing(s, product_id=simponi.id, actor_id=actor_id, role="active_substance", source=source)
        again = service.add_manufacturing(s, product_id=simponi.id, actor_id=actor_id, role="active_substance", source=source)
        assert again.id == link.id and link.source_id == source.id and link.site_id is None
        with pytest.raises(ValueError, match="role must be one of"):
            service.add_manufacturing(s, product_id=simponi.id, actor_id=actor_id, role="packaging", source=source)
        with pytest.raises(ValueError, match="not a site of actor"):
            service.add_manufacturing(s, product_id=simponi.id, actor_id=actor_id, role="other", source=source, site_id=10**6)
        s.commit()
    assert count(db, ProductManufacturing) == 1
    load(report_2026)  # re-importing the list keeps what another source stated
    assert count(db, ProductManufacturing) == 1


# -- indicator queries --------------------------------------------------------------------------
def test_indicator_queries_on_the_2026_list(db, load, report_2026):
    load(report_2026)
    with db() as s:
        years = {row["year"]: row for row in queries.per_year(s, category="human")}
        assert years[2025] == {"year": 2025, "all": 106, "biologics": 67, "atmps": 1}
        assert years[2018] == {"year": 2018, "all": 94, "biologics": 41, "atmps": 4}
        assert min(years) == 1995
        with_date = s.scalar(select(func.count()).select_from(Product).where(
            Product.category == "human", Product.authorisation_date.is_not(None)))
        assert sum(r["all"] for r in years.values()) == with_date
        assert sum(r["atmps"] for r in years.values()) == 28  # 4 of the 32 ATMPs were never authorised
        statuses = queries.by_status(s)
        assert statuses["authorised"] == 1832 and sum(statuses.values()) == 2650
        countries = queries.by_mah_country(s, category="human")
        assert countries["NL"] > countries["IE"] > 0 and None in countries
        assert sum(queries.by_rule(s).values()) == 2650
