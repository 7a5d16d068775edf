"""opportunities: the partner sought (partner_kinds); the hard constraints as columns (scale, GMP rank, window) and an index of
modality codes, for the SQL prefilter of the matches; existing rows filled from their JSON

Revision ID: 0034_opportunity_prefilter
Revises: 0033_oneshop_sharing
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0034_opportunity_prefilter"
down_revision = "0033_oneshop_sharing"
branch_labels = None
depends_on = None

GMP_RANKS = {"none": 0, "gmp_clinical": 1, "gmp_commercial": 2}


def _day(value):
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def upgrade() -> None:
    with op.batch_alter_table("opportunities") as batch:  # plain ALTER TABLE ADD COLUMN on both backends
        batch.add_column(sa.Column("partner_kinds", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("scale_min_l", sa.Float(), nullable=True))
        batch.add_column(sa.Column("scale_max_l", sa.Float(), nullable=True))
        batch.add_column(sa.Column("gmp_rank", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("window_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("window_to", sa.Date(), nullable=True))
        batch.create_index("ix_opportunities_match", ["status", "direction", "kind"])
    op.create_table(
        "opportunity_modalities",
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["opportunity_id"], ["opportunities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("opportunity_id", "code"),
    )
    op.create_index("ix_opportunity_modalities_code", "opportunity_modalities", ["code", "opportunity_id"])
    bind = op.get_bind()
    opps = sa.table("opportunities", sa.column("id", sa.Integer), sa.column("capacity", sa.JSON),
                    sa.column("modalities", sa.JSON), sa.column("scale_min_l", sa.Float),
                    sa.column("scale_max_l", sa.Float), sa.column("gmp_rank", sa.SmallInteger),
                    sa.column("window_from", sa.Date), sa.column("window_to", sa.Date))
    mods = sa.table("opportunity_modalities", sa.column("opportunity_id", sa.Integer), sa.column("code", sa.String))
    for oid, cap, codes in bind.execute(sa.select(opps.c.id, opps.c.capacity, opps.c.modalities)).all():
        cap = cap or {}
        both = cap.get("scale_min_l") is not None and cap.get("scale_max_l") is not None
        bind.execute(opps.update().where(opps.c.id == oid).values(
            scale_min_l=float(cap["scale_min_l"]) if both else None,
            scale_max_l=float(cap["scale_max_l"]) if both else None,
            gmp_rank=GMP_RANKS.get(cap.get("gmp") or "none", 0),
            window_from=_day(cap.get("window_from")), window_to=_day(cap.get("window_to"))))
        rows = [{"opportunity_id": oid, "code": c} for c in sorted(set(codes or ())) or [""]]
        bind.execute(mods.insert(), rows)


def downgrade() -> None:
    op.drop_index("ix_opportunity_modalities_code", table_name="opportunity_modalities")
    op.drop_table("opportunity_modalities")
    with op.batch_alter_table("opportunities") as batch:
        batch.drop_index("ix_opportunities_match")
        for name in ("partner_kinds", "window_to", "window_from", "gmp_rank", "scale_max_l", "scale_min_l"):
            batch.drop_column(name)
