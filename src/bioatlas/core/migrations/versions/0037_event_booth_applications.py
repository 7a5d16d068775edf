"""events: booth applications reviewed by organisers

Revision ID: 0037_event_booth_applications
Revises: 0036_oneshop_value_chain
Create Date: 2026-12-06 14:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0037_event_booth_applications'
down_revision = '0036_oneshop_value_chain'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'event_booth_applications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('stand_type', sa.String(length=12), nullable=False),
        sa.Column('wish', sa.String(length=200), nullable=False),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('exhibitor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['exhibitor_id'], ['event_exhibitors.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('event_booth_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_booth_applications_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_booth_applications_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('event_booth_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_booth_applications_status'))
        batch_op.drop_index(batch_op.f('ix_event_booth_applications_event_id'))
    op.drop_table('event_booth_applications')
