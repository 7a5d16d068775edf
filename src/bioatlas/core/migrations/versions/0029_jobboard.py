"""jobboard: job offers of the sector job board, saved searches

Revision ID: 0029_jobboard
Revises: 0027_events
Create Date: 2026-12-06 08:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0029_jobboard'
down_revision = '0028_opportunities'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('employer_name', sa.String(length=300), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('search_key', sa.String(length=800), nullable=False),
    sa.Column('rome_code', sa.String(length=5), nullable=False),
    sa.Column('rome_label', sa.String(length=300), nullable=False),
    sa.Column('appellation_code', sa.String(length=12), nullable=True),
    sa.Column('appellation_label', sa.String(length=300), nullable=True),
    sa.Column('rome_version', sa.String(length=40), nullable=False),
    sa.Column('contract', sa.String(length=16), nullable=False),
    sa.Column('experience', sa.String(length=16), nullable=False),
    sa.Column('education', sa.String(length=16), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('gmp_environment', sa.Boolean(), nullable=False),
    sa.Column('remote_share', sa.Integer(), nullable=False),
    sa.Column('salary_min', sa.Integer(), nullable=True),
    sa.Column('salary_max', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('description_fr', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('apply_url', sa.String(length=1000), nullable=True),
    sa.Column('apply_email', sa.String(length=254), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('external_id', sa.String(length=60), nullable=True),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('commune_name', sa.String(length=200), nullable=True),
    sa.Column('departement', sa.String(length=3), nullable=True),
    sa.Column('region', sa.String(length=3), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=12), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_job_offers_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_job_offers_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_job_offers_site_id_sites'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_offers')),
    sa.UniqueConstraint('origin', 'external_id', name=op.f('uq_job_offers_origin'))
    )
    with op.batch_alter_table('job_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_offers_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_offers_contract'), ['contract'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_offers_departement'), ['departement'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_offers_expires_on'), ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_offers_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_offers_rome_code'), ['rome_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_offers_status'), ['status'], unique=False)
    op.create_table('job_saved_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_job_saved_searches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_saved_searches'))
    )
    with op.batch_alter_table('job_saved_searches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_saved_searches_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_table('job_saved_searches')
    op.drop_table('job_offers')
