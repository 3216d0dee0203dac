"""The tamper-evident audit trail: every search and view is recorded; a changed entry is found."""

from __future__ import annotations

from sqlalchemy import update
from typer.testing import CliRunner

from suraksha.entrypoints.registry_cli import app as registry_cli
from suraksha.registry import store
from tests.registry.registry_data import RAMESH, SUNIL, csv_bytes, operator


def search(http, auth, user="registry", **params):
    return http.get("/api/v1/registry/search", headers=auth(user),
                    params={"name": "Ramesh Yadav", "purpose": "investigation"} | params)


def test_every_search_and_view_is_recorded_with_its_purpose(container, http, auth):
    container.registry.import_csv(csv_bytes(RAMESH, SUNIL), operator())
    found = search(http, auth, purpose="other", purpose_text="verifying a tip-off").json()["results"]
    reg_id = found[0]["registration_id"]
    assert http.get(f"/api/v1/registry/registrations/{reg_id}", headers=auth("registry"),
                    params={"purpose": "staff_verification"}).status_code == 200
    entries = http.get("/api/v1/registry/audit", headers=auth("supervisor")).json()
    actions = [(e["actor"], e["action"], e["purpose"]) for e in entries["entries"]]
    assert actions[:2] == [("registry", "view", "staff_verification"), ("registry", "search", "other")]
    assert entries["entries"][1]["purpose_text"] == "verifying a tip-off"
    assert entries["chain"] == {"entries": 3, "intact": True, "first_bad_seq": None}


def test_a_tampered_entry_is_detected_by_verify_and_the_command(container, http, auth, test_settings):
    for name in ("Ramesh Yadav", "Sunil Patil", "Anil Kumar"):
        assert search(http, auth, name=name).status_code == 200
    assert container.registry.audit.verify() == (3, None)
    with container.engine.begin() as conn:
        conn.execute(update(store.audit).where(store.audit.c.seq == 2).values(actor="someone-else"))
    assert container.registry.audit.verify() == (3, 2)
    env = {"SURAKSHA_DATABASE_URL": test_settings.database_url,
           "SURAKSHA_SECRET_KEY": test_settings.secret_key.get_secret_value()}
    result = CliRunner().invoke(registry_cli, ["verify-audit"], env=env)
    assert result.exit_code == 1
    assert "broken at entry 2" in result.output


def test_a_deleted_entry_breaks_the_chain(container, http, auth):
    for name in ("Ramesh Yadav", "Sunil Patil", "Anil Kumar"):
        search(http, auth, name=name)
    with container.engine.begin() as conn:
        conn.execute(store.audit.delete().where(store.audit.c.seq == 2))
    assert container.registry.audit.verify() == (2, 3)


def test_only_supervisors_review_the_audit_trail(http, auth):
    for user in ("registry", "admin", "dispatcher"):
        r = http.get("/api/v1/registry/audit", headers=auth(user))
        assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden_role")
    assert http.get("/api/v1/registry/audit").status_code == 401
