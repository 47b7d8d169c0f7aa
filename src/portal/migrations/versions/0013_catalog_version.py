"""The catalog version: one counter that every write to a catalog or reference table bumps, in the
same transaction, through triggers (DECISIONS.md 11). Workers keep the catalog in memory and
reload it when the counter moved, so a manager's change shows on the next request everywhere.

Triggers rather than application code: every writer bumps it, the loaders, a future back office,
a `sqlite3` shell alike. The row is created by the first bump (an upsert), so a migrated database
stays empty until something is written to it (`portal db copy` wants an empty target).

Revision ID: 0013_catalog_version
Revises: 0009_pieces
Create Date: 2026-12-06 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_catalog_version"
down_revision = "0009_pieces"
branch_labels = None
depends_on = None

# What the in-memory catalog holds (portal.catalog.snapshot); establishments and communes are
# looked up in the database and are not versioned (tens of thousands of rows, bulk-loaded).
CATALOG_TABLES = (
    "academy",
    "department",
    "country",
    "nationality",
    "hr_option",
    "domain",
    "qualification",
    "specialty",
    "exam_session",
    "managing_office",
    "opening_period",
    "paper",
    "announcement",
)
BUMP = (
    "INSERT INTO catalog_version (id, value) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET value = catalog_version.value + 1"
)


def upgrade() -> None:
    op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_version")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for table in CATALOG_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER catalog_version_{table}_{event.lower()} AFTER {event} "
                    f"ON {table} BEGIN {BUMP}; END"
                )
    else:
        op.execute(
            "CREATE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in CATALOG_TABLES:
            op.execute(
                f"CREATE TRIGGER catalog_version_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in CATALOG_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER catalog_version_{table}_{event}")
    else:
        for table in CATALOG_TABLES:
            op.execute(f"DROP TRIGGER catalog_version_{table} ON {table}")
        op.execute("DROP FUNCTION bump_catalog_version()")
    op.drop_table("catalog_version")
