"""Each process's search index is a cache kept fresh from the registry's change log: what another process uploads,
changes, purges or decides reaches it without a rebuild; a large upload goes in by COPY on PostgreSQL with every
character kept."""

from __future__ import annotations

import os
import threading

from sqlalchemy import func, select

from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.registry import store
from suraksha.registry.audit import Actor
from suraksha.registry.service import RegistryService
from tests.registry.registry_data import RAMESH, SUNIL, csv_bytes, operator

SUPERVISOR = Actor("tests", "operator")


def other_process(container, tmp_path) -> RegistryService:
    """A second server process on the same database: its own index, its own cache."""
    return RegistryService(container.engine, container.clock, "a-secret-key", str(tmp_path), container.stations)


def found(registry: RegistryService, name: str) -> list[str]:
    return [m.record_id for m in registry.refresh().search(name, limit=5) if m.score > 0.01]


def counting_builds(registry: RegistryService) -> list[int]:
    builds: list[int] = []
    build = registry.index._build

    def counted(conn):
        builds.append(1)
        build(conn)

    registry.index._build = counted  # type: ignore[method-assign]
    return builds


def test_another_process_sees_uploads_changes_and_purges_without_a_rebuild(container, tmp_path):
    here, there = container.registry, other_process(container, tmp_path)
    here.import_csv(csv_bytes(RAMESH), operator())
    builds = counting_builds(there)
    assert found(there, "Ramesh Yadav") and not found(there, "Sunil Patil")
    assert len(builds) == 1  # its first search built it
    ramesh = found(there, "Ramesh Yadav")[0]

    here.import_csv(csv_bytes(SUNIL, RAMESH | {"full_name": "Dilip Gaikwad", "aliases": ""}), operator())
    assert found(there, "Sunil Patil")
    assert ramesh in found(there, "Dilip Gaikwad")
    assert ramesh not in found(there, "Ramesh Yadav")  # the changed registration replaced its old entry
    expired = SUNIL | {"record_id": "MH-OLD", "full_name": "Dinesh Bhosale", "registered_on": "2008-02-01"}
    here.import_csv(csv_bytes(expired), operator())
    assert found(there, "Dinesh Bhosale")
    assert [d["record_id"] for d in here.purge(operator())] == ["MH-OLD"]
    assert not found(there, "Dinesh Bhosale")
    assert len(builds) == 1  # every change after the first build was applied in place
    with container.engine.connect() as conn:
        assert there.index.applied == store.change_head(conn)  # it holds the newest change


def test_a_merge_decision_reaches_the_other_process_ranking(container, tmp_path):
    here, there = container.registry, other_process(container, tmp_path)
    here.import_csv(csv_bytes(RAMESH, RAMESH | {"record_id": "MH-0009", "full_name": "Ramesh Yadav"}), operator())
    there.refresh()
    assert there.learned is None
    here.dedupe(SUPERVISOR)
    with container.engine.connect() as conn:
        merge_id = conn.execute(select(func.min(store.merges.c.id))).scalar_one()
    here.merges.decide(SUPERVISOR, merge_id, confirm=True)
    there.refresh()
    assert there.learned is not None  # learned from the officers' decision, the index not built again


def test_the_freshness_check_reads_one_row_of_the_log(container):
    container.registry.import_csv(csv_bytes(RAMESH, SUNIL), operator())
    with container.engine.connect() as conn:
        assert store.change_head(conn) == conn.execute(select(func.max(store.changes.c.seq))).scalar_one()
        kinds = [kind for _seq, _reg, kind in store.changes_after(conn, 0, 100)]
    assert kinds == ["upsert", "upsert"]
    with container.engine.connect() as conn:
        plan = " ".join(str(r) for r in conn.exec_driver_sql(
            ("EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN ")
            + "SELECT max(seq) FROM registry_changes"))
    assert "SCAN" not in plan.replace("Index Only Scan", "").replace("Index Scan", "")  # no table scan


def test_an_upload_keeps_every_character_and_spans_chunks(container):
    odd = RAMESH | {"record_id": "MH-ODD", "address": "Flat 2\\B,\tGali No. 4\nनई दिल्ली \\N", "marks": "tab\there"}
    many = [SUNIL | {"record_id": f"MH-{i:05d}", "full_name": f"Sunil Patil {i}"} for i in range(6_000)]
    report = container.registry.import_csv(csv_bytes(odd, *many), operator())
    assert (report.created, report.rejected) == (6_001, 0)
    with container.engine.connect() as conn:
        reg_id = conn.execute(select(store.registrations.c.id).where(
            store.registrations.c.record_id == "MH-ODD")).scalar_one()
        address = conn.execute(select(store.addresses.c.address).where(
            store.addresses.c.registration_id == reg_id)).scalar_one()
        mark = conn.execute(select(store.marks.c.description).where(
            store.marks.c.registration_id == reg_id)).scalar_one()
        persons = conn.execute(select(func.count(func.distinct(store.registrations.c.person_id)))).scalar_one()
        logged = conn.execute(select(func.count()).select_from(store.changes)).scalar_one()
    assert address == odd["address"] and mark == "tab\there"
    assert persons == 6_001 and logged == 6_001
    again = container.registry.import_csv(csv_bytes(odd, *many), operator())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6_001)


def test_searches_beyond_the_workers_wait_their_turn_in_the_order_they_came(container, tmp_path, monkeypatch):
    """`SURAKSHA_REGISTRY_SEARCH_SLOTS`: a process runs its searches on that many search workers (one per CPU by
    default), each search whole (the index, the summaries, the audit entry); a search beyond them waits, and the
    waiting ones are served first come, first served."""
    registry = RegistryService(container.engine, container.clock, "a-secret-key", str(tmp_path), container.stations,
                               search_slots=1)
    registry.import_csv(csv_bytes(RAMESH, SUNIL), operator())
    registry.refresh()
    officer = Principal(0, "registry", Role.REGISTRY_OFFICER, ScopeKind.NATIONAL, "")
    ran: list[tuple[str, str]] = []
    search, record = registry._search, registry.audit.record

    def watched(p, purpose, name, *args):
        ran.append((name, threading.current_thread().name))
        return search(p, purpose, name, *args)

    def audited(*args, **kwargs):
        ran.append(("audit", threading.current_thread().name))
        return record(*args, **kwargs)

    monkeypatch.setattr(registry, "_search", watched)
    monkeypatch.setattr(registry.audit, "record", audited)
    busy, gate = threading.Event(), threading.Event()
    blocker = threading.Thread(target=registry.index.searches.run, args=(lambda: (busy.set(), gate.wait(10)),))
    blocker.start()
    assert busy.wait(5)  # the one worker is taken
    answers: dict[str, list[dict]] = {}
    waiting = registry.index.searches._executor._work_queue  # type: ignore[attr-defined]
    names = ["Ramesh Yadav", "Sunil Patil", "Ramesh Kumar"]
    threads = []
    for k, name in enumerate(names):
        t = threading.Thread(target=lambda n=name: answers.__setitem__(n, registry.search(officer, "investigation", n)))
        t.start()
        threads.append(t)
        for _ in range(500):  # queued before the next one comes
            if waiting.qsize() == k + 1:
                break
            threading.Event().wait(0.01)
        assert waiting.qsize() == k + 1
    threading.Event().wait(0.2)
    assert not answers and not ran  # nothing ran while the worker was taken
    gate.set()
    for t in threads:
        t.join(10)
    blocker.join(10)
    assert [n for n, _ in ran if n != "audit"] == names  # in the order they came
    assert {thread for _, thread in ran} == {"registry-search_0"}  # the search and its audit entry, on the worker
    assert answers["Ramesh Yadav"][0]["name"] == "Ramesh Kumar Yadav"
    default = RegistryService(container.engine, container.clock, "a-secret-key", str(tmp_path), container.stations)
    assert default.index.searches.size == (os.cpu_count() or 1)
