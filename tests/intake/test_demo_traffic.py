"""The demo's simulated traffic goes through the real signed webhooks: SMS as Twilio sends it, WhatsApp as Meta does;
panic buttons through the SOS API with the demo gateway's token; 112 calls as the call-taker logs them."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from suraksha.adapters.db import metadata
from suraksha.core.auth import Role, ScopeKind
from suraksha.demo import simulator
from suraksha.demo.setup import SAFETY_APP, demo_whatsapp_ids
from suraksha.demo.simulator import Simulator


def channels(c) -> list[str]:
    incidents = metadata.tables["incidents"]
    with c.engine.connect() as conn:
        return [r.channel for r in conn.execute(select(incidents.c.channel).order_by(incidents.c.id))]


def test_the_simulator_writes_to_the_stations_whatsapp_number_and_its_sms_line(container, server_url, monkeypatch):
    ids = demo_whatsapp_ids([s.id for s in container.stations.all("mumbai")])
    container.stations.link_whatsapp_in_bulk(ids, "tests", "the demo's numbers")
    sim = Simulator(container, server_url, seed=3)
    with httpx.Client(base_url=server_url, timeout=10) as http:
        monkeypatch.setattr(simulator, "WHATSAPP", 1.0)
        for _ in range(3):
            sim.send_sms(http)
        monkeypatch.setattr(simulator, "WHATSAPP", 0.0)
        sim.send_sms(http)
    made = channels(container)
    assert made.count("whatsapp") >= 2 and made[-1] == "sms"  # follow-ups may join an earlier incident


def test_the_simulator_presses_panic_buttons_and_logs_calls(container, server_url, monkeypatch):
    container.accounts.create_account(SAFETY_APP, "a-long-demo-password", Role.INTEGRATION, ScopeKind.NATIONAL, "",
                                      is_demo=True)
    sim = Simulator(container, server_url, seed=5)
    with httpx.Client(base_url=server_url, timeout=10) as http:
        monkeypatch.setattr(simulator, "SOS", 1.0)
        for _ in range(4):
            sim.contact(http)
        monkeypatch.setattr(simulator, "SOS", 0.0)
        monkeypatch.setattr(simulator, "CALLS", 1.0)
        for _ in range(3):
            sim.contact(http)
    made = channels(container)
    assert made.count("call") == 3 and 1 <= made.count("sos") <= 4  # a device pressing again joins her incident
    people = metadata.tables["incident_people"]
    with container.engine.connect() as conn:
        assert conn.execute(select(people.c.role)).all()  # the calls' callers are recorded


def test_without_the_gateway_account_the_simulator_sends_a_message_instead(container, server_url, monkeypatch):
    sim = Simulator(container, server_url, seed=5)
    with httpx.Client(base_url=server_url, timeout=10) as http:
        monkeypatch.setattr(simulator, "SOS", 1.0)
        monkeypatch.setattr(simulator, "CALLS", -1.0)  # SOS + CALLS = 0: neither a press nor a call
        sim.contact(http)
    assert channels(container) in (["sms"], ["whatsapp"])
