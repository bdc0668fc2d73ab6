"""Fuzz the live schema with many more operations than the suite affords.

The same strategy and verdict as tests/security/test_fuzz.py (hypothesis-graphql over
the introspected schema, real and hostile ids, mutations included), against
`customer-gateway serve` with its embedded sandboxes. Prints the answers by HTTP status
and by error code, the answers with a problem (5xx, INTERNAL, an error without a code,
an answer past the deadline) and the slowest answer, then the figures as one JSON line.
Run: .venv/bin/python -m bench.fuzz [--operations 10000]
"""

from __future__ import annotations

import argparse
import json
import time

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bench.common import gateway_server
from gateway.config import LimitSettings
from tests.security.fuzzing import Tally, known_ids, live_schema, operations


def fuzz(url: str, count: int) -> Tally:
    tally = Tally(deadline_s=LimitSettings().deadline_s)
    with httpx.Client(base_url=url, timeout=60.0) as client:
        drawn = operations(live_schema(client), known_ids(client))

        @settings(
            max_examples=count,
            phases=[Phase.generate],
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def send(data: st.DataObject) -> None:
            tally.send(client, data.draw(drawn))

        send()
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=10_000)
    args = parser.parse_args()
    started = time.monotonic()
    with gateway_server() as url:
        tally = fuzz(url, args.operations)
    figures = {**tally.summary(), "wall_s": round(time.monotonic() - started, 1)}
    for status, n in figures["by_status"].items():
        print(f"HTTP {status}: {n}")
    for code, n in figures["by_code"].items():
        print(f"error code {code}: {n}")
    print(f"answers with a problem: {tally.answers_with_problems}")
    for problem in tally.problems:
        print(f"  {problem}")
    print(f"slowest answer: {tally.slowest_s:.3f} s over {tally.operations} operations")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
