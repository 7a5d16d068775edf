"""oneshop: documents shared per partner (oneshop_document_shares replaces oneshop_documents.shared_with),
details shared per partner, the company's satisfaction per routed request

Revision ID: 0033_oneshop_sharing
Revises: 0032_event_programme
Create Date: 2026-12-06 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0033_oneshop_sharing'
down_revision = '0032_event_programme'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oneshop_document_shares',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_oneshop_document_shares_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['oneshop_documents.id'], name=op.f('fk_oneshop_document_shares_document_id_oneshop_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', 'actor_id', name=op.f('pk_oneshop_document_shares'))
    )
    with op.batch_alter_table('oneshop_document_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oneshop_document_shares_actor_id'), ['actor_id'], unique=False)
    op.execute("INSERT INTO oneshop_document_shares (document_id, actor_id) "
               "SELECT id, shared_with FROM oneshop_documents WHERE shared_with IS NOT NULL")
    with op.batch_alter_table('oneshop_documents', schema=None) as batch_op:
        batch_op.drop_constraint('fk_oneshop_documents_shared_with_actors', type_='foreignkey')
        batch_op.drop_column('shared_with')
    with op.batch_alter_table('oneshop_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details_shared', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('satisfaction', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('satisfaction_comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('oneshop_requests', schema=None) as batch_op:
        batch_op.drop_column('rated_at')
        batch_op.drop_column('satisfaction_comment')
        batch_op.drop_column('satisfaction')
        batch_op.drop_column('details_shared')
    with op.batch_alter_table('oneshop_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_with', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_oneshop_documents_shared_with_actors', 'actors', ['shared_with'], ['id'],
                                    ondelete='SET NULL')
    op.execute("UPDATE oneshop_documents SET shared_with = (SELECT min(actor_id) FROM oneshop_document_shares "
               "WHERE oneshop_document_shares.document_id = oneshop_documents.id)")
    with op.batch_alter_table('oneshop_document_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oneshop_document_shares_actor_id'))
    op.drop_table('oneshop_document_shares')
