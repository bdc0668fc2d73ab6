"""Idempotency keys of the Clover Ecommerce API, and its required client-IP header.

"One of the required headers of any payment transaction request is the
Idempotency-Key" (docs "Track transactions with idempotency keys"): a charge, a
capture and an order payment without one are refused. Where a key is sent, on
those or on any other Ecommerce write, the first answer is kept: the same request
again gets that answer, a decline included (nothing is charged twice; a request
refused as invalid keeps nothing), and the key with a different request is refused
with the documented `idempotency_error` type (the code is the sandbox's: Clover
publishes none). Payment requests also need `x-forwarded-for`,
the shopper's IP ("New required header for Clover Ecommerce charge and order pay
requests").
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from sandboxes.clover.errors import EcommerceError

KEY_HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255


class IdempotencyKeys:
    """The answers given per key, with the request each key was first used for."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[str, int, dict[str, Any]]] = {}

    def run(
        self,
        request: Request,
        body: dict[str, Any],
        write: Callable[[], dict[str, Any]],
        *,
        required: bool,
    ) -> JSONResponse:
        """`write()` once per key; a replay answers what the first call answered."""
        key = request.headers.get(KEY_HEADER)
        if key is None or not key.strip():
            if required:
                raise EcommerceError(
                    400,
                    "parameter_missing",
                    "Missing required header: Idempotency-Key.",
                    param=KEY_HEADER,
                )
            return JSONResponse(write())
        if len(key) > MAX_KEY_LENGTH:
            raise EcommerceError(
                400,
                "parameter_invalid",
                f"The Idempotency-Key is longer than {MAX_KEY_LENGTH} characters.",
                param=KEY_HEADER,
            )
        fingerprint = _fingerprint(request, body)
        if key in self.answers:
            first, status, answer = self.answers[key]
            if first != fingerprint:
                raise EcommerceError(
                    400,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for a different request.",
                    error_type="idempotency_error",
                )
            return JSONResponse(answer, status_code=status)
        try:
            result, status = write(), 200
        except EcommerceError as exc:
            if exc.error["type"] != "card_error":
                raise  # refused before anything ran: nothing to keep, the key stays free
            result, status = exc.body(), exc.status
        self.answers[key] = (fingerprint, status, result)
        return JSONResponse(result, status_code=status)


def _fingerprint(request: Request, body: dict[str, Any]) -> str:
    text = json.dumps([request.method, request.url.path, body], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def require_client_ip(request: Request) -> str:
    """The shopper's IP from `x-forwarded-for` (the first of a list), which must parse."""
    raw = request.headers.get("x-forwarded-for")
    if raw is None or not raw.strip():
        raise EcommerceError(
            400,
            "parameter_missing",
            "Missing required header: x-forwarded-for.",
            param="x-forwarded-for",
        )
    first = raw.split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(first))
    except ValueError as exc:
        raise EcommerceError(
            400,
            "parameter_invalid",
            "x-forwarded-for must be the client's IP address.",
            param="x-forwarded-for",
        ) from exc
