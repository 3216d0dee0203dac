"""Registry reads are lawful reads (issue 7): every read states a purpose and is audited, refusals are audited
too, and a state's officer views and decides only its own state's registrations (national accounts: all)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from suraksha.registry import store
from tests.registry.registry_data import RAMESH, SUNIL, csv_bytes, operator

API = "/api/v1/registry"
WHY = {"purpose": "investigation"}
KA_TWIN = RAMESH | {"record_id": "KA-77", "state": "KA", "district": "Mysore", "full_name": "Ramesh K. Yadav"}
TN_ONE = SUNIL | {"record_id": "TN-1", "state": "TN", "district": "Chennai", "address": "Anna Nagar, Chennai"}
TN_TWO = TN_ONE | {"record_id": "TN-2", "full_name": "Sunil G. Patil"}
MH_TWIN = SUNIL | {"record_id": "MH-0003", "full_name": "Sunil G Patil"}


def load(container, *rows) -> dict[str, int]:
    """Import the rows; record_id -> registration id."""
    container.registry.import_csv(csv_bytes(*rows), operator())
    reg = store.registrations
    with container.engine.connect() as conn:
        return {r.record_id: r.id for r in conn.execute(select(reg.c.record_id, reg.c.id))}


def propose(container, *pairs: tuple[int, int]) -> list[int]:
    """Proposed merges of these registration pairs (as dedupe stores them); their ids."""
    with container.engine.begin() as conn:
        return [conn.execute(insert(store.merges).values(
            left_registration_id=min(a, b), right_registration_id=max(a, b), score=0.9, status="proposed",
            proposed_at=container.clock.now()).returning(store.merges.c.id)).scalar_one() for a, b in pairs]


def audit_page(http, auth, **params) -> dict:
    r = http.get(f"{API}/audit", headers=auth("supervisor"), params={"limit": 500} | params)
    assert r.status_code == 200, r.text
    return r.json()


def last(http, auth, action: str) -> dict:
    """The newest audit entry of this action."""
    entries = audit_page(http, auth, action=action, limit=1)["entries"]
    assert entries, f"no audit entry for {action}"
    return entries[0]


def assert_chain_intact(http, auth) -> None:
    chain = audit_page(http, auth)["chain"]
    assert chain["intact"] and chain["first_bad_seq"] is None, chain


def reads(station_id: int, registration_id: int):
    """(audit action, method, path, params or body, kind of answer) of every route that returns registry data."""
    return [
        ("search", "GET", f"{API}/search", {"name": "Ramesh Yadav"}, "api"),
        ("linkage", "POST", f"{API}/linkage", {"name": "Ramesh Yadav", "state": "MH"}, "api"),
        ("view", "GET", f"{API}/registrations/{registration_id}", {}, "api"),
        ("merges", "GET", f"{API}/merges", {}, "api"),
        ("alerts", "GET", f"{API}/alerts", {}, "api"),
        ("station_list", "GET", f"/api/v1/stations/{station_id}/registered-offenders", {}, "api"),
        ("station_list", "GET", f"/registry/station/{station_id}", {}, "page"),
        ("search", "GET", "/registry/results", {"name": "Ramesh Yadav"}, "partial"),
    ]


def call(http, headers, method, path, args, purpose: dict):
    if method == "POST":
        return http.post(path, headers=headers, json=args | purpose)
    return http.get(path, headers=headers, params=args | purpose)


@pytest.mark.parametrize("purpose", [{}, {"purpose": "curiosity"}, {"purpose": "other", "purpose_text": " "}],
                         ids=["none", "unknown", "other-without-words"])
def test_every_registry_read_refuses_without_a_purpose_and_audits_the_refusal(container, http, auth, station_id,
                                                                              purpose):
    ids = load(container, RAMESH)
    for action, method, path, args, kind in reads(station_id, ids["MH-0001"]):
        before = audit_page(http, auth)["chain"]["entries"]
        r = call(http, auth("registry"), method, path, args, purpose)
        if kind == "api":
            assert (r.status_code, r.json()["error"]["code"]) == (422, "purpose_required"), (path, r.text)
        elif kind == "page":
            assert r.status_code == 422 and 'data-code="purpose_required"' in r.text, path
            assert 'data-testid="offenders"' not in r.text and 'name="purpose"' in r.text
        else:  # the htmx partial answers 200 (htmx swaps no 4xx) with the refusal in place of results
            assert r.status_code == 200 and 'data-testid="registry-error"' in r.text, path
        assert "Ramesh Kumar" not in r.text, path
        entry = last(http, auth, action)
        assert entry["seq"] == before + 1, (path, "no audit entry for the refusal")
        assert (entry["actor"], entry["detail"]["refused"], entry["purpose"]) == ("registry", "purpose_required", "")
    assert_chain_intact(http, auth)


def test_every_registry_read_with_a_purpose_answers_and_is_audited(container, http, auth, station_id):
    ids = load(container, RAMESH)
    for action, method, path, args, kind in reads(station_id, ids["MH-0001"]):
        r = call(http, auth("registry"), method, path, args, {"purpose": "other", "purpose_text": "a tip-off today"})
        assert r.status_code == 200, (path, r.text)
        if kind == "partial":
            assert "Ramesh Kumar Yadav" in r.text
        entry = last(http, auth, action)
        assert (entry["actor"], entry["purpose"], entry["purpose_text"]) == ("registry", "other", "a tip-off today")
        assert "refused" not in entry["detail"], path
    assert_chain_intact(http, auth)


def test_a_wrong_role_reaching_the_registry_is_refused_and_audited(container, http, auth, station_id):
    ids = load(container, RAMESH)
    for action, method, path, args, kind in reads(station_id, ids["MH-0001"]):
        if kind != "api" or "stations" in path:
            continue
        r = call(http, auth("dispatcher"), method, path, args, WHY)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden_role"), path
        entry = last(http, auth, action)
        assert (entry["actor"], entry["role"], entry["detail"]["refused"]) == \
            ("dispatcher", "dispatcher", "forbidden_role")
    assert_chain_intact(http, auth)


def test_a_state_officer_sees_and_decides_only_merges_within_its_state(container, http, auth):
    ids = load(container, RAMESH, KA_TWIN, SUNIL, MH_TWIN, TN_ONE, TN_TWO)
    mh_ka, mh_mh, tn_tn = propose(container, (ids["MH-0001"], ids["KA-77"]), (ids["MH-0002"], ids["MH-0003"]),
                                  (ids["TN-1"], ids["TN-2"]))

    def listed(user):
        r = http.get(f"{API}/merges", headers=auth(user), params=WHY)
        assert r.status_code == 200, r.text
        return [m["id"] for m in r.json()["merges"]]

    assert listed("registry") == [mh_mh]
    assert listed("registry_ka") == []  # MH-KA touches Maharashtra: not the KA officer's to see either
    assert listed("supervisor") == [mh_ka, mh_mh, tn_tn]
    entry = last(http, auth, "merges")
    assert entry["actor"] == "supervisor" and entry["detail"]["merges"] == [mh_ka, mh_mh, tn_tn]

    for merge_id in (tn_tn, mh_ka):
        for verb, action in (("confirm", "merge_confirm"), ("reject", "merge_reject"), ("unmerge", "unmerge")):
            r = http.post(f"{API}/merges/{merge_id}/{verb}", headers=auth("registry"))
            assert (r.status_code, r.json()["error"]["code"]) == (403, "out_of_scope"), (merge_id, verb)
            entry = last(http, auth, action)
            assert (entry["actor"], entry["detail"]) == ("registry", {"merge_id": merge_id, "refused": "out_of_scope"})
    with container.engine.connect() as conn:
        statuses = dict(conn.execute(select(store.merges.c.id, store.merges.c.status)).all())
    assert statuses == {mh_ka: "proposed", mh_mh: "proposed", tn_tn: "proposed"}

    assert http.post(f"{API}/merges/{mh_mh}/confirm", headers=auth("registry")).json()["status"] == "confirmed"
    assert http.post(f"{API}/merges/{tn_tn}/confirm", headers=auth("supervisor")).json()["status"] == "confirmed"
    r = http.post(f"{API}/merges/{tn_tn}/unmerge", headers=auth("registry"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "out_of_scope")
    assert http.post(f"{API}/merges/{tn_tn}/unmerge", headers=auth("supervisor")).json()["status"] == "undone"
    assert http.post(f"{API}/merges/{mh_ka}/reject", headers=auth("supervisor")).json()["status"] == "rejected"
    r = http.post(f"{API}/merges/999999/confirm", headers=auth("registry"))
    assert (r.status_code, r.json()["error"]["code"]) == (404, "merge_not_found")
    assert last(http, auth, "merge_confirm")["detail"] == {"merge_id": 999999, "refused": "merge_not_found"}
    assert_chain_intact(http, auth)


def test_a_state_officer_views_and_attaches_files_only_to_its_states_registrations(container, http, auth):
    ids = load(container, RAMESH, KA_TWIN)
    ka = f"{API}/registrations/{ids['KA-77']}"
    r = http.get(ka, headers=auth("registry"), params=WHY)  # a read outside the scope reads as not found
    assert (r.status_code, r.json()["error"]["code"]) == (404, "registration_not_found")
    assert "Ramesh" not in r.text
    entry = last(http, auth, "view")
    assert (entry["actor"], entry["purpose"], entry["detail"]) == \
        ("registry", "investigation", {"registration_id": ids["KA-77"], "refused": "out_of_scope"})
    r = http.get(f"{API}/registrations/999999", headers=auth("registry"), params=WHY)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "registration_not_found")
    assert last(http, auth, "view")["detail"]["refused"] == "registration_not_found"
    for user in ("registry_ka", "supervisor"):
        r = http.get(ka, headers=auth(user), params=WHY)
        assert r.status_code == 200 and r.json()["record_id"] == "KA-77"
    assert http.get(f"{API}/registrations/{ids['MH-0001']}", headers=auth("registry"), params=WHY).status_code == 200

    photo = {"file": ("face.png", b"\x89PNG fake", "image/png")}
    r = http.post(f"{ka}/files", headers=auth("registry"), files=photo, data={"kind": "photo"})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "out_of_scope")
    assert last(http, auth, "attach_file")["detail"] == {"registration_id": ids["KA-77"], "kind": "photo",
                                                         "refused": "out_of_scope"}
    assert http.post(f"{ka}/files", headers=auth("registry_ka"), files=photo, data={"kind": "photo"}).status_code == 200
    assert_chain_intact(http, auth)


def test_a_state_officer_reads_and_marks_only_its_own_alerts(container, http, auth):
    load(container, RAMESH)
    moved = RAMESH | {"address": "Jayanagar, Bengaluru", "address_state": "KA"}
    container.registry.import_csv(csv_bytes(moved), operator())
    every = http.get(f"{API}/alerts", headers=auth("supervisor"), params=WHY).json()["alerts"]
    ka_alert = next(a["id"] for a in every if a["state"] == "KA")
    mh = http.get(f"{API}/alerts", headers=auth("registry"), params=WHY).json()["alerts"]
    assert [a["state"] for a in mh] == ["MH"]
    assert last(http, auth, "alerts")["detail"] == {"unread": False, "alerts": [mh[0]["id"]]}
    r = http.post(f"{API}/alerts/{ka_alert}/read", headers=auth("registry"))
    assert (r.status_code, r.json()["error"]["code"]) == (404, "alert_not_found")  # as before: not in your inbox
    assert last(http, auth, "alert_read")["detail"] == {"alert_id": ka_alert, "refused": "out_of_scope"}
    assert http.post(f"{API}/alerts/{ka_alert}/read", headers=auth("supervisor")).status_code == 200
    assert last(http, auth, "alert_read")["detail"] == {"alert_id": ka_alert}
    unread = http.get(f"{API}/alerts", headers=auth("registry_ka"), params={"unread": True} | WHY).json()["alerts"]
    assert unread == []
    assert_chain_intact(http, auth)


def test_a_state_officer_sees_only_its_states_station_lists(container, http, auth, station_id):
    load(container, RAMESH)
    url = f"/api/v1/stations/{station_id}/registered-offenders"  # a Mumbai station: Maharashtra's
    r = http.get(url, headers=auth("registry_ka"), params=WHY)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "out_of_scope")
    assert last(http, auth, "station_list")["detail"]["refused"] == "out_of_scope"
    page = http.get(f"/registry/station/{station_id}", headers=auth("registry_ka"), params=WHY)
    assert page.status_code == 403
    for user in ("registry", "supervisor", "officer"):
        assert http.get(url, headers=auth(user), params=WHY).status_code == 200, user
    r = http.get(url, headers=auth("dispatcher"), params=WHY)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden_role")
    assert last(http, auth, "station_list")["detail"]["refused"] == "forbidden_role"
    assert_chain_intact(http, auth)


def test_an_upload_for_another_state_is_refused_and_audited(container, http, auth):
    files = {"file": ("registry.csv", csv_bytes(RAMESH), "text/csv")}
    r = http.post(f"{API}/imports", headers=auth("registry_ka"), files=files, data={"state": "MH"})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden_scope")
    entry = last(http, auth, "import")
    assert (entry["actor"], entry["detail"]["state"], entry["detail"]["refused"]) == \
        ("registry_ka", "MH", "forbidden_scope")
    assert_chain_intact(http, auth)
