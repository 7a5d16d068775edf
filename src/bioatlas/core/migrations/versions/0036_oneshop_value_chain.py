"""oneshop: the value-chain steps of a project (oneshop_cases.value_chain_steps)

Revision ID: 0036_oneshop_value_chain
Revises: 0035_event_pitches
Create Date: 2026-12-06 11:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0036_oneshop_value_chain'
down_revision = '0035_event_pitches'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('oneshop_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value_chain_steps', sa.String(length=200), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('oneshop_cases', schema=None) as batch_op:
        batch_op.drop_column('value_chain_steps')
