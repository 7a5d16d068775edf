"""events: a pitch is an entry of one programme session only, held by the database (a unique
index on `event_speakers.pitch_application_id` where it is set) and no longer only by the form's
check, which two simultaneous edits could both pass.

Existing data: if a pitch is linked to several entries (possible before this index), the entry
in the earliest session (start, then session, then position in it) keeps the link, the others
are unlinked (their lines stay in the programme as plain speakers, as the organisers wrote them);
each one unlinked is reported in the migration's log.

Revision ID: 0043_event_speaker_pitch_unique
Revises: 0042_user_language
Create Date: 2026-12-06 21:00:00
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = "0043_event_speaker_pitch_unique"
down_revision = "0042_user_language"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
LINKED = sa.text("pitch_application_id IS NOT NULL")


def unlink_duplicates(conn) -> list[tuple[int, int, int]]:
    """Unlink every entry of a pitch but the first (earliest session); returns (entry, session,
    pitch) of those unlinked."""
    rows = conn.execute(sa.text(
        "SELECT sp.id, sp.session_id, sp.pitch_application_id FROM event_speakers sp"
        " JOIN event_sessions s ON s.id = sp.session_id WHERE sp.pitch_application_id IS NOT NULL"
        " ORDER BY sp.pitch_application_id, s.starts_at, s.id, sp.position, sp.id")).all()
    seen: set[int] = set()
    extra = []
    for entry, session_id, pitch in rows:
        if pitch in seen:
            extra.append((entry, session_id, pitch))
        seen.add(pitch)
    if extra:
        conn.execute(sa.text("UPDATE event_speakers SET pitch_application_id = NULL WHERE id = :id"),
                     [{"id": entry} for entry, _session, _pitch in extra])
        for entry, session_id, pitch in extra:
            log.warning("event_speakers %s (session %s): pitch %s is already an entry of an earlier session;"
                        " unlinked (the line stays)", entry, session_id, pitch)
    return extra


def upgrade() -> None:
    unlink_duplicates(op.get_bind())
    op.drop_index("ix_event_speakers_pitch_application_id", table_name="event_speakers")
    op.create_index("uq_event_speakers_pitch_application_id", "event_speakers", ["pitch_application_id"],
                    unique=True, sqlite_where=LINKED, postgresql_where=LINKED)


def downgrade() -> None:
    op.drop_index("uq_event_speakers_pitch_application_id", table_name="event_speakers")
    op.create_index("ix_event_speakers_pitch_application_id", "event_speakers", ["pitch_application_id"],
                    unique=False)
