"""The catalog: domains, qualifications, specialties, sessions, académies and opening periods."""
