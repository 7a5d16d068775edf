"""events: events, organisers, participants, meeting requests, scheduling runs and their meetings

Revision ID: 0027_events
Revises: 0021_sector_scope
Create Date: 2026-12-06 07:42:09.007388
"""
from alembic import op
import sqlalchemy as sa


revision = '0027_events'
down_revision = '0021_sector_scope'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('venue_name', sa.String(length=200), nullable=False),
    sa.Column('venue_city', sa.String(length=120), nullable=False),
    sa.Column('venue_lat', sa.Float(), nullable=True),
    sa.Column('venue_lon', sa.Float(), nullable=True),
    sa.Column('venue_actor_id', sa.Integer(), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_events_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['venue_actor_id'], ['actors.id'], name=op.f('fk_events_venue_actor_id_actors'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    op.create_table('event_organisers',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_event_organisers_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_organisers_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'actor_id', name=op.f('pk_event_organisers'))
    )
    op.create_table('event_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('representatives', sa.Integer(), nullable=False),
    sa.Column('unavailable', sa.JSON(), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_event_participants_actor_id_actors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_participants_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_event_participants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_participants')),
    sa.UniqueConstraint('event_id', 'user_id', name=op.f('uq_event_participants_event_id'))
    )
    with op.batch_alter_table('event_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_participants_event_id'), ['event_id'], unique=False)

    op.create_table('event_schedule_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('requested', sa.Integer(), nullable=False),
    sa.Column('placed', sa.Integer(), nullable=False),
    sa.Column('total_breaks', sa.Integer(), nullable=True),
    sa.Column('bound', sa.Integer(), nullable=True),
    sa.Column('conflicts', sa.JSON(), nullable=False),
    sa.Column('progress', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('time_limit', sa.Float(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_event_schedule_runs_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_schedule_runs_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_schedule_runs'))
    )
    with op.batch_alter_table('event_schedule_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_schedule_runs_event_id'), ['event_id'], unique=False)

    op.create_table('event_meeting_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('from_id', sa.Integer(), nullable=False),
    sa.Column('to_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('fixed_slot', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_meeting_requests_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_id'], ['event_participants.id'], name=op.f('fk_event_meeting_requests_from_id_event_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_id'], ['event_participants.id'], name=op.f('fk_event_meeting_requests_to_id_event_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_meeting_requests')),
    sa.UniqueConstraint('event_id', 'from_id', 'to_id', name=op.f('uq_event_meeting_requests_event_id'))
    )
    with op.batch_alter_table('event_meeting_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_meeting_requests_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_meeting_requests_status'), ['status'], unique=False)

    op.create_table('event_scheduled_meetings',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('table_no', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['event_meeting_requests.id'], name=op.f('fk_event_scheduled_meetings_request_id_event_meeting_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['event_schedule_runs.id'], name=op.f('fk_event_scheduled_meetings_run_id_event_schedule_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'request_id', name=op.f('pk_event_scheduled_meetings'))
    )


def downgrade() -> None:
    op.drop_table('event_scheduled_meetings')
    with op.batch_alter_table('event_meeting_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_meeting_requests_status'))
        batch_op.drop_index(batch_op.f('ix_event_meeting_requests_event_id'))

    op.drop_table('event_meeting_requests')
    with op.batch_alter_table('event_schedule_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_schedule_runs_event_id'))

    op.drop_table('event_schedule_runs')
    with op.batch_alter_table('event_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_participants_event_id'))

    op.drop_table('event_participants')
    op.drop_table('event_organisers')
    op.drop_table('events')
