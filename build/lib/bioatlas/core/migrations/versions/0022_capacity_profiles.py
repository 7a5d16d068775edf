"""capacity profiles (the offer directory)

Revision ID: 0022_capacity_profiles
Revises: 0026_calls_review
Create Date: 2026-12-06 07:10:00

Table `capacity_profiles`: one per actor, the working version its members edit (`draft`), the
last verified or labelled demo version the directory shows (`published`), the review state.
"""
from alembic import op
import sqlalchemy as sa


revision = '0022_capacity_profiles'
down_revision = '0026_calls_review'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('capacity_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=False),
    sa.Column('published', sa.JSON(), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('demo_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_capacity_profiles_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_capacity_profiles_reviewed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_capacity_profiles_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_capacity_profiles')),
    sa.UniqueConstraint('actor_id', name=op.f('uq_capacity_profiles_actor_id'))
    )
    with op.batch_alter_table('capacity_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capacity_profiles_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('capacity_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capacity_profiles_status'))
    op.drop_table('capacity_profiles')
