"""The demo's simulated traffic goes through the real signed webhooks: SMS as Twilio sends it, WhatsApp as Meta does."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from suraksha.adapters.db import metadata
from suraksha.demo import simulator
from suraksha.demo.setup import demo_whatsapp_ids
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
