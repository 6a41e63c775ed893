"""The office at volume (issue 21): the dashboard's figures by local day
(`request_day_figures`, kept by server/hotline/daily.py) and what the reports' rates need of
each request (`request_figures`, server/hotline/facts.py), both built here from every request
there is; and two indexes for lists that scanned a year: closed requests of one place
(`status, community_id`), and the inspection list's "rated poorly" (`rating`).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 19:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db.types

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_day_figures",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("grouping", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("group_key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("rated", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.Column("resolved_us", sa.JSON(), server_default="[]", nullable=False),
        sa.PrimaryKeyConstraint("day", "grouping", "group_key"),
    )
    op.create_table(
        "request_figures",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("repeat", sa.Boolean(), nullable=False),
        sa.Column("merged", sa.Boolean(), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("returned", sa.Boolean(), nullable=False),
        sa.Column("return_approved", sa.Boolean(), nullable=False),
        sa.Column("response", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("response_due", server.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Boolean(), nullable=True),
        sa.Column("satisfaction", sa.Boolean(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("first_time", sa.Boolean(), nullable=True),
        sa.Column("callback", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("request_id"),
    )
    op.create_index(
        "ix_hotline_request_community_status", "hotline_request", ["community_id", "status"]
    )
    op.create_index("ix_hotline_request_unit_status", "hotline_request", ["unit_id", "status"])
    op.create_index("ix_hotline_request_rating", "hotline_request", ["rating"])
    # The figures of the requests already there, made the way the server keeps them.
    from server.hotline import daily

    daily.rebuild(op.get_bind())
    from server.hotline import facts

    facts.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("request_figures")
    for name in ("rating", "unit_status", "community_status"):
        op.drop_index(f"ix_hotline_request_{name}", table_name="hotline_request")
    op.drop_table("request_day_figures")
