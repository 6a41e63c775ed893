"""Special funds (a balance per unit and year, the spending ledger) and the register of
partner organisations and their activities.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 17:40:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Text = sqlmodel.sql.sqltypes.AutoString
When = server.db.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "fund",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=False),
        sa.Column("spent_fen", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", When(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_unit_id", "year", name="uq_fund_unit_year"),
        sa.CheckConstraint("spent_fen >= 0 AND spent_fen <= budget_fen", name="ck_fund_within"),
    )
    op.create_index("ix_fund_org_unit_id", "fund", ["org_unit_id"])
    op.create_table(
        "fund_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("fund_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("category", Text(length=40), nullable=False),
        sa.Column("note", Text(), nullable=False),
        sa.Column("source", Text(length=20), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("at", When(timezone=True), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["fund_id"], ["fund.id"]),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id"),
        sa.CheckConstraint("amount_fen > 0", name="ck_fund_entry_positive"),
    )
    op.create_index("ix_fund_entry_fund_id", "fund_entry", ["fund_id"])
    op.create_index("ix_fund_entry_org_unit_id", "fund_entry", ["org_unit_id"])
    op.create_table(
        "organisation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", Text(length=20), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("name", Text(length=120), nullable=False),
        sa.Column("focus", Text(length=200), nullable=False),
        sa.Column("contact_name", Text(length=60), nullable=False),
        sa.Column("contact_phone", Text(length=40), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", When(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_organisation_kind", "organisation", ["kind"])
    op.create_index("ix_organisation_org_unit_id", "organisation", ["org_unit_id"])
    op.create_table(
        "organisation_activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("title", Text(length=200), nullable=False),
        sa.Column("place", Text(length=200), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", When(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("organisation_id", "org_unit_id", "on_date"):
        op.create_index(f"ix_organisation_activity_{column}", "organisation_activity", [column])


def downgrade() -> None:
    op.drop_table("organisation_activity")
    op.drop_table("organisation")
    op.drop_table("fund_entry")
    op.drop_table("fund")
