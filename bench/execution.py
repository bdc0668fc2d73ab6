"""What a warm `customers(first: 50)` costs next to writing its answer with orjson.

One gateway per execution path (`EXECUTION__MODE`), the in-memory cache warm, sandboxes
in-process, Square only: one client asks for the same 50 customers with twelve scalar
fields and the address (bench/peers' scenario (a)) `--requests` times. Per path it
prints the CPU per request (the whole request: ASGI, GraphQL, cache reads; one
process, no upstream call) and its ratio to `orjson.dumps` of the same answer, the
issue-16 target being 10x at most. Ends with one JSON line of the figures.
Prints figures only; asserts nothing.
Run: .venv/bin/python -m bench.execution [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import httpx
import orjson

from bench.cache import settings_for
from bench.peers.scenarios import OURS_LIST
from gateway.app import create_app
from gateway.config import ExecutionMode, ExecutionSettings
from gateway.model import ProviderName

LONG_TTL_S = 3600


async def cpu_per_request(mode: ExecutionMode, requests: int) -> tuple[float, dict[str, Any]]:
    """The CPU ms per warm request on `mode`, and the answer it gave."""
    settings = settings_for(
        {f"{kind}_ttl_s": LONG_TTL_S for kind in ("customer", "addresses", "search")}, 0
    )
    settings.execution = ExecutionSettings(mode=mode)
    for provider in ProviderName:
        if provider is not ProviderName.SQUARE:
            getattr(settings, provider.value).enabled = False
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as gw,
    ):
        for _ in range(20):  # the cache warm, the document cached
            answer = (await gw.post("/graphql", json={"query": OURS_LIST})).json()
        assert "errors" not in answer, answer
        started = time.process_time()
        for _ in range(requests):
            await gw.post("/graphql", json={"query": OURS_LIST})
        return (time.process_time() - started) * 1000 / requests, answer


def orjson_ms(answer: dict[str, Any], rounds: int = 2000) -> float:
    started = time.process_time()
    for _ in range(rounds):
        orjson.dumps(answer)
    return (time.process_time() - started) * 1000 / rounds


async def run(args: argparse.Namespace) -> None:
    figures: dict[str, float] = {}
    answers = {}
    for mode in ExecutionMode:
        figures[f"{mode.value}_ms"], answers[mode] = await cpu_per_request(mode, args.requests)
    assert answers[ExecutionMode.STANDARD] == answers[ExecutionMode.COMPILED]
    answer = answers[ExecutionMode.COMPILED]
    figures["orjson_ms"] = orjson_ms(answer)
    size_kb = len(orjson.dumps(answer)) / 1024
    print(f"warm customers(first: 50), Square only, {args.requests} requests, {size_kb:.0f} KB:")
    print(f"  orjson.dumps of the answer      {figures['orjson_ms']:7.3f} ms")
    for mode in ExecutionMode:
        ms = figures[f"{mode.value}_ms"]
        ratio = figures[f"{mode.value}_x_orjson"] = round(ms / figures["orjson_ms"], 1)
        print(f"  {mode.value + ' path, per request':<31} {ms:7.3f} ms = x{ratio} orjson")
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
