"""Candidate accounts: account, login throttling, mail outbox, and the minimal registration.

Revision ID: 0003_accounts
Revises: 0002_catalog
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import portal.db

revision = "0003_accounts"
down_revision = "0002_catalog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_throttle_last_failure_at"), ["last_failure_at"], unique=False
        )

    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("pending_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("civility", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("birth_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("usage_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("first_names", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("birth_country_code", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column(
            "birth_department_code", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True
        ),
        sa.Column("birth_city", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("password_changed_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("candidate_number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("activation_nonce", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("activation_expires_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["birth_country_code"],
            ["country.code"],
            name=op.f("fk_account_birth_country_code_country"),
        ),
        sa.ForeignKeyConstraint(
            ["birth_department_code"],
            ["department.code"],
            name=op.f("fk_account_birth_department_code_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("candidate_number", name=op.f("uq_account_candidate_number")),
        sa.UniqueConstraint("email", name=op.f("uq_account_email")),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_activation_expires_at"), ["activation_expires_at"], unique=False
        )

    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("to_address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("sent_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("abandoned_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_mail_outbox_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_outbox_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_mail_outbox_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mail_outbox_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("opening_period_id", sa.Integer(), nullable=False),
        sa.Column(
            "registration_number", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_registration_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["opening_period_id"],
            ["opening_period.id"],
            name=op.f("fk_registration_opening_period_id_opening_period"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration")),
        sa.UniqueConstraint(
            "account_id",
            "registration_number",
            name=op.f("uq_registration_account_id_registration_number"),
        ),
    )
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registration_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_registration_opening_period_id"), ["opening_period_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_opening_period_id"))
        batch_op.drop_index(batch_op.f("ix_registration_account_id"))

    op.drop_table("registration")
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_outbox_sent_at"))
        batch_op.drop_index(batch_op.f("ix_mail_outbox_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_mail_outbox_account_id"))

    op.drop_table("mail_outbox")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_activation_expires_at"))

    op.drop_table("account")
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttle_last_failure_at"))

    op.drop_table("login_throttle")
