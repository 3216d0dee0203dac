"""The garbage collector in a server: what it keeps for its lifetime out of the collector's sight."""

from __future__ import annotations

import gc
import weakref

from suraksha.core.memory import settle_long_lived


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_settled_objects_are_out_of_sight_and_their_cycles_freed_at_the_next_settle():
    try:
        node = Node()
        settle_long_lived()
        assert gc.get_freeze_count() > 0
        assert not any(o is node for o in gc.get_objects())  # frozen: a collection does not walk it
        freed = []
        ref = weakref.ref(node, lambda _: freed.append(True))
        del node
        gc.collect()
        assert ref() is not None  # a frozen cycle waits …
        settle_long_lived()
        assert ref() is None and freed == [True]  # … for the next settle, which looks at everything first
    finally:
        gc.unfreeze()
