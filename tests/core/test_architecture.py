"""The shape of the code: the import contracts in pyproject.toml hold, and they catch a forbidden import; the
migrations match the tables; the OpenAPI document names the interfaces others script against."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from suraksha.migrations.tables import metadata, migrated, positions_metadata

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def copy_of_the_code(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("suraksha-copy")
    shutil.copytree(ROOT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "data", "static"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_import_contracts_hold():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize("module,line,contract", [
    ("incidents/model.py", "import sqlalchemy", "Plain models and core"),
    ("core/clock.py", "import fastapi", "Plain models and core"),
    ("dispatch/service.py", "from suraksha.incidents import store",
     "Tables of incidents: only incidents and the migrations"),
    ("incidents/service.py", "import suraksha.bootstrap", "No composition root below it"),
    ("stations/model.py", "import suraksha.incidents.model", "Layers of the whole"),
    ("http/deps.py", "import suraksha.web.views", "Layers of the whole"),
    ("incidents/model.py", "import suraksha.incidents.service", "Layers inside a capability"),
    ("registry/matching/features.py", "import suraksha.registry.rules",
     "The matching engine imports nothing else of the registry"),
    ("registry/search.py", "import suraksha_lab.registry.synth", "The lab only for the command line and the demo"),
    ("entrypoints/server.py", "import suraksha.demo.setup",
     "No lab in the server, even through the command line or the demo"),
])
def test_a_forbidden_import_breaks_the_contracts(copy_of_the_code, module, line, contract):
    target = copy_of_the_code / "src" / "suraksha" / module
    original = target.read_text()
    try:
        target.write_text(original + f"\n{line}  # added by the architecture test\n")
        done = lint_imports(copy_of_the_code)
    finally:
        target.write_text(original)
    assert done.returncode != 0
    assert f"{contract} BROKEN" in " ".join(done.stdout.split()), done.stdout


def test_migrations_and_tables_agree(container):
    with container.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False,
                                                                       "include_object": migrated}), metadata)
    assert diff == []
    # the positions' store (on SQLite a file of its own; on PostgreSQL beside the rest): as its tables say
    with container.dispatch.positions.store_engine.connect() as conn:
        store = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), positions_metadata)
    assert [d for d in store if d[0] != "remove_table" and not (d[0] == "remove_index" and d[1].table.name
                                                                  not in positions_metadata.tables)] == []


def test_openapi_documents_the_interfaces_others_script_against(http):
    spec = http.get("/openapi.json").json()
    for path in ("/webhooks/twilio/sms", "/api/v1/jurisdiction", "/api/v1/incidents/{tracking}",
                 "/api/v1/incidents/{tracking}/timeline", "/api/v1/incidents/{tracking}/transfer",
                 "/api/v1/incidents/{tracking}/close", "/api/v1/auth/token",
                 "/api/v1/incidents/{tracking}/assignments", "/api/v1/units"):
        assert path in spec["paths"], path
