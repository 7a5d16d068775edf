"""atlas: an index on (lower(name), id) of actors, the directory's order: page 1 of /actors walks
it instead of sorting every active actor (200,000 actors: ~0.26 s of sort per listing)

Revision ID: 0039_actors_name_order
Revises: 0038_site_supersessions
"""
import sqlalchemy as sa
from alembic import op

revision = "0039_actors_name_order"
down_revision = "0038_site_supersessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_actors_lower_name_id", "actors", [sa.text("lower(name)"), "id"])


def downgrade() -> None:
    op.drop_index("ix_actors_lower_name_id", table_name="actors")
