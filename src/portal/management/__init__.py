"""The managers' back office (gestion, issue 13): manager accounts and their académies, the
registrations list and its CSV, a registration's page, withdrawal, identity correction, and the
audit log of every manager action. Every query is scoped to the manager's académies here, in the
service layer (``scope.py``); what lies outside answers 404, like another candidate's data."""
