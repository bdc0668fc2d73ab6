"""`customer-gateway serve | sandbox | check-config | export-schema | new-api-key`.

Settings are loaded and checked here, before uvicorn starts (and before any worker
process does), so a wrong one ends the process with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI

from gateway import metrics, shutdown
from gateway.config import LOG_LEVELS, SandboxSettings, Settings
from gateway.errors import InvalidSettings
from gateway.logs import log_format, uvicorn_log_config
from gateway.ports import free_port, wait_for_port
from gateway.providers import SPECS
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
    log_config: dict[str, Any] = {}
    if log_format(settings) == "json":
        log_config["log_config"] = uvicorn_log_config(settings.log_level)
    own_metrics_dir = workers > 1 and metrics.multiprocess_dir() is None
    if workers > 1 or metrics.multiprocess_dir() is not None:
        metrics.prepare_multiprocess_dir()  # workers sum their metrics through its files
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
    grace_s = settings.shutdown_grace_s
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "log_level": settings.log_level.lower(),
        "timeout_graceful_shutdown": grace_s,
        **log_config,
    }
    try:
        if workers > 1:  # uvicorn's own workers: the grace, not the draining
            uvicorn.run("gateway.app:app_from_env", workers=workers, **options)
        else:
            config = uvicorn.Config("gateway.app:app_from_env", **options)
            shutdown.run(config, shutdown.drain_gateway(grace_s))
    finally:
        if sandbox is not None:
            sandbox.terminate()
            try:
                sandbox.wait(timeout=grace_s + 2 * shutdown.CLOSE_STEP_S)
            except subprocess.TimeoutExpired:
                sandbox.kill()
                sandbox.wait()
        if own_metrics_dir:
            shutil.rmtree(os.environ.pop(metrics.MULTIPROC_ENV), ignore_errors=True)


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


MASK = "**********"
"""What pydantic shows for a `SecretStr`, and `check-config` for a URL's password."""


def check_config() -> None:
    """Print the settings `serve` would start with, secrets masked, and each provider's mode.

    The same checks as `serve` run first: anything invalid exits 2 with its one line.
    """
    settings = settings_for("serve")
    lines = [f"# mode: {settings.mode.value}, log format: {log_format(settings)}"]
    lines += _variables("", settings.model_dump(mode="json"))
    lines.append("")
    for spec in SPECS:
        config = settings.provider(spec.name)
        if not config.enabled:
            mode = "disabled"
        elif config.is_live:
            environment = getattr(config, "environment", None)
            where = config.base_url or f"the {environment or 'default'} host"
            mode = f"live at {where}"
        else:
            mode = "emulator (demo data)"
        lines.append(f"provider {spec.key}: {mode}")
    sys.stdout.write("\n".join(lines) + "\n")


def _variables(prefix: str, values: dict[str, Any]) -> list[str]:
    """`SECTION__FIELD=value` lines, as the settings would be given in the environment."""
    lines: list[str] = []
    for name, value in values.items():
        variable = f"{prefix}{name.upper()}"
        if isinstance(value, dict) and name not in {"faults"}:
            lines += _variables(variable + "__", value)
            continue
        if value is None:
            shown = "(unset)"
        elif isinstance(value, str):
            shown = _without_password(value) if "://" in value else value
        else:
            shown = json.dumps(value)
        lines.append(f"{variable}={shown}")
    return lines


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", f":{MASK}@")).geturl()


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except where there is none to show."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.required:
            return action.help or ""
        return super()._get_help_string(action) or ""


def _parser() -> argparse.ArgumentParser:
    version = importlib.metadata.version("customer-gateway")
    parser = argparse.ArgumentParser(
        prog="customer-gateway",
        description="One GraphQL endpoint over customers in Square, Clover, Elastic Path and"
        " Digital River. Settings come from the environment and .env (see README).",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=text, description=text, formatter_class=_HelpFormatter
        )

    serve_cmd = command("serve", "serve GraphQL (and, in demo mode, the sandboxes)")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    serve_cmd.add_argument(
        "--port", type=int, help=f"TCP port (default: $PORT, else {DEFAULT_PORT})"
    )
    serve_cmd.add_argument("--workers", type=int, default=1, help="worker processes")
    serve_cmd.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        help="overrides LOG_LEVEL (default: $LOG_LEVEL, else INFO)",
    )
    sandbox_cmd = command("sandbox", "serve only the provider sandboxes (emulators)")
    sandbox_cmd.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    sandbox_cmd.add_argument("--port", type=int, default=8100, help="TCP port")
    command("check-config", "print the effective settings (secrets masked); exit 2 if invalid")
    command("export-schema", "print the GraphQL SDL")
    key_cmd = command("new-api-key", "print a fresh API key and its AUTH__API_KEYS entry")
    key_cmd.add_argument("--name", required=True, help="shown in audit records")
    key_cmd.add_argument("--scopes", required=True, help="comma separated, e.g. customers:read")
    key_cmd.add_argument("--providers", help="comma separated slugs (default: every provider)")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        if args.log_level is not None:
            os.environ["LOG_LEVEL"] = args.log_level  # the workers load their settings too
        settings = settings_for("serve")
        serve(settings, args.host, serve_port(args.port), args.workers)
    elif args.command == "check-config":
        check_config()
    elif args.command == "sandbox":
        settings = settings_for("sandbox")
        config = uvicorn.Config(
            sandbox_app(settings.sandbox),
            host=args.host,
            port=args.port,
            log_level="warning",
            timeout_graceful_shutdown=settings.shutdown_grace_s,
        )
        shutdown.run(config)
    elif args.command == "new-api-key":
        new_api_key(args.name, args.scopes, args.providers)
    else:
        from schema.schema import sdl

        sys.stdout.write(sdl())


if __name__ == "__main__":
    main()
