"""semantic search: actor embeddings

Revision ID: 0009_semantic
Revises: 0008_search
Create Date: 2026-11-22 04:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_semantic'
down_revision = '0008_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
