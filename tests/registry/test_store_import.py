"""State uploads on a real database: row-by-row problems, re-sends that update, identity numbers never in clear."""

from __future__ import annotations

from sqlalchemy import func, select, text

from suraksha.registry import store
from suraksha.registry.rules import identity_hash, identity_key
from tests.registry.registry_data import RAMESH, SUNIL, csv_bytes, operator


def count(c, table) -> int:
    with c.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_bad_rows_are_reported_row_by_row_and_good_rows_still_import(container):
    bad_date = SUNIL | {"record_id": "MH-0003", "dob": "14/03/1985", "sex": "X"}
    no_state = RAMESH | {"record_id": "MH-0004", "state": ""}
    report = container.registry.import_csv(csv_bytes(RAMESH, bad_date, no_state, SUNIL), operator())
    assert (report.created, report.rejected) == (2, 2)
    problems = {(p.row, p.column) for p in report.problems}
    assert problems == {(3, "dob"), (3, "sex"), (4, "state")}
    assert count(container, store.registrations) == 2


def test_old_names_of_states_and_districts_are_understood(container):
    container.registry.import_csv(csv_bytes(RAMESH | {"district": "Aurangabad"}), operator())
    with container.engine.connect() as conn:
        row = conn.execute(select(store.registrations)).one()
    assert (row.state, row.district) == ("MH", "Chhatrapati Sambhajinagar")


def test_a_resent_file_updates_and_never_duplicates(container):
    registry = container.registry
    registry.import_csv(csv_bytes(RAMESH, SUNIL), operator())
    again = registry.import_csv(csv_bytes(RAMESH, SUNIL), operator())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    moved = RAMESH | {"address": "5 Station Road, Nagpur", "father_name": "Suresh Ram Yadav"}
    changed = registry.import_csv(csv_bytes(moved, SUNIL), operator())
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert count(container, store.registrations) == 2
    assert count(container, store.persons) == 2
    with container.engine.connect() as conn:
        reg = conn.execute(select(store.registrations).where(store.registrations.c.record_id == "MH-0001")).one()
        history = conn.execute(select(store.addresses.c.address).where(
            store.addresses.c.registration_id == reg.id).order_by(store.addresses.c.id)).scalars().all()
    assert reg.father_name == "Suresh Ram Yadav"
    assert history == ["12 Shivaji Nagar, Pune", "5 Station Road, Nagpur"]
    assert count(container, store.convictions) == 1  # replaced, not appended


def test_a_record_twice_in_one_file_is_written_in_file_order_and_a_large_file_in_chunks(container):
    """Rows are written a chunk at a time (importing.CHUNK): a record that comes again in the same file is the same
    registration, changed by its later row, and a file of several chunks loses and doubles nothing."""
    moved = RAMESH | {"address": "5 Station Road, Nagpur"}
    many = [SUNIL | {"record_id": f"MH-9{n:04d}", "full_name": f"Sunil Patil {n}"} for n in range(1, 1201)]
    report = container.registry.import_csv(csv_bytes(RAMESH, *many[:700], moved, *many[700:], RAMESH), operator())
    assert (report.created, report.updated, report.unchanged) == (1201, 2, 0)
    assert count(container, store.registrations) == 1201
    assert count(container, store.persons) == 1201
    assert count(container, store.names) == 1202  # one name each and Ramesh's alias: the earlier rows' replaced
    with container.engine.connect() as conn:
        reg = conn.execute(select(store.registrations).where(store.registrations.c.record_id == "MH-0001")).one()
        history = conn.execute(select(store.addresses.c.address).where(
            store.addresses.c.registration_id == reg.id).order_by(store.addresses.c.id)).scalars().all()
    assert history == ["12 Shivaji Nagar, Pune", "5 Station Road, Nagpur", "12 Shivaji Nagar, Pune"]


def test_state_option_decides_whose_records_and_refuses_contradicting_rows(container):
    rows = csv_bytes(RAMESH | {"state": ""}, SUNIL | {"state": "Karnataka"})
    report = container.registry.import_csv(rows, operator(), state="mh")
    assert report.created == 1
    assert [(p.row, p.column) for p in report.problems] == [(3, "state")]


def test_identity_numbers_are_stored_only_as_keyed_hashes(container, test_settings):
    container.registry.import_csv(csv_bytes(RAMESH), operator())
    with container.engine.connect() as conn:
        stored = conn.execute(select(store.identities)).one()
        everything = " ".join(str(v) for t in store.metadata.sorted_tables if t.name.startswith("registry_")
                              for row in conn.execute(select(t)) for v in row)
        dump = conn.execute(text("SELECT number_hmac FROM registry_identities")).scalar_one()
    key = identity_key(test_settings.secret_key.get_secret_value())
    assert stored.number_hmac == dump == identity_hash(key, "aadhaar", "123456789012")
    assert "123456789012" not in everything.replace(" ", "")
