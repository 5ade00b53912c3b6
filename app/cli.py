"""The `devportal` command: serve, migrate, demo, tokens, schema export."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from app.settings import Settings

T = TypeVar("T")


def describe_database(settings: Settings) -> str:
    """The database a command uses, with a SQLite file's absolute path (the default URL is
    relative to the current directory, so running from elsewhere means another database)."""
    path = settings.sqlite_path()
    if path is not None:
        return f"SQLite {path.resolve()}"
    if settings.is_sqlite:
        return "SQLite in memory"
    return "PostgreSQL " + settings.database_url.split("@")[-1]


async def _with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    from app.db import apply_migrations, close_db, init_db

    path = settings.sqlite_path()
    new = path is not None and not path.exists()
    print(f"Database: {describe_database(settings)}", file=sys.stderr)
    if new:
        print(
            "  (no database there yet: a new, empty one is created; the default path is "
            "relative to the current directory)",
            file=sys.stderr,
        )
    await init_db(settings)
    try:
        await apply_migrations(settings)
        return await work()
    finally:
        await close_db()


async def _demo_tokens() -> tuple[str, str, str]:
    """Fresh demo tokens at each start: admin, developer, and whom the latter stands for.

    Tokens are stored as digests, so earlier ones cannot be shown again; they stay valid
    (a server still running with them keeps working) until `devportal token revoke`.
    """
    from app.domain.tokens import create_token
    from app.models import Developer, Role

    _, admin = await create_token(Role.ADMIN, name="demo-admin")
    developer = await Developer.filter(status="approved").order_by("id").first()
    if developer is None:
        return admin, "", ""
    _, dev = await create_token(Role.DEVELOPER, name="demo-developer", developer=developer.id)
    return admin, dev, f"{developer.name} <{developer.email}>"


async def _prepare_demo(force: bool = False) -> int:
    """Load the demo into an empty database (or any, with `force`) and print demo tokens."""
    from app.demo import DemoConflict, load_demo, portal_is_empty

    if force or await portal_is_empty():
        from app.demo_traffic import load_demo_traffic

        try:
            summary = await load_demo()
        except DemoConflict as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(
            f"Loaded the demo portal: {summary.developers} developers, {summary.services} "
            f"services, {summary.versions} versions, {summary.applications} applications, "
            f"{summary.connections} connections, {summary.events} events."
        )
        traffic = await load_demo_traffic()
        print(
            f"Ingested {traffic.entries:,} demo Kong log entries (90 days) in "
            f"{traffic.seconds:.1f} s: {traffic.attributed:,} attributed."
        )
    else:
        print("The database already has data; the demo portal was not loaded again.")
    admin, developer, whom = await _demo_tokens()
    print('\nDemo tokens (paste into GraphiQL\'s Headers tab as {"Authorization": "Bearer …"}):')
    print(f"  admin:     {admin}")
    if developer:
        print(f"  developer: {developer}   ({whom})")
    print()
    return 0


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65_535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 1 to 65535")
    return port


def _port_taken(host: str, port: int) -> str | None:
    """Why the address cannot be bound, checked before anything is prepared; None if free."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.strerror or str(error)
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app import workers

    os.environ["DEVPORTAL_HOST"] = args.host
    os.environ["DEVPORTAL_PORT"] = str(args.port)
    # The response cache is on when serving, unless switched off here or in the environment
    # (tests build the app without it).
    if args.response_cache is not None:
        os.environ["DEVPORTAL_RESPONSE_CACHE"] = "1" if args.response_cache else "0"
    os.environ.setdefault("DEVPORTAL_RESPONSE_CACHE", "1")
    settings = Settings.from_env()
    if args.workers > 1 and settings.is_sqlite:
        print(
            "Several workers need PostgreSQL: SQLite has one writer. Use --workers 1.",
            file=sys.stderr,
        )
        return 2

    taken = _port_taken(args.host, args.port)
    if taken:
        print(f"error: cannot listen on {args.host}:{args.port}: {taken}", file=sys.stderr)
        print("Stop the other server, or choose --port (or DEVPORTAL_PORT).", file=sys.stderr)
        return 2

    async def prepare() -> int:
        return await _prepare_demo() if args.demo else 0

    if asyncio.run(_with_db(settings, prepare)) != 0:
        return 2
    print(
        f"GraphiQL: http://{args.host}:{args.port}/graphql   health: http://{args.host}:{args.port}/readyz"
    )
    options = {
        "app": "app.web:create_app",
        "factory": True,
        "host": args.host,
        "port": args.port,
        "log_level": "info",
        "proxy_headers": False,
        # WebSocket frames pass no middleware (no body cap, no rate limit): uvicorn's own cap
        # on a message keeps one from being larger than an HTTP body may be.
        "ws_max_size": settings.max_body_bytes,
    }
    if args.workers > 1:
        return workers.run(args.workers, options)
    uvicorn.run(**options)
    return 0


def cmd_migrate(_: argparse.Namespace) -> int:
    settings = Settings.from_env()

    async def done() -> None:
        print("Migrations applied.")

    asyncio.run(_with_db(settings, done))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    return asyncio.run(_with_db(Settings.from_env(), lambda: _prepare_demo(force=args.force)))


def cmd_export_schema(args: argparse.Namespace) -> int:
    from app.api.schema import build_schema

    text = build_schema(Settings()).as_str() + "\n"
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    return 0


_EXPIRY_FORMS = "30d, 12h, 90m, or an ISO time with offset such as 2027-01-01T00:00:00+00:00"


def _expiry(text: str) -> datetime:
    """The moment `--expires` names, which must lie ahead: a token expired at birth would only
    puzzle its holder. An argparse type, so that a bad value exits 2 with a message (argparse
    shows ArgumentTypeError's), never with a traceback."""
    from app.domain.clock import utcnow

    now = utcnow()
    given = repr(text[:60])
    match = re.fullmatch(r"\s*(\d+)\s*([dhm])\s*", text)
    try:
        if match:
            unit = {"d": "days", "h": "hours", "m": "minutes"}[match[2]]
            moment = now + timedelta(**{unit: int(match[1])})
        else:
            moment = datetime.fromisoformat(text.strip())
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC)  # 9999-12-31T23:59-00:01 is past the year 9999
    except OverflowError:  # 99999999d: past the year 9999
        raise argparse.ArgumentTypeError(
            f"{given} is too far ahead; give {_EXPIRY_FORMS}"
        ) from None
    except ValueError:  # 1y, abc
        raise argparse.ArgumentTypeError(f"{given} is not {_EXPIRY_FORMS}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{given} has no UTC offset; give {_EXPIRY_FORMS}")
    if moment <= now:
        raise argparse.ArgumentTypeError(
            f"{given} is not in the future: the token would be expired at once"
        )
    return moment


def cmd_token(args: argparse.Namespace) -> int:
    from app.domain.errors import DomainError
    from app.domain.events import bus
    from app.domain.tokens import create_token, list_tokens, revoke_token
    from app.models import Role

    async def work() -> int:
        if args.token_command == "create":
            try:
                token, text = await create_token(
                    Role(args.role),
                    name=args.name or "",
                    developer=args.developer,
                    expires_at=args.expires,
                )
            except DomainError as error:
                print(f"error: {error.message}", file=sys.stderr)
                return 2
            print(text)
            print(
                f"(token {token.id}, role {token.role.value}; shown once, store it now)",
                file=sys.stderr,
            )
        elif args.token_command == "list":
            for token in await list_tokens():
                state = "revoked" if token.revoked_at else "active"
                print(
                    f"{token.id}\t{token.role.value}\t{token.prefix}…\t{state}\t{token.name}\t"
                    f"developer={token.developer_id or '-'}\texpires={token.expires_at or '-'}"
                )
        else:
            # On PostgreSQL running servers hear of it (NOTIFY) and close its WebSockets at
            # once; on SQLite they find out at their next periodic check.
            dsn = None if settings.is_sqlite else settings.database_url
            await bus.start(postgres=not settings.is_sqlite, dsn=dsn)
            try:
                revoked = await revoke_token(args.id)
            finally:
                await bus.stop()
            if not revoked:
                print(f"error: no active token {args.id}", file=sys.stderr)
                return 2
            print(f"token {args.id} revoked")
        return 0

    settings = Settings.from_env()
    return asyncio.run(_with_db(settings, work))


def cmd_ingest(args: argparse.Namespace) -> int:
    from app.domain.events import bus
    from app.ingest.files import format_report, ingest_files

    settings = Settings.from_env()

    async def work() -> int:
        # On PostgreSQL, running servers hear of new traffic through NOTIFY (their response
        # caches are emptied); on SQLite they see the file change.
        dsn = None if settings.is_sqlite else settings.database_url
        await bus.start(postgres=not settings.is_sqlite, dsn=dsn)
        try:
            report = await ingest_files(args.files)
        except (FileNotFoundError, PermissionError, IsADirectoryError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        finally:
            await bus.stop()
        print(format_report(report))
        for problem in report.unreadable:
            print(f"error: {problem}", file=sys.stderr)
        return 1 if report.unreadable else 0

    return asyncio.run(_with_db(settings, work))


def cmd_import(args: argparse.Namespace) -> int:
    """Import decK files or Konnect exports: one transaction and one printed report per file."""
    from pathlib import Path

    from app.domain.events import bus
    from app.ingest import deck, konnect
    from app.ingest.imports import ImportFileError, run_jobs

    paths = [Path(name) for name in args.files]
    try:
        jobs = (
            [deck.load_deck(path) for path in paths]
            if args.source == "deck"
            else konnect.load_exports(paths)
        )
    except ImportFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    settings = Settings.from_env()

    async def work() -> int:
        # On PostgreSQL, running servers hear of the import through NOTIFY.
        dsn = None if settings.is_sqlite else settings.database_url
        await bus.start(postgres=not settings.is_sqlite, dsn=dsn)
        try:
            return await run_jobs(jobs, dry_run=args.dry_run, emit=print)
        finally:
            await bus.stop()

    return asyncio.run(_with_db(settings, work))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="devportal", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply migrations and serve the API")
    serve.add_argument(
        "--host",
        default=os.environ.get("DEVPORTAL_HOST", "127.0.0.1"),
        help="address to listen on (DEVPORTAL_HOST, default 127.0.0.1)",
    )
    serve.add_argument(
        "--port",
        type=_port,
        default=int(os.environ.get("DEVPORTAL_PORT", "8000")),
        help="port to listen on (DEVPORTAL_PORT, default 8000)",
    )
    serve.add_argument("--workers", type=int, default=1, help="uvicorn workers (PostgreSQL only)")
    serve.add_argument(
        "--response-cache",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep answers of read queries until the next write (default: on)",
    )
    serve.add_argument(
        "--demo", action="store_true", help="load the demo portal into an empty database"
    )
    serve.set_defaults(run=cmd_serve)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=cmd_migrate)

    demo = commands.add_parser("demo", help="load the demo portal (if the database is empty)")
    demo.add_argument("--force", action="store_true", help="load even into a database with data")
    demo.set_defaults(run=cmd_demo)

    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.add_argument("--output", "-o", default=None)
    export.set_defaults(run=cmd_export_schema)

    token = commands.add_parser("token", help="manage bearer tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="make a token (printed once)")
    create.add_argument("--role", required=True, choices=["admin", "viewer", "developer", "ingest"])
    create.add_argument("--developer", help="developer id (as the API shows it) or email")
    create.add_argument("--name", default="")
    create.add_argument(
        "--expires", type=_expiry, help="e.g. 30d, 12h, 90m, or an ISO time with offset"
    )
    token_commands.add_parser("list", help="list tokens")
    revoke = token_commands.add_parser("revoke", help="revoke a token by its number")
    revoke.add_argument("id", type=int)
    token.set_defaults(run=cmd_token)

    ingest = commands.add_parser("ingest", help="ingest gateway traffic")
    ingest_kinds = ingest.add_subparsers(dest="ingest_kind", required=True)
    kong_log = ingest_kinds.add_parser("kong-log", help="Kong file-log files (plain or gzip)")
    kong_log.add_argument("files", nargs="+", help="files to read; - for standard input")
    ingest.set_defaults(run=cmd_ingest)

    importer = commands.add_parser("import", help="import decK files or Konnect portal exports")
    importer.add_argument("source", choices=["deck", "konnect"], help="the files' format")
    importer.add_argument("files", nargs="+", metavar="FILE")
    importer.add_argument("--dry-run", action="store_true", help="report, then roll back")
    importer.set_defaults(run=cmd_import)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.run(args))
