"""change log of actors

Revision ID: 0012_change_log
Revises: 0011_observatory_pages
Create Date: 2026-11-22 07:40:00

Table `actor_change_log`: one row per actor touched by a commit, written in the same transaction by
`bioatlas.atlas.changelog`, so that the in-memory indexes of every process (search facets, map
clusters) know which actors to refresh.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_change_log'
down_revision = '0011_observatory_pages'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('actor_change_log',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_actor_change_log')),
    sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table('actor_change_log')
