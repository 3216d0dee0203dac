"""Background threads that run native code (shapely, numpy) must not be running while the interpreter shuts down:
it frees memory they still use, and the process can crash on its way out. A daemon thread started with
`finished_before_exit` is waited for when the process exits (after the server has stopped), however it ends.
A `WorkerPool`'s threads are too (the interpreter joins them), once the call they run has ended."""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import functools
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_LIVE: weakref.WeakKeyDictionary[threading.Thread, float] = weakref.WeakKeyDictionary()


def finished_before_exit(target: Callable[[], None], name: str, wait_s: float = 30.0) -> threading.Thread:
    """Start `target` in a daemon thread that the process waits for, up to `wait_s`, when it exits (a process told
    to stop should not wait for long: a national registry's index takes most of a minute to build)."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    _LIVE[thread] = wait_s
    thread.start()
    return thread


@atexit.register
def _wait_for_native_work() -> None:
    for thread, wait_s in list(_LIVE.items()):
        if thread.is_alive() and thread is not threading.current_thread():
            thread.join(wait_s)


class WorkerPool:
    """`size` threads that run the calls given to them in the order they were asked for (a queue, first come first
    served), for CPU-bound work under Python's interpreter lock, where more calls at once only interleave, each
    slower, and where a lock's waiters would be served in no particular order. A call made on one of the pool's own
    threads runs there and then (it would otherwise wait for itself)."""

    def __init__(self, size: int, name: str) -> None:
        self.size = size
        self._own = threading.local()
        # the workers hold the mark, not the pool: a pool no longer referenced is collected and its idle workers end
        self._executor = ThreadPoolExecutor(size, thread_name_prefix=name, initializer=_mark, initargs=(self._own,))

    def on_worker(self) -> bool:
        """Whether this thread is one of the pool's."""
        return getattr(self._own, "member", False)

    def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """fn(*args, **kwargs) on a worker, in its turn (here and now on a worker); its result or its exception."""
        if self.on_worker():
            return fn(*args, **kwargs)
        return self._executor.submit(contextvars.copy_context().run, fn, *args, **kwargs).result()

    async def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """`run` for an event loop: it waits without blocking the loop. A call still queued when its caller's
        cancellation (a client gone) reaches the queue, on the loop's next turn, is not run."""
        work = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)


def _mark(own: threading.local) -> None:
    own.member = True
