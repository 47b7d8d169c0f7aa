"""The one place where the portal is put together: which periodic jobs run, which loaders fill
the reference and demo data, and what Accounts is told about the domains built on it.

``create_app`` and the CLI read these lists; no module registers itself by being imported.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from portal.accounts.fixtures import load_demo_accounts
from portal.accounts.hooks import AccountHooks
from portal.accounts.jobs import PURGE_ACCOUNTS
from portal.catalog.fixtures import load_demo_catalog, load_reference
from portal.catalog.places_loading import load_communes
from portal.db import Database
from portal.documents.service import erase_documents, export_documents, publish_summary
from portal.mail.outbox import erase_mails, export_mails
from portal.mail.sender import SEND_MAIL
from portal.management.managers import erase_managers
from portal.management.retention import RegistrationEraser
from portal.management.slips import erase_registration_slips, erase_slips
from portal.pieces.account_data import erase_pieces, erase_registration_pieces, export_pieces
from portal.pieces.fixtures import load_demo_pieces
from portal.pieces.jobs import RESCAN_PIECES
from portal.registrations import account_data
from portal.registrations import service as registrations
from portal.registrations.jobs import DROP_CLOSED_DRAFTS
from portal.registrations.saving import OnSaved
from portal.settings import Settings
from portal.tasks import PURGE_SESSIONS, Job
from portal.web.sessions import erase_sessions, export_sessions

Loader = Callable[[Database, Settings, datetime], Awaitable[dict[str, int]]]

JOBS: tuple[Job, ...] = (
    PURGE_SESSIONS,
    PURGE_ACCOUNTS,
    SEND_MAIL,
    DROP_CLOSED_DRAFTS,
    RESCAN_PIECES,
)

# Idempotent: they upsert by natural key. Reference data is loaded by `serve` too.
# Communes after the départements they refer to.
REFERENCE_LOADERS: tuple[Loader, ...] = (load_reference, load_communes)
# The demo pieces after the catalog whose sessions they belong to.
DEMO_LOADERS: tuple[Loader, ...] = (load_demo_catalog, load_demo_pieces, load_demo_accounts)

ACCOUNT_HOOKS = AccountHooks(
    is_locked=registrations.has_active_registration,
    lock_offices=registrations.lock_offices,
    # "Mes données" in this order: registrations (versions, drafts), documents, pieces deposited,
    # open sessions, mails.
    exports=(
        account_data.export_registrations,
        export_documents,
        export_pieces,
        export_sessions,
        export_mails,
    ),
    # A manager who never chose a password is erased like an account never activated.
    erasers=(
        erase_mails,
        erase_sessions,
        erase_documents,
        erase_pieces,
        erase_slips,
        account_data.erase_registrations,
        erase_managers,
    ),
)

# Inside the transaction that saves a registration's version: its confirmation (G01) or
# récapitulatif (G02), version for version.
ON_REGISTRATION_SAVED: tuple[OnSaved, ...] = (publish_summary,)

# Retention (`portal purge`): what other domains hold about a registration of a closed session,
# erased before the registration itself (documents and versions are erased by retention).
RETENTION_REGISTRATION_ERASERS: tuple[RegistrationEraser, ...] = (
    erase_registration_pieces,
    erase_registration_slips,
)
