"""A server's memory and its garbage collector: freed heap handed back, long-lived caches kept out of the
collector's sight."""

from __future__ import annotations

import ctypes
import gc


def settle_long_lived() -> None:
    """Collect what is garbage now, then move every object still alive out of the collector's sight (`gc.freeze`).

    Call after a process has built what it keeps for its lifetime (start-up, a cache rebuilt): a full collection
    walks every object it tracks, so with the caches in view each one took 120-280 ms on this machine, stopping every
    thread of the server (docs/benchmarks.md, positions beside intake); with them frozen it walks only what was made
    since. Frozen objects are still freed when nothing refers to them; only garbage cycles among them wait for the
    next call, which looks at everything again first (`gc.unfreeze`)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def give_back_memory() -> None:
    """After building a large cache (the registry's index over 1.2 M registrations): collect, hand the freed heap
    back to the operating system and settle what is left (`settle_long_lived`). glibc keeps freed small blocks for
    reuse: without the trim a process would keep hundreds of MB it no longer uses, and its resident size would not
    show what it keeps. Elsewhere than glibc: no trim."""
    settle_long_lived()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
