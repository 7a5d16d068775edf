"""opportunities (partner search: offers, requests, expressions of interest)

Revision ID: 0028_opportunities
Revises: 0027_events
Create Date: 2026-12-06 08:50:00

Tables `opportunities` (an offer or a request of an actor, its review state, expiry and outcome)
`opportunity_interests` (expressions of interest, their answer and the thread opened) and
`opportunity_alerts` (saved searches).
"""
from alembic import op
import sqlalchemy as sa


revision = '0028_opportunities'
down_revision = '0027_events'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('opportunities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('title_fr', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('description_fr', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('modalities', sa.JSON(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('expression_systems', sa.JSON(), nullable=False),
    sa.Column('capacity', sa.JSON(), nullable=True),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('countries', sa.JSON(), nullable=False),
    sa.Column('call_ref', sa.String(length=120), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('synthetic_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_opportunities_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_opportunities_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_opportunities_reviewed_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunities'))
    )
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunities_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunities_direction'), ['direction'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunities_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunities_expires_on'), ['expires_on'], unique=False)
    op.create_table('opportunity_interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_opportunity_interests_actor_id_actors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['answered_by'], ['users.id'], name=op.f('fk_opportunity_interests_answered_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_opportunity_interests_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_opportunity_interests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_interests'))
    )
    with op.batch_alter_table('opportunity_interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_interests_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunity_interests_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunity_interests_user_id'), ['user_id'], unique=False)

    op.create_table('opportunity_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('modalities', sa.JSON(), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_opportunity_alerts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_alerts'))
    )
    with op.batch_alter_table('opportunity_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_alerts_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('opportunity_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_alerts_user_id'))
    op.drop_table('opportunity_alerts')
    with op.batch_alter_table('opportunity_interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_interests_user_id'))
        batch_op.drop_index(batch_op.f('ix_opportunity_interests_status'))
        batch_op.drop_index(batch_op.f('ix_opportunity_interests_opportunity_id'))
    op.drop_table('opportunity_interests')
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunities_expires_on'))
        batch_op.drop_index(batch_op.f('ix_opportunities_status'))
        batch_op.drop_index(batch_op.f('ix_opportunities_direction'))
        batch_op.drop_index(batch_op.f('ix_opportunities_actor_id'))
    op.drop_table('opportunities')
