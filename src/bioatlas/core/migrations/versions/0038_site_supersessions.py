"""atlas: site statements superseded by a correction (re-imports skip them, reverts restore them)

Revision ID: 0038_site_supersessions
Revises: 0037_event_booth_applications
Create Date: 2026-12-06 14:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0038_site_supersessions'
down_revision = '0037_event_booth_applications'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'site_supersessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('site', sa.Text(), nullable=False),
        sa.Column('by_source_id', sa.Integer(), nullable=False),
        sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['by_source_id'], ['sources.id']),
        sa.ForeignKeyConstraint(['source_id'], ['sources.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('site_supersessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_supersessions_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_supersessions_by_source_id'), ['by_source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_supersessions_source_id'), ['source_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('site_supersessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_supersessions_source_id'))
        batch_op.drop_index(batch_op.f('ix_site_supersessions_by_source_id'))
        batch_op.drop_index(batch_op.f('ix_site_supersessions_actor_id'))
    op.drop_table('site_supersessions')
