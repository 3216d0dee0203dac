"""The shape of the code: plain models, migrations that match the tables, a published OpenAPI."""

import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from suraksha.adapters.db import metadata

SRC = Path(__file__).resolve().parents[2] / "src" / "suraksha"
FRAMEWORKS = ("fastapi", "starlette", "sqlalchemy", "httpx", "alembic", "uvicorn", "jinja2")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_model_modules_import_no_framework():
    models = sorted(SRC.glob("*/model.py"))
    assert len(models) >= 5
    for path in models:
        bad = [m for m in imported_modules(path) if m.split(".")[0] in FRAMEWORKS]
        assert not bad, f"{path.relative_to(SRC)} imports {bad}"


def test_capabilities_do_not_reach_into_each_others_tables():
    capabilities = {"stations", "intake", "dispatch", "messaging", "accounts"}
    for cap in capabilities:
        for path in (SRC / cap).glob("*.py"):
            for module in imported_modules(path):
                parts = module.split(".")
                if len(parts) >= 3 and parts[0] == "suraksha" and parts[1] in capabilities - {cap}:
                    assert parts[2] != "store", f"{path.relative_to(SRC)} imports {module}"


def test_migrations_and_tables_agree(container):
    import suraksha.adapters.schema  # noqa: F401

    with container.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    assert diff == []


def test_openapi_documents_the_interfaces_others_script_against(http):
    spec = http.get("/openapi.json").json()
    for path in ("/webhooks/twilio/sms", "/api/v1/jurisdiction", "/api/v1/incidents/{tracking}",
                 "/api/v1/auth/token", "/api/v1/incidents/{tracking}/assignments", "/api/v1/units"):
        assert path in spec["paths"], path
