"""The events room's map layer ("events"): the venues of events, through the plug-in contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from bioatlas.core.moments import written
from bioatlas.core.plugins import MapLayer, MapPoint
from bioatlas.events import service
from bioatlas.events.registration import event_days

NAME = "events"


def venue_points(session: Session, *, bbox: tuple[float, float, float, float], filters: Mapping[str, Sequence[str]],
                 lang: str, limit: int) -> list[MapPoint]:
    points = []
    for event in service.venues_in(session, bbox=bbox, limit=limit):
        dates = written(event_days(event), lang)  # "mardi 5 janvier 2027 – jeudi 7 janvier 2027"
        venue = ", ".join(x for x in (event.venue_name, event.venue_city) if x)
        extra = ["événement de démonstration (synthétique)" if lang == "fr" else "demo event (synthetic)"] \
            if event.synthetic else []
        points.append(MapPoint(id=f"{NAME}:{event.id}", lat=float(event.venue_lat or 0), lon=float(event.venue_lon or 0),
                               title=event.title, url=f"/events/{event.id}", lines=[dates, venue, *extra]))
    return points


def layer() -> MapLayer:
    return MapLayer(name=NAME, label={"fr": "Événements", "en": "Events"}, points=venue_points,
                    source={"fr": "Événements déclarés par leurs organisateurs", "en": "Events declared by their organisers"},
                    color="#d95f02")
