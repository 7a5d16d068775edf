"""The products room's map layer: the sites of the actors that hold a marketing authorisation of
an EMA-listed medicine (`Product.mah_actor_id`, resolved by `mah.py`), published through the
plug-in contract (`core.plugins.MapLayer`, hook in `plugin.py`).

One point per located site of a holder (read through the atlas's public interface,
`atlas.service.located_sites`); its popup says how many of the holder's medicines match the
filters, how many are authorised, how many are biologics, and names a few. Filters: biologics
only; the medicine's status (several: any of them)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bioatlas.atlas import service as atlas
from bioatlas.core.i18n import Translator
from bioatlas.core.plugins import MapFilter, MapLayer, MapPoint
from bioatlas.products.models import Product

NAME = "ema-holders"
NAMES_SHOWN = 3
STATUS_LABELS: dict[str, dict[str, str]] = {
    "authorised": {"en": "Authorised", "fr": "Autorisé"},
    "withdrawn": {"en": "Withdrawn", "fr": "Retiré"},
    "application_withdrawn": {"en": "Application withdrawn", "fr": "Demande retirée"},
    "refused": {"en": "Refused", "fr": "Refusé"},
    "lapsed": {"en": "Lapsed", "fr": "Caduc"},
    "expired": {"en": "Expired", "fr": "Expiré"},
    "revoked": {"en": "Revoked", "fr": "Révoqué"},
    "suspended": {"en": "Suspended", "fr": "Suspendu"},
    "opinion": {"en": "Opinion (not yet authorised)", "fr": "Avis (pas encore autorisé)"},
    "withdrawn_from_rolling_review": {"en": "Withdrawn from rolling review", "fr": "Retiré de l'examen continu"},
    "opinion_under_re_examination": {"en": "Opinion under re-examination", "fr": "Avis en réexamen"},
}
FILTERS = (
    MapFilter(
        name="biologic",
        label={"en": "Biologics", "fr": "Biologiques"},
        options=[("true", {"en": "Biologics only", "fr": "Biologiques seulement"})],
    ),
    MapFilter(
        name="status",
        label={"en": "Medicine status", "fr": "Statut du médicament"},
        options=list(STATUS_LABELS.items()),
    ),
)


def _conditions(filters: Mapping[str, Sequence[str]]) -> list:
    conds = [Product.mah_actor_id.is_not(None)]
    if "true" in filters.get("biologic", ()):
        conds.append(Product.is_biologic.is_(True))
    if filters.get("status"):
        conds.append(Product.status.in_(list(filters["status"])))
    return conds


def holder_points(
    session: Session, *, bbox: tuple[float, float, float, float], filters: Mapping[str, Sequence[str]], lang: str,
    limit: int,
) -> list[MapPoint]:
    """The located sites of the holders of the matching medicines inside `bbox` (at most `limit`)."""
    conds = _conditions(filters)
    counts = {
        actor_id: (total, authorised, biologics)
        for actor_id, total, authorised, biologics in session.execute(
            select(
                Product.mah_actor_id,
                func.count(),
                func.sum(case((Product.status == "authorised", 1), else_=0)),
                func.sum(case((Product.is_biologic.is_(True), 1), else_=0)),
            ).where(*conds).group_by(Product.mah_actor_id)
        )
    }
    sites = atlas.located_sites(session, actor_ids=counts, bbox=bbox, limit=limit)
    if not sites:
        return []
    names: dict[int, list[str]] = defaultdict(list)
    for actor_id, name in session.execute(
        select(Product.mah_actor_id, Product.name)
        .where(*conds, Product.mah_actor_id.in_({s.actor_id for s in sites}))
        .order_by(Product.mah_actor_id, (Product.status == "authorised").desc(), Product.name)
    ):
        if len(names[actor_id]) < NAMES_SHOWN and name not in names[actor_id]:
            names[actor_id].append(name)
    t = Translator(lang)
    points = []
    for site in sites:
        total, authorised, biologics = counts[site.actor_id]
        shown = names[site.actor_id]
        more = total - len(shown)
        lines = [
            t("Medicines: {total} (authorised: {authorised})", total=total, authorised=int(authorised or 0)),
            t("Biologics: {count}", count=int(biologics or 0)),
            t("Including: {names}", names=", ".join(shown) + (f" (+{more})" if more > 0 else "")),
        ]
        if site.commune_name:
            lines.append(site.commune_name)
        points.append(MapPoint(
            id=f"site-{site.site_id}", lat=site.latitude, lon=site.longitude, title=site.actor_name,
            url=f"/actors/{site.actor_id}", lines=lines, precision=site.precision,
        ))
    return points


LAYER = MapLayer(
    name=NAME,
    label={"en": "Marketing-authorisation holders (EMA)", "fr": "Titulaires d'AMM européennes (EMA)"},
    points=holder_points,
    source={
        "en": "EMA, medicines evaluated for the EU (European public assessment reports)",
        "fr": "EMA, médicaments évalués pour l'UE (rapports européens publics d'évaluation)",
    },
    filters_spec=FILTERS,
    color="#b3541e",
    limit=2000,
)
