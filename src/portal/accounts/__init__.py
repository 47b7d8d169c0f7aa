"""Candidate accounts (guide §3 and §4): sign-up, activation within 48 h, login, reset, changes."""
