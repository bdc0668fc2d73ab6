"""Log format, and the redactions that hold however logging is configured.

Libraries log values the gateway must not write down: httpx logs every upstream URL
(customer ids in paths, emails and phones in search parameters), httpcore's traces
hold upstream response headers, aiocache's debug lines the cache keys, and uvicorn's
access line holds the request's query string (`GET /graphql?query=...&variables=...`).
`install_redactions` puts filters on those loggers themselves, not on a handler, so
they apply whoever adds the handlers (uvicorn's log config, pytest's caplog, an
operator's dictConfig); `create_app` runs it.

Production logs are JSON lines (`JsonFormatter`), one object per record with fixed
field names a log pipeline can index; demo mode keeps the readable text line.
`LOG_FORMAT` overrides either default.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import httpx

from gateway import request_id
from gateway.config import GatewayMode, Settings
from gateway.request_id import RequestIdFilter

FORMAT = "%(levelname)s %(name)s [%(request_id)s]: %(message)s"
EXTRA_FIELDS = ("provider", "duration_ms", "http_method", "path", "status", "code", "audit")
"""Record attributes (`log.info(..., extra={...})`) a JSON line carries when set."""
_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_operation: ContextVar[str | None] = ContextVar("operation", default=None)
_OWN_PATHS = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})
_SANDBOX = re.compile(r"/sandbox/([a-z]{1,20})(/|$)")


def log_format(settings: Settings) -> str:
    """`LOG_FORMAT`, else JSON in production mode and text in demo mode."""
    if settings.log_format is not None:
        return settings.log_format
    return "json" if settings.mode is GatewayMode.PRODUCTION else "text"


def configure_logging(level: str, fmt: str = "text") -> None:
    """The process's log format for `serve`: every line carries its request id.

    httpx's line per upstream call (origin only) shows at DEBUG, not in the INFO log.
    """
    if fmt == "json":
        json_lines = logging.StreamHandler()
        json_lines.setFormatter(JsonFormatter())
        logging.basicConfig(level=level, handlers=[json_lines])
    else:
        logging.basicConfig(level=level, format=FORMAT)
    if logging.getLevelName(level) != logging.DEBUG:
        logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
    install_redactions()


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's own loggers (startup lines, access lines) as JSON lines too.

    The access line's query string is cut by `AccessLineFilter`, which `create_app`
    puts on the `uvicorn.access` logger itself, so it holds under this config too.
    """
    handler = {"class": "logging.StreamHandler", "formatter": "json"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "gateway.logs.JsonFormatter"}},
        "handlers": {"default": {**handler, "stream": "ext://sys.stderr"}},
        "loggers": {
            name: {"handlers": ["default"], "level": level, "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


@contextlib.contextmanager
def operation(name: str | None) -> Iterator[None]:
    """Name the GraphQL operation on every line logged while it runs.

    The name is the client's: only a GraphQL name (a plain token, at most 64
    characters) is kept, so it can neither forge nor flood a line.
    """
    kept = name if name is not None and _OPERATION_NAME.fullmatch(name) else None
    token = _operation.set(kept)
    try:
        yield
    finally:
        _operation.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: timestamp (ISO 8601, UTC), level, logger, message,
    request_id, operation, and `EXTRA_FIELDS` where the record has them.

    An exception is named by its type only: a traceback holds local values (ids,
    input) and spans lines a pipeline would split.
    """

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        line: dict[str, Any] = {
            "timestamp": stamp.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.current(),
            "operation": _operation.get(),
        }
        for name in EXTRA_FIELDS:
            if (value := getattr(record, name, None)) is not None:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
        return json.dumps(line, default=str, ensure_ascii=False)


def install_redactions() -> None:
    """Put the redacting filters on the libraries' loggers (once per process)."""
    _add_once(logging.getLogger("httpx"), UpstreamUrlFilter())
    _add_once(logging.getLogger("uvicorn.access"), AccessLineFilter())
    # httpcore's connection traces hold response headers, aiocache's debug lines the
    # keys (customer ids): neither says anything an operator needs.
    for name in ("httpcore", "aiocache"):
        library = logging.getLogger(name)
        if library.level < logging.INFO:
            library.setLevel(logging.INFO)


def _add_once(logger: logging.Logger, new: logging.Filter) -> None:
    if not any(type(f) is type(new) for f in logger.filters):
        logger.addFilter(new)


def upstream_origin(url: httpx.URL) -> str:
    """An upstream URL as logs may show it: scheme and host, never path or query."""
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host}{port}/…"


def request_path(path: str) -> str:
    """A request path as logs may show it: the gateway's own routes, no ids or input."""
    if path in _OWN_PATHS:
        return path
    if path.startswith("/graphiql/"):
        return "/graphiql/…"
    if sandbox := _SANDBOX.match(path):
        return f"/sandbox/{sandbox.group(1)}/…"
    return "(other path)"


class UpstreamUrlFilter(logging.Filter):
    """httpx's `HTTP Request: POST <url> ...` line, with the URL cut to its origin."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                upstream_origin(a) if isinstance(a, httpx.URL) else a for a in record.args
            )
        return True


class AccessLineFilter(logging.Filter):
    """uvicorn's access line without query string or ids, and its request's id.

    uvicorn's formatter reads exactly its five arguments (client, method, path,
    version, status), so the id is an attribute: `%(request_id)s` in a log config.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path = request_path(args[2].split("?", 1)[0])
            record.args = (args[0], args[1], path, args[3], args[4])
            record.http_method, record.path, record.status = args[1], path, args[4]
        record.request_id = request_id.current()
        return True
