"""Managers (issue 13): a role on the account (a manager's account has no civil identity, so the
identity columns accept NULL), the académies each manager manages, and the audit log.

Revision ID: 0014_managers
Revises: 0013_catalog_version
Create Date: 2026-12-06 20:16:14.780303
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import portal.db

revision = "0014_managers"
down_revision = "0013_catalog_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_account_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("academy_code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_entry_academy_code"), ["academy_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_entry_registration_id"), ["registration_id"], unique=False
        )

    op.create_table(
        "manager",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("all_academies", sa.Boolean(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_manager_account_id_account")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_manager")),
    )
    op.create_table(
        "manager_academy",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("academy_code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["academy_code"], ["academy.code"], name=op.f("fk_manager_academy_academy_code_academy")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["manager.account_id"],
            name=op.f("fk_manager_academy_account_id_manager"),
        ),
        sa.PrimaryKeyConstraint("account_id", "academy_code", name=op.f("pk_manager_academy")),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "role",
                sqlmodel.sql.sqltypes.AutoString(length=12),
                server_default="candidate",
                nullable=False,
            )
        )
        batch_op.alter_column("civility", existing_type=sa.VARCHAR(length=3), nullable=True)
        batch_op.alter_column("birth_name", existing_type=sa.VARCHAR(length=80), nullable=True)
        batch_op.alter_column("first_names", existing_type=sa.VARCHAR(length=120), nullable=True)
        batch_op.alter_column(
            "birth_country_code", existing_type=sa.VARCHAR(length=3), nullable=True
        )
        batch_op.alter_column("birth_date", existing_type=sa.DATE(), nullable=True)
        batch_op.alter_column("birth_city", existing_type=sa.VARCHAR(length=80), nullable=True)


def downgrade() -> None:
    op.drop_table("manager_academy")
    op.drop_table("manager")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_registration_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_academy_code"))
    op.drop_table("audit_entry")
    # Manager accounts have no identity: they cannot stay once the identity is required again.
    op.execute(
        "DELETE FROM web_session WHERE account_id IN "
        "(SELECT id FROM account WHERE role = 'manager')"
    )
    op.execute("DELETE FROM account WHERE role = 'manager'")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.alter_column("birth_city", existing_type=sa.VARCHAR(length=80), nullable=False)
        batch_op.alter_column("birth_date", existing_type=sa.DATE(), nullable=False)
        batch_op.alter_column(
            "birth_country_code", existing_type=sa.VARCHAR(length=3), nullable=False
        )
        batch_op.alter_column("first_names", existing_type=sa.VARCHAR(length=120), nullable=False)
        batch_op.alter_column("birth_name", existing_type=sa.VARCHAR(length=80), nullable=False)
        batch_op.alter_column("civility", existing_type=sa.VARCHAR(length=3), nullable=False)
        batch_op.drop_column("role")
