"""sector scope: why each actor belongs to the sector, and the scope runs

Revision ID: 0021_sector_scope
Revises: 0023_content_version
Create Date: 2026-12-06 07:30:00

Tables `actor_scope_reasons` (one row per actor and scope rule, with the values matched) and
`sector_scope_runs` (each computation of the scope: time, rules digest, actors in scope).
"""
from alembic import op
import sqlalchemy as sa


revision = '0021_sector_scope'
down_revision = '0023_content_version'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('actor_scope_reasons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=60), nullable=False),
    sa.Column('matched', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_actor_scope_reasons_actor_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actor_scope_reasons')),
    sa.UniqueConstraint('actor_id', 'rule', name='uq_actor_scope_reasons_actor_rule')
    )
    with op.batch_alter_table('actor_scope_reasons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actor_scope_reasons_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actor_scope_reasons_rule'), ['rule'], unique=False)
    op.create_table('sector_scope_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rules_digest', sa.String(length=64), nullable=False),
    sa.Column('actors', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_scope_runs'))
    )


def downgrade() -> None:
    op.drop_table('sector_scope_runs')
    with op.batch_alter_table('actor_scope_reasons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actor_scope_reasons_rule'))
        batch_op.drop_index(batch_op.f('ix_actor_scope_reasons_actor_id'))
    op.drop_table('actor_scope_reasons')
