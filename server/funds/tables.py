"""The funds' tables: one balance row per unit and year, and the ledger of spending.

The balance row is what two writers contend for: a charge is one conditional UPDATE of it
(`spent_fen + amount <= budget_fen`), so two phones charging one fund at once cannot both
succeed when only one fits. The CHECK constraints hold the same rule in the database itself.
"""

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import BigInteger, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.clock import utcnow
from server.db.types import UTCDateTime


class Fund(SQLModel, table=True):
    __tablename__ = "fund"
    __table_args__ = (
        UniqueConstraint("org_unit_id", "year", name="uq_fund_unit_year"),
        CheckConstraint("spent_fen >= 0 AND spent_fen <= budget_fen", name="ck_fund_within"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    org_unit_id: UUID = Field(foreign_key="org_unit.id", index=True)
    year: int
    budget_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    spent_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class FundEntry(SQLModel, table=True):
    __tablename__ = "fund_entry"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="ck_fund_entry_positive"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    fund_id: UUID = Field(foreign_key="fund.id", index=True)
    org_unit_id: UUID = Field(foreign_key="org_unit.id", index=True)
    year: int
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    category: str = Field(max_length=40)
    note: str = ""
    source: str = Field(max_length=20)  # assistance | console | api
    # The record the money went with (an assistance entry's id); one charge per record.
    source_id: UUID | None = Field(default=None, unique=True)
    recorded_by: UUID | None = Field(default=None, foreign_key="app_user.id")
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
