"""Log format, and the redactions that hold however logging is configured.

Libraries log values the gateway must not write down: httpx logs every upstream URL
(customer ids in paths, emails and phones in search parameters), httpcore's traces
hold upstream response headers, aiocache's debug lines the cache keys, and uvicorn's
access line holds the request's query string (`GET /graphql?query=...&variables=...`).
`install_redactions` puts filters on those loggers themselves, not on a handler, so
they apply whoever adds the handlers (uvicorn's log config, pytest's caplog, an
operator's dictConfig); `create_app` runs it.
"""

from __future__ import annotations

import logging
import re

import httpx

from gateway import request_id
from gateway.request_id import RequestIdFilter

FORMAT = "%(levelname)s %(name)s [%(request_id)s]: %(message)s"
_OWN_PATHS = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})
_SANDBOX = re.compile(r"/sandbox/([a-z]{1,20})(/|$)")


def configure_logging(level: str) -> None:
    """The process's log format for `serve`: every line carries its request id.

    httpx's line per upstream call (origin only) shows at DEBUG, not in the INFO log.
    """
    logging.basicConfig(level=level, format=FORMAT)
    if logging.getLevelName(level) != logging.DEBUG:
        logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
    install_redactions()


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
        record.request_id = request_id.current()
        return True
