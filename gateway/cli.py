"""`customer-gateway serve | sandbox | export-schema`."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import uvicorn
from fastapi import FastAPI

from gateway.config import SandboxSettings, Settings
from gateway.ports import free_port, wait_for_port


def _loopback(host: str) -> str:
    return "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host


def serve(host: str, port: int, workers: int) -> None:
    settings = Settings()
    os.environ["GATEWAY_SELF_URL"] = f"http://{_loopback(host)}:{port}"
    sandbox: subprocess.Popen[bytes] | None = None
    if workers > 1 and not settings.sandbox_url:
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


def sandbox_app() -> FastAPI:
    from sandboxes.app import create_sandbox_app

    app = FastAPI(title="customer-gateway sandboxes", docs_url=None, redoc_url=None)
    app.mount("/sandbox", create_sandbox_app(Settings().sandbox or SandboxSettings()))
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="customer-gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="serve GraphQL (and the sandboxes)")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--workers", type=int, default=1)
    sandbox_cmd = commands.add_parser("sandbox", help="serve only the provider sandboxes")
    sandbox_cmd.add_argument("--host", default="127.0.0.1")
    sandbox_cmd.add_argument("--port", type=int, default=8100)
    commands.add_parser("export-schema", help="print the GraphQL SDL")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.host, args.port, args.workers)
    elif args.command == "sandbox":
        uvicorn.run(sandbox_app(), host=args.host, port=args.port, log_level="warning")
    else:
        from schema.schema import sdl

        sys.stdout.write(sdl())


if __name__ == "__main__":
    main()
