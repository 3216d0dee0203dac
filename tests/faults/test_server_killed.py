"""`kill -9` of the server in the middle of signed SMS load, then a restart on the same database.

What a woman and Twilio see: every message answered 200 before the kill is stored with the tracking number
she was given; the messages the kill cut off are sent again with the same MessageSid (Twilio's retry) and each
is stored once, as one incident; her acknowledgement went out exactly once per message.
"""

from __future__ import annotations

import signal
import time
from collections import Counter

from suraksha.incidents.replies import received_again
from suraksha.intake.channels.twilio_sms.reply import twiml_reply
from tests.conftest import backend
from tests.faults.support import Load, ServeProcess, prepare_database, signed_sms, stored

KILL_AFTER = 1000  # acknowledged messages before the kill: load is well under way ...
LOAD_AT_MOST_S, AT_LEAST = 20, 100  # ... or this many seconds of load with at least this many, on a slow machine


def wait_until(condition, seconds: float, server: ServeProcess, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {seconds} s; server log:\n{server.tail()}"
        time.sleep(0.01)


def test_kill_9_during_intake_loses_no_acknowledged_message_and_acknowledges_each_once(own_database, tmp_path):
    numbers = prepare_database(own_database)
    server = ServeProcess(own_database, tmp_path / "serve.log").start()
    try:
        load = Load(server.url, signed_sms(numbers, server.url, seed=7), threads=8).start()
        began = time.monotonic()

        def under_way() -> bool:
            acked = sum(a.acknowledged for a in load.snapshot())
            return acked >= KILL_AFTER or (acked >= AT_LEAST and time.monotonic() - began > LOAD_AT_MOST_S)

        wait_until(under_way, LOAD_AT_MOST_S + 10, server, f"{AT_LEAST} acknowledgements")
        server.kill()
        before = load.stop().answers  # the threads keep sending until here, as Twilio would: refused

        assert {a.status for a in before} <= {200, None}, Counter(a.status for a in before)
        assert all(a.acknowledged for a in before if a.status == 200)
        acknowledged = {a.key: a.tracking for a in before if a.acknowledged}
        cut_off = {a.key for a in before if not a.acknowledged}
        mid_request = {a.key for a in before if a.error and a.error != "ConnectError"}  # sent, no answer came
        assert mid_request, "the kill cut off no request: it did not land mid-load"

        server.start()  # the same port and database, as a supervisor would restart it
        retries = Load(server.url, [load.sent[sid] for sid in sorted(cut_off)], threads=4).start().join().answers
    finally:
        server.stop()

    assert sorted(a.key for a in retries) == sorted(cut_off)
    assert all(a.acknowledged for a in retries), Counter((a.status, a.error) for a in retries)
    already_stored = {a.key for a in retries if a.text == twiml_reply(received_again(a.tracking or ""))}
    answered = Counter(a.key for a in [*before, *retries] if a.status == 200)
    db = stored(own_database)

    # every acknowledged message is stored, with the tracking number she was given
    assert {sid: db.trackings_per_sid.get(sid) for sid in acknowledged} == {
        sid: {tracking} for sid, tracking in acknowledged.items()}
    # every MessageSid: one inbound row, one incident, the tracking number its final answer gave
    sent = set(acknowledged) | cut_off
    assert set(db.rows_per_sid) == sent
    assert set(db.rows_per_sid.values()) == {1}
    assert {a.key: db.trackings_per_sid[a.key] for a in retries} == {a.key: {a.tracking} for a in retries}
    assert len(db.incident_ids) == len(sent)  # each message from her own number: one incident each
    # her acknowledgement: one 200 with TwiML per message, one recorded acknowledgement per incident, none queued
    assert set(answered.values()) == {1} and set(answered) == sent
    assert set(db.acknowledgements_per_incident) == db.incident_ids
    assert set(db.acknowledgements_per_incident.values()) == {1}
    assert db.queued_acknowledgements == 0

    print(f"\n[faults] kill -9 during intake ({backend()}): {len(sent)} messages sent before the kill, "
          f"{len(acknowledged)} acknowledged, {len(mid_request)} cut off mid-request ({len(already_stored)} of them "
          f"already stored), {len(cut_off - mid_request)} refused while it was down; after the restart and Twilio's "
          f"retries: {len(db.rows_per_sid)} stored, {len(db.incident_ids)} incidents, {sum(db.acknowledgements_per_incident.values())} acknowledgements, "
          f"acknowledged and stored: {sum(1 for sid in acknowledged if sid in db.rows_per_sid)}/{len(acknowledged)}")


def test_a_graceful_stop_during_intake_finishes_what_it_acknowledged(own_database, tmp_path):
    """SIGTERM (a rolling restart, a deploy): the server stops taking requests, answers those under way, commits
    what it acknowledged, and exits cleanly; nothing it acknowledged is lost, nothing is answered 5xx."""
    numbers = prepare_database(own_database)
    server = ServeProcess(own_database, tmp_path / "serve.log").start()
    try:
        load = Load(server.url, signed_sms(numbers, server.url, seed=9), threads=8).start()
        began = time.monotonic()
        wait_until(lambda: sum(a.acknowledged for a in load.snapshot()) >= 300
                   or time.monotonic() - began > LOAD_AT_MOST_S, LOAD_AT_MOST_S + 10, server, "300 acknowledgements")
        assert server.proc is not None
        server.proc.terminate()
        exit_code = server.proc.wait(timeout=30)
        answers = load.stop().answers
    finally:
        server.stop()
    # uvicorn finishes its shutdown, then lets the signal end the process, as a supervisor expects (-15)
    assert exit_code in (0, -signal.SIGTERM) and "Application shutdown complete" in server.tail(), server.tail()
    assert {a.status for a in answers} <= {200, 503, None}, Counter(a.status for a in answers)
    acknowledged = {a.key: a.tracking for a in answers if a.acknowledged}
    assert len(acknowledged) >= AT_LEAST
    db = stored(own_database)
    assert {sid: db.trackings_per_sid.get(sid) for sid in acknowledged} == {
        sid: {tracking} for sid, tracking in acknowledged.items()}
    print(f"\n[faults] SIGTERM during intake ({backend()}): {len(acknowledged)} acknowledged, all stored; "
          f"{sum(1 for a in answers if a.status is None)} not answered as it stopped (refused or cut off: Twilio "
          f"sends those again)")
