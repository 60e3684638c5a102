"""The ``swarmboard`` command line: serve, migrate, manage people and export boards."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from typing import Any, TypeVar, get_args

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.auth.schemas import Role
from app.board.schemas import CHANNELS, PRIORITIES, SEGMENTS
from app.core.config import Settings, get_settings, log_format_asked
from app.core.db import Database
from app.core.errors import DomainError
from app.core.params import MAX_ID
from app.exports.schemas import ExportKind
from app.ops.console import Console

__all__ = ["main"]

T = TypeVar("T")

# What the CLI says: plain lines, except for the commands whose output goes to a log
# (`serve`, `db upgrade`), which follow SWARMBOARD_LOG_FORMAT (main() sets it up).
console = Console("text")


def _run_write(settings: Settings, fn: Callable[..., T], **kwargs: Any) -> T:
    async def go() -> T:
        db = Database(settings)
        db.start()
        try:
            return await db.write(fn, **kwargs)
        finally:
            await db.dispose()

    return asyncio.run(go())


async def _read(settings: Settings, fn: Callable[..., T], **kwargs: Any) -> T:
    db = Database(settings)
    db.start()
    try:
        return await db.read(fn, **kwargs)
    finally:
        await db.dispose()


def _migrate(settings: Settings) -> None:
    from app.core.migrate import upgrade_to_head

    console.say("Migrating the database to the newest schema...", err=True)
    upgrade_to_head(settings.database_url)


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    _migrate(settings)
    console.say("The database is at the newest schema.")
    return 0


def _password_unless_set(session: Session, *, user_id: int, password_hash: str) -> str:
    """Give a person without a password (the demo admin) ``password_hash``; the person's
    password hash afterwards (a password someone chose is kept)."""
    from app.auth import service as auth_service

    stored = auth_service.password_hash_of(session, user_id=user_id)
    if stored is not None:
        return stored
    auth_service.set_password_hash(session, user_id=user_id, password_hash=password_hash)
    return password_hash


class _DemoAgent:
    """``serve --demo --agent``: the reference agent (app/agents/reference.py) as a task of
    the server's own event loop, working the demo board through the server's ``/mcp``."""

    def __init__(self, *, token: str, board_id: int, created: bool, pause: float) -> None:
        self.token, self.board_id, self.created = token, board_id, created
        self.pause = pause
        self._stop = asyncio.Event()
        self._task: asyncio.Task[int] | None = None

    def announce(self) -> None:
        from app.demo_bot import BOT_NAME

        fresh = " (four urgent cards wait in Triage for it)" if self.created else ""
        console.say(
            f"AI agent: {BOT_NAME} works the demo board through /mcp{fresh}; its steps "
            "follow here. Stop on the People page stops it (availability 'away')."
        )

    def _log(self, message: str) -> None:
        console.say(f"FAQ bot: {message}")

    def start(self, base_url: str) -> None:
        from app.agents.reference import AgentSettings, run_agent

        settings = AgentSettings(board_id=self.board_id, pause_seconds=self.pause, wait_seconds=5.0)
        self._task = asyncio.get_running_loop().create_task(
            run_agent(f"{base_url}/mcp", self.token, settings, self._log, self._stop)
        )

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()  # a tool call in flight is abandoned, not awaited
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def _pause(value: str) -> float:
    """A pause in seconds, 0 to 60 (argparse type: a bad one is a usage error, exit 2)."""
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 <= seconds <= 60:
        raise argparse.ArgumentTypeError("give 0 to 60 seconds")
    return seconds


def _self_url(host: str, port: int) -> str:
    """Where this server answers itself: a wildcard address means the loopback."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _demo_agent(
    settings: Settings, *, admin_id: int, board_id: int, pause: float
) -> _DemoAgent | None:
    """The demo bot and its token (``--agent``); None (said why) when it cannot run."""
    from app.demo_bot import ensure_demo_bot

    if not settings.mcp_enabled:
        console.say(
            "error: --agent works through /mcp, which SWARMBOARD_MCP_ENABLED=false turns off",
            err=True,
            level=logging.ERROR,
        )
        return None
    try:
        bot = _run_write(settings, ensure_demo_bot, admin_id=admin_id, board_id=board_id)
    except DomainError as exc:
        console.say(f"error: could not add the demo bot: {exc.detail}", err=True)
        return None
    return _DemoAgent(token=bot.token, board_id=board_id, created=bot.created, pause=pause)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.auth import service as auth_service
    from app.auth.password import hash_password, verify_password
    from app.demo import DEMO_LOGIN, DEMO_PASSWORD, seed_demo
    from app.main import create_app
    from app.realtime.wire import FrameProtocol

    # main() has set up the logs: our request log (route templates, request ids, no
    # query strings) replaces uvicorn's access log, and uvicorn's own messages, the
    # migrations' and any traceback go through the same handler.
    if args.agent and not args.demo:
        console.say("error: --agent needs --demo", err=True, level=logging.ERROR)
        return 2
    _migrate(settings)
    token = settings.admin_token
    generated: str | None = None  # the only token ever printed: one made for the demo
    # What a person needs to try Swarmboard: printed once the server listens, last.
    banner: list[Callable[[], None]] = []
    logins: list[tuple[str, str]] = []  # the demo's sign-ins (none in production)
    agent: _DemoAgent | None = None  # --agent: the demo bot, run in this process
    if args.demo:
        name = "admin-token"
        if token is None:
            # A fresh token per start (the previous demo token is revoked); only its hash
            # is stored.
            token, name = auth_service.new_token(), "demo-admin"
            generated = token
            settings = settings.model_copy(update={"admin_token": token})
        try:
            admin = _run_write(settings, auth_service.ensure_admin_token, token=token, name=name)
            assert admin.id is not None
            # A well-known password is for trying Swarmboard out, never for production.
            demo_hash = (
                hash_password(DEMO_PASSWORD) if settings.environment != "production" else None
            )
            board_id = _run_write(settings, seed_demo, admin_id=admin.id, password_hash=demo_hash)
            if demo_hash is not None:
                # The demo admin signs in too (unless someone gave it a password).
                admin_hash = _run_write(
                    settings, _password_unless_set, user_id=admin.id, password_hash=demo_hash
                )
        except DomainError as exc:
            console.say(
                f"error: could not seed the demo board: {exc.detail}", err=True, level=logging.ERROR
            )
            return 1
        banner.append(
            partial(console.say, f"Demo board ready: board id {board_id}", board_id=board_id)
        )
        if args.agent:
            agent = _demo_agent(
                settings, admin_id=admin.id, board_id=board_id, pause=args.agent_pause
            )
            if agent is None:
                return 2
            banner.append(agent.announce)
        if demo_hash is not None:
            if admin_hash == demo_hash or verify_password(admin_hash, DEMO_PASSWORD):
                logins.append(("Admin", admin.email))
            logins.append(("Lead", DEMO_LOGIN))
    url = f"http://{args.host}:{args.port}"
    banner.append(
        partial(console.say, f"Swarmboard is starting on {url}  (API docs: {url}/docs)", url=url)
    )
    for who, email in logins:
        banner.append(partial(console.say, f"{who} login: {email} / {DEMO_PASSWORD}", login=email))
    if generated is not None:
        # A configured SWARMBOARD_ADMIN_TOKEN is never printed: the output ends up in
        # log collectors (docker compose logs). In JSON mode the token is in its own
        # field (the message, like every log line, hides anything token-shaped).
        banner.append(partial(console.say, f"Admin token: {generated}", admin_token=generated))
    app = create_app(settings)

    class Server(uvicorn.Server):
        """uvicorn's server, printing the banner once it listens and telling the app the
        moment shutdown begins."""

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started and not self.should_exit:
                # After the migrations', the app's and uvicorn's start-up lines, so the
                # URL and logins are the last thing on the screen.
                for say in banner:
                    say()
                if agent is not None:  # the demo bot works the board once we listen
                    agent.start(_self_url(args.host, args.port))

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            if agent is not None:
                await agent.stop()  # before its own requests would hold up the drain
            # The scan and the relay stop starting work now and finish what is in flight
            # while uvicorn drains connections, not after it: one grace period in all.
            app.state.begin_shutdown()
            await super().shutdown(sockets)

    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        log_config=None,
        access_log=False,
        # X-Forwarded-For / -Proto only from the proxies the operator names (uvicorn
        # would otherwise believe any local process, and FORWARDED_ALLOW_IPS).
        proxy_headers=bool(args.trusted_proxies),
        forwarded_allow_ips=args.trusted_proxies,
        ws_ping_interval=settings.ws_ping_interval,
        ws_ping_timeout=settings.ws_ping_interval,
        ws_per_message_deflate=settings.ws_per_message_deflate,
        # uvicorn's websocket protocol, able to take one pre-encoded frame per event for
        # every live socket (app/realtime/wire.py).
        ws=FrameProtocol,
        # Open requests get this long once a signal arrives (websockets are closed at
        # once with 1012, and browsers reconnect elsewhere with ?since=).
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
    server = Server(config)
    # After a graceful stop uvicorn raises the signal again with the handler it found
    # installed, which by default kills the process (exit -15 or a KeyboardInterrupt):
    # with its own handler found there, a clean stop exits 0. It also covers a signal
    # arriving before uvicorn installs its handlers.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, server.handle_exit)
    server.run()
    return 0 if server.started else 3


def _users_create(args: argparse.Namespace, settings: Settings) -> int:
    from app.auth import service as auth_service
    from app.auth.password import hash_password
    from app.auth.schemas import UserCreate

    try:
        data = UserCreate(
            name=args.name,
            email=args.email,
            role=args.role,
            team=args.team,
            password=args.password,
        )
    except ValidationError as exc:
        for err in exc.errors():
            print(f"error: {'.'.join(map(str, err['loc']))}: {err['msg']}", file=sys.stderr)
        return 2
    password_hash = hash_password(data.password) if data.password is not None else None
    _migrate(settings)
    try:
        user, token = _run_write(
            settings,
            auth_service.create_user,
            actor=None,
            data=data,
            password_hash=password_hash,
        )
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    signs_in = " They can sign in to the web pages with the password." if password_hash else ""
    print(
        f"Created user {user.id} ({user.email}, {user.role}).{signs_in} API token (shown once):",
        file=sys.stderr,
    )
    print(token)
    return 0


def _person_by_email(session: Session, *, email: str) -> tuple[int, bool] | None:
    """The person's id and whether they are deactivated; None for an unknown email."""
    # Auth has no "person by email" service yet; its repository's lookup is read-only.
    from app.auth import repository as auth_repository

    user = auth_repository.user_by_email(session, email)
    if user is None or user.id is None:
        return None
    return user.id, user.deactivated_at is not None


def _reset_password(session: Session, *, user_id: int, password_hash: str) -> None:
    """What ``POST /api/users/{id}/password`` does, with no one signed in to ask: the new
    hash is stored and every browser session of the person ends (their open pages
    reconnect through a fresh access check)."""
    from app.auth import hooks as auth_hooks
    from app.auth import repository as auth_repository
    from app.auth import service as auth_service

    user = auth_repository.get_user(session, user_id)
    # Ends every session; UserNotFound if the person was removed meanwhile.
    auth_service.set_password_hash(session, user_id=user_id, password_hash=password_hash)
    assert user is not None
    # The hook names a person as the actor; the command line has none but the person.
    auth_hooks.access_changed(
        session,
        user_id=user_id,
        reason="password-reset",
        actor_id=user_id,
        everywhere=user.role == "admin",
    )


def _read_new_password(email: str) -> str | None:
    """The new password: asked twice on a terminal, else the first line of stdin. None
    (after saying why) when the two typed differ."""
    import getpass

    if not sys.stdin.isatty():
        # Only the line break ends the line: spaces are part of a password.
        return sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    first = getpass.getpass(f"New password for {email}: ")
    if getpass.getpass("Type it again: ") != first:
        print("error: the two passwords differ; nothing was changed.", file=sys.stderr)
        return None
    return first


def _users_set_password(args: argparse.Namespace, settings: Settings) -> int:
    from pydantic import TypeAdapter

    from app.auth.password import MAX_LENGTH, MIN_LENGTH, hash_password
    from app.auth.schemas import Password

    email = args.email.strip().lower()  # as UserCreate stores it
    _migrate(settings)
    found = asyncio.run(_read(settings, _person_by_email, email=email))
    if found is None:
        print(f"error: no one has the email {email}; nothing was changed.", file=sys.stderr)
        return 1
    user_id, deactivated = found
    try:
        new = _read_new_password(email)
    except (EOFError, KeyboardInterrupt):
        print("\nerror: no password given; nothing was changed.", file=sys.stderr)
        return 2
    if new is None:
        return 2
    try:
        TypeAdapter(Password).validate_python(new)
    except ValidationError:
        print(
            f"error: a password needs at least {MIN_LENGTH} characters (and at most "
            f"{MAX_LENGTH}); nothing was changed.",
            file=sys.stderr,
        )
        return 2
    # ~50 ms of hashing, before the transaction opens.
    password_hash = hash_password(new)
    try:
        _run_write(settings, _reset_password, user_id=user_id, password_hash=password_hash)
    except DomainError as exc:  # removed meanwhile
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    signs_in = (
        "their account is deactivated: they sign in with it once an admin reactivates them"
        if deactivated
        else "they can sign in to the web pages with it"
    )
    print(
        f"The password of {email} is set; {signs_in}. Their browser sessions have ended.",
        file=sys.stderr,
    )
    return 0


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD)") from None


def _print_error(exc: DomainError, flags: dict[str, str] | None = None) -> None:
    print(f"error: {exc.detail}", file=sys.stderr)
    for err in exc.extra.get("errors", []):
        name = (flags or {}).get(err.get("field", ""), err.get("field", ""))
        print(f"  {name}: {err.get('message', 'invalid')}", file=sys.stderr)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from app.exports.files import write_export
    from app.metrics.filters import CardFilter, date_range
    from app.metrics.params import Scope

    try:
        period = date_range(args.start, args.end)
    except DomainError as exc:
        _print_error(exc, {"from": "--from", "to": "--to"})
        return 2
    filters = CardFilter(
        lane_id=args.lane,
        channel=args.channel,
        product=args.product,
        priority=args.priority,
        segment=args.segment,
    )
    scope = Scope(period=period, filters=filters)
    try:
        rows = asyncio.run(
            write_export(settings, board_id=args.board, scope=scope, kind=args.format, out=args.out)
        )
    except DomainError as exc:
        _print_error(exc)
        return 2
    except BrokenPipeError:  # the reader of stdout stopped early (``| head``)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"error: the database could not be read: {exc.__class__.__name__}", file=sys.stderr)
        return 1
    if args.out != "-":
        print(f"Wrote {rows:,} rows to {args.out}.", file=sys.stderr)
    return 0


def _positive_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_ID:
        raise argparse.ArgumentTypeError(f"not an id: {value!r}")
    return number


def _add_export(sub: Any) -> None:
    export = sub.add_parser(
        "export",
        help="export a board's cards or events to a file (same formats as the API)",
        description="Export the cards whose life overlaps the range (or the board's events "
        "within it), as an ActionableAgile CSV, card NDJSON or an event CSV.",
    )
    export.add_argument("--board", required=True, type=_positive_id, help="board id")
    export.add_argument("--format", required=True, choices=get_args(ExportKind))
    export.add_argument(
        "--from", dest="start", type=_day, help="first day (UTC), default 29 days before --to"
    )
    export.add_argument("--to", dest="end", type=_day, help="last day (UTC), default today")
    export.add_argument(
        "--out", required=True, help="the file to write, or - for stdout (no progress bar)"
    )
    export.add_argument("--lane", type=_positive_id, help="only cards in this lane (id)")
    export.add_argument("--channel", choices=CHANNELS)
    export.add_argument("--product")
    export.add_argument("--priority", choices=PRIORITIES)
    export.add_argument("--segment", choices=SEGMENTS)
    export.set_defaults(func=_export)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="swarmboard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate the database, then serve the app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="seed a demo support board")
    serve.add_argument(
        "--agent",
        action="store_true",
        help="with --demo: an AI agent (FAQ bot, no LLM) works the demo board through /mcp",
    )
    serve.add_argument(
        "--agent-pause",
        type=_pause,
        default=2.0,
        metavar="SECONDS",
        help="with --agent: seconds between the bot's steps, so you can follow it (default 2)",
    )
    serve.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        help="default: info, or warning with --demo (a quiet console while you try it)",
    )
    serve.set_defaults(func=_serve)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="migrate to the newest schema")
    upgrade.set_defaults(func=_db_upgrade)

    users = sub.add_parser("users", help="manage people")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    create = users_sub.add_parser("create", help="create a person and print an API token")
    create.add_argument("--name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=get_args(Role))
    create.add_argument("--team")
    create.add_argument(
        "--password",
        help="let them sign in to the web pages (at least 8 characters)",
    )
    create.set_defaults(func=_users_create)
    set_password = users_sub.add_parser(
        "set-password",
        help="set a person's password for the web pages (asked twice, or read from stdin)",
        description="Set the password a person signs in to the web pages with; their "
        "browser sessions end. On a terminal it is asked for twice; otherwise the first "
        'line of standard input is the password (echo "$PW" | swarmboard users '
        "set-password EMAIL).",
    )
    set_password.add_argument("email", metavar="EMAIL")
    set_password.set_defaults(func=_users_set_password)
    _add_export(sub)
    return parser


def _logs_for(args: argparse.Namespace) -> bool:
    """Set up the console and the logs of a command whose output goes to a log; False
    when the settings are invalid (said in the format asked for)."""
    from app.ops.logging import configure_logging

    global console
    try:
        settings = get_settings()
    except ValidationError as exc:
        console = Console(log_format_asked())
        for err in exc.errors():
            console.say(f"configuration error: {err['msg']}", err=True, level=logging.ERROR)
        return False
    console = Console(settings.log_format)
    if getattr(args, "log_level", None) is None:
        # The demo is for a person at a terminal: after the banner, only what goes wrong.
        args.log_level = "warning" if getattr(args, "demo", False) else "info"
    configure_logging(settings.log_format, args.log_level)
    args.trusted_proxies = settings.trusted_proxies
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``swarmboard`` console script."""
    args = _parser().parse_args(argv)
    if args.command in ("serve", "db") and not _logs_for(args):
        return 2
    try:
        settings = get_settings()
    except ValidationError as exc:
        for err in exc.errors():
            console.say(f"configuration error: {err['msg']}", err=True, level=logging.ERROR)
        return 2
    from app import wiring

    # Board's reactions and policies, for every command that runs services (idempotent).
    wiring.install()
    result: int = args.func(args, settings)
    return result


if __name__ == "__main__":
    sys.exit(main())
