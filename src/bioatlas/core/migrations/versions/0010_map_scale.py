"""map at scale: cluster grid

Revision ID: 0010_map_scale
Revises: 0009_semantic
Create Date: 2026-11-22 04:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_map_scale'
down_revision = '0009_semantic'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
