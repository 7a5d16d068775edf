"""semantic search: actor embeddings

Revision ID: 0009_semantic
Revises: 0008_search
Create Date: 2026-11-22 04:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_semantic'
down_revision = '0008_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('actor_embeddings',
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('embedded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_actor_embeddings_actor_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('actor_id', name=op.f('pk_actor_embeddings'))
    )
    with op.batch_alter_table('actor_embeddings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actor_embeddings_embedded_at'), ['embedded_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('actor_embeddings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actor_embeddings_embedded_at'))
    op.drop_table('actor_embeddings')
