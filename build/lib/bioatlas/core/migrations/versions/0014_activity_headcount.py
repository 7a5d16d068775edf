"""actors: main activity (NAF) and headcount band

Revision ID: 0014_activity_headcount
Revises: 0013_rate_limits
Create Date: 2026-11-22 08:00:00

`actors.naf_code` (NAF rév. 2, "21.20Z"), `actors.headcount_band` (INSEE band code, taxonomy
`headcount_bands`) and `actors.headcount_year`: what the Sirene register says of an
establishment, also importable from a spreadsheet; scalar facts with provenance and history.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_activity_headcount'
down_revision = '0013_rate_limits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('naf_code', sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column('headcount_band', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('headcount_year', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.drop_column('headcount_year')
        batch_op.drop_column('headcount_band')
        batch_op.drop_column('naf_code')
