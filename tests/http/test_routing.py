"""The app holds every capability's routes itself (`entrypoints.app._add_routes`), not as FastAPI's tree of included
routers, which matches every request against each included router in turn: the same routes, in the same order, with
the same API description as `include_router` gives, and a request matched against each route once."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import Mount, Route

from suraksha.bootstrap import build_container
from suraksha.entrypoints.app import _add_routes, create_app
from suraksha.entrypoints.routes import ROUTERS


@pytest.fixture
def app(test_settings):
    container = build_container(test_settings)
    yield create_app(container, background=False)
    container.engine.dispose()


def test_the_app_holds_every_route_itself(app):
    kinds = {type(route) for route in app.router.routes}
    # the capabilities' routes, FastAPI's own (the API description, its pages) and the static files: no included
    # router's node left to walk
    assert kinds <= {APIRoute, APIWebSocketRoute, Route, Mount}, kinds
    ours = [route for router in ROUTERS for route in router.routes]
    ids = {id(route) for route in ours}
    assert [route for route in app.router.routes if id(route) in ids] == ours  # each once, in the routers' order


def test_the_api_description_is_the_one_include_router_gives(app):
    included = FastAPI(title=app.title, version=app.version, description=app.description)
    for router in ROUTERS:
        included.include_router(router)
    assert app.openapi()["paths"] == included.openapi()["paths"]
    assert app.openapi()["components"] == included.openapi()["components"]


def test_a_router_that_includes_another_is_refused():
    inner, outer = APIRouter(), APIRouter(prefix="/outer")

    @inner.get("/x")
    def x() -> dict:
        return {}

    outer.include_router(inner)
    with pytest.raises(TypeError, match="include it with include_router"):
        _add_routes(FastAPI(), outer)


def test_a_late_route_and_a_path_parameter_are_served(http, auth):
    assert http.get("/healthz").json() == {"status": "alive"}  # the last router's
    assert http.get("/api/v1/incidents/SK-NOPE-0000", headers=auth("admin")).status_code == 404  # a path parameter
    assert http.get("/no-such-page").status_code == 404
