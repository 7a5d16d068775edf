"""jobboard: saved searches' simple conditions as columns (SQL prefilter of the alerts)

Revision ID: 0031_jobboard_alert_index
Revises: 0030_oneshop
Create Date: 2026-12-06 11:05:00

Existing saved searches keep the defaults ("any"): they stay candidates for every new offer and
are checked in Python as before; searches saved from now on carry their conditions.
"""
from alembic import op
import sqlalchemy as sa


revision = '0031_jobboard_alert_index'
down_revision = '0030_oneshop'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job_saved_searches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rome', sa.String(length=5), server_default='', nullable=False))
        batch_op.add_column(sa.Column('contracts', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('region', sa.String(length=3), server_default='', nullable=False))
        batch_op.add_column(sa.Column('departement', sa.String(length=3), server_default='', nullable=False))
        batch_op.add_column(sa.Column('gmp', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('near_latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('near_longitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('near_kx', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('km', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_job_saved_searches_region'), ['region'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('job_saved_searches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_saved_searches_region'))
        for name in ('km', 'near_kx', 'near_longitude', 'near_latitude', 'gmp', 'departement', 'region',
                     'contracts', 'rome'):
            batch_op.drop_column(name)
