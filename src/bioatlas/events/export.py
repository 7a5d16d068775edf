"""The organisers' CSV export of registrations. A cell a spreadsheet would run as a formula
(starting with = + - @, a tab or a carriage return) is written as text (a leading apostrophe)."""

from __future__ import annotations

import csv
import io

from sqlalchemy.orm import Session

from bioatlas.events.catalogue import actor_names
from bioatlas.events.models import Event
from bioatlas.events.registration import participants, waiting_position

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ["participant_id", "name", "category", "actor_id", "actor", "status", "waiting_position",
           "registered_at", "checked_in_at", "representatives", "synthetic"]


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def registrations_csv(session: Session, *, event: Event) -> str:
    """Every registration of the event (registered, waiting, cancelled), one row each."""
    people = participants(session, event_id=event.id, status=None)
    names = dict(actor_names(session, actor_ids=[p.actor_id for p in people if p.actor_id]))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for p in sorted(people, key=lambda x: x.id):
        writer.writerow([safe_cell(v) for v in (
            p.id, p.display_name, p.category, p.actor_id or "", names.get(p.actor_id, "") if p.actor_id else "",
            p.status, waiting_position(session, participant=p) or "", p.created_at.isoformat() if p.created_at else "",
            p.checked_in_at.isoformat() if p.checked_in_at else "", p.representatives, "yes" if p.synthetic else "no")])
    return buf.getvalue()
