"""Incidents between control rooms (issue 9): an incident exported as a NENA EIDO is valid against NENA's own schema,
and imported into another control room (its own database, app and server) it is the same incident; importing it
again yields the same one; NENA's own sample imports; her details go only to a partner allowed them, and only from
an account that may see them; every export is audited; bad documents are refused with nothing written."""

from __future__ import annotations

import copy
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from suraksha.entrypoints.cli import app as cli
from suraksha.incidents import eido
from suraksha.incidents.interop_store import eido_imports
from suraksha.incidents.store import incidents
from tests.conftest import rows_in
from tests.incidents.eido_support import RECEIVING_AGENCY, nena_sample, receiving_room, schema_errors

HER = "+919820012345"
HER_WORDS = "Help, a man is following me near the station"
SENDER = "mumbai.police.suraksha"  # the suite's room has no SURAKSHA_AGENCY_ID: made of its city
LAT, LON = 18.9220, 72.8347  # Colaba


@pytest.fixture(scope="module")
def room(_session, test_settings, tmp_path_factory):
    with receiving_room(test_settings, _session[0].clock, tmp_path_factory.mktemp("receiving-room")) as r:
        yield r


def partner(http, auth, agency: str, victim_details: bool, name: str = "Thane Police Control Room") -> None:
    r = http.put(f"/api/v1/partner-agencies/{agency}", headers=auth("admin"),
                 json={"name": name, "may_receive_victim_details": victim_details})
    assert r.status_code == 200, r.text
    assert r.json()["may_receive_victim_details"] is victim_details


def export(http, auth, tracking: str, user: str = "dispatcher", to: str | None = RECEIVING_AGENCY) -> dict:
    r = http.get(f"/api/v1/incidents/{tracking}/eido", headers=auth(user), params={"to": to} if to else {})
    assert r.status_code == 200, r.text
    return r.json()


def reported(make_incident, http, auth) -> str:
    tracking = make_incident(HER_WORDS, lat=LAT, lon=LON, sender=HER)
    r = http.post(f"/api/v1/incidents/{tracking}/notes", headers=auth("dispatcher"),
                  json={"text": "Caller says <the man> wears a red shirt & cap"})
    assert r.status_code == 201, r.text
    return tracking


def test_an_exported_incident_is_valid_eido_and_becomes_the_same_incident_in_another_room_once(
        make_incident, http, auth, container, room):
    tracking = reported(make_incident, http, auth)
    partner(http, auth, RECEIVING_AGENCY, victim_details=True)
    sent = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher")).json()
    doc = export(http, auth, tracking)
    assert schema_errors(doc) == []
    assert doc["$id"] == f"urn:emergency:uid:incidentid:{tracking}:{SENDER}"
    assert {a["$id"] for a in doc["agencyComponent"]} == {SENDER, RECEIVING_AGENCY}
    assert doc["callbackComponent"][0]["callBackInformationUri"] == [f"tel:{HER}"]

    r = room.post("/api/v1/eido", "thane_dispatcher", json=doc)
    assert r.status_code == 201, r.text
    theirs = r.json()["tracking"]
    assert theirs != tracking and r.json()["duplicate"] is False
    got = room.get(f"/api/v1/incidents/{theirs}", "thane_dispatcher", params={"timeline": True}).json()
    for same in ("category", "priority", "location", "location_known", "station_name", "city", "state"):
        assert got[same] == sent[same], same
    assert got["channel"] == "eido" and got["status"] == "new"
    assert got["contacts"] == [{"channel": "sms", "phone": HER}]
    notes = [e["detail"]["text"] for e in got["timeline"] if e["kind"] == "note"]
    assert "Caller says <the man> wears a red shirt & cap" in notes
    assert f"Her message (sms): {HER_WORDS} geo:{LAT},{LON}" in notes
    imported = next(e for e in got["timeline"] if e["kind"] == "imported")
    assert imported["actor"] == "thane_dispatcher"
    assert imported["detail"]["from_agency"] == SENDER
    assert imported["detail"]["sender_tracking"] == tracking
    assert imported["detail"]["eido_id"] == doc["$id"]
    assert imported["detail"]["call_ids"] == [f"urn:emergency:uid:callid:{tracking}:{SENDER}"]

    again = room.post("/api/v1/eido", "thane_dispatcher", json=doc)
    assert again.status_code == 200, again.text
    assert again.json() == {"tracking": theirs, "status": "new", "eido_id": doc["$id"], "duplicate": True}
    with room.c.engine.connect() as conn:
        assert conn.execute(select(incidents.c.tracking).where(incidents.c.channel == "eido")).scalars().all() \
            == [theirs]
        assert conn.execute(select(eido_imports.c.sender_agency, eido_imports.c.sender_tracking)).all() \
            == [(SENDER, tracking)]

    # sent on by the receiving room, it is valid EIDO again, and names the room it came from on its timeline
    onward = room.get(f"/api/v1/incidents/{theirs}/eido", "thane_dispatcher").json()
    assert schema_errors(onward) == []
    assert onward["incidentComponent"]["internalIncidentId"] == theirs
    assert "callbackComponent" not in onward  # no partner named: no identity


def test_her_details_travel_only_to_an_allowed_partner_from_an_account_that_may_see_them(
        make_incident, http, auth, container, room):
    tracking = reported(make_incident, http, auth)
    partner(http, auth, "pune.police.mh.in", victim_details=False, name="Pune City Control Room")
    partner(http, auth, RECEIVING_AGENCY, victim_details=True)
    without = {
        "a partner not allowed them": export(http, auth, tracking, to="pune.police.mh.in"),
        "an agency that is no partner": export(http, auth, tracking, to="unknown.agency.example"),
        "no agency named": export(http, auth, tracking, to=None),
        "an account without need to know": export(http, auth, tracking, user="responder"),
    }
    for why, doc in without.items():
        assert schema_errors(doc) == [], why
        text = json.dumps(doc)
        for secret in (HER[3:], "following me", "red shirt"):
            assert secret not in text, (why, secret)
        assert "callbackComponent" not in doc, why
        person = doc["personComponent"][0]
        assert set(person) == {"$id", "lastUpdateTimeStamp", "updatedByAgencyReference",
                               "personIncidentRoleRegistryText", "callIdentifier"}, why
        assert [n["notesActionComments"] for n in doc["notesComponent"]] == [
            "1 note(s) not sent: notes may name her, and her details go only to partner agencies allowed them."], why
    allowed = export(http, auth, tracking)
    assert HER in json.dumps(allowed) and "red shirt" in json.dumps(allowed)

    # every export audited: on the timeline, in the exports' audit, with whom, where to and whether her details went
    audit = http.get(f"/api/v1/incidents/{tracking}/eido/exports", headers=auth("admin"))
    assert audit.status_code == 200, audit.text
    assert [(e["username"], e["to_agency"], e["victim_details"]) for e in audit.json()["exports"]][::-1] == [
        ("dispatcher", "pune.police.mh.in", False), ("dispatcher", "unknown.agency.example", False),
        ("dispatcher", None, False), ("responder", RECEIVING_AGENCY, False), ("dispatcher", RECEIVING_AGENCY, True)]
    timeline = http.get(f"/api/v1/incidents/{tracking}/timeline", headers=auth("officer")).json()["timeline"]
    logged = [(e["actor"], e["detail"]["to_agency"], e["detail"]["victim_details"]) for e in timeline
              if e["kind"] == "eido_exported"]
    assert logged == [("dispatcher", "pune.police.mh.in", False), ("dispatcher", "unknown.agency.example", False),
                      ("dispatcher", None, False), ("responder", RECEIVING_AGENCY, False),
                      ("dispatcher", RECEIVING_AGENCY, True)]
    assert rows_in(container, "eido_exports") == 5


def test_nenas_own_sample_imports_once_at_the_city_control_room(http, auth, container):
    sample = nena_sample()
    assert schema_errors(sample) == []  # the yardstick itself
    r = http.post("/api/v1/eido", headers=auth("dispatcher"), json=sample)
    assert r.status_code == 201, r.text
    tracking = r.json()["tracking"]
    got = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher"), params={"timeline": True}).json()
    assert (got["city"], got["station_id"], got["location_known"]) == ("mumbai", None, False)
    assert (got["priority"], got["category"], got["channel"]) == (1, "help_request", "eido")
    assert got["contacts"] == []  # tel:8195551212 has no country code: it could be any country's number
    imported = next(e for e in got["timeline"] if e["kind"] == "imported")["detail"]
    assert imported["from_agency"] == "state.pa.us"
    assert imported["call_ids"] == ["urn:emergency:uid:callid:a56e556d871:bcf.state.pa.us"]
    assert imported["started_at"] == "2021-04-30T18:40:00+00:00"
    assert "A3 Wilmington" in imported["place"] and "HNO 42" in imported["place"]
    again = http.post("/api/v1/eido", headers=auth("integration"), json=sample)
    assert again.status_code == 200 and again.json()["tracking"] == tracking
    assert rows_in(container, "incidents") == 1

    # control characters (a NUL no database stores in text) are dropped, not refused
    noted = _broken(lambda d: d.update({"$id": "urn:emergency:uid:incidentid:nul:state.pa.us", "notesComponent": [{
        "$id": "n1", "lastUpdateTimeStamp": "2021-04-30T14:43:49-04:00", "updatedByAgencyReference": {"$ref": 7},
        "notesActionComments": "<p>She is\x00 safe &amp; at home</p>"}]}))
    r = http.post("/api/v1/eido", headers=auth("dispatcher"), json=noted)
    assert r.status_code == 201, r.text
    timeline = http.get(f"/api/v1/incidents/{r.json()['tracking']}/timeline", headers=auth("dispatcher")).json()
    assert [(e["actor"], e["detail"]["text"]) for e in timeline["timeline"] if e["kind"] == "note"] == [
        ("state.pa.us", "She is safe & at home")]
    assert rows_in(container, "incidents") == 2

    # the same id for another agency's incident is a clash, refused and not written
    clash = copy.deepcopy(sample)
    clash["updatedByAgencyReference"] = {"$ref": "nj.example.gov"}
    clash["agencyComponent"].append({**clash["agencyComponent"][0], "$id": "nj.example.gov"})
    r = http.post("/api/v1/eido", headers=auth("dispatcher"), json=clash)
    assert r.status_code == 409 and r.json()["error"]["code"] == "eido_id_conflict"
    assert rows_in(container, "incidents") == 2


def test_the_same_document_at_the_same_moment_is_still_one_incident(http, auth, container):
    doc, headers = nena_sample(), auth("dispatcher")
    gate = threading.Barrier(4, timeout=30)

    def send(_: int) -> tuple[int, str]:
        gate.wait()
        r = httpx.post(str(http.base_url) + "/api/v1/eido", headers=headers, json=doc, timeout=30)
        return r.status_code, r.json()["tracking"]

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(send, range(4)))
    assert sorted(status for status, _ in answers) == [200, 200, 200, 201]
    assert len({tracking for _, tracking in answers}) == 1
    assert rows_in(container, "incidents") == 1 and rows_in(container, "eido_imports") == 1


def test_nothing_in_the_product_holds_or_reads_nenas_files():
    src = Path(__file__).resolve().parents[2] / "src" / "suraksha"
    for path in src.rglob("*"):
        if path.is_file() and "vendor" not in path.parts and path.suffix in (".py", ".yaml", ".json", ".html", ".js"):
            text = path.read_text(errors="replace")
            for mark in ("nena-sample", "NIEMComponents", "EIDO-JSON", "data/eido"):
                assert mark not in text, (path, mark)


def _broken(change) -> dict:
    doc = nena_sample()
    change(doc)
    return doc


BAD = [
    ("a list", lambda: [nena_sample()], 422, "invalid_request"),
    ("another version", lambda: _broken(lambda d: d.update(eidoVersion="2.0")), 422, "unsupported_eido_version"),
    ("no id", lambda: _broken(lambda d: d.pop("$id")), 422, "invalid_eido"),
    ("no agencies", lambda: _broken(lambda d: d.update(agencyComponent=[])), 422, "invalid_eido"),
    ("a sender not among them", lambda: _broken(lambda d: d.update(updatedByAgencyReference={"$ref": "x.y"})),
     422, "invalid_eido"),
    ("an entity in its location", lambda: _broken(lambda d: d["locationComponent"][0].update(
        locationByValue='<!DOCTYPE x [<!ENTITY a "aaaa">]><presence>&a;</presence>')), 422, "invalid_eido"),
    ("a location not XML", lambda: _broken(lambda d: d["locationComponent"][0].update(locationByValue="<p")),
     422, "invalid_eido"),
    ("a priority of 11", lambda: _broken(lambda d: d.update(incidentComponent={
        "incidentTypeCommonRegistryText": "Law Enforcement", "incidentCommonPriorityNumber": 11})),
     422, "invalid_eido"),
    ("an incident without a type", lambda: _broken(lambda d: d.update(incidentComponent={
        "internalIncidentId": "A-1"})), 422, "invalid_eido"),
    ("a time out of range", lambda: _broken(lambda d: d["callComponent"][0].update(
        callStartTimestamp="0001-01-01T00:00:00+01:00")), 422, "invalid_eido"),
    ("an empty note", lambda: _broken(lambda d: d.update(notesComponent=[{
        "$id": "n1", "lastUpdateTimeStamp": "2021-04-30T14:43:49-04:00", "updatedByAgencyReference": {"$ref": 7},
        "notesActionComments": ""}])), 422, "invalid_eido"),
    ("a time without its zone", lambda: _broken(lambda d: d["callComponent"][0].update(
        callStartTimestamp="2021-04-30T14:40:00")), 422, "invalid_eido"),
]


@pytest.mark.parametrize("what,make,status,code", BAD, ids=[b[0] for b in BAD])
def test_a_bad_document_is_refused_with_its_code_and_nothing_written(http, auth, container, what, make, status,
                                                                     code):
    r = http.post("/api/v1/eido", headers=auth("dispatcher"), json=make())
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert rows_in(container, "incidents") == 0 and rows_in(container, "eido_imports") == 0


def test_who_may_import_export_and_keep_partners(make_incident, http, auth, container, room):
    tracking = make_incident(HER_WORDS, lat=LAT, lon=LON, sender=HER)
    doc = export(http, auth, tracking)
    for user in ("responder", "officer", "registry", "volunteer"):
        r = http.post("/api/v1/eido", headers=auth(user), json=nena_sample())
        assert r.status_code == 403, (user, r.text)
    assert http.post("/api/v1/eido", json=nena_sample()).status_code == 401
    # a dispatcher of another city cannot create an incident in Mumbai, nor read one there
    r = room.post("/api/v1/eido", "thane_outsider", json=doc)
    assert r.status_code == 403 and r.json()["error"]["code"] == "out_of_scope"
    with room.c.engine.connect() as conn:
        assert conn.execute(select(eido_imports).where(eido_imports.c.eido_id == doc["$id"])).first() is None
    r = http.get(f"/api/v1/incidents/{tracking}/eido", headers=auth("outsider"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "incident_not_found"
    assert rows_in(container, "eido_exports") == 1  # the refused read is not an export
    # another system's gateway account may bring one in
    r = room.post("/api/v1/eido", "thane_gateway", json=doc)
    assert r.status_code == 201, r.text
    # partners: administrators only, with a checked id
    for user in ("dispatcher", "officer", "responder"):
        assert http.put("/api/v1/partner-agencies/x.y", headers=auth(user),
                        json={"name": "X"}).status_code == 403
    r = http.put("/api/v1/partner-agencies/bad id!", headers=auth("admin"), json={"name": "X"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_agency_id"
    r = http.get(f"/api/v1/incidents/{tracking}/eido", headers=auth("dispatcher"), params={"to": "bad id!"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_agency_id"
    partner(http, auth, "pune.police.mh.in", victim_details=True)
    listed = http.get("/api/v1/partner-agencies", headers=auth("admin")).json()
    assert listed["agency_id"] == SENDER
    assert [(p["agency_id"], p["may_receive_victim_details"]) for p in listed["partners"]] == [
        ("pune.police.mh.in", True)]
    assert http.delete("/api/v1/partner-agencies/pune.police.mh.in", headers=auth("admin")).status_code == 200
    r = http.delete("/api/v1/partner-agencies/pune.police.mh.in", headers=auth("admin"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "agency_not_found"


def test_partner_agencies_from_the_command_line(container, test_settings):
    env = {"SURAKSHA_DATABASE_URL": test_settings.database_url,
           "SURAKSHA_SECRET_KEY": test_settings.secret_key.get_secret_value(), "SURAKSHA_AGENCY_ID": "mumbai.mh.in"}
    done = CliRunner().invoke(cli, ["agencies", "add", RECEIVING_AGENCY, "--name", "Thane", "--victim-details"],
                              env=env)
    assert done.exit_code == 0, done.output
    listed = CliRunner().invoke(cli, ["agencies", "list"], env=env)
    assert "this control room: mumbai.mh.in" in listed.output
    assert f"{RECEIVING_AGENCY}  Thane  (victim details allowed)" in listed.output
    assert container.interop.partners()[0]["updated_by"]
    assert CliRunner().invoke(cli, ["agencies", "remove", RECEIVING_AGENCY], env=env).exit_code == 0
    assert container.interop.partners() == []


# ------------------------------------------------------------------------------------------ the mapping, plainly

AT = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)


def outgoing(**kw) -> eido.Outgoing:
    values: dict = {"agency_id": "mumbai.police.suraksha", "tracking": "ABCD-EFGH", "category": "sexual_assault",
                    "priority": 1, "status": "dispatched", "channel": "whatsapp", "received_at": AT, "updated_at": AT,
                    "station_name": "Colaba", "city": "mumbai", "lon": LON, "lat": LAT, "accuracy_m": 25.0}
    return eido.Outgoing(**(values | kw))


def test_the_mapping_round_trips_and_stays_valid_without_a_location():
    doc = eido.build(outgoing(notes=(eido.Note(AT, "a <b>note</b>", "dispatcher"),), phones=(HER,), name="Asha",
                              victim_details=True, to_agency=RECEIVING_AGENCY))
    assert schema_errors(doc) == []
    back = eido.read(doc, ("sexual_assault", "help_request"))
    assert (back.category, back.priority, back.sender_tracking, back.agency_id) == (
        "sexual_assault", 1, "ABCD-EFGH", "mumbai.police.suraksha")
    assert (round(back.lon, 6), round(back.lat, 6), back.accuracy_m) == (LON, LAT, 25.0)  # type: ignore[arg-type]
    assert [n.text for n in back.notes] == ["a <b>note</b>"] and back.phones == (HER,) and back.names == ("Asha",)
    bare = eido.build(outgoing(lon=None, lat=None, accuracy_m=None, station_name=None, status="closed"))
    assert schema_errors(bare) == []
    assert "locationComponent" not in bare and "locationReference" not in bare["incidentComponent"]
    assert bare["incidentComponent"]["incidentStatusCommonRegistryText"] == ["Closed"]
    other = eido.read(_broken(lambda d: d.update(incidentComponent={
        "incidentTypeCommonRegistryText": "Law Enforcement.Domestic Violence", "incidentCommonPriorityNumber": 0})),
        ("domestic_violence", "help_request"))
    assert (other.category, other.priority) == ("domestic_violence", 1)
    unknown = eido.read(_broken(lambda d: d.update(incidentComponent={
        "incidentTypeCommonRegistryText": "Fire.Structure", "incidentCommonPriorityNumber": 7})), ("help_request",))
    assert (unknown.category, unknown.priority, unknown.type_text) == ("help_request", 5, "Fire.Structure")


def test_her_name_and_number_from_a_call_travel_only_with_her_details(http, auth, container):
    partner(http, auth, RECEIVING_AGENCY, victim_details=True)
    colaba = next(s for s in container.stations.all("mumbai") if s.name == "Colaba Police Station")
    r = http.post("/api/v1/calls", headers=auth("dispatcher"), json={
        "call_id": "eido-call-0001", "caller_number": "+919820070707", "caller_relation": "neighbour",
        "what_happened": "The woman next door is being beaten", "category": "domestic_violence", "priority": 1,
        "victim": {"name": "Lata More", "phone": "+919820080808", "age": 31},
        "location": {"source": "gps", "lat": colaba.anchor.lat, "lon": colaba.anchor.lon, "accuracy_m": 25}})
    assert r.status_code == 200, r.text
    tracking = r.json()["tracking"]
    allowed = export(http, auth, tracking)
    assert schema_errors(allowed) == []
    names = [n["value"] for p in allowed["personComponent"] for n in p["ncPersonComponent"]["name"][0]["personFullName"]]
    assert names == ["Lata More"]
    uris = allowed["callbackComponent"][0]["callBackInformationUri"]
    assert uris == ["tel:+919820070707", "tel:+919820080808"]  # who called, then her own number
    withheld = export(http, auth, tracking, to=None)
    assert "Lata" not in json.dumps(withheld) and "80808" not in json.dumps(withheld)
