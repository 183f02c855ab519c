"""natskit for asyncio: the same operations as ``natskit``, as awaitables.

Runs on the same core runtime as the sync API; results are handed to the event loop
thread-safely. ``subscribe(..., callback=f)`` runs ``f`` (plain or ``async``) for each
message in a task on the running loop; ``on_event(f)`` schedules ``f`` on the running
loop for each connection event. ``Client.queue(name)`` is the job queue;
``Worker`` runs ``async`` (or plain) handlers in tasks.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Awaitable, Callable, Optional, Set, Union

from . import _native
from ._native import AsyncClient as Client
from ._native import AsyncConsumerMessages as ConsumerMessages
from ._native import AsyncFailedJobs as FailedJobs
from ._native import AsyncJetStream as JetStream
from ._native import AsyncJob as Job
from ._native import AsyncJsMessage as JsMessage
from ._native import AsyncKeyValue as KeyValue
from ._native import AsyncPublisher as Publisher
from ._native import AsyncManager as Manager
from ._native import AsyncMessage as Message
from ._native import AsyncObjectStore as ObjectStore
from ._native import AsyncQueue as Queue
from ._native import AsyncSubscription as Subscription
from ._native import AsyncService as Service
from ._native import AsyncGroup as Group
from ._native import AsyncEndpoint as Endpoint
from ._native import AsyncRequest as Request
from ._native import FailedJob, Headers, KvWatch, ObjectWatch, QueueSize, WorkerStats
from .errors import NatsError
from .worker import AsyncWorker as Worker

__all__ = [
    "connect",
    "Client",
    "Manager",
    "Message",
    "Subscription",
    "Service",
    "Group",
    "Endpoint",
    "Request",
    "Headers",
    "NatsError",
    "JetStream",
    "JsMessage",
    "ConsumerMessages",
    "Publisher",
    "KeyValue",
    "KvWatch",
    "ObjectStore",
    "ObjectWatch",
    "Queue",
    "Job",
    "FailedJobs",
    "FailedJob",
    "QueueSize",
    "Worker",
    "WorkerStats",
]

Callback = Callable[[Message], Union[None, Awaitable[None]]]

_TASKS: Set["asyncio.Task[None]"] = set()


async def connect(url: Optional[str] = None, **opts: Any) -> Client:
    """Connects (``url=None``: the ``NATS_*`` environment); ``opts`` are config keys."""
    client: Client = await _native.connect_async(url, **opts)
    return client


async def _with_callback(subscribed: Awaitable[Subscription], callback: Callback) -> Subscription:
    """Awaits a new subscription, then feeds ``callback`` from a task until it ends."""
    sub = await subscribed
    task = asyncio.get_running_loop().create_task(_pump(sub, callback))
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    return sub


def _on_loop(callback: Callable[[Any], Any]) -> Callable[[Any], None]:
    """Wraps an event callback: called on a natskit thread, it runs ``callback`` (plain or
    ``async``) on the loop running now, in the order of the calls."""
    loop = asyncio.get_running_loop()

    def deliver(event: Any) -> None:
        result = callback(event)
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            _TASKS.add(task)
            task.add_done_callback(_TASKS.discard)

    def schedule(event: Any) -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(deliver, event)

    return schedule


async def _pump(sub: Subscription, callback: Callback) -> None:
    async for msg in sub:
        result = callback(msg)
        if inspect.isawaitable(result):
            await result
