"""`/healthz` and `/readyz` for the load balancer (issue 13, point 4): alive; ready only while the database answers
and the event bus is connected (a node whose bus is gone is taken out of rotation), saying nothing else."""

from __future__ import annotations

from suraksha.adapters.jetstream import JetStreamBus


def test_a_node_is_alive_and_ready_without_credentials(http):
    alive = http.get("/healthz")
    assert alive.status_code == 200 and alive.json() == {"status": "alive"}
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": True, "bus": True}


def test_a_node_whose_event_bus_is_not_connected_is_not_ready(http, container):
    in_process = container.bus
    container.bus = JetStreamBus("nats://127.0.0.1:1", "node-unconnected")  # never started: not connected
    try:
        r = http.get("/readyz")
    finally:
        container.bus = in_process
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json() == {"status": "not_ready", "database": True, "bus": False}
    assert http.get("/healthz").status_code == 200  # alive all the same: a restart would not help
