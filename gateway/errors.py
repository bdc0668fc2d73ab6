"""Errors of the gateway, and the one mapping from them to what clients see.

The tree, with the constructors as the code has them:

    GatewayError
     ├── UserInputError(code, message, field=None)     a userError on a mutation payload
     ├── UserInputErrors([UserInputError, ...])         several of them at once
     ├── MalformedId(field="id")                        GraphQL error BAD_USER_INPUT,
     │                                                   `extensions.field`
     ├── InvalidSettings(message)                       at startup: one line, exit status 2
     ├── RequestDeadlineExceeded                        DEADLINE_EXCEEDED, the whole answer
     ├── ClientDisconnected                             CLIENT_DISCONNECTED (nobody reads it)
     ├── ResponseTooLarge(size, limit)                  RESPONSE_TOO_LARGE, the whole answer
     ├── QueryTooComplex(measure, value, limit)         QUERY_TOO_COMPLEX, before it runs
     ├── Unauthenticated(reason)                        UNAUTHENTICATED, HTTP 401, nothing runs
     ├── Forbidden(message)                             FORBIDDEN, for one field
     ├── PersistedQueryRefused(code, message, status)   PERSISTED_QUERY_*, before parsing
     ├── ClientRateLimited(unit, limit, window_s, retry_after)
     │                                                   RATE_LIMITED, `extensions.retryAfter`
     └── ProviderError(provider, message, *, status=None, code=None)
          ├── ProviderUnavailable                        PROVIDER_UNAVAILABLE
          │    ├── ProviderUnreachable                   (the request never left: connect failed)
          │    └── CircuitOpen(..., retry_after)         (the breaker refused: no call made)
          ├── ProviderTimeout                            PROVIDER_TIMEOUT
          ├── ProviderOutcomeUnknown                     PROVIDER_OUTCOME_UNKNOWN (a write may
          │                                               have committed: read back, then retry)
          ├── ProviderRateLimited(..., retry_after=None) RATE_LIMITED, `extensions.retryAfter`
          ├── ProviderAuthError                          UNAUTHENTICATED
          │    └── ProviderForbidden                     FORBIDDEN
          ├── ProviderNotFound(..., field=None)          userError NOT_FOUND / null on reads
          ├── ProviderRejected(..., user_code, field=None, user_message=None)
          │                                              userError (INVALID, CONFLICT, ...)
          ├── ProviderBadResponse                        PROVIDER_BAD_RESPONSE
          ├── DeadlineExceeded                           DEADLINE_EXCEEDED (call not sent or cut)
          └── UpstreamBudgetExceeded                     UPSTREAM_BUDGET_EXCEEDED

Two messages per error (stripe-python's `user_message` apart from `__str__`):
`str(exc)` is for logs and may carry the provider's own words; `safe_message` is the
gateway's words, the only text a client reads. A provider's rejection reaches the
log as its status, code and field, never its free text, which can quote the input.
"""

from __future__ import annotations

import enum
import logging

from gateway.model import ProviderName

log = logging.getLogger("gateway.errors")


class UserErrorCode(enum.Enum):
    """Expected, per-input problems, answered as `userErrors` on mutation payloads."""

    INVALID = "INVALID"
    CONFLICT = "CONFLICT"
    NOT_FOUND = "NOT_FOUND"
    UNSUPPORTED_FIELD = "UNSUPPORTED_FIELD"
    UNSUPPORTED_OPERATION = "UNSUPPORTED_OPERATION"
    DUPLICATE = "DUPLICATE"
    REJECTED_BY_PROVIDER = "REJECTED_BY_PROVIDER"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"


class ErrorCode(enum.Enum):
    """`extensions.code` of GraphQL errors: infrastructure problems, not input problems."""

    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
    PROVIDER_TIMEOUT = "PROVIDER_TIMEOUT"
    PROVIDER_BAD_RESPONSE = "PROVIDER_BAD_RESPONSE"
    PROVIDER_OUTCOME_UNKNOWN = "PROVIDER_OUTCOME_UNKNOWN"
    RATE_LIMITED = "RATE_LIMITED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    BAD_REQUEST = "BAD_REQUEST"
    OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    JSON_TOO_DEEP = "JSON_TOO_DEEP"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    UPSTREAM_BUDGET_EXCEEDED = "UPSTREAM_BUDGET_EXCEEDED"
    RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    CLIENT_DISCONNECTED = "CLIENT_DISCONNECTED"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
    PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
    QUERY_NOT_IN_SAFELIST = "QUERY_NOT_IN_SAFELIST"
    INTERNAL = "INTERNAL"


FieldPath = tuple[str, ...]


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""

    safe_message = "The request could not be completed."


class UserInputError(GatewayError):
    """The caller's input cannot be applied; nothing was changed."""

    def __init__(self, code: UserErrorCode, message: str, field: FieldPath | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.safe_message = message


class UserInputErrors(GatewayError):
    """Several problems with one input, all reported at once; nothing was changed."""

    def __init__(self, errors: list[UserInputError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = tuple(errors)


class MalformedId(GatewayError):
    """An id argument that no gateway ever issued, or whose provider part that provider
    never issues (checked before any upstream call: ids are values, never paths).

    `field` is the argument's dotted input path, e.g. `input.addressId`; clients read it
    as `extensions.field`. The value itself is never repeated: it may be hostile.
    """

    def __init__(self, field: str = "id") -> None:
        super().__init__(f"malformed id in {field}")
        self.field: FieldPath = tuple(field.split("."))
        self.safe_message = f"`{field}` is not a valid id."


class InvalidSettings(GatewayError):
    """Settings the gateway must not start with; the message names variables, never values."""


class ProviderError(GatewayError):
    """A provider answered badly or not at all."""

    def __init__(
        self,
        provider: ProviderName,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(f"{provider.value}: {message} (status={status}, code={code})")
        self.provider = provider
        self.status = status
        self.code = code


class ProviderUnavailable(ProviderError):
    safe_message = "The provider is unavailable."


class ProviderUnreachable(ProviderUnavailable):
    """No connection could be made: the request never reached the provider, so even a
    write may be sent again."""


class CircuitOpen(ProviderUnavailable):
    """The provider's circuit breaker is open: refused at once, without an upstream call.

    `retry_after` is the time until the breaker lets a probe through, in seconds."""

    safe_message = "The provider is unavailable (recent calls failed); retry later."

    def __init__(self, provider: ProviderName, retry_after: float) -> None:
        super().__init__(provider, "circuit open")
        self.retry_after = retry_after


class ProviderTimeout(ProviderError):
    safe_message = "The provider did not answer in time."


class ProviderOutcomeUnknown(ProviderError):
    """A write failed after it was sent (timeout, cut connection, 5xx): it may have
    committed. Clients read the record back before they retry."""

    safe_message = (
        "The provider did not confirm the write; it may have been applied. "
        "Read the record back before retrying."
    )


class ProviderRateLimited(ProviderError):
    safe_message = "The provider is rate limiting the gateway."

    def __init__(
        self,
        provider: ProviderName,
        message: str,
        *,
        status: int | None = 429,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(provider, message, status=status, code=code)
        self.retry_after = retry_after


class ProviderAuthError(ProviderError):
    safe_message = "The gateway's credentials for the provider were refused."


class ProviderForbidden(ProviderAuthError):
    safe_message = "The gateway is not allowed to do this at the provider."


class ProviderNotFound(ProviderError):
    safe_message = "No such record at the provider."

    def __init__(
        self,
        provider: ProviderName,
        message: str,
        *,
        field: FieldPath | None = None,
        status: int | None = 404,
        code: str | None = None,
    ) -> None:
        super().__init__(provider, message, status=status, code=code)
        self.field = field


class ProviderBadResponse(ProviderError):
    """A provider answer that is not in its format: wrong shape, empty, HTML, cut short,
    another content type, too large. That provider's failure alone, never the gateway's."""

    safe_message = (
        "The provider sent an answer the gateway cannot read (on a write: it may have "
        "been applied; read the record back before retrying)."
    )


class DeadlineExceeded(ProviderError):
    """A call the request's deadline left no time for, or cut because the request ended."""

    safe_message = "The request's deadline passed before the provider answered."


class UpstreamBudgetExceeded(ProviderError):
    """A call past the request's budget of upstream calls: not sent."""

    safe_message = "The request needs more upstream calls than one request may make."


class RequestDeadlineExceeded(GatewayError):
    """The request as a whole ran past its deadline: the answer is this one error."""

    safe_message = "The request did not finish within its deadline."


class ClientDisconnected(GatewayError):
    """The client went away before the answer; its work was stopped."""

    safe_message = "The client disconnected before the answer was ready."


class ResponseTooLarge(GatewayError):
    """An encoded answer over the response budget: replaced whole, never sent in part."""

    safe_message = "The answer is larger than one response may be; ask for less."

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"answer of {size} bytes over the limit of {limit}")
        self.size = size
        self.limit = limit


class QueryTooComplex(GatewayError):
    """An operation over one of `settings.limits`' static bounds: refused before it runs.

    `measure` is what was counted (`tokens`, `depth`, `aliases`, `entities`, `cost`);
    clients read the value and the limit as `extensions.<measure>` and `extensions.limit`.
    """

    def __init__(self, measure: str, value: int, limit: int) -> None:
        super().__init__(f"{measure} {value} over the limit of {limit}")
        self.measure = measure
        self.value = value
        self.limit = limit
        self.safe_message = (
            f"The operation is too complex: {measure} {value}, over the limit of {limit}."
        )


class ClientRateLimited(GatewayError):
    """A client over its own budget (`settings.rate_limits`): refused before any upstream call.

    `unit` is what ran out (`requests` or `cost`); clients read `extensions.retryAfter`
    (seconds) and the HTTP `Retry-After` header.
    """

    def __init__(self, unit: str, limit: int, window_s: int, retry_after: int) -> None:
        super().__init__(f"{unit} over {limit} per {window_s}s; retry after {retry_after}s")
        self.unit = unit
        self.limit = limit
        self.window_s = window_s
        self.retry_after = retry_after
        self.safe_message = (
            f"Too many {'requests' if unit == 'requests' else 'cost units'} from this client: "
            f"at most {limit} per {window_s} s. Retry after {retry_after} s."
        )


class Unauthenticated(GatewayError):
    """No valid credential where one is required: HTTP 401 before any resolver runs.

    `reason` is for the log (a fixed phrase, never the credential); clients read one
    sentence whatever the reason, so a caller cannot probe which keys or tokens exist.
    """

    safe_message = "Missing or invalid credentials."

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Forbidden(GatewayError):
    """The caller is known but may not do this: the field is refused, nothing sent upstream."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.safe_message = message


class PersistedQueryRefused(GatewayError):
    """A persisted-query request the gateway will not run (`gateway.persisted`): nothing
    parsed, nothing sent upstream. `code` is Apollo's for the case; `status` the HTTP one.
    """

    def __init__(self, code: ErrorCode, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.safe_message = message


_REJECTION_WORDS: dict[UserErrorCode, str] = {
    UserErrorCode.INVALID: "{provider} refused this value.",
    UserErrorCode.CONFLICT: "The record changed at {provider}; read it again and retry.",
    UserErrorCode.DUPLICATE: "{provider} already has a record with this value.",
    UserErrorCode.NOT_FOUND: "No such record.",
}


class ProviderRejected(ProviderError):
    """A 4xx about the input, translated by the adapter into a user error code.

    `message` is the provider's account (for logs); `user_message` is what the
    gateway tells the client, by default a sentence chosen by `user_code`.
    """

    def __init__(
        self,
        provider: ProviderName,
        message: str,
        *,
        user_code: UserErrorCode,
        field: FieldPath | None = None,
        status: int | None = None,
        code: str | None = None,
        user_message: str | None = None,
    ) -> None:
        super().__init__(provider, message, status=status, code=code)
        self.user_code = user_code
        self.field = field
        self.safe_message = user_message or _REJECTION_WORDS.get(
            user_code, "{provider} refused the request."
        ).format(provider=provider.name)
        self._message = message

    def at(self, field: FieldPath) -> ProviderRejected:
        """The same rejection, blamed on another input field."""
        return ProviderRejected(
            self.provider,
            self._message,
            user_code=self.user_code,
            field=field,
            status=self.status,
            code=self.code,
            user_message=self.safe_message,
        )


_GRAPHQL_CODES: tuple[tuple[type[GatewayError], ErrorCode], ...] = (
    (ProviderTimeout, ErrorCode.PROVIDER_TIMEOUT),
    (ProviderOutcomeUnknown, ErrorCode.PROVIDER_OUTCOME_UNKNOWN),
    (ProviderBadResponse, ErrorCode.PROVIDER_BAD_RESPONSE),
    (DeadlineExceeded, ErrorCode.DEADLINE_EXCEEDED),
    (UpstreamBudgetExceeded, ErrorCode.UPSTREAM_BUDGET_EXCEEDED),
    (ProviderRateLimited, ErrorCode.RATE_LIMITED),
    (ClientRateLimited, ErrorCode.RATE_LIMITED),
    (ProviderForbidden, ErrorCode.FORBIDDEN),
    (ProviderAuthError, ErrorCode.UNAUTHENTICATED),
    (ProviderError, ErrorCode.PROVIDER_UNAVAILABLE),
    (MalformedId, ErrorCode.BAD_USER_INPUT),
    (UserInputError, ErrorCode.BAD_USER_INPUT),
    (UserInputErrors, ErrorCode.BAD_USER_INPUT),
    (RequestDeadlineExceeded, ErrorCode.DEADLINE_EXCEEDED),
    (ClientDisconnected, ErrorCode.CLIENT_DISCONNECTED),
    (ResponseTooLarge, ErrorCode.RESPONSE_TOO_LARGE),
    (QueryTooComplex, ErrorCode.QUERY_TOO_COMPLEX),
    (Unauthenticated, ErrorCode.UNAUTHENTICATED),
    (Forbidden, ErrorCode.FORBIDDEN),
)


def graphql_code(exc: BaseException) -> ErrorCode:
    """The `extensions.code` for an error, walking the class tree most specific first."""
    if isinstance(exc, PersistedQueryRefused):
        return exc.code
    for cls, code in _GRAPHQL_CODES:
        if isinstance(exc, cls):
            return code
    return ErrorCode.INTERNAL


def safe_message(exc: BaseException) -> str:
    """What a client may read about an error: never upstream bodies or internals."""
    if isinstance(exc, GatewayError):
        return exc.safe_message
    return "Internal error."


def as_user_errors(exc: BaseException, id_field: FieldPath) -> list[UserInputError] | None:
    """The userErrors a mutation answers for `exc`, or None for an infrastructure error.

    `id_field` is the input path of the record that a provider's not-found refers to.
    """
    if isinstance(exc, UserInputErrors):
        return list(exc.errors)
    if isinstance(exc, UserInputError):
        return [exc]
    if isinstance(exc, ProviderNotFound):
        return [UserInputError(UserErrorCode.NOT_FOUND, "No such record.", exc.field or id_field)]
    if isinstance(exc, ProviderRejected):
        log.info(
            "provider=%s rejected input status=%s code=%s field=%s user_code=%s",
            exc.provider.value,
            exc.status,
            exc.code,
            ".".join(exc.field or ()),
            exc.user_code.value,
        )
        return [UserInputError(exc.user_code, exc.safe_message, exc.field)]
    return None
