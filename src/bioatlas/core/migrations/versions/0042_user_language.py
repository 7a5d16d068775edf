"""accounts: users.language, the account's language ("fr" or "en", French for every existing
account): its notifications and e-mails are rendered in it

Revision ID: 0042_user_language
Revises: 0041_view_count_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "0042_user_language"
down_revision = "0041_view_count_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(5), nullable=False, server_default="fr"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
