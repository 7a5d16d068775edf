"""The sector scope as data: the rule file (parsing, errors naming file, line and column), each
rule kind on a small fixture, the stored reasons, and the scope of every view (map, directory,
search, observatory, API) with "all actors" one parameter away."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bioatlas.atlas import scope
from bioatlas.atlas.changelog import latest
from bioatlas.atlas.models import ChangeLogEntry, ScopeReason
from bioatlas.atlas.records import ActorRecord, SourceRecord
from bioatlas.atlas.service import replace_research_facts
from bioatlas.atlas.writer import get_or_create_source, upsert_actor
from tests.atlas.ecosystem import site

IREP = SourceRecord(key="test:irep", title="IREP (test)", kind="open_data")
RNSR = SourceRecord(key="test:rnsr", title="RNSR (test)", kind="open_data")
ILAB = SourceRecord(key="test:ilab", title="i-Lab (test)", kind="open_data")
TS = SourceRecord(key="test:ts", title="Transparence-Santé (test)", kind="open_data")
ROR = SourceRecord(key="test:ror", title="ROR (test)", kind="open_data")
ARTICLE = SourceRecord(key="test:article", title="Assises des biothérapies (test)", kind="article")
MEMBER = SourceRecord(key="user:1", title="User contribution", kind="user")
INFERRED = SourceRecord(key="test:inferred", title="Inferred (test)", kind="inferred")

# name -> (record, source, research facts); sites in Île-de-France (11) unless said
WORLD = [
    (ActorRecord(name="Sanofi Vitry", kind="large_group", naf_code="21.20Z", sites=[site("94400")]), IREP, []),
    (ActorRecord(name="Verallia Cognac", kind="company", naf_code="23.13Z", sites=[site("16100", "Cognac")]), IREP, []),
    (ActorRecord(name="Unité de thérapie génique", kind="research_unit", identifiers={"rnsr": ["201722503X"]},
                 sites=[site("75013")]), RNSR, [("rnsr_domain", "5", "Biologie, médecine, santé"), ("erc_panel", "LS9", None)]),
    (ActorRecord(name="Laboratoire de physique", kind="research_unit", identifiers={"rnsr": ["199812965F"]},
                 sites=[site("91190", "Gif-sur-Yvette")]), RNSR, [("rnsr_domain", "2", "Physique"), ("erc_panel", "PE2", None)]),
    (ActorRecord(name="Start-up AAV", kind="startup", sites=[site("91000")]), ILAB,
     [("ilab_domain", "Pharmacie & biotechnologies", None)]),
    (ActorRecord(name="Start-up logiciel", kind="startup", sites=[site("75002")]), ILAB,
     [("ilab_domain", "Informatique, logiciel & TIC", None)]),
    (ActorRecord(name="Laboratoire Orion MED", kind="company", capabilities={"health_sectors": ["MED"]},
                 sites=[site("92200")]), TS, []),
    (ActorRecord(name="Fabricant Orion DM", kind="company", capabilities={"health_sectors": ["DM"]},
                 sites=[site("92100")]), TS, []),
    (ActorRecord(name="Institut Pasteur", kind="foundation", identifiers={"ror": ["https://ror.org/0495fxg12"]},
                 sites=[site("75015")]), ROR, []),
    (ActorRecord(name="Institut de physique du globe de Paris", kind="research_unit",
                 identifiers={"ror": ["https://ror.org/004gzqz66"]}, sites=[site("75005")]), ROR, []),
    (ActorRecord(name="Armée de l'Air et de l'Espace", kind="public_agency", identifiers={"ror": ["https://ror.org/test-air"]},
                 sites=[site("75015")]), ROR, []),
    (ActorRecord(name="Medicen Paris Region", kind="cluster", sites=[site("75013")]), ARTICLE, []),
    (ActorRecord(name="Yposkesi", kind="cdmo", capabilities={"modalities": ["aav"]}, sites=[site("91100", "Corbeil-Essonnes")]), MEMBER, []),
    (ActorRecord(name="Start-up ARN", kind="startup", capabilities={"modalities": ["mrna"]}, sites=[site("69007")]),
     INFERRED, []),
]
IN_SCOPE = {
    "Sanofi Vitry": {"naf_pharma_biotech"},
    "Unité de thérapie génique": {"rnsr_life_sciences", "erc_life_sciences"},
    "Start-up AAV": {"ilab_biotech_pharma"},
    "Laboratoire Orion MED": {"transparence_sante_medicines"},
    "Institut Pasteur": {"ror_health_keywords"},
    "Medicen Paris Region": {"article_named"},
    "Yposkesi": {"member_capability", "sector_kind"},
    "Start-up ARN": {"inferred_capability"},
}


def load_world(session) -> dict[str, int]:
    ids = {}
    for record, source_record, facts in WORLD:
        source = get_or_create_source(session, source_record)
        ids[record.name] = upsert_actor(session, record, source=source).actor_id
        if facts:
            replace_research_facts(session, actor_id=ids[record.name], source=source, facts=facts)
    return ids


@pytest.fixture
def world(db, taxonomies):
    with db.begin() as s:
        return load_world(s)


def compute(db, taxonomies, rules=None) -> scope.ScopeReport:
    with db.begin() as s:
        return scope.compute(s, rules=rules or scope.shipped_rules(), taxonomies=taxonomies)


# --- the rule file -------------------------------------------------------------------------------

HEADER = "rule,kind,field,values,only,label_fr,label_en\n"


def test_shipped_rules_parse_and_name_existing_codes(taxonomies):
    rules = scope.read_rules()
    scope.check_taxonomies(rules, taxonomies)
    assert {r.kind for r in rules.rules} == set(scope.KINDS)
    naf = rules.get("naf_pharma_biotech")
    assert naf.values == ("21.10Z", "21.20Z", "72.11Z") and naf.label("en").startswith("NAF code")
    assert rules.get("ror_health_keywords").only == ("scheme", ("ror",))


@pytest.mark.parametrize(("text", "line", "field", "reason"), [
    ("rule,kind,values,only,label_fr,label_en\nx,naf,21.20Z,,a,b\n", 1, "field", "missing column"),
    (HEADER + "ok,naf,,21.20Z,,a,b\nbad,nafs,,21.20Z,,a,b\n", 3, "kind", "unknown rule kind"),
    (HEADER + "x,naf,,2120,,a,b\n", 2, "values", "NAF codes"),
    (HEADER + "x,naf,,21.20Z,,a\n", 2, None, "6 cells, expected 7"),
    (HEADER + "x,naf,,21.20Z,,a,b\nx,naf,,21.10Z,,a,b\n", 3, "rule", "already used"),
    (HEADER + "x,naf,,21.20Z,,,b\n", 2, "label_fr", "French and English"),
    (HEADER + "x,research_fact,,5,,a,b\n", 2, "field", "names what it reads"),
    (HEADER + "x,naf,erc_panel,21.20Z,,a,b\n", 2, "field", "reads no field"),
    (HEADER + "x,research_fact,erc_panel,*,,a,b\n", 2, "values", "stands alone"),
    (HEADER + "x,name_keywords,,cancer,source:user,a,b\n", 2, "only", "source: applies"),
    (HEADER + "x,source_kind,,press,,a,b\n", 2, "values", "source kinds"),
    (HEADER + "Bad Name,naf,,21.20Z,,a,b\n", 2, "rule", "lower-case"),
    (HEADER, 1, None, "no rule"),
])
def test_a_bad_rule_names_file_line_and_column(tmp_path, text, line, field, reason):
    path = tmp_path / "rules.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(scope.ScopeRuleError) as err:
        scope.read_rules(path)
    assert (err.value.line, err.value.field) == (line, field)
    assert reason in str(err.value) and str(path) in str(err.value)


def test_unknown_codes_are_refused_against_the_taxonomies(tmp_path, taxonomies):
    path = tmp_path / "rules.csv"
    path.write_text(HEADER + "x,capability,modalities,aav|teleportation,,a,b\n", encoding="utf-8")
    with pytest.raises(scope.ScopeRuleError) as err:
        scope.check_taxonomies(scope.read_rules(path), taxonomies)
    assert (err.value.line, err.value.field, err.value.value) == (2, "values", "teleportation")


# --- each rule kind, the stored reasons ------------------------------------------------------------


def test_each_rule_kind_selects_its_actors_and_says_why(db, world, taxonomies):
    report = compute(db, taxonomies)
    assert report.actors == len(IN_SCOPE) and report.added == len(IN_SCOPE)
    with db() as s:
        rows = s.execute(select(ScopeReason.actor_id, ScopeReason.rule, ScopeReason.matched)).all()
    by_actor: dict[int, set[str]] = {}
    for actor_id, rule, _ in rows:
        by_actor.setdefault(actor_id, set()).add(rule)
    names = {v: k for k, v in world.items()}
    assert {names[a]: rules for a, rules in by_actor.items()} == IN_SCOPE
    matched = {(names[a], rule): m for a, rule, m in rows}
    assert matched[("Sanofi Vitry", "naf_pharma_biotech")] == "21.20Z"
    assert matched[("Unité de thérapie génique", "erc_life_sciences")] == "LS9"
    assert matched[("Institut Pasteur", "ror_health_keywords")] == "institut pasteur"
    assert matched[("Yposkesi", "member_capability")] == "aav"
    assert matched[("Medicen Paris Region", "article_named")] == ARTICLE.title


def test_recompute_is_idempotent_and_follows_the_facts(db, world, taxonomies):
    compute(db, taxonomies)
    seq = None
    with db() as s:
        seq = latest(s)
    again = compute(db, taxonomies)
    assert (again.added, again.removed, again.changed) == (0, 0, 0)
    with db.begin() as s:  # the i-Lab domain changes: the start-up leaves the scope
        source = get_or_create_source(s, ILAB)
        replace_research_facts(s, actor_id=world["Start-up AAV"], source=source,
                               facts=[("ilab_domain", "Chimie et matériaux", None)])
    after = compute(db, taxonomies)
    assert (after.removed, after.actors) == (1, len(IN_SCOPE) - 1)
    with db() as s:  # the change log names it, so the map and search indexes follow
        logged = set(s.scalars(select(ChangeLogEntry.actor_id).where(ChangeLogEntry.seq > seq)))
    assert world["Start-up AAV"] in logged


# --- views: sector by default once computed, "all" one parameter away ------------------------------


def test_list_map_and_facets_default_to_the_sector_once_computed(client, db, world, taxonomies):
    before = client.get("/api/v1/actors").json()
    assert (before["scope"], before["total"]) == ("all", len(WORLD))  # no scope yet: every actor, said so
    compute(db, taxonomies)
    sector = client.get("/api/v1/actors", params={"limit": 100}).json()
    assert sector["scope"] == "sector" and sector["total"] == len(IN_SCOPE)
    assert {i["name"] for i in sector["items"]} == set(IN_SCOPE)
    every = client.get("/api/v1/actors", params={"scope": "all"}).json()
    assert (every["scope"], every["total"]) == ("all", len(WORLD))
    assert client.get("/api/v1/facets").json()["total"] == len(IN_SCOPE)
    box = {"bbox": "-5,41,10,52", "zoom": "5"}
    clusters = client.get("/api/v1/map/clusters", params=box).json()
    assert (clusters["scope"], clusters["total"]) == ("sector", len(IN_SCOPE))
    assert client.get("/api/v1/map/clusters", params={**box, "scope": "all"}).json()["total"] == len(WORLD)
    idf = client.get("/api/v1/actors", params={"region": "11"}).json()["total"]
    assert idf == len(IN_SCOPE) - 1  # Start-up ARN is in Lyon
    bad = client.get("/api/v1/actors", params={"scope": "everything"})
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "scope"


def test_search_defaults_to_the_sector_and_follows_a_recompute(client, db, world, taxonomies):
    # the index is built before the scope exists, then absorbs the recompute through the change log
    words = {"q": "orion", "mode": "fulltext"}
    assert client.get("/api/v1/search", params=words).json()["total"] == 2
    compute(db, taxonomies)
    sector = client.get("/api/v1/search", params=words).json()
    assert sector["scope"] == "sector" and [i["name"] for i in sector["items"]] == ["Laboratoire Orion MED"]
    assert sector["facets"]["kind"] and sum(v["count"] for v in sector["facets"]["kind"] if v["code"] == "company") == 1
    every = client.get("/api/v1/search", params={**words, "scope": "all"}).json()
    assert every["total"] == 2
    browse = client.get("/api/v1/search", params={"mode": "fulltext"}).json()
    assert browse["total"] == len(IN_SCOPE)


def test_pages_label_their_counts_and_offer_every_actor(client, db, world, taxonomies):
    compute(db, taxonomies)
    page = client.get("/actors").text
    assert f'<strong id="total">{len(IN_SCOPE)}</strong>' in page
    assert "acteurs de la filière (périmètre\u202f: biothérapies et bioproduction)" in page
    assert 'href="/actors?scope=all"' in page and "Voir tous les acteurs" in page
    every = client.get("/actors", params={"scope": "all", "lang": "en"}).text
    assert f'<strong id="total">{len(WORLD)}</strong>' in every and "actors (scope: every actor of the atlas)" in every
    assert '<input type="hidden" name="scope" value="all">' in every  # filtering keeps the chosen scope
    assert "acteurs de la filière (périmètre" in client.get("/", params={"lang": "fr"}).text
    assert "acteurs de la filière (périmètre" in client.get("/search", params={"q": "orion", "lang": "fr"}).text


def test_actor_page_and_api_say_why_an_actor_is_in_scope(client, db, world, taxonomies):
    compute(db, taxonomies)
    body = client.get(f"/api/v1/actors/{world['Unité de thérapie génique']}", params={"lang": "en"}).json()
    assert body["scope"]["in_scope"] is True
    assert [r["rule"] for r in body["scope"]["reasons"]] == ["rnsr_life_sciences", "erc_life_sciences"]
    assert body["scope"]["reasons"][1]["label"] == "ERC life-sciences panel (RNSR)"
    out = client.get(f"/api/v1/actors/{world['Fabricant Orion DM']}").json()["scope"]
    assert (out["in_scope"], out["reasons"]) == (False, [])
    page = client.get(f"/actors/{world['Sanofi Vitry']}", params={"lang": "fr"}).text
    assert 'data-in-scope="yes"' in page and "Code NAF de la fabrication pharmaceutique" in page and "21.20Z" in page
    assert 'data-in-scope="no"' in client.get(f"/actors/{world['Fabricant Orion DM']}").text
    rules = client.get("/api/v1/scope").json()
    assert rules["default"] == "sector" and rules["actors_in_scope"] == len(IN_SCOPE)
    by_rule = {r["rule"]: r for r in rules["rules"]}
    assert by_rule["naf_pharma_biotech"]["actors"] == 1 and by_rule["naf_pharma_biotech"]["values"] == ["21.10Z", "21.20Z", "72.11Z"]
    assert rules["computed"]["current_rules"] is True


def test_region_figures_and_factsheet_contacts_use_the_scope(client, db, world, taxonomies):
    compute(db, taxonomies)
    region = client.get("/observatory/regions/11").text
    idf_sector = len(IN_SCOPE) - 1
    assert "acteurs de la filière (périmètre\u202f: biothérapies et bioproduction) ayant un site dans la région" in region
    assert f"{idf_sector} sur {len(IN_SCOPE)} acteurs de la filière situés dans une région française" in region
    every = client.get("/observatory/regions/11", params={"scope": "all"}).text
    assert "(périmètre\u202f: tous les acteurs de l" in every
    assert f"sur {len(WORLD)} acteurs localisés dans une région française" in every
    sheet = client.get("/observatory/regions/11/factsheet").text
    contacts = sheet[sheet.index('class="fs-contacts"'):]
    assert "Medicen Paris Region" in contacts
    assert "Armée de l" not in contacts  # an unrelated public body with a site in the region
    assert client.get("/observatory/regions/11", params={"scope": "x"}).status_code == 422


def test_cli_computes_and_refuses_a_bad_rule_file(monkeypatch, database_url, tmp_path, db, world):
    from typer.testing import CliRunner

    from bioatlas.cli import app

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    bad = tmp_path / "rules.csv"
    bad.write_text(HEADER + "x,naf,,21.20Z,,a,b\ny,capability,modalities,warp_drive,,a,b\n", encoding="utf-8")
    refused = runner.invoke(app, ["scope", "compute", "--rules", str(bad)])
    said = " ".join(refused.output.split())  # the console wraps long lines
    assert refused.exit_code == 1 and "rules.csv, line 3, column 'values': no such code in modalities" in said
    with db() as s:
        assert s.scalar(select(ScopeReason.id)) is None  # nothing written
    done = runner.invoke(app, ["scope", "compute", "--json"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert '"actors": 8' in done.output
    sector = runner.invoke(app, ["export", "--format", "csv", "--scope", "sector"], catch_exceptions=False)
    every = runner.invoke(app, ["export", "--format", "csv"], catch_exceptions=False)  # the CLI exports all by default
    assert (len(sector.output.strip().splitlines()), len(every.output.strip().splitlines())) == (
        len(IN_SCOPE) + 1, len(WORLD) + 1)
    assert runner.invoke(app, ["export", "--scope", "most"]).exit_code == 2


def test_demo_step_runs_after_sources_and_linking(db, world, taxonomies):
    from bioatlas.atlas import scope_cli
    from bioatlas.core.plugins import collect

    step = next(s for s in collect("bioatlas_demo_steps") if s.name == "sector_scope")
    assert step.order == 300
    first = step.run(db, taxonomies=taxonomies)
    assert (first["actors"], first["committed"]) == (len(IN_SCOPE), True)
    again = scope_cli.demo_step(db, taxonomies=taxonomies)  # idempotent
    assert (again["added"], again["removed"], again["changed"]) == (0, 0, 0)


def test_synthetic_demo_organisations_are_never_in_scope(db, world, taxonomies):
    """The demo's fictitious CDMO has the CDMO kind and an AAV capability, yet it must not count."""
    demo = SourceRecord(key="test:synthetic", title="Organisations fictives (test)", kind="synthetic")
    with db.begin() as s:
        fake = upsert_actor(s, ActorRecord(name="CDMO démo B (synthétique)", kind="cdmo",
                                           capabilities={"modalities": ["aav"]}, sites=[site("69007")]),
                            source=get_or_create_source(s, demo)).actor_id
    report = compute(db, taxonomies)
    assert report.actors == len(IN_SCOPE)
    with db() as s:
        assert fake not in scope.in_scope_ids(s) and world["Yposkesi"] in scope.in_scope_ids(s)
