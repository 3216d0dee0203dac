"""Handing freed memory back to the operating system."""

from __future__ import annotations

import ctypes
import gc


def give_back_memory() -> None:
    """Collect garbage and return the freed heap to the operating system. glibc keeps freed small blocks for reuse:
    after building a large cache (the registry's index over 1.2 M registrations) a process would otherwise keep
    hundreds of MB it no longer uses, and its resident size would not show what it keeps. Elsewhere: collection
    only."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
