"""Queue workers: Python handlers driven by the core worker loop.

``Worker`` (threads) and ``AsyncWorker`` (asyncio tasks, exported as ``natskit.aio.Worker``)
take jobs with core's ``next`` and finish them with core's ``finish``; every queue rule
(priority, tries, backoff, timeouts, stop conditions, graceful stop) is core's. Here:
handler registration, hooks, threads/tasks, signals and memory measurement.

    worker = natskit.Worker(nc, queues=["high", "default"], tries=3, concurrency=4)

    @worker.job("ProcessOrder")
    def process(job: natskit.Job) -> None:
        ...                       # raise to retry (backoff), or job.release(5) / job.fail("why")

    @worker.failed("ProcessOrder")
    def gave_up(job: natskit.Job, error: BaseException) -> None: ...

    @worker.on("released")        # also retries: event["event"] == "retrying"
    def log(job: natskit.Job, event: dict) -> None: ...

    worker.run()                  # until SIGTERM/SIGINT, worker.stop() or a stop option
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import signal
import threading
from typing import Any, Callable, Dict, List, Optional, TypeVar, Union

from . import _native
from ._native import AsyncJob, Job, WorkerStats
from .errors import QueueError

__all__ = ["Worker", "AsyncWorker", "EVENTS"]

EVENTS = _native.WORKER_HOOKS
"""Hook names, core's (the same in every host): ``processing`` (before a handler runs),
``processed`` (completed or deleted), ``released`` (released, or put back for a retry after an
error: the event's ``"event"`` is ``"retrying"``), ``exception`` (the handler raised), ``failed``
(failed for good)."""

_LOG = logging.getLogger("natskit.worker")
_STEP_WAIT = 1.0
"""Seconds one ``next`` waits for a job before the loop looks again (core caps it at ``sleep``)."""

F = TypeVar("F", bound=Callable[..., Any])


def memory_mb() -> int:
    """Resident memory of this process in MB (``/proc/self/statm``, else peak RSS)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)
    except (OSError, ValueError, IndexError):
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak // (1024 * 1024) if sys.platform == "darwin" else peak // 1024)


class _Handlers:
    """Handler and hook registration shared by both workers."""

    def __init__(self, handler: Optional[Callable[..., Any]]) -> None:
        self._handlers: Dict[str, Callable[..., Any]] = {}
        self._default = handler
        self._failed: Dict[str, Callable[..., Any]] = {}
        self._hooks: Dict[str, List[Callable[..., Any]]] = {e: [] for e in EVENTS}
        self.stop_reason: Optional[str] = None
        """Why ``run`` returned: ``requested``, ``once``, ``empty``, ``max_jobs``, ``max_time``, ``memory``."""

    def job(self, name: Optional[str] = None) -> Callable[[F], F]:
        """Registers the decorated function as the handler of job ``name`` (``None``: any job
        without its own handler). It receives the job; raising counts as an exception."""

        def register(fn: F) -> F:
            if name is None:
                self._default = fn
            else:
                self._handlers[name] = fn
            return fn

        return register

    def failed(self, name: str) -> Callable[[F], F]:
        """Registers ``fn(job, error)`` called when a job ``name`` fails for good; ``error`` is
        the handler's exception, or a ``QueueError`` with the reason."""

        def register(fn: F) -> F:
            self._failed[name] = fn
            return fn

        return register

    def on(self, event: str) -> Callable[[F], F]:
        """Registers ``fn(job, event)`` for one of ``EVENTS`` (others raise
        ``InvalidArgumentError``); ``event`` is core's event dict (``{"event": "retrying",
        "hook": "released", "id": ..., "delay": 5.0}``; ``exception`` adds ``"error"``)."""
        _native.check_worker_hook(event)

        def register(fn: F) -> F:
            self._hooks[event].append(fn)
            return fn

        return register

    def _handler(self, job: Job) -> Callable[..., Any]:
        handler = self._handlers.get(job.name, self._default)
        if handler is None:
            raise QueueError(f"no handler registered for job {job.name!r}")
        return handler

    def _calls(self, job: Job, event: Dict[str, Any], error: Optional[BaseException]) -> List[Any]:
        """The hooks for a finished job's core event, as pending calls."""
        name = str(event["hook"])
        calls: List[Any] = [(hook, (job, event)) for hook in self._hooks[name]]
        if name == "failed" and job.name in self._failed:
            reason = error if error is not None else QueueError(str(event.get("reason", "failed")))
            calls.append((self._failed[job.name], (job, reason)))
        return calls


def _exception_event(job: Job, error: BaseException) -> Dict[str, Any]:
    return {"event": "exception", "id": job.id, "error": error}


class Worker(_Handlers):
    """Works jobs with Python handlers on ``concurrency`` threads (the calling thread is one).

    Options (the seed's names): ``queues`` (priority order), ``tries``, ``timeout``, ``sleep``,
    ``once``, ``stop_when_empty``, ``max_jobs``, ``max_time``, ``memory`` (MB, measured here),
    ``concurrency``, ``prefetch`` (jobs taken per pull; 0, the default, adapts from
    ``concurrency`` up to 64 while jobs are short and hands held jobs back after 0.1 s without
    progress; a number takes exactly that many), ``rest``. A handler running past its timeout cannot be interrupted in a
    thread; the run then counts as a failed attempt when it returns.
    """

    def __init__(
        self,
        client: Any,
        *,
        connection: str = "default",
        handler: Optional[Callable[[Job], Any]] = None,
        **options: Any,
    ) -> None:
        super().__init__(handler)
        self._native = _native.QueueWorker(client, connection, **options)
        self.options: Dict[str, Any] = self._native.options

    def run(self) -> WorkerStats:
        """Works jobs until a stop condition, ``stop()``, SIGTERM or SIGINT (handlers are
        installed only when called on the main thread); running jobs finish first."""
        restore = _install_signals(self.stop)
        errors: List[BaseException] = []

        def loop() -> None:
            try:
                self._loop()
            except BaseException as e:  # reported by run() after the other threads stop
                errors.append(e)
                self._native.stop()

        threads = [threading.Thread(target=loop, daemon=True) for _ in range(int(self.options["concurrency"]) - 1)]
        try:
            for t in threads:
                t.start()
            loop()
            for t in threads:
                t.join()
        finally:
            restore()
        if errors:
            raise errors[0]
        return self.stats()

    def stop(self) -> None:
        """Stops gracefully: running jobs finish, no new ones are taken."""
        self._native.stop()

    def stats(self) -> WorkerStats:
        """Counters so far."""
        return self._native.stats()

    def _loop(self) -> None:
        measure = int(self.options["memory"]) > 0
        while True:
            if measure:
                self._native.report_memory(memory_mb())
            step = self._native.next(_STEP_WAIT)
            if isinstance(step, str):
                self.stop_reason = step
                return
            if step is not None:
                self._work(step)

    def _work(self, job: Job) -> None:
        self._emit(self._hooks["processing"], job, {"event": "processing", "id": job.id})
        error: Optional[BaseException] = None
        try:
            self._handler(job)(job)
        except Exception as e:
            error = e
            self._emit(self._hooks["exception"], job, _exception_event(job, e))
        except BaseException as e:
            self._native.stop()
            self._native.finish(job, e)
            raise
        event: Dict[str, Any] = self._native.finish(job, error)
        for hook, args in self._calls(job, event, error):
            _guard(hook, *args)

    @staticmethod
    def _emit(hooks: List[Callable[..., Any]], job: Job, event: Dict[str, Any]) -> None:
        for hook in hooks:
            _guard(hook, job, event)


def _guard(hook: Callable[..., Any], *args: Any) -> Any:
    """Runs a hook; its exception is logged, never fatal to the worker."""
    try:
        return hook(*args)
    except Exception:
        _LOG.exception("worker hook %r raised", hook)
        return None


def _install_signals(stop: Callable[[], None]) -> Callable[[], None]:
    """SIGTERM/SIGINT → ``stop`` while running (main thread only); returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.signal(sig, lambda *_: stop()) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


Hook = Callable[..., Any]


class AsyncWorker(_Handlers):
    """Works jobs with handlers (``async def`` or plain) in ``concurrency`` asyncio tasks.

    Same options as ``natskit.Worker``. A handler running past the job's (or the worker's)
    ``timeout`` is cancelled and the run counts as a failed attempt.
    """

    def __init__(
        self,
        client: Any,
        *,
        connection: str = "default",
        handler: Optional[Callable[[AsyncJob], Any]] = None,
        **options: Any,
    ) -> None:
        super().__init__(handler)
        self._native = _native.AsyncQueueWorker(client, connection, **options)
        self.options: Dict[str, Any] = self._native.options

    async def run(self) -> WorkerStats:
        """Works jobs until a stop condition, ``stop()``, SIGTERM or SIGINT (handled on the
        running loop when it runs on the main thread); running jobs finish first."""
        loop = asyncio.get_running_loop()
        installed: List[signal.Signals] = []
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                try:
                    loop.add_signal_handler(sig, self.stop)
                    installed.append(sig)
                except (NotImplementedError, RuntimeError):
                    pass
        tasks = [asyncio.ensure_future(self._loop()) for _ in range(int(self.options["concurrency"]))]
        try:
            results = await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return self.stats()

    def stop(self) -> None:
        """Stops gracefully: running jobs finish, no new ones are taken."""
        self._native.stop()

    def stats(self) -> WorkerStats:
        """Counters so far."""
        return self._native.stats()

    async def _loop(self) -> None:
        measure = int(self.options["memory"]) > 0
        try:
            while True:
                if measure:
                    self._native.report_memory(memory_mb())
                step = await self._native.next(_STEP_WAIT)
                if isinstance(step, str):
                    self.stop_reason = step
                    return
                if step is not None:
                    await self._work(step)
        except BaseException:
            self._native.stop()
            raise

    async def _work(self, job: AsyncJob) -> None:
        await self._emit(self._hooks["processing"], job, {"event": "processing", "id": job.id})
        error: Optional[BaseException] = None
        limit = job.timeout or self.options.get("timeout") or None
        try:
            result = self._handler(job)(job)
            if inspect.isawaitable(result):
                await asyncio.wait_for(_awaited(result), limit)
        except asyncio.TimeoutError as e:
            error = QueueError(f"{job.name} did not finish within {limit} s") if limit else e
            await self._emit(self._hooks["exception"], job, _exception_event(job, error))
        except Exception as e:
            error = e
            await self._emit(self._hooks["exception"], job, _exception_event(job, e))
        event: Dict[str, Any] = await self._native.finish(job, error)
        for hook, args in self._calls(job, event, error):
            await _async_guard(hook, *args)

    @staticmethod
    async def _emit(hooks: List[Hook], job: Job, event: Dict[str, Any]) -> None:
        for hook in hooks:
            await _async_guard(hook, job, event)


async def _awaited(result: Any) -> Any:
    return await result


async def _async_guard(hook: Hook, *args: Any) -> None:
    """Runs a hook (plain or ``async``); its exception is logged, never fatal."""
    try:
        result: Union[Any, None] = hook(*args)
        if inspect.isawaitable(result):
            await result
    except Exception:
        _LOG.exception("worker hook %r raised", hook)
