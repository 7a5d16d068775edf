"""A small real ecosystem for tests: organisations named in ../shared/seeds with the places
the articles give (or their ROR location), loaded through the writer like any import."""

from __future__ import annotations

from bioatlas.atlas.geocode import gazetteer
from bioatlas.atlas.records import ActorRecord, SiteRecord, SourceRecord
from bioatlas.atlas.writer import get_or_create_source, upsert_actor

ARTICLE_IDF = SourceRecord(
    key="test:assises-idf", title="1res Assises régionales des biothérapies et de la bioproduction (Île-de-France)",
    kind="article",
)
ARTICLE_BFC = SourceRecord(key="test:assises-bfc", title="Assises des Biothérapies et de la Bioproduction (BFC)", kind="article")


def site(postcode: str, commune: str | None = None, role: str = "hq") -> SiteRecord:
    p = gazetteer().geocode(postcode=postcode, commune=commune)
    return SiteRecord(
        role=role, postcode=p.postcode, commune_insee=p.insee, commune_name=p.name,
        departement=p.departement, region=p.region, latitude=p.latitude, longitude=p.longitude,
    )


def load(session) -> dict[str, int]:
    idf = get_or_create_source(session, ARTICLE_IDF)
    bfc = get_or_create_source(session, ARTICLE_BFC)
    rows = [
        (ActorRecord(name="Genopole", kind="cluster", identifiers={"ror": ["https://ror.org/0380k9k47"]},
                     sites=[site("91000")]), idf),
        (ActorRecord(name="Région Île-de-France", kind="public_agency", sites=[site("93400")]), idf),
        (ActorRecord(name="Région Bourgogne-Franche-Comté", kind="public_agency", sites=[site("21000")]), bfc),
        (ActorRecord(name="Medicen Paris Region", kind="cluster", names=[("acronym", "Medicen", None)]), idf),
        (ActorRecord(name="Cellectis", kind="company", capabilities={"modalities": ["allogeneic_cell"]}), idf),
        (ActorRecord(name="Sensorion", kind="startup"), idf),
        (ActorRecord(name="CHU Dijon Bourgogne", kind="hospital", identifiers={"ror": ["https://ror.org/0377z4z10"]},
                     sites=[site("21000")], capabilities={"modalities": ["car_t"], "value_chain": ["clinical_batches"]}), bfc),
    ]
    return {rec.name: upsert_actor(session, rec, source=src).actor_id for rec, src in rows}
