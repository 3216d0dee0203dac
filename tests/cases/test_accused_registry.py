"""A known accused and the offender registry (issue 12, point 1): looked for and linked only through the registry's
own service, with a purpose, each step in its audit trail with the FIR's number; an unknown accused is not looked
for; the link is on the case and its timeline."""

from __future__ import annotations

from tests.cases.conftest import fir_body
from tests.registry.registry_data import RAMESH, SUNIL, csv_bytes, operator

ACCUSED = [{"known": True, "name": "Ramesh Yadav", "age": 41, "sex": "male", "description": "neighbour"},
           {"known": False}]
WHY = {"purpose": "investigation"}


def audit(container, action: str) -> list[dict]:
    return [e for e in container.registry.audit.entries(limit=100) if e["action"] == action]


def test_a_known_accused_is_linked_through_the_registry_with_a_purpose_audited(http, bearer, container, station_id):
    container.registry.import_csv(csv_bytes(RAMESH, SUNIL), operator())
    made = http.post("/api/v1/firs", json=fir_body(station_id, accused=ACCUSED), headers=bearer("officer")).json()
    number = made["fir_number"]
    url = f"/api/v1/firs/{number}/accused"
    found = http.post(f"{url}/0/registry-matches", json=WHY, headers=bearer("officer"))
    assert found.status_code == 200, found.text
    best = found.json()["candidates"][0]
    assert best["registrations"][0]["record_id"] == "MH-0001" and best["reasons"]
    looked = audit(container, "case_linkage")
    assert len(looked) == 1 and looked[0]["detail"]["fir_number"] == number and looked[0]["actor"] == "officer"
    assert looked[0]["purpose"] == "investigation" and looked[0]["detail"]["accused"] == 0

    for path, body, status, code in (
            ("0/registry-matches", {"purpose": ""}, 422, "purpose_required"),
            ("1/registry-matches", WHY, 422, "accused_unknown"),
            ("7/registry-matches", WHY, 404, "accused_not_found"),
            ("0/registry-link", WHY | {"person_id": 999999}, 404, "registry_person_not_found")):
        r = http.post(f"{url}/{path}", json=body, headers=bearer("officer"))
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), path
    assert audit(container, "case_linkage")[0]["detail"]["refused"] == "purpose_required"
    assert audit(container, "case_link")[0]["detail"]["refused"] == "registry_person_not_found"
    assert http.post(f"{url}/0/registry-matches", json=WHY, headers=bearer("dispatcher")).json()["error"]["code"] \
        == "forbidden_role"

    linked = http.post(f"{url}/0/registry-link", json=WHY | {"person_id": best["person_id"]},
                       headers=bearer("officer"))
    assert linked.status_code == 200, linked.text
    case = linked.json()
    assert case["accused"][0]["registry_person_id"] == best["person_id"]
    assert case["accused"][0]["registry_linked_by"] == "officer" and case["accused"][1]["registry_person_id"] is None
    assert case["timeline"][-1]["kind"] == "accused_linked"
    assert case["timeline"][-1]["detail"]["person_id"] == best["person_id"]
    granted = [e for e in audit(container, "case_link") if "refused" not in e["detail"]]
    assert len(granted) == 1 and granted[0]["detail"] == {"person_id": best["person_id"], "fir_number": number,
                                                          "accused": 0}
    again = http.post(f"{url}/0/registry-link", json=WHY | {"person_id": best["person_id"]}, headers=bearer("officer"))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_linked")
    assert container.registry.audit.verify()[1] is None  # the trail's chain holds
