"""map at scale: cluster grid

Revision ID: 0010_map_scale
Revises: 0009_semantic
Create Date: 2026-11-22 04:20:00

Columns `sites.cell_g<g>` (Web-Mercator tile of the site at grid level g, see atlas/cells.py)
with one index (cell, latitude, longitude, actor_id) per level, so that a viewport's clusters are
an index-only GROUP BY; and an index on `actors.status` (the map's default view excludes the few
non-active actors through it instead of joining every site to its actor).

PostgreSQL: STORED generated columns. SQLite: plain columns filled by two triggers (after insert,
after update of latitude/longitude), because SQLite never reads an index as covering when the
table has generated columns (measured: every row was fetched from the table) and cannot add a
STORED one with ALTER TABLE. The model declares them `Computed` so that SQLAlchemy never writes
them; tests/core/test_migrations.py compares columns and indexes, not triggers.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_map_scale'
down_revision = '0009_semantic'
branch_labels = None
depends_on = None

# Frozen copy of atlas/cells.py as it was at this revision (a migration is history: it must not
# change when the live module does).
GRIDS = (4, 6, 8, 10, 12, 14, 16)


def cell_sql(grid: int) -> str:
    """SQL expression of `cell_g<grid>` (NULL when the site has no coordinates)."""
    n = 1 << grid
    x = f"floor((longitude + 180.0) / 360.0 * {n})"
    y = f"floor((1.0 - ln(tan(radians(latitude)) + 1.0 / cos(radians(latitude))) / pi()) / 2.0 * {n})"
    # CASE first: SQLAlchemy's SQLite driver registers a Python floor() that fails on NULL.
    return f"CASE WHEN latitude IS NULL OR longitude IS NULL THEN NULL ELSE CAST({x} * {n} + {y} AS BIGINT) END"


_SET = ", ".join(f"cell_g{g} = {cell_sql(g)}" for g in GRIDS)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for g in GRIDS:
        computed = () if sqlite else (sa.Computed(cell_sql(g), persisted=True),)
        op.add_column("sites", sa.Column(f"cell_g{g}", sa.BigInteger(), *computed, nullable=True))
    if sqlite:
        op.execute(f"UPDATE sites SET {_SET}")
        op.execute(f"CREATE TRIGGER sites_cells_ai AFTER INSERT ON sites BEGIN "
                   f"UPDATE sites SET {_SET} WHERE id = NEW.id; END")
        op.execute(f"CREATE TRIGGER sites_cells_au AFTER UPDATE OF latitude, longitude ON sites BEGIN "
                   f"UPDATE sites SET {_SET} WHERE id = NEW.id; END")
    for g in GRIDS:
        op.create_index(f"ix_sites_cell_g{g}", "sites", [f"cell_g{g}", "latitude", "longitude", "actor_id"], unique=False)
    op.create_index("ix_actors_status", "actors", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_actors_status", table_name="actors")
    for g in GRIDS:
        op.drop_index(f"ix_sites_cell_g{g}", table_name="sites")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS sites_cells_ai")
        op.execute("DROP TRIGGER IF EXISTS sites_cells_au")
    for g in GRIDS:
        op.drop_column("sites", f"cell_g{g}")
