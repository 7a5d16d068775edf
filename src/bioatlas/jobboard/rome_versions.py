"""ROME versions of an offer: the code and appellation an offer was checked against (with that
ROME version, `rome_version`), read against the newest ROME loaded.

ROME codes are not foreign keys and a newer ROME file updates the occupations in place, keeping
the rows it no longer lists. Only what the ROME files themselves say is used, never a guess:

- the offer's code is in the newest ROME: it stands (`current`), with the newest label;
- the offer's appellation (job title, `code_ogr`) is now filed under another occupation (the
  appellations file's `code_rome`: how ROME 4 re-filed the historical fiches' titles under the
  new fiches): the offer maps to that occupation (`moved`);
- the code is no longer in the newest ROME and exactly one occupation of it descends from it
  (the occupations file's `code_rome_parent`): it maps to that one (`descendant`); several: no
  mapping, they are listed (`split`); none: the stored label stays (`withdrawn`);
- a code never loaded here: `unknown`, the stored label stays.

The "newest ROME" is the highest `rome:vNNN` source key of the loaded occupations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.jobboard.models import JobOffer
from bioatlas.occupations import service as occupations

VERSION = re.compile(r"^rome:v(\d+)$")


@dataclass
class RomeNow:
    """Where the offer's occupation stands in the newest ROME."""

    status: str  # current | moved | descendant | split | withdrawn | unknown
    version: str | None  # the newest ROME loaded (source key)
    code: str  # the current code (the stored one when there is no mapping)
    label: str
    stored_code: str
    stored_version: str
    candidates: list[dict[str, str]] = field(default_factory=list)  # split: the descendants

    @property
    def mapped(self) -> bool:
        return self.code != self.stored_code

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "version": self.version, "code": self.code, "label": self.label,
                "mapped": self.mapped, "stored_code": self.stored_code, "stored_version": self.stored_version,
                "candidates": self.candidates}


def newest_version(session: Session) -> str | None:
    """The newest ROME source key loaded (`rome:v460`), by version number; None without one."""
    best: tuple[int, str] | None = None
    for source in atlas.find_sources(session, key_prefix="rome:"):
        m = VERSION.match(source.key)
        if m and (best is None or int(m.group(1)) > best[0]):
            best = (int(m.group(1)), source.key)
    return best[1] if best else None


def resolve(session: Session, *, offer: JobOffer, newest: str | None = None) -> RomeNow:
    """The offer's occupation in the newest ROME (see the module's rules)."""
    newest = newest or newest_version(session)
    code, stored = offer.rome_code, offer.rome_version

    def out(status: str, now_code: str, label: str, candidates: list | None = None) -> RomeNow:
        return RomeNow(status=status, version=newest, code=now_code, label=label, stored_code=code,
                       stored_version=stored, candidates=candidates or [])

    occupation = occupations.get_occupation(session, code=code)
    if occupation is None:
        return out("unknown", code, offer.rome_label)
    in_newest = newest is None or occupation.source.key == newest
    if offer.appellation_code:
        title = occupations.get_title(session, code=offer.appellation_code)
        if (title is not None and title.occupation_code != code and (newest is None or title.source.key == newest)):
            target = occupations.get_occupation(session, code=title.occupation_code)
            if target is not None:
                return out("moved", target.code, target.label)
    if in_newest:
        return out("current", code, occupation.label)
    _, children = occupations.related_occupations(session, occupation=occupation)
    children = [c for c in children if newest is None or c.source.key == newest]
    if len(children) == 1:
        return out("descendant", children[0].code, children[0].label)
    if children:
        return out("split", code, offer.rome_label, [{"code": c.code, "label": c.label} for c in children])
    return out("withdrawn", code, offer.rome_label)
