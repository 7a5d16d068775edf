"""evidence of inferred capabilities

Revision ID: 0019_capability_evidence
Revises: 0018_research_facts
Create Date: 2026-12-06 05:45:00

Table `capability_evidence`: the rule and the matched words behind a capability inferred from an
actor's own texts (source of kind "inferred"), or a member's rejection of it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0019_capability_evidence'
down_revision = '0018_research_facts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('capability_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('facet', sa.String(length=30), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('rule', sa.String(length=60), nullable=False),
    sa.Column('matched', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_capability_evidence_actor_id_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_capability_evidence')),
    sa.UniqueConstraint('actor_id', 'facet', 'code', name='uq_capability_evidence_actor_facet_code')
    )
    with op.batch_alter_table('capability_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capability_evidence_actor_id'), ['actor_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('capability_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capability_evidence_actor_id'))
    op.drop_table('capability_evidence')
