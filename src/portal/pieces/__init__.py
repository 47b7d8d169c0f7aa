"""Mes justificatifs (guide §10): the pièces justificatives asked for each registration."""
