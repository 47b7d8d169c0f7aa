"""Piece review (issue 13 items 5 and 6): the cover slips of postal pieces, each with the random
code its QR code holds, one per registration and piece.

Revision ID: 0015_piece_review
Revises: 0014_managers
Create Date: 2026-12-06 23:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import portal.db

revision = "0015_piece_review"
down_revision = "0014_managers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "piece_slip",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("piece_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_piece_slip_registration_id_registration"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_piece_slip")),
        sa.UniqueConstraint(
            "registration_id", "piece_id", name=op.f("uq_piece_slip_registration_id_piece_id")
        ),
    )
    with op.batch_alter_table("piece_slip", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_piece_slip_registration_id"), ["registration_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("piece_slip", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_piece_slip_registration_id"))
    op.drop_table("piece_slip")
