"""A node killed (`kill -9`) after Twilio took a message to her and before it recorded Twilio's answer: the next node
asks Twilio before sending, finds the message there and records it as sent, so she does not get it twice (issue 13).
Real `suraksha serve` processes on the suite's database; Twilio is a fake on 127.0.0.1 that counts what it is asked
to send, and holds its answer until the test has killed the sender."""

from __future__ import annotations

import threading
import time

from sqlalchemy import create_engine, select, update

from suraksha.bootstrap import build_container
from suraksha.messaging.store import outbound_messages as om
from suraksha.settings import Settings
from tests.fake_twilio import ACCOUNT, FakeTwilio
from tests.faults.support import SECRET_KEY, ServeProcess, prepare_database, units_near
from tests.faults.test_nodes_on_a_bus import send_sms

SENDER = "+15005550006"
WITHIN_S = 30  # generous for a loaded machine (not a timing goal)


def test_a_node_killed_between_twilios_answer_and_its_record_does_not_make_the_next_node_send_it_again(
        own_database, tmp_path):
    helpline = prepare_database(own_database)[0]
    [unit] = units_near(own_database, helpline, ["MUM-NS-961"], [0.001])
    twilio, taken, killed = FakeTwilio(), threading.Event(), threading.Event()

    def hold_the_answer(message: dict) -> None:  # Twilio has the message; its answer waits for the kill
        taken.set()
        killed.wait(WITHIN_S)

    twilio.on_create = hold_the_answer
    engine = create_engine(own_database.replace("postgresql://", "postgresql+psycopg://", 1))
    with twilio.serving() as base:
        provider = {"SURAKSHA_SMS_PROVIDER": "twilio", "SURAKSHA_TWILIO_API_BASE": base,
                    "SURAKSHA_TWILIO_ACCOUNT_SID": ACCOUNT, "SURAKSHA_SMS_SENDER": SENDER}
        a = ServeProcess(own_database, tmp_path / "a.log", SURAKSHA_NODE_NAME="a", **provider).start()
        b = ServeProcess(own_database, tmp_path / "b.log", SURAKSHA_NODE_NAME="b", **provider)
        try:
            tracking = send_sms(a, helpline, "+919820044444", "SM" + "4" * 32)
            c = build_container(Settings(database_url=own_database, secret_key=SECRET_KEY))
            try:
                c.stations.reload()
                c.dispatch.assign(tracking, unit["id"])  # "a unit is on its way": node A's sender takes it
            finally:
                c.engine.dispose()
            assert taken.wait(WITHIN_S), a.tail()
            a.kill()
            killed.set()
            twilio.on_create = None

            with engine.begin() as conn:  # node A's claim lapses (120 s by default: here at once)
                [left] = conn.execute(select(om).where(om.c.kind == "unit_dispatched")).all()
                assert (left.status, left.sending_since is not None) == ("pending", True)
                conn.execute(update(om).where(om.c.id == left.id).values(next_attempt_at=left.created_at))
            b.start()
            deadline = time.monotonic() + WITHIN_S
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    done = conn.execute(select(om).where(om.c.id == left.id)).one()
                if done.status != "pending":
                    break
                time.sleep(0.2)
            assert (done.status, done.provider_ref, done.sending_since) == ("sent", twilio.messages[0]["sid"], None), \
                b.tail()
            assert len(twilio.messages) == 1 and twilio.sent_twice() == {}  # she was told once
        finally:
            killed.set()
            engine.dispose()
            a.stop()
            b.stop()
