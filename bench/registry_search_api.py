"""Benchmark: the offender registry's search through the real HTTP API at national size (issue 11).

The whole path of `GET /api/v1/registry/search` on a real server (`suraksha serve`, one process unless `--servers N`,
on 127.0.0.1):
the bearer token, the stated purpose, the index's freshness check (the change log's head), the in-memory index, the
results' summaries read from the database and the audit entry (hash chain) every search writes.

The registry holds `--n` (1,200,000) realistic synthetic registrations (`suraksha_lab.registry.synth.generate`, cached
as var/registry_synth_<n>_<seed>.pickle, shared with bench/registry_search.py) less `--queries` held-out ones: one
registration of as many persons who have others, which become the queries (that person's other spelling, script,
initials, district...: never a name copied from the index). They go in through the officers' upload path
(`RegistryService.import_csv` of a CSV written by `suraksha.registry.csvio.write_records`; dates after today are set
to today, or the upload would refuse those rows) once: the SQLite file var/registry_search_api_<n>_<seed>_<queries>.db
and a PostgreSQL database given by `--database-url` (give one of its own: it is emptied when it does not hold exactly
these registrations) are reused by later runs. The queries and the ground truth are kept beside them
(var/registry_search_api_<n>_<seed>_<queries>.pickle), so that a later run does not load the records at all.

    .venv/bin/python bench/registry_search_api.py [--n 1200000] [--seed 11] [--queries 5000] [--seconds 60]
        [--warmup 10] [--searchers 8] [--breakdown 300] [--servers 1] [--search-slots 0] [--snapshot FILE] [--json FILE]
        [--prepare-only]
        [--database-url postgresql://postgres@127.0.0.1:5432/h_regsearch]

The server builds its index in the background after it starts (and after its routes are in: until then it answers
503 `starting`); a search answers 503 `registry_index_building`
until then. Reported: the build time (the server's first answer to the first 200 of a search, polled every 0.25 s;
and from the process's start), the server's resident memory (VmRSS from /proc: when it first answers, when the index
is ready, the peak VmHWM and after the load; the server exposes no figure of its own, so this is the whole process's
RSS, the index's share being the growth over the build). Then, after a warm-up, one searcher and then `--searchers`
(8) concurrent searchers, each in a closed loop (one request at a time, its own keep-alive connection) for
`--seconds`: requests/s, p50/p90/p99/max latency, non-200 answers (must be 0), the server's and this process's CPU
(the load generator runs on the same cores as the server), and how often the person sought is in the results (a
check that the answers are real). Each query: the held-out registration's name, its father's name when recorded (4
in 5), its sex, and on half of those with a date of birth or an age an age range of +-5 years; the API's default
limit (20 results).

`--breakdown K` (after the server has stopped) builds the server's container in this process over the same database
and times K searches one at a time, piece by piece as the route and `RegistryService.search` run them (the token's
lookup, freshness check, index search, summaries, audit write), then as whole `RegistryService.search` calls, with the
index's own size by part (`RegistryIndex.memory_bytes`): where a request's time goes (the rest of an API request's
time is HTTP, FastAPI and the middlewares, and, with several searchers, waiting for the GIL).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import http.client as http_client
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

from intake_http import SECRET, free_port, prepare_database, serve_env

VAR = Path(__file__).resolve().parent.parent / "var"
PASSWORD = "bench password that is long enough"
PURPOSE = "investigation"
SEARCH = "/api/v1/registry/search"


# the records, the held-out queries, the database ------------------------------------------------------------
def synthetic(n: int, seed: int):
    """(records, truth) of `generate(n, seed)`, cached as bench/registry_search.py caches them."""
    path = VAR / f"registry_synth_{n}_{seed}.pickle"
    if path.exists():
        with path.open("rb") as handle:
            return pickle.load(handle)
    from suraksha_lab.registry.synth import generate

    records, truth = generate(n, seed)
    VAR.mkdir(exist_ok=True)
    part = path.with_suffix(".part")
    with part.open("wb") as handle:
        pickle.dump((records, truth), handle, protocol=pickle.HIGHEST_PROTOCOL)
    part.rename(path)
    return records, truth


def held_out(records, truth, count: int, seed: int) -> tuple[list, list]:
    """One registration of `count` persons who have several: the queries; the rest: what the registry holds."""
    by_person: dict[str, list[int]] = {}
    for i, rec in enumerate(records):
        by_person.setdefault(truth[rec.record_id], []).append(i)
    multi = [idx for idx in by_person.values() if len(idx) > 1]
    chosen = {idx[0] for idx in random.Random(seed).sample(multi, min(count, len(multi)))}
    return [r for i, r in enumerate(records) if i not in chosen], [records[i] for i in sorted(chosen)]


def no_future(rec, today: date):
    """The record with dates after today set to today (an upload refuses a date in the future)."""
    convictions = [dataclasses.replace(c, conviction_date=min(c.conviction_date, today))
                   if c.conviction_date and c.conviction_date > today else c for c in rec.convictions]
    return dataclasses.replace(rec, convictions=convictions,
                               dob=min(rec.dob, today) if rec.dob else None,
                               age_as_of=min(rec.age_as_of, today) if rec.age_as_of else None)


def registrations_held(url: str) -> int:
    from sqlalchemy import inspect

    from suraksha.adapters.db import make_engine
    from suraksha.registry import store

    engine = make_engine(url)
    try:
        if not inspect(engine).has_table(store.registrations.name):
            return -1
        with engine.connect() as conn:
            return store.count_registrations(conn)
    finally:
        engine.dispose()


def fill(url: str, indexed, today: date) -> int:
    """Migrate (and Mumbai's stations, as the other benchmarks), then the officers' upload path. Returns the
    registrations created."""
    from suraksha.adapters.db import make_engine
    from suraksha.core.clock import SystemClock
    from suraksha.registry.audit import Actor
    from suraksha.registry.csvio import write_records
    from suraksha.registry.service import RegistryService

    prepare_database(url)
    with tempfile.TemporaryDirectory(dir=VAR) as folder:
        csv_path = Path(folder) / "upload.csv"
        start = time.perf_counter()
        rows = write_records(csv_path, (no_future(r, today) for r in indexed))
        data = csv_path.read_bytes()
        print(f"  {rows:,} rows written as CSV ({len(data) / 2**20:.0f} MB) in {time.perf_counter() - start:.0f} s",
              flush=True)
        engine = make_engine(url)
        service = RegistryService(engine, SystemClock(), SECRET, folder, None)
        last = [time.monotonic()]

        def progress(done: int, total: int) -> None:
            if time.monotonic() - last[0] > 30:
                last[0] = time.monotonic()
                print(f"  imported {done:,} of {total:,} ({done / (time.perf_counter() - start):,.0f}/s)", flush=True)

        start = time.perf_counter()
        report = service.import_csv(data, Actor("bench", "admin"), progress=progress)
        seconds = time.perf_counter() - start
        engine.dispose()
    print(f"  imported in {seconds:.0f} s ({rows / seconds:,.0f} records/s): created {report.created:,}, "
          f"rejected {report.rejected:,}", flush=True)
    if report.rejected:
        print(f"  first problems: {[p.as_dict() for p in report.problems[:5]]}")
    return report.created


def empty(url: str) -> None:
    from sqlalchemy import text

    from suraksha.adapters.db import make_engine

    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).unlink(missing_ok=True)
        return
    if url.rstrip("/").rsplit("/", 1)[-1].split("?")[0] == "test":
        raise SystemExit("not the database named test: give this benchmark a database of its own")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def ready_database(args, today: date) -> tuple[str, list, dict, int]:
    """(url, queries, truth, registrations) with the database holding exactly the held-out set's complement."""
    stem = VAR / f"registry_search_api_{args.n}_{args.seed}_{args.queries}"
    side = stem.with_suffix(".pickle")
    sqlite_file = stem.with_suffix(".db")
    url = args.database_url or f"sqlite:///{sqlite_file}"
    kept = None
    if side.exists():
        with side.open("rb") as handle:
            kept = pickle.load(handle)
        held = registrations_held(url) if args.database_url or sqlite_file.exists() else -1
        if held == kept["created"]:
            print(f"reusing {url if args.database_url else sqlite_file.name}: {held:,} registrations", flush=True)
            return url, kept["queries"], kept["truth"], held
    start = time.perf_counter()
    records, truth = synthetic(args.n, args.seed)
    print(f"{len(records):,} synthetic records in {time.perf_counter() - start:.0f} s", flush=True)
    indexed, queries = held_out(records, truth, args.queries, args.seed)
    del records
    gc.collect()
    print(f"filling {'PostgreSQL' if args.database_url else 'SQLite'} with {len(indexed):,} registrations "
          f"({len(queries):,} held out as queries)", flush=True)
    if args.database_url:
        empty(url)
        created = fill(url, indexed, today)
    else:
        VAR.mkdir(exist_ok=True)
        part = sqlite_file.with_suffix(".part.db")
        # the units' positions live in a file beside the database's (`companion_url`): renamed with it
        from suraksha.adapters.db import companion_url
        from suraksha.dispatch.positions import POSITIONS_STORE

        beside = {p: Path(companion_url(f"sqlite:///{p}", POSITIONS_STORE).partition(":///")[2])
                  for p in (part, sqlite_file)}
        for p in (part, sqlite_file, *beside.values()):
            for extra in ("", "-wal", "-shm"):
                Path(f"{p}{extra}").unlink(missing_ok=True)
        created = fill(f"sqlite:///{part}", indexed, today)
        part.rename(sqlite_file)
        if beside[part].exists():
            beside[part].rename(beside[sqlite_file])
        for p in (part, beside[part]):
            for extra in ("-wal", "-shm"):
                Path(f"{p}{extra}").unlink(missing_ok=True)
    del indexed
    if kept is None or kept["created"] != created:
        part = side.with_suffix(f".{os.getpid()}.part")  # two runs (SQLite, PostgreSQL) may fill at once
        with part.open("wb") as handle:
            pickle.dump({"queries": queries, "truth": truth, "created": created}, handle,
                        protocol=pickle.HIGHEST_PROTOCOL)
        part.rename(side)
    return url, queries, truth, created


def account(url: str) -> str:
    """A national registry officer (a new one each run) and its bearer token, issued as `suraksha` would."""
    from suraksha.bootstrap import build_container
    from suraksha.core.auth import Role, ScopeKind
    from suraksha.settings import Settings

    c = build_container(Settings(database_url=url, secret_key=SECRET))
    principal = c.accounts.create_account(f"regbench{int(time.time() * 1000) % 10**10}", PASSWORD,
                                          Role.REGISTRY_OFFICER, ScopeKind.NATIONAL, "")
    token = c.accounts.issue_token(principal)[0]
    c.engine.dispose()
    return token


# the queries -------------------------------------------------------------------------------------------------
def age_of(rec, today: date) -> int | None:
    if rec.dob:
        return today.year - rec.dob.year - ((today.month, today.day) < (rec.dob.month, rec.dob.day))
    if rec.age is not None:
        return rec.age + max(0, today.year - (rec.age_as_of or today).year)
    return None


def query_params(queries, today: date, seed: int) -> list[tuple[dict, str]]:
    """(query string parameters, the record id of the registration held out) per query."""
    rng = random.Random(seed)
    out = []
    for rec in queries:
        params = {"name": rec.full_name, "purpose": PURPOSE}
        if rec.father_name and rng.random() < 0.8:
            params["father_name"] = rec.father_name
        if rec.sex:
            params["sex"] = rec.sex
        age = age_of(rec, today)
        if age is not None and rng.random() < 0.5:
            params["age_min"], params["age_max"] = max(0, age - 5), min(120, age + 5)
        if len(params["name"].strip()) >= 2:
            out.append((params, rec.record_id))
    return out


# the server --------------------------------------------------------------------------------------------------
def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def rss_mb(pid: int) -> float:
    return status_kb(pid, "VmRSS") / 1024


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(url: str, tmp: Path, snapshot: str, slots: int = 0) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **serve_env(url, port, base), "SURAKSHA_HOST": "127.0.0.1",
           "SURAKSHA_REGISTRY_SEARCH_SLOTS": str(slots),
           "SURAKSHA_REGISTRY_FILES_DIR": str(tmp / "files"), "SURAKSHA_REGISTRY_INDEX_SNAPSHOT": snapshot,
           "SURAKSHA_AUDIT_CHECKPOINT_PATH": str(tmp / "audit-checkpoints.jsonl")}
    log = tmp / "server.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "suraksha", "serve"], env=env, stdout=subprocess.DEVNULL,
                                stderr=err)
    return proc, base, log


def wait_for_index(proc: subprocess.Popen, base: str, token: str, params: dict, log: Path,
                   spawned: float, timeout_s: float = 1800) -> dict:
    """Polls a search until it answers 200; the times and the server's RSS on the way."""
    up = up_rss = None
    with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}) as http:
        while time.monotonic() - spawned < timeout_s:
            if proc.poll() is not None:
                raise RuntimeError("the server stopped:\n" + log.read_text()[-3000:])
            rss = rss_mb(proc.pid)
            try:
                r = http.get(SEARCH, params=params)
            except httpx.HTTPError:
                time.sleep(0.25)
                continue
            now = time.monotonic()
            if r.status_code == 503 and '"starting"' in r.text:  # listening, its routes not yet in
                time.sleep(0.25)
                continue
            if up is None:
                up, up_rss = now, rss
            if r.status_code == 200:
                return {"start_s": up - spawned, "build_s": now - up, "ready_s": now - spawned,
                        "rss_up_mb": up_rss, "rss_ready_mb": rss_mb(proc.pid),
                        "hwm_ready_mb": status_kb(proc.pid, "VmHWM") / 1024}
            if r.status_code != 503 or "registry_index_building" not in r.text:
                raise RuntimeError(f"the search answered {r.status_code}: {r.text[:500]}\n"
                                   + log.read_text()[-3000:])
            time.sleep(0.25)
    raise RuntimeError(f"the index was not ready after {timeout_s:.0f} s")


# the load ----------------------------------------------------------------------------------------------------
class Load:
    """`searchers` threads, each a closed loop of searches (one at a time, its own connection), taking the queries
    in turn from a shared list (no query twice until all have been asked)."""

    def __init__(self, bases: list[str], token: str, params: list[tuple[dict, str]], truth: dict[str, str]) -> None:
        self.bases, self.token, self.params, self.truth = bases, token, params, truth
        self._next = 0
        self._lock = threading.Lock()

    def _take(self) -> tuple[dict, str]:
        with self._lock:
            k = self._next
            self._next += 1
        return self.params[k % len(self.params)]

    def run(self, searchers: int, seconds: float, pids: list[int]) -> dict:
        """Searcher k asks server k mod N (as a proxy spreading connections over N processes would)."""
        ms: list[float] = []
        statuses: Counter[int] = Counter()
        found = {"top1": 0, "top10": 0, "results": 0, "answers": 0}
        lock = threading.Lock()
        until = time.monotonic() + seconds

        def loop(k: int) -> None:
            mine, codes, hits = [], Counter(), Counter()
            # the standard library's client: half the CPU per request of httpx, CPU the servers would otherwise have
            where = urlsplit(self.bases[k % len(self.bases)])
            headers = {"Authorization": f"Bearer {self.token}"}
            http = http_client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=60)
            try:
                while time.monotonic() < until:
                    params, held = self._take()
                    path = f"{SEARCH}?{urlencode(params)}"
                    t0 = time.perf_counter()
                    try:
                        http.request("GET", path, headers=headers)
                        answer = http.getresponse()
                        body, code = answer.read(), answer.status
                    except (OSError, http_client.HTTPException):
                        http.close()  # reconnects on the next request
                        code = 0
                    mine.append((time.perf_counter() - t0) * 1000)
                    codes[code] += 1
                    if code == 200:
                        person = self.truth[held]
                        same = [self.truth.get(x["record_id"]) == person for x in json.loads(body)["results"]]
                        hits["top1"] += any(same[:1])
                        hits["top10"] += any(same[:10])
                        hits["results"] += len(same)
                        hits["answers"] += 1
            finally:
                http.close()
            with lock:
                ms.extend(mine)
                statuses.update(codes)
                for k, v in hits.items():
                    found[k] += v

        threads = [threading.Thread(target=loop, args=(k,), name=f"searcher-{k}") for k in range(searchers)]
        cpu0, own0, t0 = sum(map(cpu_seconds, pids)), time.process_time(), time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        answers = max(found["answers"], 1)
        return {"searchers": searchers, "requests": len(ms), "seconds": wall, "rps": len(ms) / wall,
                "p50": pct(ms, 50), "p90": pct(ms, 90), "p99": pct(ms, 99), "max": max(ms, default=float("nan")),
                "mean": statistics.fmean(ms) if ms else float("nan"),
                "non_200": sum(v for k, v in statuses.items() if k != 200),
                "statuses": {str(k): v for k, v in sorted(statuses.items())},
                "server_cpu": (sum(map(cpu_seconds, pids)) - cpu0) / wall, "bench_cpu": (time.process_time() - own0) / wall,
                "same_person_top1": found["top1"] / answers, "same_person_top10": found["top10"] / answers,
                "results_per_answer": found["results"] / answers, "rss_after_mb": sum(map(rss_mb, pids))}


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


# where a request's time goes ---------------------------------------------------------------------------------
def breakdown(url: str, token: str, params: list[tuple[dict, str]], count: int, snapshot: str) -> dict:
    """The server's container in this process over the same database: K searches timed piece by piece, as the route
    and `RegistryService.search` run them (the bearer token's lookup, the freshness check, the index, the summaries,
    the audit write), then the same K as whole `RegistryService.search` calls. Not in these: HTTP, FastAPI's
    validation and serialisation, the middlewares."""
    from suraksha.bootstrap import build_container
    from suraksha.core.memory import give_back_memory
    from suraksha.registry.audit import Actor
    from suraksha.registry.reading import summaries
    from suraksha.registry.rules import check_purpose
    from suraksha.settings import Settings

    with tempfile.TemporaryDirectory() as files:
        c = build_container(Settings(database_url=url, secret_key=SECRET, registry_files_dir=files,
                                     registry_index_snapshot=snapshot,
                                     audit_checkpoint_path=str(Path(files) / "checkpoints.jsonl")))
        service, engine = c.registry, c.engine
        give_back_memory()
        rss0 = rss_mb(os.getpid())
        start = time.perf_counter()
        index = service.refresh()
        build_s = time.perf_counter() - start
        rss_built = rss_mb(os.getpid())
        give_back_memory()
        rss_trimmed = rss_mb(os.getpid())
        sizes = index.memory_bytes()
        stated, today = check_purpose(PURPOSE), date.today()
        keys = ("token", "freshness", "index", "summaries", "audit", "total")
        parts: dict[str, list[float]] = {k: [] for k in keys}
        for p, _ in params[:count]:
            t = [time.perf_counter()]
            principal = c.accounts.principal_for_token(token)
            t.append(time.perf_counter())
            index = service.ready_index()
            t.append(time.perf_counter())
            matches = index.search(p["name"], p.get("father_name", ""), p.get("sex", ""), "", "", p.get("age_min"),
                                   p.get("age_max"), as_of=today, limit=20)
            t.append(time.perf_counter())
            ids = [int(m.record_id) for m in matches]
            with engine.connect() as conn:
                rows = summaries(conn, ids)
            results = [rows[i] | {"score": round(m.score, 4), "reasons": [str(r) for r in m.reasons]}
                       for i, m in zip(ids, matches) if i in rows]
            t.append(time.perf_counter())
            service.audit.record(Actor(principal.username, principal.role.value), "search",
                                 {"query": p, "results": [r["registration_id"] for r in results]}, stated)
            t.append(time.perf_counter())
            for k, key in enumerate(keys[:-1]):
                parts[key].append((t[k + 1] - t[k]) * 1000)
            parts["total"].append((t[-1] - t[0]) * 1000)
        whole = []
        for p, _ in params[:count]:
            t0 = time.perf_counter()
            service.search(c.accounts.principal_for_token(token), PURPOSE, p["name"],
                           father_name=p.get("father_name", ""), sex=p.get("sex", ""), age_min=p.get("age_min"),
                           age_max=p.get("age_max"))
            whole.append((time.perf_counter() - t0) * 1000)
        parts["token + RegistryService.search"] = whole
        c.engine.dispose()
    return {"build_s": build_s, "index_mb": {k: v / 2**20 for k, v in sizes.items()},
            "rss_growth_mb": rss_built - rss0, "rss_growth_trimmed_mb": rss_trimmed - rss0,
            "ms": {k: {"p50": pct(v, 50), "p90": pct(v, 90), "p99": pct(v, 99), "mean": statistics.fmean(v)}
                   for k, v in parts.items()}, "searches": len(parts["total"])}




# the run -----------------------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_200_000, help="synthetic records generated (less the queries)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--queries", type=int, default=5_000, help="registrations held out as queries")
    ap.add_argument("--seconds", type=float, default=60, help="per measured phase")
    ap.add_argument("--warmup", type=float, default=10, help="seconds of load before measuring (not counted)")
    ap.add_argument("--searchers", type=int, default=8, help="concurrent searchers of the second phase")
    ap.add_argument("--breakdown", type=int, default=300, help="searches timed piece by piece in this process "
                                                               "afterwards (0: none)")
    ap.add_argument("--database-url", default="", help="PostgreSQL database of its own (emptied unless it holds "
                                                       "exactly this registry); default: a SQLite file under var/")
    ap.add_argument("--servers", type=int, default=1, help="`suraksha serve` processes on the one database, the "
                                                           "searchers spread over them (default 1)")
    ap.add_argument("--snapshot", default="", help="SURAKSHA_REGISTRY_INDEX_SNAPSHOT for the server (and the "
                                                   "breakdown): a run that finds none builds the index and saves it "
                                                   "there, later runs load it (default: none, every run builds)")
    ap.add_argument("--search-slots", type=int, default=0, help="SURAKSHA_REGISTRY_SEARCH_SLOTS of each server (0: "
                    "the server's default, one per CPU; with --servers 2 on two CPUs, 1 gives each its share)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--prepare-only", action="store_true", help="fill (or check) the database, then stop")
    args = ap.parse_args()

    today = datetime.now(UTC).date()
    url, queries, truth, held = ready_database(args, today)
    if args.prepare_only:
        return
    db = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    params = query_params(queries, today, args.seed)
    del queries
    token = account(url)
    tmp = Path(tempfile.mkdtemp(prefix="suraksha-regsearch-"))
    spawned = time.monotonic()
    proc, base, log = start_server(url, tmp, args.snapshot, args.search_slots)
    servers = [(proc, base, log)]
    print(f"server pid {proc.pid} on {base}, {db}, {held:,} registrations; load average {os.getloadavg()[0]:.1f}",
          flush=True)
    phases = []
    try:
        build = wait_for_index(proc, base, token, params[-1][0], log, spawned)
        print(f"index ready: {build['build_s']:.1f} s after the server's first answer ({build['ready_s']:.1f} s after "
              f"its start); RSS {build['rss_up_mb']:,.0f} MB at the first answer, {build['rss_ready_mb']:,.0f} MB "
              f"when ready (+{build['rss_ready_mb'] - build['rss_up_mb']:,.0f} MB), peak {build['hwm_ready_mb']:,.0f} "
              f"MB", flush=True)
        build["others"] = []
        for k in range(1, args.servers):  # the same database (and snapshot, when given): as more nodes would
            more = tmp / f"node{k}"
            more.mkdir()
            started = time.monotonic()
            servers.append(start_server(url, more, args.snapshot, args.search_slots))
            p, b, lg = servers[-1]
            other = wait_for_index(p, b, token, params[-1][0], lg, started)
            build["others"].append(other)
            print(f"server {k + 1} (pid {servers[-1][0].pid}) ready {other['ready_s']:.1f} s after its start, RSS "
                  f"{other['rss_ready_mb']:,.0f} MB", flush=True)
        pids = [p.pid for p, _b, _l in servers]
        load = Load([b for _p, b, _l in servers], token, params, truth)
        if args.warmup:
            w = load.run(args.searchers, args.warmup, pids)
            print(f"warm-up ({args.searchers} searchers, {args.warmup:g} s, not counted): {w['rps']:.0f} req/s, "
                  f"p99 {w['p99']:.1f} ms, non-200 {w['non_200']}", flush=True)
        for searchers in (1, args.searchers):
            r = load.run(searchers, args.seconds, pids)
            phases.append(r)
            print(f"{searchers} searcher(s): {r['requests']} requests, {r['rps']:.1f} req/s, p50 {r['p50']:.1f} "
                  f"p90 {r['p90']:.1f} p99 {r['p99']:.1f} max {r['max']:.1f} ms, non-200 {r['non_200']} "
                  f"{r['statuses']}, server CPU {r['server_cpu']:.2f}, this process {r['bench_cpu']:.2f}; "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
        build["hwm_end_mb"] = status_kb(proc.pid, "VmHWM") / 1024
        build["rss_end_mb"] = rss_mb(proc.pid)
    finally:
        for p, _b, _l in servers:
            p.terminate()
        for p, _b, _l in servers:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    parts = breakdown(url, token, params, args.breakdown, args.snapshot) if args.breakdown else None
    figures = {"database": db, "registrations": held, "queries": len(params), "seconds": args.seconds,
               "servers": args.servers, "snapshot": bool(args.snapshot), "search_slots": args.search_slots,
               "warmup": args.warmup, "build": build, "phases": phases, "breakdown": parts,
               "load_average_end": os.getloadavg()[0], "cpus": os.cpu_count()}
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
        print(f"figures: {args.json}")


def processes(n: int) -> str:
    return "one `suraksha serve` process" if n == 1 else f"{n} `suraksha serve` processes on the one database"


def report(f: dict) -> None:
    b = f["build"]
    print(f"\nregistry search through the API: {f['database']}, {f['registrations']:,} registrations, "
          f"{f['queries']:,} held-out queries (name, father 4 in 5, sex, age range on half of those known; limit 20), "
          f"{f['seconds']:g} s per phase after {f['warmup']:g} s of warm-up, "
          f"{processes(f.get('servers', 1))}{' (the index from a snapshot)' if f.get('snapshot') else ''}, "
          f"{f.get('search_slots') or 'one per CPU'} search slot(s) each, "
          f"{f['cpus']} CPUs shared with the load generator\n")
    print(f"index build: {b['build_s']:.1f} s from the server's first answer to the first 200 "
          f"({b['ready_s']:.1f} s from the process's start)  ")
    print(f"server RSS (whole process, VmRSS): {b['rss_up_mb']:,.0f} MB at its first answer, {b['rss_ready_mb']:,.0f} "
          f"MB with the index ready (+{b['rss_ready_mb'] - b['rss_up_mb']:,.0f} MB), {b['rss_end_mb']:,.0f} MB after "
          f"the load; peak {b['hwm_end_mb']:,.0f} MB")
    for k, o in enumerate(b.get("others", []), start=2):
        print(f"server {k}: ready {o['ready_s']:.1f} s after its start, RSS {o['rss_ready_mb']:,.0f} MB")
    print()
    print("| searchers | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | non-200 | server CPU | bench CPU "
          "| same person top 1 / top 10 |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in f["phases"]:
        print(f"| {r['searchers']} | {r['requests']:,} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p90']:.1f} | "
              f"{r['p99']:.1f} | {r['max']:.1f} | {r['non_200']} | {r['server_cpu']:.2f} | {r['bench_cpu']:.2f} | "
              f"{r['same_person_top1']:.3f} / {r['same_person_top10']:.3f} |")
    d = f["breakdown"]
    if d:
        print(f"\nin-process breakdown ({d['searches']} searches, one at a time, index built or loaded here in "
              f"{d['build_s']:.1f} s; index size "
              + ", ".join(f"{k} {v:,.0f} MB" for k, v in d["index_mb"].items())
              + f"; this process's RSS grew {d['rss_growth_mb']:,.0f} MB over the build, "
                f"{d['rss_growth_trimmed_mb']:,.0f} MB kept after gc and malloc_trim)\n")
        print("| piece | p50 ms | p90 ms | p99 ms | mean ms |")
        print("|---|---:|---:|---:|---:|")
        for k, v in d["ms"].items():
            print(f"| {k} | {v['p50']:.2f} | {v['p90']:.2f} | {v['p99']:.2f} | {v['mean']:.2f} |")


if __name__ == "__main__":
    main()
