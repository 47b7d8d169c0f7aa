"""Portail Candidat: registrations for autres examens (G01) and autres certifications (G02)."""

__version__ = "0.1.0"
