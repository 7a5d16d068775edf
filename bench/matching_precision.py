"""precision@10 of partner-search matches on the hand-written gold set (bench/data/matching_gold/):
synthetic requests against the demo atlas's real actors. Pure scoring here (`precision_at`,
`summarise`, tested on a tiny fixture in tests/bench/test_matching_precision.py); `run` publishes
the requests in a throw-away copy of a demo database and scores `service.matches`."""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

GOLD = Path(__file__).resolve().parent / "data" / "matching_gold"
NOTE = "gold set request (synthetic): bench/data/matching_gold"


@dataclass(frozen=True)
class Scored:
    request: str
    shown: int  # suggestions returned (at most k)
    hits: int  # relevant among them
    gold: int  # relevant actors in the gold list
    k: int = 10

    @property
    def precision(self) -> float:
        return self.hits / self.k

    @property
    def shown_precision(self) -> float | None:
        return self.hits / self.shown if self.shown else None

    @property
    def ceiling(self) -> float:
        return min(self.k, self.gold) / self.k


def precision_at(request: str, ranked: Sequence[str], relevant: Iterable[str], *, k: int = 10) -> Scored:
    """Score one ranked list of actor names: relevant ones in the first k, over k (a shorter
    list counts its missing places as misses); an actor counted once."""
    gold = set(relevant)
    top, seen = [], set()
    for name in ranked:
        if name not in seen:
            seen.add(name)
            top.append(name)
        if len(top) == k:
            break
    return Scored(request=request, shown=len(top), hits=sum(name in gold for name in top), gold=len(gold), k=k)


def summarise(scores: Sequence[Scored]) -> dict:
    """Means over the requests that have at least one relevant actor (n), and those left out."""
    judged = [s for s in scores if s.gold]
    shown = [p for s in judged if (p := s.shown_precision) is not None]
    return {"n": len(judged), "left_out": sorted(s.request for s in scores if not s.gold),
            "precision_at_k": round(statistics.mean(s.precision for s in judged), 3) if judged else None,
            "ceiling": round(statistics.mean(s.ceiling for s in judged), 3) if judged else None,
            "shown_precision": round(statistics.mean(shown), 3) if shown else None, "n_shown": len(shown),
            "empty": sorted(s.request for s in judged if not s.shown)}


def load_gold() -> tuple[list[dict], dict[str, list[str]]]:
    requests = json.loads((GOLD / "requests.json").read_text())["requests"]
    gold = json.loads((GOLD / "gold.json").read_text())
    return requests, {rid: [row["name"] for row in rows] for rid, rows in gold.items()}


ACADEMIA = {"research_unit", "university", "hospital", "tech_platform"}


def partner_kinds(audience: Sequence[str]) -> list[str]:
    """The request's audience (kinds, used for labelling) as the field a requester fills in
    ("partner sought": academia, industry; empty when both)."""
    groups = {"academia" if kind in ACADEMIA else "industry" for kind in audience}
    return sorted(groups) if len(groups) == 1 else []


def run(demo_db: Path, *, k: int = 10, verbose: bool = False, state_partner: bool = True) -> tuple[list[Scored], dict]:
    """Copy the demo database, migrate it, publish the gold requests (labelled synthetic) on
    behalf of their requesters and score the matches of each. `state_partner`: the request
    states the partner it seeks (`partner_kinds`, from its audience), as its author would."""
    from sqlalchemy import select

    from bioatlas.accounts.policy import ANONYMOUS
    from bioatlas.atlas.service import taxonomies as load_taxonomies
    from bioatlas.core.db import make_engine, make_sessionmaker
    from bioatlas.core.migrate import upgrade
    from bioatlas.opportunities import service
    from bioatlas.opportunities.models import Opportunity

    requests, gold = load_gold()
    taxonomies = load_taxonomies()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "gold.sqlite3"
        shutil.copyfile(demo_db, copy)
        engine = make_engine(f"sqlite:///{copy}")
        upgrade(engine)
        factory = make_sessionmaker(engine)
        scores = []
        with factory() as s:
            for request in requests:
                actor_id = _actor_named(s, request["requester"])
                raw = {key: value for key, value in request.items() if key not in ("id", "requester", "audience")}
                if state_partner:
                    raw["partner_kinds"] = partner_kinds(request["audience"])
                service.put_demo(s, actor_id=actor_id, raw=raw, note=NOTE, taxonomies=taxonomies)
                opp_id = s.scalar(select(Opportunity.id).where(Opportunity.actor_id == actor_id,
                                                               Opportunity.title_fr == request["title_fr"]))
                found = service.matches(s, opportunity_id=opp_id, taxonomies=taxonomies, principal=ANONYMOUS, limit=k)
                names = [m.actor_name or "" for m in found]
                score = precision_at(request["id"], names, gold.get(request["id"], ()), k=k)
                scores.append(score)
                if verbose:
                    print(f"  {request['id']} P@{k} {score.precision:.1f} ({score.hits}/{score.shown} shown, "
                          f"{score.gold} in gold): " + "; ".join(f"{n[:30]}{'+' if n in gold.get(request['id'], ()) else '-'}"
                                                                  for n in names))
        engine.dispose()
    return scores, summarise(scores)


def _actor_named(session, name: str) -> int:
    from sqlalchemy import text

    row = session.execute(text("select id from actors where name = :n and status = 'active' order by id limit 1"),
                          {"n": name}).first()
    if row is None:
        raise SystemExit(f"requester {name!r} is not in this atlas (load the demo: bioatlas demo load)")
    return int(row[0])
