"""The audit trail of writes: who did what to which record, and how it ended.

One record per write on the `gateway.audit` logger, as a line for humans and the
same facts as `record.audit` (a dict) for a structured handler. Never a field value
or anything personal: the operation's name, the provider, the global customer id
(opaque; it encodes the provider's id, which is not personal data), the outcome
(`ok`, a userError code, or a GraphQL error code), the principal's name (an API
key's configured name or a token's subject) and the request id.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from gateway import request_id
from gateway.auth.principal import Principal

log = logging.getLogger("gateway.audit")

OK = "ok"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One write, as the audit log keeps it."""

    who: str
    kind: str
    operation: str
    provider: str | None
    customer_id: str | None
    outcome: str
    request_id: str


def record(
    principal: Principal,
    operation: str,
    provider: str | None,
    customer_id: str | None,
    outcome: str,
) -> AuditRecord:
    entry = AuditRecord(
        who=principal.name,
        kind=principal.kind.value,
        operation=operation,
        provider=provider,
        customer_id=customer_id,
        outcome=outcome,
        request_id=request_id.current(),
    )
    log.info(
        "audit who=%r kind=%s operation=%s provider=%s customer=%s outcome=%s",
        entry.who,
        entry.kind,
        entry.operation,
        entry.provider or "-",
        entry.customer_id or "-",
        entry.outcome,
        extra={"audit": asdict(entry)},
    )
    return entry
