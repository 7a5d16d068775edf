"""Partner-search matching at scale and fairness: the SQL prefilter never drops a pair the matcher
accepts (random synthetic opportunities, both directions); the partner sought (academia,
industry) filters both ways; the exposure cap keeps a large actor from topping every list.
Actors here are synthetic test actors."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bioatlas.accounts.policy import ANONYMOUS
from bioatlas.atlas import service as atlas
from bioatlas.opportunities import matching, service
from bioatlas.opportunities.models import Opportunity
from bioatlas.opportunities.reads import _regions
from bioatlas.opportunities.suggest import _side, prefilter
from tests.contributions.helpers import add_actor

TODAY = date.today()
LATER = (TODAY + timedelta(days=120)).isoformat()
TEXT = "Opportunité synthétique de test pour l'appariement : procédés, lots et partenaires (synthétique)."


def _put(db, taxonomies, actor_id: int, title: str, **doc) -> int:
    raw = {"direction": "offer", "kind": "technology", "title_fr": title, "title_en": title,
           "description_fr": TEXT, "expires_on": LATER, **doc}
    with db() as s:
        service.put_demo(s, actor_id=actor_id, raw=raw, note="test (synthetic)", taxonomies=taxonomies, today=TODAY)
        return s.query(Opportunity.id).filter_by(actor_id=actor_id, title_fr=title).scalar()


def test_prefilter_keeps_every_pair_the_matcher_accepts(db, taxonomies):
    rnd = random.Random(31)
    actors = [add_actor(db, f"Acteur test {i} (synthétique)", pc, kind=kind) for i, (pc, kind) in
              enumerate([("91000", "cdmo"), ("69007", "startup"), ("75013", "research_unit"), ("33000", "sme"),
                         ("67000", "university"), ("31000", "company")])]
    mods, steps = ["aav", "viral_vector", "mab", "vaccine", "car_t", "cell_therapy"], ["upstream", "downstream", "research"]
    for i in range(70):
        low = rnd.choice((1, 10, 100, 500))
        start = TODAY + timedelta(days=rnd.randint(0, 60))
        capacity = None if rnd.random() < 0.3 else {
            "scale_min_l": low, "scale_max_l": low * rnd.choice((1, 5, 20)), "gmp": rnd.choice(matching.GMP_GRADES),
            **({"window_from": start.isoformat(), "window_to": (start + timedelta(days=rnd.randint(5, 90))).isoformat()}
               if rnd.random() < 0.6 else {})}
        _put(db, taxonomies, rnd.choice(actors), f"Opportunité synthétique {i}",
             direction=rnd.choice(("offer", "request")), kind="capacity" if capacity and rnd.random() < 0.7 else "technology",
             modalities=rnd.sample(mods, rnd.randint(0, 2)), steps=[rnd.choice(steps)],
             capacity=capacity,
             partner_kinds=rnd.choice(([], ["academia"], ["industry"])))
    modalities = taxonomies["modalities"]
    with db() as s:
        opps = list(s.scalars(Opportunity.__table__.select().with_only_columns(Opportunity.id)))
        live = list(s.query(Opportunity).all())
        actor_rows = atlas.load_actors(s, ids=actors)
        regions = _regions(s, actors)
        sides = {o.id: _side(o, actor_rows, regions) for o in live}
        accepted_total = kept_total = 0
        for opp in live:
            kept = {o.id for o in s.execute(prefilter(opp, modalities=modalities, today=TODAY))}
            others = [o for o in live if o.direction != opp.direction and o.id != opp.id]
            accepted = {o.id for o in others if (matching.pair(sides[opp.id], sides[o.id], modalities=modalities)
                                                 if opp.direction == "request" else
                                                 matching.pair(sides[o.id], sides[opp.id], modalities=modalities))}
            assert accepted <= kept, (opp.id, accepted - kept)
            accepted_total, kept_total = accepted_total + len(accepted), kept_total + len(kept)
        assert len(opps) == 70 and accepted_total > 0
        # the prefilter does filter: far fewer rows read than every live one of the other direction
        assert kept_total < 0.5 * sum(1 for a in live for b in live if a.direction != b.direction)


def test_partner_sought_filters_both_ways(db, taxonomies):
    lab = add_actor(db, "Laboratoire test (synthétique)", "75005", kind="research_unit")
    firm = add_actor(db, "Start-up test (synthétique)", "69007", kind="startup")
    asker = add_actor(db, "Groupe test (synthétique)", "91000", kind="large_group")
    for actor, title in ((lab, "Offre labo"), (firm, "Offre start-up")):
        _put(db, taxonomies, actor, title, modalities=["aav"], steps=["research"])
    wants_lab = _put(db, taxonomies, asker, "Cherche labo", direction="request", modalities=["aav"],
                     partner_kinds=["academia"])
    with db() as s:
        found = service.matches(s, opportunity_id=wants_lab, taxonomies=taxonomies, principal=ANONYMOUS)
    assert [m.actor_id for m in found] == [lab]
    assert ("partner", "academia", True) in found[0].reasons
    # an offer meant for industry is not suggested to a laboratory's request
    _put(db, taxonomies, firm, "Offre réservée à l'industrie", modalities=["mab"], partner_kinds=["industry"])
    lab_request = _put(db, taxonomies, lab, "Le labo cherche", direction="request", modalities=["mab"])
    with db() as s:
        assert service.matches(s, opportunity_id=lab_request, taxonomies=taxonomies, principal=ANONYMOUS) == []


def test_a_large_actor_does_not_top_every_list(db, taxonomies):
    mods = ["aav", "mab", "vaccine", "car_t"]
    big = add_actor(db, "Grand groupe test (synthétique)", "91000", kind="large_group")
    small = {m: add_actor(db, f"PME test {m} (synthétique)", "91000", kind="sme") for m in mods}
    asker = add_actor(db, "Demandeur test (synthétique)", "91000", kind="startup")
    for m in mods:
        for n in range(3):  # the large actor answers every request, three times over
            _put(db, taxonomies, big, f"Offre du groupe {m} {n}", modalities=[m], steps=["upstream"])
        _put(db, taxonomies, small[m], f"Offre PME {m}", modalities=[m], steps=["upstream"])
    firsts = []
    for m in mods:
        rid = _put(db, taxonomies, asker, f"Demande {m}", direction="request", modalities=[m], steps=["upstream"])
        with db() as s:
            found = service.matches(s, opportunity_id=rid, taxonomies=taxonomies, principal=ANONYMOUS)
        actors = [x.actor_id for x in found]
        assert actors.count(big) == 1 and set(actors) == {big, small[m]}  # one place per actor per list
        firsts.append(actors[0])
    assert firsts.count(big) < len(mods), "the large actor tops every list"


def test_marketplace_filters_and_facets_in_sql(db, taxonomies):
    paris = add_actor(db, "Acteur parisien test (synthétique)", "75013", kind="cdmo")  # region 11
    lyon = add_actor(db, "Acteur lyonnais test (synthétique)", "69007", kind="startup")  # region 84
    a = _put(db, taxonomies, paris, "Offre AAV", modalities=["aav"])
    b = _put(db, taxonomies, lyon, "Demande mAb scope Bretagne", direction="request", modalities=["mab", "aav"],
             regions=["53"])
    c = _put(db, taxonomies, lyon, "Offre sans modalité", steps=["upstream"])
    with db() as s:
        rows, facets = service.listing(s, today=TODAY)
        assert {o.id for o in rows} == {a, b, c}
        assert facets == {"direction": {"offer": 2, "request": 1}, "kind": {"technology": 3},
                          "modality": {"aav": 2, "mab": 1}}
        assert {o.id for o in service.listing(s, modalities=frozenset({"mab"}), today=TODAY)[0]} == {b}
        assert {o.id for o in service.listing(s, region="11", today=TODAY)[0]} == {a}  # the actor's site
        assert {o.id for o in service.listing(s, region="53", today=TODAY)[0]} == {b}  # the request's scope
        rows, facets = service.listing(s, direction="offer", region="84", today=TODAY)
        assert [o.id for o in rows] == [c] and facets["modality"] == {}
        assert len(service.listing(s, today=TODAY, limit=2)[0]) == 2
