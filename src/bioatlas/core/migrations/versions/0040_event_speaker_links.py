"""events: a speaker linked to the account of a person (a participant of the event) and an entry
of a pitch session to the pitch application it stands for (it was recognised by the pair start-up,
title: renaming the entry cut the link). Existing entries are linked by that pair once.

Revision ID: 0040_event_speaker_links
Revises: 0039_actors_name_order
Create Date: 2026-12-06 17:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0040_event_speaker_links"
down_revision = "0039_actors_name_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event_speakers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pitch_application_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_event_speakers_user_id_users", "users", ["user_id"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_foreign_key("fk_event_speakers_pitch_application_id_event_pitch_applications",
                                    "event_pitch_applications", ["pitch_application_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(batch_op.f("ix_event_speakers_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_speakers_pitch_application_id"), ["pitch_application_id"],
                              unique=False)
    op.execute(
        "UPDATE event_speakers SET pitch_application_id = ("
        " SELECT a.id FROM event_pitch_applications a"
        " JOIN event_pitch_calls c ON c.id = a.call_id"
        " JOIN event_sessions s ON s.event_id = c.event_id"
        " WHERE s.id = event_speakers.session_id AND s.kind = 'pitch' AND a.status = 'selected'"
        " AND a.actor_id = event_speakers.actor_id AND a.title = event_speakers.name)"
        " WHERE pitch_application_id IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("event_speakers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_speakers_pitch_application_id"))
        batch_op.drop_index(batch_op.f("ix_event_speakers_user_id"))
        batch_op.drop_constraint("fk_event_speakers_pitch_application_id_event_pitch_applications",
                                 type_="foreignkey")
        batch_op.drop_constraint("fk_event_speakers_user_id_users", type_="foreignkey")
        batch_op.drop_column("pitch_application_id")
        batch_op.drop_column("user_id")
