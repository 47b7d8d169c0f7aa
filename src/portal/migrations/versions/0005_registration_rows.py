"""Registrations ready for documents and managers: the papers as rows, the specialty, académie and
establishment as columns, the remaining answers and the recap as JSON; drafts as JSON.

Existing rows are carried over: the old Text ``data`` snapshot (``{"identification": ...,
"qualification": ..., "situation": ..., "epreuves": {"optional": [...], "choice": {...}},
"summary": ...}``) is split into the new columns and rows; drafts' step "epreuves" becomes
"papers".

Revision ID: 0005_registration_rows
Revises: 0004_registrations
Create Date: 2026-12-02 17:40:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005_registration_rows"
down_revision = "0004_registrations"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
OLD_PAPERS = "epreuves"  # the papers step's id before this revision
NEW_PAPERS = "papers"


def _columns(batch_op: Any, table: str, *, indexed: bool) -> None:
    batch_op.add_column(sa.Column("specialty_id", sa.Integer(), nullable=True))
    batch_op.add_column(sa.Column("academy_code", sa.String(length=40), nullable=True))
    batch_op.add_column(sa.Column("establishment_uai", sa.String(length=8), nullable=True))
    batch_op.add_column(sa.Column("answers", Json, nullable=True))
    batch_op.add_column(sa.Column("summary", Json, nullable=True))
    batch_op.create_foreign_key(
        op.f(f"fk_{table}_specialty_id_specialty"), "specialty", ["specialty_id"], ["id"]
    )
    batch_op.create_foreign_key(
        op.f(f"fk_{table}_academy_code_academy"), "academy", ["academy_code"], ["code"]
    )
    if indexed:
        for column in ("specialty_id", "academy_code", "establishment_uai"):
            batch_op.create_index(op.f(f"ix_{table}_{column}"), [column], unique=False)


def _split(data: dict[str, Any]) -> tuple[dict[str, Any], str | None, dict[str, Any], set[str]]:
    """(answers, establishment UAI, summary, chosen paper ids) of an old snapshot."""
    answers = {
        step: dict(values)
        for step, values in data.items()
        if step not in {OLD_PAPERS, "summary"} and isinstance(values, dict)
    }
    uai = None
    situation = answers.get("situation")
    if situation is not None:
        uai = situation.pop("establishment", "") or None
    chosen = data.get(OLD_PAPERS) or {}
    picked = {str(i) for i in chosen.get("optional", [])}
    picked |= {str(i) for i in (chosen.get("choice") or {}).values()}
    return answers, uai, data.get("summary") or {}, picked


def upgrade() -> None:
    op.create_table(
        "registration_paper",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["paper.id"], name=op.f("fk_registration_paper_paper_id_paper")
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_registration_paper_registration_id_registration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_paper")),
        sa.UniqueConstraint(
            "registration_id",
            "version",
            "paper_id",
            name=op.f("uq_registration_paper_registration_id_version_paper_id"),
        ),
    )
    with op.batch_alter_table("registration_paper", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registration_paper_registration_id"), ["registration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_registration_paper_paper_id"), ["paper_id"], unique=False
        )
    with op.batch_alter_table("registration", schema=None) as batch_op:
        _columns(batch_op, "registration", indexed=True)
    with op.batch_alter_table("registration_version", schema=None) as batch_op:
        _columns(batch_op, "registration_version", indexed=False)
    with op.batch_alter_table("registration_draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", Json, nullable=True))

    _carry_over()

    for table in ("registration", "registration_version"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("answers", existing_type=Json, nullable=False)
            batch_op.alter_column("summary", existing_type=Json, nullable=False)
            batch_op.drop_column("data")
    with op.batch_alter_table("registration_draft", schema=None) as batch_op:
        batch_op.drop_column("data")
        batch_op.alter_column("content", new_column_name="data", existing_type=Json, nullable=False)


def _carry_over() -> None:
    bind = op.get_bind()
    periods = {
        row.id: row
        for row in bind.execute(
            sa.text(
                "SELECT p.id, p.specialty_id, p.academy_code, s.qualification_id "
                "FROM opening_period p JOIN specialty s ON s.id = p.specialty_id"
            )
        )
    }
    papers = list(
        bind.execute(sa.text("SELECT id, qualification_id, specialty_id, kind FROM paper"))
    )

    def rows_for(period_id: int, picked: set[str]) -> list[tuple[int, str]]:
        period = periods.get(period_id)
        if period is None:
            return []
        return [
            (p.id, p.kind)
            for p in papers
            if p.qualification_id == period.qualification_id
            and p.specialty_id in (None, period.specialty_id)
            and (p.kind == "mandatory" or str(p.id) in picked)
        ]

    registration = sa.table(
        "registration",
        sa.column("id", sa.Integer()),
        sa.column("specialty_id", sa.Integer()),
        sa.column("academy_code", sa.String()),
        sa.column("establishment_uai", sa.String()),
        sa.column("answers", Json),
        sa.column("summary", Json),
    )
    version = sa.table(
        "registration_version",
        sa.column("id", sa.Integer()),
        sa.column("specialty_id", sa.Integer()),
        sa.column("academy_code", sa.String()),
        sa.column("establishment_uai", sa.String()),
        sa.column("answers", Json),
        sa.column("summary", Json),
    )
    paper = sa.table(
        "registration_paper",
        sa.column("registration_id", sa.Integer()),
        sa.column("version", sa.Integer()),
        sa.column("paper_id", sa.Integer()),
        sa.column("kind", sa.String()),
    )
    old = bind.execute(
        sa.text("SELECT id, opening_period_id, version, data FROM registration")
    ).all()
    for row in old:
        answers, uai, summary, picked = _split(json.loads(row.data or "{}"))
        period = periods.get(row.opening_period_id)
        bind.execute(
            registration.update()
            .where(registration.c.id == row.id)
            .values(
                specialty_id=period.specialty_id if period else None,
                academy_code=period.academy_code if period else None,
                establishment_uai=uai,
                answers=answers,
                summary=summary,
            )
        )
    old_versions = bind.execute(
        sa.text(
            "SELECT id, registration_id, version, opening_period_id, data FROM registration_version"
        )
    ).all()
    for row in old_versions:
        answers, uai, summary, picked = _split(json.loads(row.data or "{}"))
        period = periods.get(row.opening_period_id)
        bind.execute(
            version.update()
            .where(version.c.id == row.id)
            .values(
                specialty_id=period.specialty_id if period else None,
                academy_code=period.academy_code if period else None,
                establishment_uai=uai,
                answers=answers,
                summary=summary,
            )
        )
        for paper_id, kind in rows_for(row.opening_period_id, picked):
            bind.execute(
                paper.insert().values(
                    registration_id=row.registration_id,
                    version=row.version,
                    paper_id=paper_id,
                    kind=kind,
                )
            )
    # A registration saved without its version row (never, but cheap to cover): its papers too.
    versioned = {(r.registration_id, r.version) for r in old_versions}
    for row in old:
        if (row.id, row.version) not in versioned:
            _answers, _uai, _summary, picked = _split(json.loads(row.data or "{}"))
            for paper_id, kind in rows_for(row.opening_period_id, picked):
                bind.execute(
                    paper.insert().values(
                        registration_id=row.id, version=row.version, paper_id=paper_id, kind=kind
                    )
                )

    draft = sa.table(
        "registration_draft", sa.column("id", sa.Integer()), sa.column("content", Json)
    )
    for row in bind.execute(sa.text("SELECT id, data FROM registration_draft")).all():
        data = json.loads(row.data or "{}")
        content: dict[str, Any] = {}
        for part in ("clean", "raw"):
            steps = dict(data.get(part) or {})
            if OLD_PAPERS in steps:
                steps[NEW_PAPERS] = steps.pop(OLD_PAPERS)
            content[part] = steps
        bind.execute(draft.update().where(draft.c.id == row.id).values(content=content))


def downgrade() -> None:
    raise NotImplementedError("0005 splits registration data into rows: restore a backup instead")
