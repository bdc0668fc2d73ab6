"""The scope of one GraphQL request: its deadline, its upstream-call budget, its end.

The router runs each request's execution with a `RequestScope` in a contextvar. Every
task the execution starts (graphql-core's gathers, DataLoader batches, the sameAs
index) copies the context, so the one upstream client finds the scope of the request
whose work it does without anything passing it along. Before a request goes out, the
client asks the scope (still open? time left? budget left?) and bounds the call by
the time left; while the call waits for a slot or is in flight, the scope holds its
timer, so closing the scope (answer produced, deadline passed, client gone) cuts every
call still running, as a coded error (`DeadlineExceeded`) rather than a cancellation:
abandoned tasks end the way any failed provider call ends.

Work shared between requests (the read cache's single flight, Clover's shared extras
read) is started with `share` and awaited with `wait_shared`. It runs under a
`SharedScope` whose members are the scopes that asked for it: open while one of them
is, bounded by the latest of their deadlines, each call charged to the first of them
with budget left. Closing one request never cuts what another still waits for, and
what nobody waits for any more stops at once. `join` makes a newcomer a member at the
moment it decides to wait, or tells it the work is already cut.

When the server stops (SIGTERM), `drain` pulls in the deadline of every request open
then or arriving before the listener closes, so a call stuck on a hung provider is cut
as that provider's `DeadlineExceeded` and the answer, with the other providers' data,
goes out before the server's grace period cuts the connection.
"""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, TypeVar

from gateway.errors import DeadlineExceeded, UpstreamBudgetExceeded
from gateway.model import ProviderName

T = TypeVar("T")


def _now() -> float:
    return asyncio.get_running_loop().time()


class Scope:
    """Unbounded: the scope of work outside any GraphQL request (startup, scripts)."""

    def __init__(self) -> None:
        self._calls: set[UpstreamCall] = set()
        self._dependents: set[SharedScope] = set()

    def is_open(self) -> bool:
        return True

    def deadline(self) -> float | None:
        """The loop time past which no call runs; None: no deadline."""
        return None

    def charge(self) -> bool:
        """Take one call from the budget; False when none is left."""
        return True

    def charge_retry(self) -> bool:
        """Take one retry from the budget (the retry's call is charged when sent)."""
        return True

    def depend(self, shared: SharedScope) -> None:
        """`shared` counts this scope among its members: tell it when this one changes."""

    def bound(self, until: float | None) -> float | None:
        """When a call that may run `until` must stop."""
        if not self.is_open():
            return _now()
        deadline = self.deadline()
        if deadline is None or (until is not None and until < deadline):
            return until
        return deadline

    def call(self, provider: ProviderName, timeout_s: float) -> UpstreamCall:
        return UpstreamCall(self, provider, timeout_s)

    def refresh(self) -> None:
        """Re-bound every call in flight, here and in the shared work this scope waits on."""
        for call in list(self._calls):
            call.rearm()
        for shared in list(self._dependents):
            shared.refresh()


class RequestScope(Scope):
    """One GraphQL request: `deadline_s` from now, `max_calls` upstream calls (of which
    `max_retries` may be retries), then closed."""

    def __init__(self, deadline_s: float, max_calls: int, max_retries: int) -> None:
        super().__init__()
        self._deadline = _now() + deadline_s
        self._left = max_calls
        self._retries_left = max_retries
        self._closed = False
        self._answer: tuple[asyncio.Timeout, float] | None = None
        _DRAIN.scopes.add(self)
        if _DRAIN.until is not None:
            self.pull_in(_DRAIN.until)

    def is_open(self) -> bool:
        return not self._closed and _now() < self._deadline

    def deadline(self) -> float:
        return self._deadline

    def charge(self) -> bool:
        if self._left <= 0:
            return False
        self._left -= 1
        return True

    def charge_retry(self) -> bool:
        if self._retries_left <= 0:
            return False
        self._retries_left -= 1
        return True

    def depend(self, shared: SharedScope) -> None:
        self._dependents.add(shared)

    def close(self) -> None:
        """No call is sent any more; those still in flight end now (shared ones: once
        no other open request waits for them)."""
        if not self._closed:
            self._closed = True
            _DRAIN.scopes.discard(self)
            self.refresh()

    @contextmanager
    def bounding(self, timer: asyncio.Timeout, slack_s: float) -> Iterator[None]:
        """While the block runs, `timer` (the whole answer's bound) follows the deadline
        when `pull_in` moves it, staying `slack_s` past it."""
        self._answer = (timer, slack_s)
        try:
            yield
        finally:
            self._answer = None

    def pull_in(self, until: float) -> None:
        """The deadline becomes `until` (loop time) if that is sooner: calls in flight too."""
        if until >= self._deadline:
            return
        self._deadline = until
        if self._answer is not None and not self._answer[0].expired():
            timer, slack_s = self._answer
            timer.reschedule(until + slack_s)
        self.refresh()


class SharedScope(Scope):
    """Work several scopes wait on: it lives, and is paid for, by whichever are open."""

    def __init__(self, provider: ProviderName) -> None:
        super().__init__()
        self.provider = provider
        self._members: list[Scope] = []

    def join(self, member: Scope) -> None:
        if member is self or member in self._members:
            return
        self._members.append(member)
        member.depend(self)
        self.refresh()  # a later deadline lets the calls in flight run longer

    def depend(self, shared: SharedScope) -> None:
        self._dependents.add(shared)

    def _open_members(self) -> list[Scope]:
        return [m for m in self._members if m.is_open()]

    def is_open(self) -> bool:
        return bool(self._open_members())

    def deadline(self) -> float | None:
        deadlines = [m.deadline() for m in self._open_members()]
        if not deadlines or None in deadlines:
            return None
        return max(d for d in deadlines if d is not None)

    def charge(self) -> bool:
        return any(m.charge() for m in self._open_members())

    def charge_retry(self) -> bool:
        return any(m.charge_retry() for m in self._open_members())


class _Drain:
    """The requests still open, and, once the server is stopping, when they must end."""

    def __init__(self) -> None:
        self.until: float | None = None
        self.scopes: weakref.WeakSet[RequestScope] = weakref.WeakSet()


_DRAIN = _Drain()


def drain(within_s: float) -> None:
    """Every request open now, or starting from now on, has its deadline `within_s` from now
    at the latest. Called once, when the server is told to stop."""
    _DRAIN.until = _now() + within_s
    for scope in list(_DRAIN.scopes):
        scope.pull_in(_DRAIN.until)


NO_SCOPE = Scope()
_CURRENT: contextvars.ContextVar[Scope] = contextvars.ContextVar("gateway_scope", default=NO_SCOPE)
_SHARED: weakref.WeakKeyDictionary[asyncio.Task[Any], SharedScope] = weakref.WeakKeyDictionary()


def current() -> Scope:
    """The scope of the request this task works for (NO_SCOPE outside any request)."""
    return _CURRENT.get()


@contextmanager
def activated(scope: Scope) -> Iterator[Scope]:
    """Run the block, and every task it starts, in `scope`."""
    token = _CURRENT.set(scope)
    try:
        yield scope
    finally:
        _CURRENT.reset(token)


class UpstreamCall:
    """One upstream request's life in its scope: waiting for a slot, then in flight.

    Entering checks that the scope is still open and bounds the wait by its deadline;
    `send()` charges the budget and adds the provider's own timeout. When the scope
    ends first, the call raises `DeadlineExceeded`; when the provider's timeout does,
    the bare `TimeoutError` goes on to the client, which reports `ProviderTimeout`.
    """

    def __init__(self, scope: Scope, provider: ProviderName, timeout_s: float) -> None:
        self._scope = scope
        self._provider = provider
        self._timeout_s = timeout_s
        self._until: float | None = None
        self._timer: asyncio.Timeout | None = None

    async def __aenter__(self) -> UpstreamCall:
        if not self._scope.is_open():
            raise DeadlineExceeded(self._provider, "request over: call not sent")
        self._timer = asyncio.timeout_at(self._scope.bound(None))
        await self._timer.__aenter__()
        self._scope._calls.add(self)
        return self

    def send(self) -> None:
        """The request goes out now: within budget and deadline, or not at all."""
        if not self._scope.is_open():
            raise DeadlineExceeded(self._provider, "request over: call not sent")
        if not self._scope.charge():
            raise UpstreamBudgetExceeded(self._provider, "upstream-call budget spent")
        self._until = _now() + self._timeout_s
        self.rearm()

    def rearm(self) -> None:
        timer = self._timer
        if timer is not None and not timer.expired():
            timer.reschedule(self._scope.bound(self._until))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._scope._calls.discard(self)
        assert self._timer is not None
        try:
            await self._timer.__aexit__(exc_type, exc, traceback)
        except TimeoutError as timeout:
            if self._scope.is_open():
                raise
            raise DeadlineExceeded(self._provider, "request over: call cut") from timeout


def share(work: Coroutine[Any, Any, T], provider: ProviderName) -> asyncio.Task[T]:
    """Start `work` that concurrent requests may wait on, owned by its waiters together.

    The caller's scope is its first member; `wait_shared` adds the others."""
    shared = SharedScope(provider)
    shared.join(current())
    context = contextvars.copy_context()
    context.run(_CURRENT.set, shared)
    task = asyncio.get_running_loop().create_task(work, context=context)
    _SHARED[task] = shared
    return task


def join(task: asyncio.Task[Any]) -> bool:
    """Become a member of `task`'s work now, before waiting on it (and on others first),
    so it is not cut meanwhile. False once it is done or cut: start your own instead."""
    shared = _SHARED.get(task)
    if task.done() or (shared is not None and not shared.is_open()):
        return False
    if shared is not None:
        shared.join(current())
    return True


async def wait_shared(task: asyncio.Task[T]) -> T:
    """`task`'s result, waited for as a member of its scope, within this request's deadline.

    Leaving early (cancelled, or out of time) never cancels the task: other members may
    still wait for it, and it stops by itself once none is open."""
    scope = current()
    shared = _SHARED.get(task)
    if shared is None:
        return await asyncio.shield(task)
    shared.join(scope)
    timer = asyncio.timeout_at(scope.bound(None))
    try:
        async with timer:
            return await asyncio.shield(task)
    except TimeoutError as timeout:
        if timer.expired():
            raise DeadlineExceeded(shared.provider, "request over while waiting") from timeout
        raise
