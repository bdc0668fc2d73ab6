"""`customer-gateway serve | sandbox | export-schema | new-api-key`.

Settings are loaded and checked here, before uvicorn starts (and before any worker
process does), so a wrong one ends the process with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from gateway.config import SandboxSettings, Settings
from gateway.errors import InvalidSettings
from gateway.ports import free_port, wait_for_port
from gateway.registry import needs_sandbox
from gateway.startup import check_startup, load_settings

DEFAULT_PORT = 8000


def _loopback(host: str) -> str:
    return "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host


def settings_for(command: str) -> Settings:
    """The settings `command` starts with, checked for serving GraphQL when it is `serve`."""
    with _or_exit():
        settings = load_settings()
        if command == "serve":
            check_startup(settings)
    return settings


def serve_port(given: int | None) -> int:
    """`--port`, else `PORT` (what container platforms set), else 8000."""
    if given is not None:
        return given
    raw = os.environ.get("PORT")
    if raw is None:
        return DEFAULT_PORT
    with _or_exit():
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise InvalidSettings("invalid settings: PORT: expected a TCP port number, 1 to 65535")
    return int(raw)


@contextlib.contextmanager
def _or_exit() -> Iterator[None]:
    """A wrong setting ends the process: status 2, one line on stderr, no traceback."""
    try:
        yield
    except InvalidSettings as exc:
        sys.stderr.write(f"customer-gateway: {exc}\n")
        raise SystemExit(2) from None


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    os.environ["GATEWAY_SELF_URL"] = f"http://{_loopback(host)}:{port}"
    sandbox: subprocess.Popen[bytes] | None = None
    if workers > 1 and not settings.sandbox_url and needs_sandbox(settings):
        # Workers are separate processes: they share one sandbox server, not one each.
        sandbox_port = free_port()
        sandbox = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "sandbox", "--port", str(sandbox_port)]
        )
        try:
            wait_for_port(sandbox_port)
        except TimeoutError:
            sandbox.terminate()
            raise SystemExit(f"the sandbox server did not start on port {sandbox_port}") from None
        os.environ["SANDBOX_URL"] = f"http://127.0.0.1:{sandbox_port}"
    try:
        uvicorn.run(
            "gateway.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level.lower(),
        )
    finally:
        if sandbox is not None:
            sandbox.terminate()
            sandbox.wait(timeout=10)


def sandbox_app(settings: SandboxSettings) -> FastAPI:
    from sandboxes.app import create_sandbox_app

    app = FastAPI(title="customer-gateway sandboxes", docs_url=None, redoc_url=None)
    app.mount("/sandbox", create_sandbox_app(settings))
    return app


def _listed(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def new_api_key(name: str, scopes: str, providers: str | None) -> None:
    """Print a fresh key once (it is stored nowhere) and the `AUTH__API_KEYS` entry."""
    from pydantic import ValidationError

    from gateway.auth.api_keys import entry_json, new_key

    key = new_key()
    try:
        entry = entry_json(key, name, _listed(scopes), _listed(providers) if providers else None)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        sys.stderr.write(f"customer-gateway: --{where}: {problem['msg']}\n")
        raise SystemExit(2) from None
    sys.stdout.write(
        f"API key (shown once; send it as `Authorization: Bearer <key>` or `X-API-Key`):\n"
        f"{key}\n\nAdd this entry to the AUTH__API_KEYS JSON list:\n{entry}\n"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="customer-gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="serve GraphQL (and the sandboxes)")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, help=f"default: $PORT, else {DEFAULT_PORT}")
    serve_cmd.add_argument("--workers", type=int, default=1)
    sandbox_cmd = commands.add_parser("sandbox", help="serve only the provider sandboxes")
    sandbox_cmd.add_argument("--host", default="127.0.0.1")
    sandbox_cmd.add_argument("--port", type=int, default=8100)
    commands.add_parser("export-schema", help="print the GraphQL SDL")
    key_cmd = commands.add_parser("new-api-key", help="print a fresh API key and its entry")
    key_cmd.add_argument("--name", required=True, help="shown in audit records")
    key_cmd.add_argument("--scopes", required=True, help="comma separated, e.g. customers:read")
    key_cmd.add_argument("--providers", help="comma separated slugs; default: every provider")
    args = parser.parse_args(argv)
    if args.command == "serve":
        settings = settings_for("serve")
        serve(settings, args.host, serve_port(args.port), args.workers)
    elif args.command == "sandbox":
        sandbox = settings_for("sandbox").sandbox
        uvicorn.run(sandbox_app(sandbox), host=args.host, port=args.port, log_level="warning")
    elif args.command == "new-api-key":
        new_api_key(args.name, args.scopes, args.providers)
    else:
        from schema.schema import sdl

        sys.stdout.write(sdl())


if __name__ == "__main__":
    main()
