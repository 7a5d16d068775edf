"""observatory pages: dated history of roadmap action status changes

Revision ID: 0011_observatory_pages
Revises: 0010_map_scale
Create Date: 2026-11-22 04:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_observatory_pages'
down_revision = '0010_map_scale'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roadmap_action_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('old_status', sa.String(length=20), nullable=False),
    sa.Column('new_status', sa.String(length=20), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['roadmap_actions.id'], name=op.f('fk_roadmap_action_changes_action_id_roadmap_actions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadmap_action_changes'))
    )
    with op.batch_alter_table('roadmap_action_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roadmap_action_changes_action_id'), ['action_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('roadmap_action_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roadmap_action_changes_action_id'))
    op.drop_table('roadmap_action_changes')
