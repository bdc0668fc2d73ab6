"""`customer-gateway new-api-key`: a fresh key, printed once, and the entry that admits it."""

from __future__ import annotations

import json

import pytest

from gateway import cli
from tests.conftest import make_settings, open_gateway


def _generated(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, dict[str, object]]:
    cli.main(["new-api-key", *args])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    return lines[1], json.loads(lines[-1])


async def test_generated_key_works_once_configured(capsys: pytest.CaptureFixture[str]) -> None:
    key, entry = _generated(
        capsys, "--name", "backoffice", "--scopes", "customers:read", "--providers", "square"
    )
    assert entry["name"] == "backoffice"
    assert entry["scopes"] == ["customers:read"]
    assert key not in json.dumps(entry)
    other, _ = _generated(capsys, "--name", "b", "--scopes", "customers:read")
    assert other != key
    settings = make_settings(auth={"required": True, "api_keys": [entry]})
    async for gw in open_gateway(settings):
        query = {"query": "{ customers(first: 5) { nodes { provider } } }"}
        response = await gw.client.post("/graphql", json=query, headers={"x-api-key": key})
        nodes = response.json()["data"]["customers"]["nodes"]
        assert nodes
        assert {n["provider"] for n in nodes} == {"SQUARE"}


def test_unknown_scope_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["new-api-key", "--name", "x", "--scopes", "customers:readall"])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert "unknown scope" in captured.err
    assert captured.out == ""
