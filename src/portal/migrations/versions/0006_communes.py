"""Communes by postal code, the establishments' source and commune, reference checksums.

Revision ID: 0006_communes
Revises: 0004_registrations (to be relinked onto 0005 at merge)
Create Date: 2026-12-02 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006_communes"
down_revision = "0005_registration_rows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commune",
        sa.Column("postal_code", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("insee_code", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("department_code", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("search_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("delivery_label", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["department.code"],
            name=op.f("fk_commune_department_code_department"),
        ),
        sa.PrimaryKeyConstraint("postal_code", "insee_code", name=op.f("pk_commune")),
    )
    with op.batch_alter_table("commune", schema=None) as batch_op:
        batch_op.create_index(
            "ix_commune_department_code_search_name",
            ["department_code", "search_name"],
            unique=False,
        )

    op.create_table(
        "reference_checksum",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("checksum", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_reference_checksum")),
    )

    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "source",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                server_default="sample",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("insee_code", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_establishment_insee_code"), ["insee_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_establishment_insee_code"))
        batch_op.drop_column("insee_code")
        batch_op.drop_column("source")

    op.drop_table("reference_checksum")
    with op.batch_alter_table("commune", schema=None) as batch_op:
        batch_op.drop_index("ix_commune_department_code_search_name")

    op.drop_table("commune")
