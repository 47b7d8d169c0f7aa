"""Mes documents (guide §8): the documents published to each registration."""
