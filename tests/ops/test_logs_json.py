"""JSON log lines: fixed fields a pipeline can index, and the same redactions as text."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from gateway.logs import JsonFormatter, log_format
from tests.conftest import make_settings, open_gateway
from tests.servers import start_gateway

CREATE = """mutation AddOne { createCustomer(input: {provider: SQUARE,
  email: "json.logs@example.com", givenName: "Jasonna"}) { customer { id } } }"""


@contextlib.contextmanager
def json_lines(name: str) -> Iterator[list[dict[str, Any]]]:
    """The records of logger `name` while inside, formatted and parsed back."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    parsed: list[dict[str, Any]] = []
    try:
        yield parsed
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        parsed += [json.loads(line) for line in stream.getvalue().splitlines()]


async def lines_of_one_create(logger: str, request_id: str) -> list[dict[str, Any]]:
    """The JSON lines `logger` writes while one `AddOne` create is answered."""
    async for gateway in open_gateway(make_settings()):
        with json_lines(logger) as lines:
            response = await gateway.client.post(
                "/graphql",
                json={"query": CREATE, "operationName": "AddOne"},
                headers={"x-request-id": request_id},
            )
            assert response.status_code == 200
            assert "errors" not in response.json()
    return [line for line in lines if line["request_id"] == request_id]


async def test_a_request_s_lines_carry_its_id_and_operation() -> None:
    [line] = await lines_of_one_create("gateway.audit", "req-json-1")
    assert set(line) >= {"timestamp", "level", "logger", "message", "request_id", "operation"}
    assert line["timestamp"].endswith("Z")
    assert datetime.fromisoformat(line["timestamp"]).utcoffset() == timedelta(0)
    assert (line["level"], line["logger"]) == ("INFO", "gateway.audit")
    assert (line["request_id"], line["operation"]) == ("req-json-1", "AddOne")
    assert line["audit"]["provider"] == "square"
    assert "json.logs@example.com" not in json.dumps(line)


async def test_every_operation_answered_is_one_line_with_its_duration_and_outcome() -> None:
    [line] = await lines_of_one_create("gateway.router", "req-json-2")
    assert line["message"] == "graphql mutation AddOne answered: ok"
    assert line["code"] == "ok"
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] > 0
    assert "json.logs@example.com" not in json.dumps(line)


def test_extra_fields_and_exceptions_by_type_only() -> None:
    with json_lines("gateway.test") as lines:
        log = logging.getLogger("gateway.test")
        log.info("upstream call", extra={"provider": "clover", "duration_ms": 12.5})
        try:
            raise ValueError("customer 123 at secret@example.com")
        except ValueError:
            log.exception("failed")
    first, second = lines
    assert (first["provider"], first["duration_ms"], first["request_id"]) == ("clover", 12.5, "-")
    assert first["operation"] is None
    assert second["exception"] == "ValueError"
    assert "secret@example.com" not in json.dumps(second)
    assert "Traceback" not in json.dumps(second)


def test_json_in_production_text_in_demo_unless_log_format_says() -> None:
    assert log_format(make_settings()) == "text"
    assert log_format(make_settings(gateway_mode="production")) == "json"
    assert log_format(make_settings(log_format="json")) == "json"
    assert log_format(make_settings(gateway_mode="production", log_format="text")) == "text"


def test_a_served_process_logs_only_json_and_no_query_strings(tmp_path: Path) -> None:
    gateway = start_gateway(tmp_path, LOG_FORMAT="json", LOG_LEVEL="INFO")
    try:
        params = {"query": "{ __typename }", "variables": '{"email": "q@example.com"}'}
        assert httpx.get(f"{gateway.url}/graphql", params=params).status_code == 200
    finally:
        gateway.stop()
    text = gateway.log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert any("GET /graphql HTTP" in line["message"] for line in access), access
    assert {"http_method": "GET", "path": "/graphql", "status": 200}.items() <= access[-1].items()
    assert all(line["request_id"] != "-" for line in access)
    assert "q@example.com" not in text
    assert "__typename" not in text
    assert any(line["logger"] == "uvicorn.error" for line in lines)  # startup lines too
