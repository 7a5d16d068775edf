"""accounts, roles, contributions, audit log

Revision ID: 0007_accounts
Revises: 0006_resolution
Create Date: 2026-11-22 04:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_accounts'
down_revision = '0006_resolution'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
