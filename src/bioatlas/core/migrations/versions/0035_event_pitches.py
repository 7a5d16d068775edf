"""events: start-up pitches (an event's call for pitches and its applications; reviewed by `review`)

Revision ID: 0035_event_pitches
Revises: 0034_opportunity_prefilter
Create Date: 2026-12-06 11:25:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0035_event_pitches'
down_revision = '0034_opportunity_prefilter'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'event_pitch_calls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('seats', sa.Integer(), nullable=False),
        sa.Column('is_open', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id'),
    )
    op.create_table(
        'event_pitch_applications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['call_id'], ['event_pitch_calls.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('call_id', 'actor_id'),
    )
    with op.batch_alter_table('event_pitch_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_pitch_applications_call_id'), ['call_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('event_pitch_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_pitch_applications_call_id'))
    op.drop_table('event_pitch_applications')
    op.drop_table('event_pitch_calls')
