"""`suraksha backup` and `suraksha restore` as an operator runs them: a round trip keeps every incident and
every registry audit entry, with the audit chain intact."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from suraksha.adapters.db import make_engine
from suraksha.core.clock import FixedClock
from suraksha.registry.audit import Actor, AuditTrail
from tests.conftest import START, backend


def cli(*args: str, url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "suraksha", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "SURAKSHA_DATABASE_URL": url})


@pytest.fixture
def restore_url(tmp_path, database_url):
    if backend() != "postgres":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_restored"
    admin = create_engine(url.set(drivername="postgresql+psycopg", database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_backup_restored_elsewhere_keeps_every_incident_and_audit_entry(container, make_incident, database_url,
                                                                          restore_url, tmp_path):
    trackings = sorted(make_incident(sender=f"+91982000{i:04d}") for i in range(3))
    trail = container.registry.audit
    for i in range(3):
        trail.record(Actor("registry", "registry_officer"), "search", {"query": {"name": f"test {i}"}})
    assert trail.verify()[1] is None
    file = tmp_path / "suraksha.backup"
    made = cli("backup", str(file), url=database_url)
    assert made.returncode == 0, made.stderr
    assert file.stat().st_size > 0

    restored = cli("restore", str(file), "--yes", url=restore_url)
    assert restored.returncode == 0, restored.stderr
    engine = make_engine(restore_url)
    try:
        from suraksha.incidents.store import incidents
        from suraksha.registry.store import audit

        with engine.connect() as conn:
            assert sorted(conn.execute(select(incidents.c.tracking)).scalars()) == trackings
            assert conn.execute(select(audit.c.seq).order_by(audit.c.seq)).scalars().all() == \
                [e["seq"] for e in reversed(trail.entries(limit=1000))]
        checked, first_bad = AuditTrail(engine, FixedClock(START)).verify()
        assert checked == 3 and first_bad is None
    finally:
        engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, restore_url):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a backup at all")
    done = cli("restore", str(junk), "--yes", url=restore_url)
    assert done.returncode != 0 and "not_a_backup" in done.stderr + done.stdout
