"""Public pages that belong to no domain: home, legal and accessibility pages, health check."""
