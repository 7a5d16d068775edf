"""events: event_speakers.role, a speaker's part in the session ("speaker" for every existing
entry; moderator, chair, panellist, keynote, pitcher); accounts: users.time_zone, the zone the
account's pages show times in (an IANA name, "Europe/Paris" for every existing account)

Revision ID: 0044_speaker_role_time_zone
Revises: 0043_event_speaker_pitch_unique
"""
import sqlalchemy as sa
from alembic import op

revision = "0044_speaker_role_time_zone"
down_revision = "0043_event_speaker_pitch_unique"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event_speakers") as batch:
        batch.add_column(sa.Column("role", sa.String(24), nullable=False, server_default="speaker"))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=False, server_default="Europe/Paris"))


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite >= 3.35 has it), not a batch: a batch recreates the table on
    # SQLite, and dropping `users` with foreign keys on would empty the tables that cascade from it
    op.drop_column("users", "time_zone")
    op.drop_column("event_speakers", "role")
