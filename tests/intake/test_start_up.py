"""Up at once: after a start (or a crash), the webhook acknowledges her message whatever the size of the registry,
whose index is built in the background (issue 14). `suraksha serve` runs as a real process on the suite's database
with 300,000 registrations loaded by SQL; her SMS is acknowledged before the server's log says the registry's index
is built. An order of events, not a time: how many seconds a start takes is the machine's (a timing goal, measured
side by side on an empty and a large registry by `bench/start_up.py`, not asserted here)."""

import time

import httpx
import pytest

from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.core.errors import Unavailable
from suraksha.registry.bulk_load import load_registrations
from suraksha.registry.service import RegistryService
from tests.conftest import START, sign, tracking_of
from tests.faults.support import ServeProcess

REGISTRATIONS = 300_000  # its index takes seconds to build, more than the first acknowledgement
INDEX_BUILT = "registry index built over"  # the server's log line when its first build is done (registry.freshness)


def test_a_server_started_on_a_large_registry_acknowledges_an_sms_before_its_index_is_built(
        container, test_settings, home_station, tmp_path):
    load_registrations(container.engine, REGISTRATIONS, START)
    server = ServeProcess(test_settings.database_url, tmp_path / "serve.log", SURAKSHA_LOG_LEVEL="INFO",
                          SURAKSHA_REGISTRY_FILES_DIR=str(tmp_path))
    form = {"MessageSid": "SM" + "6" * 32, "AccountSid": "AC" + "0" * 32, "From": "+919820012345",
            "To": home_station.women_helpline, "Body": "Help, a man is following me", "NumMedia": "0"}
    headers = {"X-Twilio-Signature": sign(server.url + "/webhooks/twilio/sms", form)}
    started = time.monotonic()
    server.launch()
    try:
        answer = None
        while answer is None and time.monotonic() - started < 120 and server.alive():
            try:
                answer = httpx.post(f"{server.url}/webhooks/twilio/sms", data=form, headers=headers, timeout=10)
            except httpx.TransportError:  # not listening yet
                time.sleep(0.05)
        log_when_acknowledged = server.tail(10**6)  # the line is written once the build is done
        acknowledged = time.monotonic()
        while INDEX_BUILT not in server.tail(10**6) and time.monotonic() - started < 300 and server.alive():
            time.sleep(0.1)
        built = time.monotonic()
    finally:
        server.stop()
    assert answer is not None, f"no answer; the server said:\n{server.tail()}"
    assert answer.status_code == 200, answer.text
    assert tracking_of(answer.text)
    assert INDEX_BUILT in server.tail(10**6), f"the index was never built; the server said:\n{server.tail()}"
    print(f"acknowledged {acknowledged - started:.2f} s after the start; index of {REGISTRATIONS:,} built "
          f"by {built - started:.2f} s after it")
    assert INDEX_BUILT not in log_when_acknowledged, "her SMS waited for the registry's index"


def test_a_registry_search_while_the_index_is_first_built_answers_503_with_retry_after(container, tmp_path):
    registry = RegistryService(container.engine, container.clock, "a-secret-key", str(tmp_path), container.stations)
    officer = Principal(1, "registry", Role.REGISTRY_OFFICER, ScopeKind.STATE, "MH")
    with registry.index._lock:  # the server's first build is under way (it waits for this lock)
        registry.build_in_background()
        with pytest.raises(Unavailable) as refused:
            registry.search(officer, "investigation", "Ramesh Patil")
    assert (refused.value.status, refused.value.code) == (503, "registry_index_building")
    assert refused.value.retry_after > 0
    registry.refresh()  # waits for the build
    assert registry.search(officer, "investigation", "Ramesh Patil") == []
