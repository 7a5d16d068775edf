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

# The same expression as bioatlas.search.backends.PG_VECTOR (there with qualified columns): the
# planner uses the index only for a query on this very expression.
PG_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, names), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'B'))"
)


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("names", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], name=op.f("fk_search_documents_actor_id_actors"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("actor_id", name=op.f("pk_search_documents")),
    )
    op.create_table(
        "search_terms",
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("prefix2", sa.String(length=2), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_search_terms")),
    )
    op.create_index(op.f("ix_search_terms_prefix2"), "search_terms", ["prefix2"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(names, body, content='search_documents', "
            "content_rowid='actor_id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
        )
        op.execute(
            "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
            "INSERT INTO search_fts(rowid, names, body) VALUES (new.actor_id, new.names, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, names, body) VALUES ('delete', old.actor_id, old.names, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, names, body) VALUES ('delete', old.actor_id, old.names, old.body); "
            "INSERT INTO search_fts(rowid, names, body) VALUES (new.actor_id, new.names, new.body); END"
        )
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(f"CREATE INDEX ix_search_documents_tsv ON search_documents USING gin ({PG_VECTOR})")
        op.execute("CREATE INDEX ix_search_terms_trgm ON search_terms USING gin (term gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_terms_trgm")
        op.execute("DROP INDEX IF EXISTS ix_search_documents_tsv")
    op.drop_index(op.f("ix_search_terms_prefix2"), table_name="search_terms")
    op.drop_table("search_terms")
    op.drop_table("search_documents")
