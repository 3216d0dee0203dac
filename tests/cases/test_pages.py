"""The IO's pages without script: register an FIR (what was typed kept when something is wrong, the error in the
page's language), the case's page and its steps, the list and its filters; English, Hindi and Marathi."""

from __future__ import annotations

from datetime import timedelta

from tests.cases.conftest import NAME, count
from tests.conftest import START, csrf_of, web_sign_in


def form(station_id: int, **over) -> dict:
    body = {"station_id": str(station_id), "kind": "walk_in", "incident_tracking": "", "sections": ["BNS 64"],
            "occurred_at": "2026-11-21T21:30", "place": "Lane behind the Colaba bus depot",
            "jurisdiction_station_id": "", "summary": "She reports that the accused assaulted her in the lane.",
            "victim_name": NAME, "victim_phone": "9820054321", "victim_address": "Shivaji Nagar",
            "victim_age": "24", "victim_language": "mr", "accused0_state": "known", "accused0_name": "Ramesh Kale",
            "accused0_age": "31", "accused0_description": "neighbour", "accused1_state": "unknown",
            "woman_officer": "PSI Anjali Jadhav", "io_username": ""}
    return body | over


def test_an_fir_is_registered_from_the_form_and_a_mistake_keeps_what_was_typed(server_url, container, station_id):
    client, _ = web_sign_in(server_url, container, "officer")
    page = client.get("/cases/new")
    assert page.status_code == 200 and 'name="sections" value="POCSO 4"' in page.text
    wrong = client.post("/cases/new", data=form(station_id, woman_officer="", csrf=csrf_of(page.text)))
    assert wrong.status_code == 422
    assert "A sexual offence is recorded by a woman officer" in wrong.text
    for typed in (NAME, "Lane behind the Colaba bus depot", "Ramesh Kale", "2026-11-21T21:30",
                  'value="BNS 64" checked'):
        assert typed in wrong.text, typed
    assert count(container, "cases") == 0
    hindi = client.post("/hi/cases/new", data=form(station_id, sections=["POCSO 4"], victim_age="19",
                                                   csrf=csrf_of(page.text)))
    assert hindi.status_code == 422 and 'lang="hi"' in hindi.text
    assert "POCSO protects children" not in hindi.text and "18" in hindi.text
    done = client.post("/en/cases/new", data=form(station_id, csrf=csrf_of(page.text)), follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"].endswith(f"/cases/MUM-{station_id}-2026-0001?done=registered")
    shown = client.get("/en/cases/" + done.headers["location"].split("/cases/", 1)[1])
    assert "The FIR is registered." in shown.text and f"Survivor MUM-{station_id}-2026-0001-A" in shown.text
    assert NAME not in shown.text and 'data-state="ok"' in shown.text and "60 days left" in shown.text


def test_the_steps_of_a_case_from_its_page(server_url, container, station_id, register, officers):
    number = register()["fir_number"]
    client, _ = web_sign_in(server_url, container, "officer")
    page = client.get(f"/cases/{number}")
    csrf = csrf_of(page.text)
    assert page.status_code == 200 and 'data-testid="io-form"' in page.text
    r = client.post(f"/cases/{number}/io", data={"csrf": csrf, "username": "io_a"}, follow_redirects=True)
    assert "The investigating officer is recorded." in r.text and 'data-testid="io">io_a' in r.text
    wrong = client.post(f"/cases/{number}/io", data={"csrf": csrf, "username": "io_b", "reason": ""})
    assert wrong.status_code == 422 and "give the reason for giving the case to another officer" in wrong.text
    assert "<details open>" in wrong.text
    r = client.post(f"/cases/{number}/delays", data={"csrf": csrf, "category": "witness_unavailable",
                                                     "reason": "the shopkeeper is away"}, follow_redirects=True)
    assert "The reason for the delay is recorded." in r.text and "the shopkeeper is away" in r.text
    bad = client.post(f"/cases/{number}/charge-sheet", data={"csrf": csrf, "reference": "CS 1", "filed_on": "22-11"})
    assert bad.status_code == 422 and 'value="22-11"' in bad.text
    r = client.post(f"/cases/{number}/charge-sheet", data={"csrf": csrf, "reference": "CS 7/2026", "filed_on": ""},
                    follow_redirects=True)
    assert "the clock has stopped" in r.text and 'data-state="stopped"' in r.text and "CS 7/2026" in r.text
    assert 'data-testid="actions"' not in r.text  # nothing more to do on a charge-sheeted case
    listed = client.get("/cases?show=stopped")
    assert number in listed.text and "charge-sheeted" in listed.text
    assert number not in client.get("/cases").text
    admin, _ = web_sign_in(server_url, container, "admin")
    assert admin.get(f"/cases/{number}").status_code == 200
    assert admin.get("/cases/new", headers={"Accept": "text/html"}).status_code == 403  # administrators read


def test_the_list_shows_overdue_first_with_its_colours_and_alerts_in_every_language(server_url, container, register,
                                                                                    officers):
    old = register(io_username="officer")["fir_number"]
    container.clock.advance(days=50)
    new = register(io_username="officer")["fir_number"]
    container.clock._now = START + timedelta(days=61)
    assert container.cases.fire_due() == 4  # the old one's four points; the new one's first falls on day 80
    client, _ = web_sign_in(server_url, container, "officer")
    page = client.get("/cases")
    assert page.text.index(old) < page.text.index(new)
    assert f'data-fir="{old}" data-state="late"' in page.text and f'data-fir="{new}" data-state="ok"' in page.text
    assert 'data-testid="alerts"' in page.text and "1 day over the deadline" in page.text
    assert 'data-point="breach"' in page.text
    assert 'href="/cases"' in client.get("/console").text  # in the navigation
    for lang in ("hi", "mr"):
        translated = client.get(f"/{lang}/cases")
        assert translated.status_code == 200 and f'lang="{lang}"' in translated.text
        assert "Alerts of the investigation clock for you" not in translated.text
    due = client.get("/en/cases?show=due").text
    assert old in due and new not in due
