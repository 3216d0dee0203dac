"""The published OpenAPI: every answer has a described shape, and no parameter lets a 500 through."""

from __future__ import annotations

import pytest

HUGE = 2**64  # above any database integer (SQLite and PostgreSQL both stop at 2**63 - 1)
NON_JSON = {  # (method, path): the media type it declares instead of a JSON schema
    ("get", "/api/v1/stream"): "text/event-stream",
    ("post", "/webhooks/twilio/sms"): "application/xml",
    ("get", "/webhooks/whatsapp"): "text/plain",
    ("post", "/webhooks/whatsapp"): "text/plain",
}
USERS = ("admin", "dispatcher", "officer", "responder", "registry", "supervisor", "volunteer")


@pytest.fixture
def spec(http) -> dict:
    r = http.get("/openapi.json")
    assert r.status_code == 200
    return r.json()


def operations(spec: dict):
    """(method, path, operation) of every API and webhook route."""
    for path, item in spec["paths"].items():
        if not path.startswith(("/api/", "/webhooks/")):
            continue
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, op


def parameters(op: dict):
    """(where, name, schema) of each path and query parameter, with `T | None` unwrapped."""
    for p in op.get("parameters", []):
        schema = p.get("schema", {})
        options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
        yield p["in"], p["name"], (options[0] if len(options) == 1 else schema)


def described(schema: dict) -> bool:
    return bool(schema) and any(k in schema for k in ("$ref", "type", "properties", "anyOf", "oneOf", "allOf"))


def test_every_operation_declares_the_shape_of_its_success(spec):
    ops = list(operations(spec))
    assert len(ops) >= 40
    missing = []
    for method, path, op in ops:
        success = {code: r for code, r in op["responses"].items() if code.startswith("2")}
        content = {media: c for r in success.values() for media, c in r.get("content", {}).items()}
        if (method, path) in NON_JSON:
            if NON_JSON[method, path] not in content:
                missing.append(f"{method.upper()} {path}: no {NON_JSON[method, path]}")
        elif not any(described(c.get("schema", {})) for c in content.values()):
            missing.append(f"{method.upper()} {path}: {success}")
    assert not missing, "\n".join(missing)


def test_every_schema_name_is_unique_across_capabilities(spec):
    """Two models with one name get module-qualified names (suraksha__x__api__Name): give them distinct names."""
    clashes = [name for name in spec["components"]["schemas"] if name.startswith("suraksha__")]
    assert not clashes


def test_every_integer_parameter_is_bounded_and_every_text_query_has_a_maximum_length(spec):
    loose = []
    for method, path, op in operations(spec):
        for where, name, schema in parameters(op):
            if where not in ("path", "query"):
                continue
            if schema.get("type") == "integer" and ("maximum" not in schema or "minimum" not in schema):
                loose.append(f"{method.upper()} {path} {where}.{name}: integer without bounds")
            if (where == "query" and schema.get("type") == "string" and "format" not in schema
                    and "maxLength" not in schema):
                loose.append(f"{method.upper()} {path} {where}.{name}: text without maxLength")
    assert not loose, "\n".join(loose)


def test_an_absurd_unit_id_is_refused_as_invalid_not_a_server_error(http, auth):
    for value in (HUGE, -HUGE):
        r = http.get(f"/api/v1/units/{value}", headers=auth("admin"))
        assert r.status_code == 422, r.text
        body = r.json()["error"]
        assert body["code"] == "invalid_request" and [d["field"] for d in body["details"]] == ["path.unit_id"]


def test_every_integer_parameter_refuses_an_absurd_value_with_422(http, auth, spec):
    tried = []
    for method, path, op in operations(spec):
        for where, name, schema in parameters(op):
            if where not in ("path", "query") or schema.get("type") != "integer":
                continue
            for value in (HUGE, -HUGE):
                url = path.replace("{tracking}", "AAAA-2222")
                params = {}
                if where == "path":
                    url = url.replace("{" + name + "}", str(value))
                else:
                    params[name] = str(value)
                url = url.replace("{", "").replace("}", "")  # any other path parameter: a harmless value
                for user in USERS:  # the first role let through: the check must come from validation
                    r = http.request(method.upper(), url, params=params, headers=auth(user))
                    if r.status_code not in (401, 403):
                        break
                assert r.status_code == 422, f"{method.upper()} {url} {params}: {r.status_code} {r.text}"
                fields = [d["field"] for d in r.json()["error"].get("details", [])]
                assert f"{where}.{name}" in fields, f"{method.upper()} {url} {params}: {fields}"
                tried.append((path, name))
    assert ("/api/v1/units/{unit_id}", "unit_id") in tried
    assert len({p for p, _ in tried}) >= 10


def test_an_absurd_unit_id_in_a_body_is_refused_as_invalid_not_a_server_error(http, auth, make_incident):
    tracking = make_incident()
    for path, body in ((f"/api/v1/incidents/{tracking}/assignments", {"unit_id": HUGE}),
                       ("/api/v1/units/positions", [{"unit_id": HUGE, "lat": 18.92, "lon": 72.83}])):
        r = http.post(path, json=body, headers=auth("dispatcher"))
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", r.text
