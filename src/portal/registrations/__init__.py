"""Registrations (candidatures): the minimal model the account lock rule needs; the wizard extends it."""
