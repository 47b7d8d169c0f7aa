"""The `portal` command for operators: serve, db upgrade, db copy, demo load, backup, restore,
purge, check (names are stable)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys

from portal.settings import ConfigurationError, Settings, base_url_mismatch, served_base_url


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigurationError as exc:
        sys.exit(f"Configuration invalide :\n{exc}")


def _use_served_address(host: str, port: int) -> str | None:
    """In development without PORTAL_BASE_URL, the address served is the one mails link to.

    Set in the environment, so the server's workers (and their Settings) read it too. Returns a
    warning when a PORTAL_BASE_URL that is set does not lead to this server.
    """
    explicit = os.environ.get("PORTAL_BASE_URL", "").strip()
    if explicit:
        return base_url_mismatch(explicit.rstrip("/"), host, port)
    if (os.environ.get("PORTAL_ENV") or "development").strip().lower() != "production":
        os.environ["PORTAL_BASE_URL"] = served_base_url(host, port)
    return None


def cmd_check(args: argparse.Namespace) -> int:
    explicit = bool(os.environ.get("PORTAL_BASE_URL", "").strip())
    settings = _settings()
    problems = settings.problems()
    if problems:
        print("La configuration n'est pas valide :")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    if explicit:
        print(f"Liens des mails : {settings.base_url} (PORTAL_BASE_URL).")
        warning = base_url_mismatch(settings.base_url, args.host, args.port)
        if warning:
            print(f"Attention : {warning}")
    elif not settings.is_production:
        print(
            f"Liens des mails : {served_base_url(args.host, args.port)} "
            "(PORTAL_BASE_URL n'est pas défini : `portal serve` prend l'adresse servie, "
            "--host et --port)."
        )
    from portal.db import Database
    from portal.pieces.jobs import check_files

    files: list[str] = []

    async def ping() -> None:
        db = Database(settings.database_url)
        try:
            await db.ping()
            # Every deposited file has its row and every row its file (<data_dir>/pieces/);
            # a database not migrated yet has no deposit to check.
            from sqlalchemy.exc import DBAPIError

            with contextlib.suppress(DBAPIError):
                files.extend(await check_files(db, settings))
        finally:
            await db.dispose()

    try:
        asyncio.run(ping())
    except Exception as exc:
        print(f"La base de données ne répond pas ({type(exc).__name__}): {settings.database_url}")
        return 1
    if files:
        print("Les pièces justificatives déposées et leurs lignes ne correspondent pas :")
        for problem in files:
            print(f"  - {problem}")
        return 1
    print(f"Configuration valide ({settings.env}), base de données joignable.")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from portal.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print("Schéma de la base à jour.")
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    from portal.dbcopy import CopyError, copy_database
    from portal.migrate import upgrade

    settings = _settings()
    try:
        if not args.to.startswith("postgresql+asyncpg://"):
            raise CopyError("La cible doit être une base PostgreSQL (postgresql+asyncpg://…).")
        upgrade(args.to)
        report = asyncio.run(copy_database(settings.database_url, args.to))
    except CopyError as exc:
        print(f"Copie impossible : {exc}", file=sys.stderr)
        return 1
    print("Copie terminée, en une seule transaction ; lignes copiées (vérifiées) :")
    for table, count in report.rows.items():
        print(f"  {table}: {count}")
    print("Séquences placées après le plus grand identifiant :")
    for table, next_id in report.sequences.items():
        print(f"  {table}: prochain id {next_id}")
    print("Pour servir depuis PostgreSQL : PORTAL_DATABASE_URL=<la cible> portal serve")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent copy of the database and the uploaded files, taken while the portal serves."""
    from pathlib import Path

    from portal.backup import BackupError, backup

    settings = _settings()
    target = Path(args.path).expanduser().resolve()
    try:
        report = backup(
            settings.database_url, settings.data_dir, target, settings.database_busy_timeout_ms
        )
    except BackupError as exc:
        print(f"Sauvegarde impossible : {exc}", file=sys.stderr)
        return 1
    database = "portal.sqlite3 (API de sauvegarde SQLite, vérifiée)"
    if report.database == "postgresql":
        database = "portal.pgdump (pg_dump --format=custom)"
    print(f"Sauvegarde terminée dans {target} :")
    print(f"  base : {database}" + (f", révision {report.revision}" if report.revision else ""))
    print(f"  pièces justificatives : {report.files} fichier(s), {report.bytes} octets")
    if report.missing:
        print(f"  supprimés pendant la copie (absents) : {', '.join(report.missing)}")
    print("La clé secrète (PORTAL_SECRET_KEY) n'est pas dans la sauvegarde : gardez-la à part.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Fill an empty data folder (and an empty PostgreSQL database) from a backup."""
    from pathlib import Path

    from portal.backup import BackupError, restore
    from portal.migrate import upgrade

    settings = _settings()
    source = Path(args.path).expanduser().resolve()
    try:
        report = restore(source, settings.database_url, settings.data_dir)
    except BackupError as exc:
        print(f"Restauration impossible : {exc}", file=sys.stderr)
        return 1
    upgrade(settings.database_url)  # a backup of an older version is brought up to this one
    print(f"Restauration terminée dans {settings.data_dir} :")
    print(f"  base : {report.database}, schéma mis à jour")
    print(f"  pièces justificatives : {report.files} fichier(s), {report.bytes} octets")
    print("Démarrez le portail : portal serve")
    return 0


def _load(demo: bool) -> dict[str, object]:
    from portal import fixtures
    from portal.db import Database, utcnow
    from portal.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)

    async def run() -> dict[str, object]:
        db = Database(settings.database_url)
        try:
            return await fixtures.load(db, settings, utcnow(), demo=demo)
        finally:
            await db.dispose()

    return asyncio.run(run())


def cmd_demo_load(args: argparse.Namespace) -> int:
    counts = _load(demo=True)
    print("Données de démonstration chargées :")
    for name, count in counts.items():
        print(f"  {name}: {count}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Erase the accounts not activated within 48 h (the server also does it every few minutes)."""
    from portal.accounts.signup import purge_unactivated
    from portal.composition import ACCOUNT_HOOKS
    from portal.db import Database, utcnow
    from portal.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)

    async def run() -> int:
        db = Database(settings.database_url)
        try:
            return await purge_unactivated(db, utcnow(), ACCOUNT_HOOKS)
        finally:
            await db.dispose()

    erased = asyncio.run(run())
    print(f"Comptes non activés dans les 48h effacés : {erased}")
    return _apply_retention(settings)  # the back office's retention settings (issue 13)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from portal.migrate import upgrade

    warning = _use_served_address(args.host, args.port)
    settings = _settings()
    problems = settings.problems()
    if problems:
        print("Le portail ne peut pas démarrer :", *problems, sep="\n  - ", file=sys.stderr)
        return 1
    if args.workers > 1 and settings.database_url.startswith("sqlite"):
        # One SQLite file cannot be shared by several worker processes (one writer at a time, and
        # the periodic jobs would run once per worker).
        print(
            f"--workers {args.workers} demande PostgreSQL : avec SQLite, le portail tourne avec"
            " un seul worker. Lancez `portal serve --workers 1`, ou passez à PostgreSQL"
            " (PORTAL_DATABASE_URL=postgresql+asyncpg://…).",
            file=sys.stderr,
        )
        return 2
    if warning:
        print(f"Attention : {warning}", file=sys.stderr)
    print(f"Liens des mails : {settings.base_url}", file=sys.stderr)
    upgrade(settings.database_url)
    _load(demo=False)  # reference data is part of the schema's meaning
    uvicorn.run(
        "portal.asgi:create",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )
    return 0


# -- the back office's commands (issue 13: managers) -------------------------------------------
def cmd_manager_create(args: argparse.Namespace) -> int:
    """Create a manager (or change their académies) and mail them the link to choose a
    password: no password is ever typed on a command line or kept in a shell history."""
    from litestar import Litestar
    from litestar.di import Provide

    from portal.db import Database, utcnow
    from portal.management.controllers import WelcomeController
    from portal.management.errors import ManagementError
    from portal.management.managers import create_manager
    from portal.migrate import upgrade
    from portal.web.links import Links

    settings = _settings()
    upgrade(settings.database_url)
    # The link's path from its route name (no app to serve: its dependencies stay unused).
    routes = Litestar(
        route_handlers=[WelcomeController],
        dependencies={
            name: Provide(lambda: None, sync_to_thread=False)
            for name in ("db", "settings", "now", "links")
        },
    )
    links = Links(settings.base_url, routes.route_reverse)

    async def run():  # type: ignore[no-untyped-def]
        db = Database(settings.database_url)
        try:
            return await create_manager(
                db,
                settings,
                links,
                utcnow(),
                args.email,
                academies=args.academy or [],
                all_academies=args.all_academies,
            )
        finally:
            await db.dispose()

    try:
        created = asyncio.run(run())
    except ManagementError as exc:
        print(f"Gestionnaire non créé : {exc.message}", file=sys.stderr)
        return 1
    scope = "toutes les académies" if created.all_academies else ", ".join(created.academies)
    print(
        f"Gestionnaire {'créé' if created.new else 'mis à jour'} : {created.email} ({scope}).\n"
        "Un mail lui donne un lien (72 h, une seule fois) pour choisir son mot de passe ; "
        "il part par la file d'envoi du serveur (`portal serve`)."
    )
    return 0


def _apply_retention(settings: Settings) -> int:
    """`portal purge`, second part: the retention settings; prints counts only."""
    from portal.composition import ACCOUNT_HOOKS, RETENTION_REGISTRATION_ERASERS
    from portal.db import Database, utcnow
    from portal.management.retention import purge

    async def run():  # type: ignore[no-untyped-def]
        db = Database(settings.database_url)
        try:
            return await purge(
                db, settings, utcnow(), ACCOUNT_HOOKS, RETENTION_REGISTRATION_ERASERS
            )
        finally:
            await db.dispose()

    purged = asyncio.run(run())
    print(
        "Conservation : comptes sans inscription effacés : "
        + (str(purged.accounts) if settings.retention_account_days else "non (durée 0)")
        + " ; inscriptions des sessions closes effacées : "
        + (str(purged.registrations) if settings.retention_closed_session_days else "non (durée 0)")
    )
    return 0


def _add_management_commands(commands) -> None:  # type: ignore[no-untyped-def]
    manager = commands.add_parser("manager", help="back-office managers")
    manager_commands = manager.add_subparsers(dest="manager_command", required=True)
    create = manager_commands.add_parser(
        "create", help="create a manager; they get a mail with a link to choose a password"
    )
    create.add_argument("--email", required=True)
    create.add_argument(
        "--academy",
        action="append",
        metavar="CODE",
        help="an académie's code, e.g. versailles (repeatable)",
    )
    create.add_argument(
        "--all-academies", action="store_true", help="a national administrator: every académie"
    )
    create.set_defaults(func=cmd_manager_create)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description="Portail Candidat")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply migrations, then serve the portal")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)

    db = commands.add_parser("db", help="database operations")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)
    copy = db_commands.add_parser(
        "copy", help="copy every table of this SQLite database to an empty PostgreSQL database"
    )
    copy.add_argument("--to", required=True, metavar="postgresql+asyncpg://…")
    copy.set_defaults(func=cmd_db_copy)

    demo = commands.add_parser("demo", help="demo data")
    demo_commands = demo.add_subparsers(dest="demo_command", required=True)
    demo_commands.add_parser("load", help="load demo data (idempotent)").set_defaults(
        func=cmd_demo_load
    )

    backup = commands.add_parser(
        "backup", help="copy the database and the uploaded files to an empty folder, while serving"
    )
    backup.add_argument("path", metavar="PATH", help="a new or empty folder")
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser(
        "restore", help="restore a backup into an empty data folder (PORTAL_DATA_DIR)"
    )
    restore.add_argument("path", metavar="PATH", help="a folder written by `portal backup`")
    restore.set_defaults(func=cmd_restore)

    commands.add_parser(
        "purge", help="erase the accounts not activated within 48 h (idempotent)"
    ).set_defaults(func=cmd_purge)

    check = commands.add_parser("check", help="validate the configuration")
    check.add_argument("--host", default="127.0.0.1", help="the address `serve` will listen on")
    check.add_argument("--port", type=int, default=8000, help="the port `serve` will listen on")
    check.set_defaults(func=cmd_check)

    _add_management_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
