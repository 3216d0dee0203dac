"""Volunteers near an SOS with real server processes: two `suraksha serve` on one database, both firing timers
(`SURAKSHA_RUN_TIMERS`, on by default); an SOS sent to one of them alerts each volunteer near her exactly once."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import create_engine, func, select

from suraksha.adapters.outbox import events_table
from suraksha.bootstrap import build_container
from suraksha.messaging.store import outbound_messages
from suraksha.settings import Settings
from suraksha.volunteers.model import Application
from suraksha.volunteers.store import volunteer_alerts, volunteer_callouts
from tests.conftest import TEST_PASSWORD, sign
from tests.faults.support import SECRET_KEY, TRACKING, ServeProcess, prepare_database
from tests.volunteers.conftest import ADMIN

VOLUNTEERS = 3


def enrol_beside(url: str, numbers: list[str]) -> tuple[str, float, float]:
    """Volunteers on duty 100 to 300 m from a station's anchor point; returns its women helpline and the point."""
    c = build_container(Settings(database_url=url, secret_key=SECRET_KEY))
    try:
        c.stations.reload()
        station = next(s for s in c.stations.all("mumbai") if s.women_helpline == numbers[0])
        lat, lon = station.anchor.lat, station.anchor.lon
        for i in range(VOLUNTEERS):
            c.volunteers.apply(Application(f"Volunteer {i}", f"+91983330{i:04d}", "en", "mumbai", "Tajmahal"))
        for v in c.volunteers.in_area(ADMIN):
            done = c.volunteers.verify(ADMIN, v["id"], "met at the station", password=TEST_PASSWORD)
            me = c.accounts.authenticate(done["username"], TEST_PASSWORD)
            c.volunteers.set_position(me, lon, lat + (100 + 100 * v["id"]) / 110_574.0)
            c.volunteers.set_available(me, True)
        return station.women_helpline, lat, lon
    finally:
        c.engine.dispose()


def test_an_sos_alerts_its_volunteers_once_with_two_server_processes(own_database, tmp_path):
    to, lat, lon = enrol_beside(own_database, prepare_database(own_database))
    nodes = [ServeProcess(own_database, tmp_path / f"{n}.log").start() for n in ("a", "b")]
    engine = create_engine(own_database.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        form = {"MessageSid": "SM" + "7" * 32, "AccountSid": "AC" + "0" * 32, "From": "+919820077777", "To": to,
                "Body": f"Help me, he is hitting me geo:{lat:.6f},{lon:.6f}", "NumMedia": "0", "FromCountry": "IN"}
        url = nodes[1].url + "/webhooks/twilio/sms"
        r = httpx.post(url, data=form, headers={"X-Twilio-Signature": sign(url, form)}, timeout=30)
        assert r.status_code == 200 and TRACKING.search(r.text), r.text

        def alerted() -> list:
            with engine.connect() as conn:
                return conn.execute(select(volunteer_callouts.c.alerted).where(
                    volunteer_callouts.c.alerted_at.is_not(None))).scalars().all()

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not alerted():
            time.sleep(0.2)
        time.sleep(3)  # both nodes have looked again since: nothing more may happen
        assert alerted() == [VOLUNTEERS], nodes[0].tail() + nodes[1].tail()
        with engine.connect() as conn:
            alerts = conn.execute(select(func.count()).select_from(volunteer_alerts)).scalar_one()
            sms = conn.execute(select(func.count()).select_from(outbound_messages).where(
                outbound_messages.c.kind == "volunteer_alert")).scalar_one()
            events = conn.execute(select(func.count()).select_from(events_table).where(
                events_table.c.type == "VolunteerAlerted")).scalar_one()
        assert (alerts, sms, events) == (VOLUNTEERS, VOLUNTEERS, VOLUNTEERS)
    finally:
        engine.dispose()
        for node in nodes:
            node.stop()
