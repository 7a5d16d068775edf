"""Saved searches (alerts): stored per user, notified when a matching opportunity is published."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bioatlas.atlas.service import Taxonomy, gazetteer
from bioatlas.core.db import unit_of_work
from bioatlas.core.fields import FieldError
from bioatlas.notifications import service as notifications
from bioatlas.opportunities.errors import NotFound, _refuse
from bioatlas.opportunities.fields import DIRECTIONS, KINDS, choice, codes, region_codes
from bioatlas.opportunities.models import Alert, Opportunity
from bioatlas.opportunities.reads import _regions

MAX_ALERTS = 20


def alerts_of(session: Session, *, user_id: int) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.user_id == user_id).order_by(Alert.id)))


def save_alert(session: Session, *, user_id: int, ip: str | None, raw: object,
               taxonomies: Mapping[str, Taxonomy]) -> Alert:
    """A saved search `{"direction", "kind", "modalities", "regions"}` (all optional); at most
    MAX_ALERTS per user."""
    try:
        if not isinstance(raw, Mapping):
            raise FieldError("alert", "expected an object")
        unknown = sorted(set(raw) - {"direction", "kind", "modalities", "regions"})
        if unknown:
            raise FieldError(str(unknown[0])[:40], "unknown field")
        direction = choice("direction", raw["direction"], DIRECTIONS) if raw.get("direction") else None
        kind = choice("kind", raw["kind"], KINDS) if raw.get("kind") else None
        modalities = codes("modalities", raw.get("modalities"), taxonomies["modalities"])
        regions = region_codes("regions", raw.get("regions"), gazetteer().regions)
        if len(alerts_of(session, user_id=user_id)) >= MAX_ALERTS:
            raise FieldError("alert", "at most {max} saved searches: delete one first", params={"max": MAX_ALERTS})
    except FieldError as exc:
        _refuse(session, user_id=user_id, ip=ip, target=f"user:{user_id}", action="opportunities.alert", exc=exc)
        raise
    with unit_of_work(session):
        alert = Alert(user_id=user_id, direction=direction, kind=kind, modalities=modalities, regions=regions)
        session.add(alert)
    return alert


def delete_alert(session: Session, *, user_id: int, alert_id: int) -> None:
    alert = session.get(Alert, alert_id)
    if alert is None or alert.user_id != user_id:
        raise NotFound("alert_id", "no saved search {alert_id} of yours", params={"alert_id": alert_id})
    with unit_of_work(session):
        session.delete(alert)


def _alert_matches(alert: Alert, opp: Opportunity, actor_regions: set[str]) -> bool:
    if alert.direction and alert.direction != opp.direction:
        return False
    if alert.kind and alert.kind != opp.kind:
        return False
    if alert.modalities and not set(alert.modalities) & set(opp.modalities or ()):
        return False
    return not alert.regions or bool(set(alert.regions) & (set(opp.regions or ()) | actor_regions))


def _send_alerts(session: Session, opp: Opportunity) -> int:
    """Notify the owners of the saved searches the newly published opportunity meets (not its
    author); the caller commits."""
    regions = _regions(session, [opp.actor_id]).get(opp.actor_id, set())
    told = set()
    for alert in session.scalars(select(Alert).order_by(Alert.id)):
        if alert.user_id in told or alert.user_id == opp.author_id or not _alert_matches(alert, opp, regions):
            continue
        told.add(alert.user_id)
        notifications.notify(session, user_id=alert.user_id, kind="opportunities.alert",
                             context={"title": opp.title_fr or opp.title_en, "direction": opp.direction},
                             link=f"/opportunities/{opp.id}")
    return len(told)
