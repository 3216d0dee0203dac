"""Benchmark: a request's way through the app to its route, with the routes held by the app itself (as the product
builds it, `entrypoints.app._add_routes`) against FastAPI's tree of included routers (`include_router`, how FastAPI
documents it), side by side in one process.

    .venv/bin/python bench/route_matching.py [--calls 2000] [--rounds 5]

Both apps are the product's (`create_app`, its middlewares and error handlers) over the same container and an empty
SQLite database; only the way the routes are added differs. Each call is a whole ASGI request without a network: the
middlewares, the matching, the route's dependencies and its answer. Four requests, from a route of the first
routers to none at all:
- `GET /api/v1/incidents` without a token (401: an early router's route, refused by its dependency);
- `GET /api/v1/registry/search` without a token (401: the 13th of 40 routers);
- `GET /healthz` (200: the last router's route, served);
- `GET /no-such-page` (404: every route tried).
Reported per request: the median over rounds of the mean µs per call, both ways, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

from fastapi import FastAPI
from starlette.routing import Mount

PATHS = ("/api/v1/incidents", "/api/v1/registry/search", "/healthz", "/no-such-page")


def build() -> tuple[FastAPI, FastAPI, object]:
    from suraksha.bootstrap import build_container
    from suraksha.entrypoints.app import create_app, include_routes
    from suraksha.entrypoints.routes import ROUTERS
    from suraksha.migrations.run import upgrade
    from suraksha.settings import Settings

    url = f"sqlite:///{tempfile.mkdtemp(prefix='suraksha-routing-')}/bench.db"
    upgrade(url)
    c = build_container(Settings(database_url=url, secret_key=os.environ.get("SURAKSHA_SECRET_KEY",
                                                                             "bench-secret-key-for-suraksha")))
    held = create_app(c, background=False, routes_later=True)
    include_routes(held)  # the product's way
    tree = create_app(c, background=False, routes_later=True)
    for router in ROUTERS:  # FastAPI's documented way
        tree.include_router(router)
    tree.router.routes.extend(r for r in held.router.routes if isinstance(r, Mount))  # the same static files, last
    tree.state.routes_ready.set()
    return held, tree, c


async def call(app: FastAPI, path: str) -> int:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 80),
             "state": {}}
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"]


async def timed(app: FastAPI, path: str, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        await call(app, path)
    return (time.perf_counter() - started) / calls * 1e6


async def run(calls: int, rounds: int) -> None:
    held, tree, c = build()
    print(f"routes held by the app: {len(held.router.routes)}; nodes of the included tree: {len(tree.router.routes)}")
    rows = []
    for path in PATHS:
        statuses = {await call(held, path), await call(tree, path)}
        assert len(statuses) == 1, f"{path}: the two apps answer differently ({statuses})"
        for app in (held, tree):  # warm-up
            await timed(app, path, calls // 10)
        ours, theirs = [], []
        for _ in range(rounds):  # alternating
            ours.append(await timed(held, path, calls))
            theirs.append(await timed(tree, path, calls))
        rows.append((path, statuses.pop(), statistics.median(ours), statistics.median(theirs)))
    c.engine.dispose()
    print(f"\nroute matching, {calls} calls x {rounds} alternating rounds, median of the rounds' mean µs per request")
    print("| request | status | routes held by the app µs | included routers µs | held / included |")
    print("|---|---|---|---|---|")
    for path, status, ours_us, theirs_us in rows:
        print(f"| GET {path} | {status} | {ours_us:.0f} | {theirs_us:.0f} | {ours_us / theirs_us:.2f}x |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    asyncio.run(run(args.calls, args.rounds))


if __name__ == "__main__":
    main()
