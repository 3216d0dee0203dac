"""Each server process's search index, kept fresh from the registry's change log.

The index is a cache: built from the database (in chunks of registrations, never all of them in memory as records)
and kept up to date by the change log (`store.changes`), whose newest number is all a search asks for (one step down
a primary key). Rows after the last one applied are applied to the index in place: written registrations are read
back and added (a changed one replaces its old entry), deleted ones removed, and a merge decision gives the index the
ranking learned from every decision so far. Many changes at once (a state's first upload), or a log pruned past what
this process applied, build the index again instead. Searches never wait for a lock: a refresh that is due takes the
keeper's lock (one refresh at a time) while searches keep using the index as it was.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, select

from suraksha.core.errors import Unavailable
from suraksha.core.memory import give_back_memory
from suraksha.core.threads import WorkerPool, finished_before_exit
from suraksha.registry import store
from suraksha.registry.matching import kernels
from suraksha.registry.matching.linkage import LinkageModel, learn_from_decisions
from suraksha.registry.matching.record import PersonRecord
from suraksha.registry.search import RegistryIndex

log = logging.getLogger(__name__)
INDEX_RETRY_AFTER_S = 10  # what a search is told to wait while the index is first built
REBUILD_SHARE = 0.25  # more changed registrations than this share of the index: build it again rather than add
CHANGES_PER_READ = 100_000
CHUNK = 50_000  # registrations read at a time while building


class IndexKeeper:
    def __init__(self, engine: Engine, snapshot_path: str | None = None, search_slots: int = 0) -> None:
        self._engine = engine
        # the threads that run this process's searches (0: one per CPU), each search whole, in arrival order: a
        # search is almost all CPU under the interpreter lock, so more at once only interleave, each slower
        self.searches = WorkerPool(search_slots or os.cpu_count() or 1, "registry-search")
        self.snapshot_path = snapshot_path or None  # the index saved after each build, loaded instead of one
        self._snapshot_unread = True
        self._lock = threading.Lock()
        self._index: RegistryIndex | None = None
        self._seq = 0  # the newest change the index holds
        self._size = 0
        self._building: threading.Thread | None = None
        self.learned: LinkageModel | None = None  # the ranking after officers' merge decisions, when there are any

    @property
    def applied(self) -> int:
        """The number of the newest change this process's index holds (0: none, or no index yet)."""
        return self._seq

    def refresh(self) -> RegistryIndex:
        """The index, with every change committed before this call (here or in another process)."""
        with self._engine.connect() as conn:
            head = store.change_head(conn)
        index = self._index
        if index is not None and head == self._seq:
            return index
        with self._lock:
            with self._engine.connect() as conn:
                loaded = self._index is None and self._snapshot_unread and self._load_snapshot(conn)
                if not loaded and (self._index is None or store.change_head(conn) < self._seq
                                   or not self._catch_up(conn)):
                    self._build(conn)  # none yet, a log that went back (a restored database), or much to apply
            assert self._index is not None
            return self._index

    def _build(self, conn: Connection) -> None:
        head = store.change_head(conn)  # first: what commits while the index is built is applied again after
        self.learned = _learned(conn)
        self._size = 0

        def chunks() -> Iterator[list[PersonRecord]]:
            for records in store.iter_records(conn, CHUNK):
                self._size += len(records)
                yield records

        self._index = RegistryIndex.build(chunks(), self.learned)
        self._seq = head
        give_back_memory()
        log.info("registry index built over %d registrations (changes up to %d)", self._size, head)
        self._save_snapshot()

    def _load_snapshot(self, conn: Connection) -> bool:
        """Use the saved index when there is one that the change log can still bring up to date (nothing it needs
        was pruned, and the log did not go back past it): True when the index is now loaded and caught up."""
        path, self._snapshot_unread = self.snapshot_path, False  # only the first index: see reload
        if path is None or not os.path.exists(path):
            return False
        try:
            seq = int(RegistryIndex.snapshot_info(path)["extra"].get("seq", -1))
            if not self._usable(conn, seq):
                log.info("registry index snapshot %s (changes up to %d) is out of the log's reach: building", path, seq)
                return False
            learned = _learned(conn)
            index, extra = RegistryIndex.read_snapshot(path, learned)
            seq = int(extra.get("seq", -1))  # another process may have replaced the file meanwhile
            if not self._usable(conn, seq):
                return False
        except (OSError, ValueError) as error:
            log.warning("registry index snapshot %s not used (%s): building", path, error)
            return False
        self._index, self._seq, self._size, self.learned = index, seq, len(index), learned
        log.info("registry index loaded from %s: %d registrations (changes up to %d)", path, len(index), seq)
        if self._catch_up(conn):
            return True
        self._index, self._seq, self._size = None, 0, 0
        return False

    @staticmethod
    def _usable(conn: Connection, seq: int) -> bool:
        return 0 <= seq <= store.change_head(conn) and store.first_change(conn) <= seq + 1

    def _save_snapshot(self) -> None:
        """Save the index just built for the next process that starts (a failure is logged, never raised)."""
        if self.snapshot_path is None or self._index is None:
            return
        try:
            self._index.save(self.snapshot_path, {"seq": self._seq})
            log.info("registry index snapshot saved to %s (changes up to %d)", self.snapshot_path, self._seq)
        except Exception:
            log.exception("the registry index snapshot could not be saved to %s", self.snapshot_path)

    def _catch_up(self, conn: Connection) -> bool:
        """Apply the changes after the index's newest; False when building again is the better way."""
        assert self._index is not None
        if store.first_change(conn) > self._seq + 1:
            return False  # pruned past what this index holds
        seq, last_kind, decided = self._seq, {}, False
        while True:
            rows = store.changes_after(conn, seq, CHANGES_PER_READ)
            if not rows:
                break
            for _number, registration_id, kind in rows:
                if kind == "decision":
                    decided = True
                elif registration_id is not None:
                    last_kind[registration_id] = kind
            seq = rows[-1][0]
            if len(last_kind) > REBUILD_SHARE * max(self._size, 1) + 1_000:
                return False
        upserted = sorted(i for i, kind in last_kind.items() if kind == "upsert")
        records = store.load_records(conn, upserted) if upserted else []
        found = {int(r.record_id) for r in records}
        gone = [str(i) for i, kind in last_kind.items() if kind == "delete" or i not in found]
        if gone:
            self._index.remove(gone)
        if records:
            self._index.add(records)
        if decided:
            self.learned = _learned(conn)
            self._index.set_model(self.learned)
        self._size += len(records) - len(gone)
        self._seq = seq
        log.info("registry index: %d registrations added or replaced, %d removed (changes up to %d)",
                 len(records), len(gone), seq)
        return True

    def reload(self) -> None:
        """Forget the index (the database was replaced): the next search builds it again (never from the snapshot,
        saved from the database before)."""
        with self._lock:
            self._index, self._seq, self._size = None, 0, 0

    def build_in_background(self) -> None:
        """A server builds the index after it starts (at national scale it takes most of a minute), so that
        nothing else waits for it; searches answer 503 until it is ready (`ready_index`)."""
        if self._building is None and self._index is None:
            self._building = finished_before_exit(self._first_build, "registry-index", wait_s=5.0)

    def _first_build(self) -> None:
        try:
            self.refresh()
        except Exception:
            log.exception("the registry index could not be built: the next search tries again")
        try:  # before searches are let in: loaded, or compiled on a new machine (seconds), here, not in a search
            kernels.warm_up()
        except Exception:
            log.exception("the registry's compiled loops could not be prepared: the first search compiles them")
        finally:
            self._building = None

    def ready_index(self) -> RegistryIndex:
        """The index for a request: Unavailable (503, Retry-After) while the server's first build is running;
        otherwise as `refresh`."""
        if self._index is None and self._building is not None:
            raise Unavailable("the registry index is being built: try again shortly", retry_after=INDEX_RETRY_AFTER_S,
                              code="registry_index_building")
        return self.refresh()

    def refresh_if_built(self) -> None:
        """After a write here: bring an index this process already has up to date (none yet: the first search
        builds it)."""
        if self._index is not None:
            self.refresh()




def _learned(conn: Connection) -> LinkageModel | None:
    decisions = decisions_of(conn)
    return learn_from_decisions(decisions) if decisions else None


def decisions_of(conn: Connection) -> list[tuple[PersonRecord, PersonRecord, bool]]:
    """Officers' confirmed (same person) and rejected or undone (different) pairs, for learning."""
    m = store.merges
    pairs = conn.execute(select(m.c.left_registration_id, m.c.right_registration_id, m.c.status)
                         .where(m.c.status.in_(("confirmed", "rejected", "undone")))).all()
    if not pairs:
        return []
    records = {int(r.record_id): r for r in store.load_records(
        conn, sorted({x for p in pairs for x in (p[0], p[1])}))}
    return [(records[a], records[b], status == "confirmed") for a, b, status in pairs
            if a in records and b in records]
