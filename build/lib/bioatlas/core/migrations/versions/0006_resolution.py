"""organisation resolution: merges and duplicate review

Revision ID: 0006_resolution
Revises: 0005_observatory
Create Date: 2026-11-22 04:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_resolution'
down_revision = '0005_observatory'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('duplicate_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_a_id', sa.Integer(), nullable=False),
    sa.Column('actor_b_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_a_id'], ['actors.id'], name=op.f('fk_duplicate_candidates_actor_a_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['actor_b_id'], ['actors.id'], name=op.f('fk_duplicate_candidates_actor_b_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_candidates')),
    sa.UniqueConstraint('actor_a_id', 'actor_b_id', name='uq_duplicate_candidates_pair')
    )
    with op.batch_alter_table('duplicate_candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_candidates_actor_a_id'), ['actor_a_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duplicate_candidates_actor_b_id'), ['actor_b_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duplicate_candidates_status'), ['status'], unique=False)

    op.create_table('actor_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kept_id', sa.Integer(), nullable=False),
    sa.Column('merged_id', sa.Integer(), nullable=False),
    sa.Column('merged_name', sa.String(length=500), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('rows', sa.Text(), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['kept_id'], ['actors.id'], name=op.f('fk_actor_merges_kept_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actor_merges'))
    )
    with op.batch_alter_table('actor_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actor_merges_kept_id'), ['kept_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actor_merges_merged_id'), ['merged_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actor_merges_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('actor_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actor_merges_status'))
        batch_op.drop_index(batch_op.f('ix_actor_merges_merged_id'))
        batch_op.drop_index(batch_op.f('ix_actor_merges_kept_id'))
    op.drop_table('actor_merges')
    with op.batch_alter_table('duplicate_candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_candidates_status'))
        batch_op.drop_index(batch_op.f('ix_duplicate_candidates_actor_b_id'))
        batch_op.drop_index(batch_op.f('ix_duplicate_candidates_actor_a_id'))
    op.drop_table('duplicate_candidates')
