"""organisation resolution: merges and duplicate review

Revision ID: 0006_resolution
Revises: 0005_observatory
Create Date: 2026-11-22 04:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_resolution'
down_revision = '0005_observatory'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
