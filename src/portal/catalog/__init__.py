"""The catalog: domains, qualifications, specialties, sessions, académies and opening periods."""


class CatalogError(Exception):
    """A catalog rule refused something; ``str(error)`` is a French sentence for the candidate."""
