"""research facts of the RNSR and i-Lab connectors

Revision ID: 0018_research_facts
Revises: 0017_site_precision
Create Date: 2026-12-06 05:05:00

Table `research_facts`: what a research registry states about an actor beyond the atlas's own
columns (RNSR scientific domains and ERC panels, creation year; i-Lab years, technology domains,
laureate ids), one row per (actor, source, kind, code) with the source's label.
"""
from alembic import op
import sqlalchemy as sa


revision = '0018_research_facts'
down_revision = '0017_site_precision'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('research_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_research_facts_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_research_facts_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_facts')),
    sa.UniqueConstraint('actor_id', 'source_id', 'kind', 'code', name='uq_research_facts_fact')
    )
    with op.batch_alter_table('research_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_facts_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_research_facts_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_research_facts_kind'), ['kind'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('research_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_facts_kind'))
        batch_op.drop_index(batch_op.f('ix_research_facts_source_id'))
        batch_op.drop_index(batch_op.f('ix_research_facts_actor_id'))
    op.drop_table('research_facts')
