"""content version

Revision ID: 0023_content_version
Revises: 0025_messaging
Create Date: 2026-12-06 07:30:00

Table `content_version`: one row whose seq grows with every commit that wrote content (with the
change log's seq, the version the response cache and the HTTP validators key on).
"""
from alembic import op
import sqlalchemy as sa


revision = '0023_content_version'
down_revision = '0025_messaging'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('content_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_version'))
    )


def downgrade() -> None:
    op.drop_table('content_version')
