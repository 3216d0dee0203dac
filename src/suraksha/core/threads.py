"""Background threads that run native code (shapely, numpy) must not be running while the interpreter shuts down:
it frees memory they still use, and the process can crash on its way out. A daemon thread started with
`finished_before_exit` is waited for when the process exits (after the server has stopped), however it ends."""

from __future__ import annotations

import atexit
import threading
import weakref
from collections.abc import Callable

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
