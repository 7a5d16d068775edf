"""SYNTHETIC Sirene files in INSEE's official layout for the connector's tests: every
establishment, SIREN and name below is invented; only the commune codes are real (they must be,
to be located). Shared by test_sirene*.py."""

from __future__ import annotations

import csv
import gzip
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from bioatlas.atlas.models import Actor, Identifier
from bioatlas.sources import sirene
from bioatlas.sources.sirene import (
    ETABLISSEMENT_COLUMNS,
    UNITE_LEGALE_COLUMNS,
    SireneFilter,
    StockReader,
)

DAY = date(2025, 3, 1)


def etab(siren: str, nic: str, **values: str) -> dict[str, str]:
    """One synthetic StockEtablissement row; every official column present, most of them empty."""
    row = dict.fromkeys(ETABLISSEMENT_COLUMNS, "")
    row.update(
        siren=siren, nic=nic, siret=siren + nic, statutDiffusionEtablissement="O", dateCreationEtablissement="2015-03-02",
        trancheEffectifsEtablissement="12", anneeEffectifsEtablissement="2022",
        dateDernierTraitementEtablissement="2024-11-05T10:31:12", etablissementSiege="true", nombrePeriodesEtablissement="2",
        numeroVoieEtablissement="5", typeVoieEtablissement="RUE", libelleVoieEtablissement="DES ESSAIS SYNTHETIQUES",
        codePostalEtablissement="91000", libelleCommuneEtablissement="EVRY-COURCOURONNES", codeCommuneEtablissement="91228",
        dateDebut="2015-03-02", etatAdministratifEtablissement="A", activitePrincipaleEtablissement="72.11Z",
        nomenclatureActivitePrincipaleEtablissement="NAFRev2", caractereEmployeurEtablissement="O",
    )
    row.update(values)
    return row


def legal_unit(siren: str, denomination: str, **values: str) -> dict[str, str]:
    row = dict.fromkeys(UNITE_LEGALE_COLUMNS, "")
    row.update(siren=siren, statutDiffusionUniteLegale="O", denominationUniteLegale=denomination,
               etatAdministratifUniteLegale="A", categorieJuridiqueUniteLegale="5710", categorieEntreprise="PME")
    row.update(values)
    return row


ESTABLISHMENTS = [
    etab("900000001", "00011"),  # head office, Évry (91, Île-de-France)
    etab("900000001", "00029", etablissementSiege="false", enseigne1Etablissement="SYNTHEBIO LYON",
         trancheEffectifsEtablissement="21", activitePrincipaleEtablissement="21.20Z", numeroVoieEtablissement="12",
         indiceRepetitionEtablissement="B", typeVoieEtablissement="AV", libelleVoieEtablissement="TONY GARNIER",
         complementAdresseEtablissement="BATIMENT SYNTHESE", codePostalEtablissement="69007",
         libelleCommuneEtablissement="LYON 7EME", codeCommuneEtablissement="69387"),
    etab("900000002", "00018", activitePrincipaleEtablissement="21.10Z", trancheEffectifsEtablissement="32",
         codePostalEtablissement="31000", codeCommuneEtablissement="31555", libelleCommuneEtablissement="TOULOUSE"),
    etab("900000003", "00015", activitePrincipaleEtablissement="72.19Z", etatAdministratifEtablissement="F",
         codePostalEtablissement="35000", codeCommuneEtablissement="35238", libelleCommuneEtablissement="RENNES"),
    etab("900000004", "00012", activitePrincipaleEtablissement="47.11F"),  # a supermarket: not kept
    etab("900000005", "00019", activitePrincipaleEtablissement="32.50A", codeCommuneEtablissement="91999"),  # no such commune
    etab("900000006", "00016", codeCommuneEtablissement="", codePostalEtablissement="", libelleCommuneEtablissement="",
         libelleCommuneEtrangerEtablissement="HEIDELBERG", codePaysEtrangerEtablissement="99109",
         libellePaysEtrangerEtablissement="ALLEMAGNE"),  # abroad
    etab("900000007", "00013", activitePrincipaleEtablissement="72.19Z", denominationUsuelleEtablissement="LABO SYNTHETIQUE REUNION",
         trancheEffectifsEtablissement="NN", codePostalEtablissement="97400", codeCommuneEtablissement="97411",
         libelleCommuneEtablissement="SAINT-DENIS"),  # its legal unit is not in the legal-units file
]
LEGAL_UNITS = [
    legal_unit("900000001", "SYNTHEBIO", sigleUniteLegale="SYB"),
    legal_unit("900000002", "PHARMA FICTIVE INDUSTRIES", categorieEntreprise="ETI"),
    legal_unit("900000003", "GRAND GROUPE IMAGINAIRE", categorieEntreprise="GE"),
    legal_unit("900000004", "HYPER FICTIF"),
    legal_unit("900000006", "FORSCHUNG ERFUNDEN GMBH", categorieEntreprise=""),
]
KEPT = {"90000000100011", "90000000100029", "90000000200018", "90000000500019", "90000000600016", "90000000700013"}


def write_csv(path: Path, rows: list[dict], columns=ETABLISSEMENT_COLUMNS) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_parquet(path: Path, rows: list[dict]) -> Path:
    """Parquet as INSEE publishes it: typed columns (dates, booleans, numbers)."""
    import duckdb

    source = write_csv(path.with_suffix(".csv"), rows)
    cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in ETABLISSEMENT_COLUMNS) + "}"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * REPLACE (CAST(etablissementSiege AS BOOLEAN) AS etablissementSiege, "
            f"CAST(dateCreationEtablissement AS DATE) AS dateCreationEtablissement, "
            f"CAST(nombrePeriodesEtablissement AS INTEGER) AS nombrePeriodesEtablissement) "
            f"FROM read_csv('{source}', header=true, auto_detect=false, columns={cols})) TO '{path}' (FORMAT parquet)"
        )
    source.unlink()
    return path


def stock_files(folder: Path) -> tuple[Path, Path]:
    return (write_csv(folder / "StockEtablissement_utf8.csv", ESTABLISHMENTS),
            write_csv(folder / "StockUniteLegale_utf8.csv", LEGAL_UNITS, UNITE_LEGALE_COLUMNS))


def kept(path: Path, legal_units: Path | None = None, **flt) -> dict[str, sirene.Establishment]:
    with StockReader(path, legal_units, SireneFilter(**flt)) as reader:
        reader.prepare()
        return {e.siret: e for batch in reader.batches(2) for e in batch}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def actor_of(session, siret: str) -> Actor:
    return session.get(Actor, session.scalar(select(Identifier.actor_id).where(Identifier.scheme == "siret",
                                                                            Identifier.value == siret)))


