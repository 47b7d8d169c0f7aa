"""Documents published to a registration (Mes documents), one row per version.

A row freezes everything its document says (``content``, JSON): the PDF and its HTML twin are
rendered from it, so a document reads the same forever even when reference data or the
registration change later. The newest version of a kind is the current one; older versions are
kept for the record. ``verification_code`` is printed on the document and checked on /verifier.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime


class DocumentKind(StrEnum):
    CONFIRMATION = "confirmation"  # G01: confirmation d'inscription, to return signed
    RECAP = "recapitulatif"  # G02: récapitulatif d'inscription
    PIECES_REQUEST = "demande-pieces"
    PIECES_REMINDER = "relance-pieces"
    CONVOCATION = "convocation"


# Printed as the PDF's author and at the foot of every document.
AUTHOR = "Portail Candidat - service gestionnaire des examens"

KIND_LABELS = {
    DocumentKind.CONFIRMATION: "Confirmation d'inscription",
    DocumentKind.RECAP: "Récapitulatif d'inscription",
    DocumentKind.PIECES_REQUEST: "Demande de pièces justificatives",
    DocumentKind.PIECES_REMINDER: "Relance de pièces justificatives",
    DocumentKind.CONVOCATION: "Convocation aux épreuves",
}
SUMMARY_KINDS = (DocumentKind.CONFIRMATION, DocumentKind.RECAP)


class Document(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("registration_id", "kind", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    kind: str = Field(max_length=20)  # DocumentKind
    version: int
    title: str = Field(max_length=120)
    verification_code: str = Field(unique=True, max_length=20)
    published_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    content: str = Field(sa_column=Column(Text(), nullable=False))
