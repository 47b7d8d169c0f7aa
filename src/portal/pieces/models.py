"""Pièces justificatives: what is asked (``Piece``, part of the catalog), where each registration
stands on it (``RegistrationPiece``: the lock's validation date, the manager's status), and the
files deposited (``PieceUpload``, one row per file version, never overwritten).

A ``Piece`` is asked for a session in an académie (for one specialty, or all when
``specialty_id`` is empty). Pieces are grouped by deposit mode, deadline and ``group_label``
(the guide's "regroupement"); "J'ai fourni toutes mes pièces" locks a group.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime


class DepositMode(StrEnum):
    online = "online"  # "A déposer en ligne"
    postal = "postal"  # "A envoyer par voie postale"
    other = "other"  # "autres modalités"


class PieceStatus(StrEnum):
    received = "received"  # "Reçue"
    non_compliant = "non_compliant"  # "Non conforme" (+ the manager's comment)
    compliant = "compliant"  # "Conforme"


class ScanState(StrEnum):
    clean = "clean"  # clamd found nothing
    unscanned = "unscanned"  # no clamd configured
    pending = "pending"  # clamd unreachable: "analyse en cours", rescanned by a job
    infected = "infected"  # found later by a rescan: the file is erased, the row kept


class Piece(SQLModel, table=True):
    """A piece asked for a session in an académie; ``closes_at`` is the last minute shown
    ("23:59"): a deposit is accepted until that minute has passed."""

    __table_args__ = (
        UniqueConstraint("session_id", "academy_code", "code"),
        CheckConstraint("max_bytes > 0 AND max_files > 0", name="positive_limits"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="exam_session.id", index=True)
    academy_code: str = Field(foreign_key="academy.code", index=True, max_length=40)
    specialty_id: int | None = Field(default=None, foreign_key="specialty.id", index=True)
    code: str = Field(max_length=20)
    label: str = Field(max_length=160)
    description: str = Field(default="", max_length=1000)
    group_label: str = Field(max_length=120)
    deposit_mode: str = Field(max_length=10)  # DepositMode
    opens_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    formats: str = Field(default="pdf,jpeg,png,heic", max_length=60)  # portal.pieces.content
    max_bytes: int = Field(default=5_000_000)
    max_files: int = Field(default=1)
    required: bool = Field(default=True)
    position: int = Field(default=0)


class RegistrationPiece(SQLModel, table=True):
    """One registration's standing on one piece: created by its first upload, the lock or a
    manager's status, whichever comes first."""

    __tablename__ = "registration_piece"
    __table_args__ = (UniqueConstraint("registration_id", "piece_id"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    piece_id: int = Field(foreign_key="piece.id", index=True)
    status: str | None = Field(default=None, max_length=20)  # PieceStatus
    manager_comment: str = Field(default="", max_length=500)
    received_on: date | None = None
    validated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    changed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PieceUpload(SQLModel, table=True):
    """One file deposited for a piece. "Supprimer" stamps ``deleted_at`` (the version is kept);
    ``storage_name`` is the portal's own name under ``<data_dir>/pieces/files/``, empty only for
    a file erased because a later scan found it infected."""

    __tablename__ = "piece_upload"

    id: int | None = Field(default=None, primary_key=True)
    registration_piece_id: int = Field(foreign_key="registration_piece.id", index=True)
    storage_name: str | None = Field(default=None, unique=True, max_length=64)
    file_name: str = Field(max_length=255)  # as the candidate named it: shown, never used
    media_type: str = Field(max_length=40)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    scan: str = Field(max_length=10)  # ScanState
    scanned_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
