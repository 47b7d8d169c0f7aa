"""Pièces justificatives (issue 11): the pieces asked per session and académie (catalog), each
registration's standing on them (lock, status) and the files deposited, one row per version.

Revision ID: 0009_pieces
Revises: 0008_rate_limits
Create Date: 2026-12-06 20:07:21
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import portal.db

revision = "0009_pieces"
down_revision = "0008_rate_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "piece",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("academy_code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("specialty_id", sa.Integer(), nullable=True),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("group_label", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("deposit_mode", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("opens_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closes_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("formats", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("max_bytes", sa.Integer(), nullable=False),
        sa.Column("max_files", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "max_bytes > 0 AND max_files > 0", name=op.f("ck_piece_positive_limits")
        ),
        sa.ForeignKeyConstraint(
            ["academy_code"], ["academy.code"], name=op.f("fk_piece_academy_code_academy")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["exam_session.id"], name=op.f("fk_piece_session_id_exam_session")
        ),
        sa.ForeignKeyConstraint(
            ["specialty_id"], ["specialty.id"], name=op.f("fk_piece_specialty_id_specialty")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_piece")),
        sa.UniqueConstraint(
            "session_id", "academy_code", "code", name=op.f("uq_piece_session_id_academy_code_code")
        ),
    )
    with op.batch_alter_table("piece", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_piece_academy_code"), ["academy_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_piece_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_piece_specialty_id"), ["specialty_id"], unique=False)

    op.create_table(
        "registration_piece",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("piece_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("manager_comment", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("validated_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("changed_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["piece_id"], ["piece.id"], name=op.f("fk_registration_piece_piece_id_piece")
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_registration_piece_registration_id_registration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_piece")),
        sa.UniqueConstraint(
            "registration_id",
            "piece_id",
            name=op.f("uq_registration_piece_registration_id_piece_id"),
        ),
    )
    with op.batch_alter_table("registration_piece", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registration_piece_piece_id"), ["piece_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_registration_piece_registration_id"), ["registration_id"], unique=False
        )

    op.create_table(
        "piece_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_piece_id", sa.Integer(), nullable=False),
        sa.Column("storage_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("uploaded_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("scan", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("scanned_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_piece_id"],
            ["registration_piece.id"],
            name=op.f("fk_piece_upload_registration_piece_id_registration_piece"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_piece_upload")),
        sa.UniqueConstraint("storage_name", name=op.f("uq_piece_upload_storage_name")),
    )
    with op.batch_alter_table("piece_upload", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_piece_upload_registration_piece_id"),
            ["registration_piece_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("piece_upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_piece_upload_registration_piece_id"))

    op.drop_table("piece_upload")
    with op.batch_alter_table("registration_piece", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_piece_registration_id"))
        batch_op.drop_index(batch_op.f("ix_registration_piece_piece_id"))

    op.drop_table("registration_piece")
    with op.batch_alter_table("piece", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_piece_specialty_id"))
        batch_op.drop_index(batch_op.f("ix_piece_session_id"))
        batch_op.drop_index(batch_op.f("ix_piece_academy_code"))

    op.drop_table("piece")
