"""sites: how precise each position is

Revision ID: 0017_site_precision
Revises: 0016_jobs
Create Date: 2026-12-06 05:00:00

`sites.precision`: "address" (street address geocoded, or coordinates the registry gives for the
site), "commune" (the commune's centre from the gazetteer), "city_registry" (a city named by a
registry such as ROR, placed at its town hall), null when the site has no coordinates.
Existing rows are filled from what is known: located sites of the ROR source -> city_registry;
of a Sirene edition -> commune (the register's address is placed at its commune's centre);
other located sites with a street address -> address; the rest located -> commune.
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_site_precision'
down_revision = '0016_jobs'
branch_labels = None
depends_on = None

LOCATED = "latitude IS NOT NULL AND longitude IS NOT NULL"


def upgrade() -> None:
    # a plain nullable column: ADD COLUMN on both backends (no table copy of the computed cells)
    op.add_column('sites', sa.Column('precision', sa.String(length=20), nullable=True))
    op.execute(
        f"UPDATE sites SET \"precision\" = 'city_registry' WHERE {LOCATED} "
        "AND source_id IN (SELECT id FROM sources WHERE key = 'ror')"
    )
    op.execute(
        f"UPDATE sites SET \"precision\" = 'commune' WHERE {LOCATED} "
        "AND source_id IN (SELECT id FROM sources WHERE key LIKE 'sirene:StockEtablissement:%')"
    )
    op.execute(
        f"UPDATE sites SET \"precision\" = 'address' WHERE {LOCATED} AND \"precision\" IS NULL "
        "AND address IS NOT NULL AND TRIM(address) <> ''"
    )
    op.execute(f"UPDATE sites SET \"precision\" = 'commune' WHERE {LOCATED} AND \"precision\" IS NULL")


def downgrade() -> None:
    # DROP COLUMN on both backends (SQLite >= 3.35): a batch copy would lose the cells' triggers
    op.execute('ALTER TABLE sites DROP COLUMN "precision"')
