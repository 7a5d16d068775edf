"""rate limits shared by the worker processes

Revision ID: 0013_rate_limits
Revises: 0012_change_log
Create Date: 2026-11-22 07:50:00

Table `rate_limit_hits`: the counted attempts of each rate-limit key (a keyed hash, no address),
so that several worker processes share one limit instead of multiplying it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_rate_limits'
down_revision = '0012_change_log'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limit_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_limit_hits'))
    )
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.create_index('ix_rate_limit_hits_key_at', ['key', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rate_limit_hits_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_hits_at'))
        batch_op.drop_index('ix_rate_limit_hits_key_at')
    op.drop_table('rate_limit_hits')
