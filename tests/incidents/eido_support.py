"""NENA's EIDO schema as a validator (from tests/data/eido, copied unchanged: see its README), and a second control
room (its own database, app and server) to send incidents to."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from jsonschema import Draft7Validator, validators
from jsonschema import _keywords as keywords
from pydantic import SecretStr
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from suraksha.bootstrap import build_container
from suraksha.core.auth import Role, ScopeKind
from suraksha.demo.setup import shipped_jurisdictions
from suraksha.entrypoints.server import ServerThread
from suraksha.messaging.providers import ConsoleProvider
from suraksha.messaging.whatsapp import ConsoleWhatsApp
from suraksha.migrations.run import upgrade
from tests.conftest import TEST_PASSWORD, TOTP_SECRETS, add_account, backend, second_factor_code

EIDO_DATA = Path(__file__).resolve().parent.parent / "data" / "eido"
NENA_SAMPLE = EIDO_DATA / "nena-sample-call-transfer.json"
_BASE = "https://nena-eido.invalid/"  # where the schema's files are said to live; read from EIDO_DATA
RECEIVING_AGENCY = "thane.police.mh.in"


def _retrieve(uri: str) -> Resource:
    """openapi.yaml and the NIEM files it names (`NIEMComponents/nc.yaml`, once `NIEMComponents//j.yaml`)."""
    assert uri.startswith(_BASE), uri
    relative = re.sub("/+", "/", uri[len(_BASE):])
    return Resource.from_contents(yaml.safe_load((EIDO_DATA / relative).read_text()), default_specification=DRAFT7)


def _min_items(validator, minimum, instance, schema):
    """NENA's AgentType says `minItems: 1,` (a YAML string, "1,"): read as the 1 it means, the file left as it is."""
    if isinstance(minimum, str):
        minimum = int(re.match(r"\d+", minimum).group())  # type: ignore[union-attr]
    yield from keywords.minItems(validator, minimum, instance, schema)


@lru_cache(maxsize=1)
def validator() -> Draft7Validator:
    """OpenAPI 3.0's schemas as JSON Schema draft 7 (a `$ref` beside other keywords: the reference alone)."""
    cls = validators.extend(Draft7Validator, {"minItems": _min_items})
    schema = {"$ref": _BASE + "openapi.yaml#/components/schemas/EmergencyIncidentDataObjectType"}
    return cls(schema, registry=Registry(retrieve=_retrieve))


def schema_errors(doc: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(doc)]


def nena_sample() -> dict:
    return json.loads(NENA_SAMPLE.read_text())


class Room:
    """Another control room: its own database, app and server, reached over HTTP."""

    def __init__(self, container, server: ServerThread) -> None:
        self.c, self.server, self.url = container, server, server.url
        self._tokens: dict[str, dict[str, str]] = {}

    def auth(self, username: str) -> dict[str, str]:
        if username not in self._tokens:
            form = {"username": username, "password": TEST_PASSWORD}
            if username in TOTP_SECRETS:
                form["otp"] = second_factor_code(self.c, username)
            r = httpx.post(self.url + "/api/v1/auth/token", data=form, timeout=30)
            assert r.status_code == 200, r.text
            self._tokens[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return self._tokens[username]

    def get(self, path: str, user: str, **kw) -> httpx.Response:
        return httpx.get(self.url + path, headers=self.auth(user), timeout=30, **kw)

    def post(self, path: str, user: str, **kw) -> httpx.Response:
        return httpx.post(self.url + path, headers=self.auth(user), timeout=30, **kw)


@contextmanager
def _second_database(tmp: Path) -> Iterator[str]:
    if backend() == "postgres":
        from tests.faults.support import throwaway_postgres

        with throwaway_postgres("eido_room") as url:
            yield url
    else:
        yield f"sqlite:///{tmp / 'receiving-room.db'}"


@contextmanager
def receiving_room(test_settings, clock, tmp: Path) -> Iterator[Room]:
    """Thane's control room: Mumbai's stations (her location resolves there too), a sealing key of its own, its
    dispatcher, an integration account and a dispatcher of another city."""
    with _second_database(tmp) as url:
        upgrade(url)
        settings = test_settings.model_copy(update={
            "database_url": url, "agency_id": RECEIVING_AGENCY,
            "secret_key": SecretStr("another-control-room-another-secret-key"),
            "registry_files_dir": str(tmp / "registry-files"),
            "audit_checkpoint_path": str(tmp / "checkpoints.jsonl")})
        c = build_container(settings, clock=clock, provider=ConsoleProvider(), whatsapp=ConsoleWhatsApp())
        c.stations.import_geojson(shipped_jurisdictions("mumbai"), "mumbai", actor="tests")
        for username, role, kind, value in (("thane_dispatcher", Role.DISPATCHER, ScopeKind.CITY, "mumbai"),
                                            ("thane_outsider", Role.DISPATCHER, ScopeKind.CITY, "bengaluru"),
                                            ("thane_gateway", Role.INTEGRATION, ScopeKind.NATIONAL, "")):
            add_account(c, username, role, kind, value)
        server = ServerThread(c).start()
        try:
            yield Room(c, server)
        finally:
            server.stop()
            c.engine.dispose()
            c.dispatch.positions.store_engine.dispose()
