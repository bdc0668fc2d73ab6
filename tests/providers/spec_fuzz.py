"""What the tests holding an emulator to its provider's OpenAPI document share.

Runs are reproducible, so a failure seen once is seen again: schemathesis generates
deterministically, hypothesis is derandomized and neither keeps an example database
that would make one run depend on the last. Half the cases get seeded ids, chosen by
the case's own content rather than by chance, for the same reason.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import hypothesis
import schemathesis
from schemathesis import Case, GenerationMode


def generating(
    schema: schemathesis.BaseSchema, *, with_security_parameters: bool | None = None
) -> schemathesis.BaseSchema:
    """Valid and invalid inputs from the examples and fuzzing phases; `None` keeps
    schemathesis' own choice about generating the security parameters."""
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        deterministic=True,
        database="none",
        with_security_parameters=with_security_parameters,
    )
    schema.config.phases.update(phases=["examples", "fuzzing"])
    return schema


def picked(case: Case[Any]) -> bool:
    """Half the generated cases, the same half every run."""
    text = json.dumps([case.path_parameters, case.query, case.body], default=str)
    return zlib.crc32(text.encode(errors="surrogatepass")) % 2 == 0


def examples(per_operation: int) -> hypothesis.settings:
    """`per_operation` examples, derandomized; no deadline or health check, since an
    emulator call's time says nothing about conformance."""
    return hypothesis.settings(
        max_examples=per_operation,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
