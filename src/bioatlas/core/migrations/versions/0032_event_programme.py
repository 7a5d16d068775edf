"""events: programme sessions, speakers, session choices, capacities, registration status and check-in, exhibitors

Revision ID: 0032_event_programme
Revises: 0031_jobboard_alert_index
Create Date: 2026-12-06 10:45:01.329699
"""
from alembic import op
import sqlalchemy as sa


revision = '0032_event_programme'
down_revision = '0031_jobboard_alert_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_capacities',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_capacities_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'category', name=op.f('pk_event_capacities'))
    )
    op.create_table('event_exhibitors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('booth', sa.String(length=20), nullable=False),
    sa.Column('village', sa.Boolean(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_event_exhibitors_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_exhibitors_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_exhibitors')),
    sa.UniqueConstraint('event_id', 'actor_id', name='uq_event_exhibitors_actor'),
    sa.UniqueConstraint('event_id', 'booth', name='uq_event_exhibitors_booth')
    )
    op.create_index(op.f('ix_event_exhibitors_event_id'), 'event_exhibitors', ['event_id'], unique=False)
    op.create_table('event_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('track', sa.String(length=120), nullable=False),
    sa.Column('room', sa.String(length=120), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_sessions_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_sessions'))
    )
    op.create_index(op.f('ix_event_sessions_event_id'), 'event_sessions', ['event_id'], unique=False)
    op.create_table('event_session_choices',
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['event_participants.id'], name=op.f('fk_event_session_choices_participant_id_event_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_event_session_choices_session_id_event_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('participant_id', 'session_id', name=op.f('pk_event_session_choices'))
    )
    op.create_table('event_speakers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('affiliation', sa.String(length=300), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_event_speakers_actor_id_actors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_event_speakers_session_id_event_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_speakers'))
    )
    op.create_index(op.f('ix_event_speakers_session_id'), 'event_speakers', ['session_id'], unique=False)
    # plain ADD COLUMN (no table rebuild: the participants' rows and the requests pointing at them stay)
    op.add_column('event_participants', sa.Column('status', sa.String(length=12), server_default='registered',
                                                  nullable=False))
    op.add_column('event_participants', sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_event_participants_status'), 'event_participants', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_event_participants_status'), table_name='event_participants')
    with op.batch_alter_table('event_participants', schema=None) as batch_op:
        batch_op.drop_column('checked_in_at')
        batch_op.drop_column('status')
    op.drop_index(op.f('ix_event_speakers_session_id'), table_name='event_speakers')
    op.drop_table('event_speakers')
    op.drop_table('event_session_choices')
    op.drop_index(op.f('ix_event_sessions_event_id'), table_name='event_sessions')
    op.drop_table('event_sessions')
    op.drop_index(op.f('ix_event_exhibitors_event_id'), table_name='event_exhibitors')
    op.drop_table('event_exhibitors')
    op.drop_table('event_capacities')
