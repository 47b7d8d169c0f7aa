"""Eligibility rules checked before "Enregistrer" (guide §5, version 2.0): the académie of
residence (BIA). The rule and its wording live with the places (``portal.catalog.residence``) so
that the address lookup can name the right académie as soon as the commune is chosen."""

from __future__ import annotations

from portal.catalog.residence import Residence, department_for_postal_code, residence_problem

__all__ = ["Residence", "department_for_postal_code", "residence_problem"]
