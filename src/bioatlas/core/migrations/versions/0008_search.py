"""search indexes and embeddings

Revision ID: 0008_search
Revises: 0007_accounts
Create Date: 2026-11-22 04:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_search'
down_revision = '0007_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
