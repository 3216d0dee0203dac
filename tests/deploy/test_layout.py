"""The deployment layout of several nodes (deploy/, docs/deployment.md; issue 13). Docker cannot run on this machine,
so each piece is checked with the real program it configures:
- `docker-compose config` validates the Compose file, which names only real settings and commands, and agrees with
  the nginx and NATS files on which nodes and servers there are;
- nats-server accepts the cluster's configuration;
- nginx, with deploy/nginx/suraksha.conf (the node names replaced by addresses on 127.0.0.1, one of them closed),
  carries an SMS and a console's live stream to real `suraksha serve` nodes on the bus, and the request id;
- the PostgreSQL scripts make a real synchronous streaming standby of a private primary."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import psycopg
import pytest
import yaml
from sqlalchemy import create_engine, select

from suraksha.accounts.store import sign_in_failures
from suraksha.entrypoints.server import make_server
from suraksha.settings import Settings
from tests.conftest import NATS_URL, backend
from tests.faults.support import (
    PrivateCluster,
    ServeProcess,
    _free_port,
    postgres_binaries,
    prepare_database,
)
from tests.faults.test_nodes_on_a_bus import Console, dispatcher_token, send_sms

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SECRETS = {"POSTGRES_PASSWORD": "pg-secret", "REPLICATION_PASSWORD": "repl-secret",
           "SURAKSHA_PUBLIC_URL": "https://suraksha.example.gov.in", "SURAKSHA_SECRET_KEY": "a-secret-key",
           "SURAKSHA_TWILIO_AUTH_TOKEN": "a-twilio-token"}
WITHIN_S = 20  # generous for a loaded machine (not a timing goal)


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is missing: `make deploy-tools` installs it (make test does)"
    return found


def compose_config(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run([tool("docker-compose"), "-f", str(DEPLOY / "compose.yaml"), "config"],
                          env={**clean, **env}, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def layout() -> dict:
    done = compose_config(**SECRETS)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def nodes_of(layout: dict) -> dict[str, dict]:
    return {name: s for name, s in layout["services"].items()
            if s.get("image") == "suraksha:latest" and s.get("command") is None}


def test_the_compose_file_is_valid_and_refuses_to_start_without_its_secrets():
    for missing in SECRETS:
        done = compose_config(**{k: v for k, v in SECRETS.items() if k != missing})
        assert done.returncode != 0 and f"set {missing} in deploy/.env" in done.stderr, done.stderr


def test_the_compose_file_names_only_real_settings_and_commands(layout):
    services = layout["services"]
    known = {f"SURAKSHA_{name.upper()}" for name in Settings.model_fields} | {"PORT"}
    ours = {name: s for name, s in services.items() if s.get("image") == "suraksha:latest"}
    assert set(ours) == {"migrate", "node-a", "node-b", "node-c"}
    for name, service in ours.items():
        unknown = {k for k in service["environment"] if k.startswith("SURAKSHA_")} - known
        assert not unknown, f"{name} sets {unknown}, which no setting reads"
        settings = {k: v for k, v in service["environment"].items() if k.startswith("SURAKSHA_")}
        assert settings["SURAKSHA_ENV"] == "production"
    # the migrations run once, before any node starts; each command is a real one
    assert services["migrate"]["command"] == ["suraksha", "db", "upgrade"]
    done = subprocess.run([sys.executable, "-m", "suraksha", *services["migrate"]["command"][1:], "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    names = [s["environment"]["SURAKSHA_NODE_NAME"] for s in nodes_of(layout).values()]
    assert sorted(names) == ["node-a", "node-b", "node-c"]
    for service in nodes_of(layout).values():
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_proxy_the_nodes_and_the_nats_cluster_agree(layout):
    services = layout["services"]
    upstreams = re.findall(r"^\s*server\s+([\w-]+):8000", (DEPLOY / "nginx" / "suraksha.conf").read_text(), re.M)
    assert sorted(upstreams) == sorted(nodes_of(layout))
    assert {f"nginx depends on {n}" for n in services["nginx"]["depends_on"]} == {
        f"nginx depends on {n}" for n in nodes_of(layout)}
    nats = sorted(name for name, s in services.items() if str(s.get("image", "")).startswith("nats:"))
    routes = re.findall(r"nats-route://([\w-]+):6222", (DEPLOY / "nats" / "nats.conf").read_text())
    assert sorted(routes) == nats and len(nats) == 3
    for name in nats:
        assert services[name]["command"][-2:] == ["--server_name", name]
    for service in nodes_of(layout).values():
        env = service["environment"]
        assert int(env["SURAKSHA_BUS_REPLICAS"]) == len(nats)
        assert sorted(re.findall(r"nats://([\w-]+):4222", env["SURAKSHA_BUS_URL"])) == nats
        assert "@postgres-primary:5432/" in env["SURAKSHA_DATABASE_URL"]


def test_nats_server_accepts_the_clusters_configuration():
    done = subprocess.run([tool("nats-server"), "-c", str(DEPLOY / "nats" / "nats.conf"), "-t"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "is valid" in done.stdout + done.stderr, done.stdout + done.stderr


# nginx in front of real nodes ------------------------------------------------------------------------
class Nginx:
    """nginx in the foreground with the shipped server configuration, the node names replaced by addresses."""

    def __init__(self, folder: Path, port: int, addresses: dict[str, str]) -> None:
        folder.mkdir()
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = folder
        conf = (DEPLOY / "nginx" / "suraksha.conf").read_text()
        for name, address in addresses.items():
            conf, n = re.subn(rf"\bserver {re.escape(name)}:8000\b", f"server {address}", conf)
            assert n == 1, name
        conf, n = re.subn(r"\blisten 80;", f"listen 127.0.0.1:{self.port};", conf)
        assert n == 1
        (folder / "suraksha.conf").write_text(conf)
        (folder / "nginx.conf").write_text(f"""
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    include {folder}/suraksha.conf;
}}
""")
        self.proc: subprocess.Popen | None = None

    def start(self) -> Nginx:
        nginx = tool("nginx")
        check = subprocess.run([nginx, "-t", "-c", str(self.folder / "nginx.conf")], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen([nginx, "-c", str(self.folder / "nginx.conf"), "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + WITHIN_S
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/healthz", timeout=2)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not answer")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def test_nginx_with_the_shipped_configuration_carries_sms_and_a_live_console_to_the_nodes(
        own_database, nats_stream, tmp_path):
    helpline = prepare_database(own_database)[0]
    token = dispatcher_token(own_database)
    proxy_port = _free_port("127.0.0.1")
    public = f"http://127.0.0.1:{proxy_port}"
    bus = {"SURAKSHA_BUS_URL": NATS_URL, "SURAKSHA_BUS_STREAM": nats_stream, "SURAKSHA_PUBLIC_URL": public}
    nodes = [ServeProcess(own_database, tmp_path / f"{name}.log", SURAKSHA_NODE_NAME=name, **bus).launch()
             for name in ("a", "b")]
    closed = f"127.0.0.1:{_free_port('127.0.0.1')}"  # node-c is down: nothing listens there
    nginx = Nginx(tmp_path / "nginx", proxy_port, {"node-a": f"127.0.0.1:{nodes[0].port}",
                                                    "node-b": f"127.0.0.1:{nodes[1].port}", "node-c": closed})
    try:
        for node in nodes:
            node.ready()
        nginx.start()
        consoles = [Console(nginx.url, token).start() for _ in range(3)]  # least_conn spreads them over the nodes
        proxy = SimpleNamespace(url=nginx.url)
        trackings = [send_sms(proxy, helpline, f"+91982005{i:04d}", f"SM{i:032d}") for i in range(5)]
        for console in consoles:
            for tracking in trackings:
                assert console.arrived(tracking, within=WITHIN_S) is not None, (tracking, nodes[0].tail())
                assert console.count(tracking) == 1
        answers = [httpx.get(nginx.url + "/readyz", timeout=10) for _ in range(12)]
        assert [a.status_code for a in answers] == [200] * 12  # the closed node-c is passed over
        ids = {a.headers.get("x-request-id") for a in answers}
        assert len(ids) == 12 and all(re.fullmatch(r"[0-9a-f]{32}", i or "") for i in ids)  # nginx's, given back

        # a wrong password through the proxy counts against her address, not the proxy's (X-Forwarded-For)
        refused = httpx.post(nginx.url + "/api/v1/auth/token", data={"username": "dispatcher", "password": "wrong"},
                             headers={"X-Forwarded-For": "203.0.113.7"}, timeout=10)
        assert refused.status_code == 401, refused.text
        engine = create_engine(own_database.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            with engine.connect() as conn:
                keys = set(conn.execute(select(sign_in_failures.c.key)).scalars())
        finally:
            engine.dispose()
        assert "address:203.0.113.7" in keys and "address:127.0.0.1" not in keys, keys
    finally:
        nginx.stop()
        for node in nodes:
            node.stop()


def test_a_node_believes_forwarded_addresses_only_from_its_proxies(container, monkeypatch):
    monkeypatch.setattr(container.settings, "forwarded_allow_ips", "10.0.0.5,10.0.1.0/24")
    config = make_server(container, "127.0.0.1", _free_port("127.0.0.1")).config
    assert (config.proxy_headers, config.forwarded_allow_ips) == (True, "10.0.0.5,10.0.1.0/24")


# PostgreSQL: the primary and its synchronous standby, made by the shipped scripts --------------------------
@pytest.mark.skipif(backend() != "postgres", reason="PostgreSQL's replication, checked in the PostgreSQL run")
def test_the_postgres_scripts_make_a_synchronous_streaming_standby(tmp_path):
    binaries = postgres_binaries()
    assert binaries is not None, "PostgreSQL's programs are missing"
    primary = PrivateCluster(binaries).init()
    standby_data = primary.dir / "standby"
    standby_port = _free_port("127.0.0.1")
    for script in ("primary-init.sh", "standby.sh"):
        shutil.copy(DEPLOY / "postgres" / script, primary.dir / script)
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    path = f"{binaries}:{os.environ['PATH']}"
    standby: subprocess.Popen | None = None
    try:
        primary.start()
        done = subprocess.run([*run_as, "env", f"PATH={path}", "POSTGRES_USER=postgres", "POSTGRES_DB=postgres",
                               "REPLICATION_PASSWORD=repl-secret", f"PGDATA={primary.data}", f"PGHOST={primary.dir}",
                               f"PGPORT={primary.port}", "bash", str(primary.dir / "primary-init.sh")],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        primary.stop_immediately()
        primary.start()  # as the image does after its first start's scripts: ALTER SYSTEM takes effect

        standby = subprocess.Popen([*run_as, "env", f"PATH={path}", f"PGDATA={standby_data}",
                                    "REPLICATION_PASSWORD=repl-secret", "PRIMARY_HOST=127.0.0.1",
                                    f"PRIMARY_PORT={primary.port}", f"PGPORT={standby_port}",
                                    "bash", str(primary.dir / "standby.sh")],
                                   stdout=open(primary.dir / "standby.log", "wb"), stderr=subprocess.STDOUT)
        # a commit on the primary waits for the standby (synchronous_standby_names): it returns once it is there
        with psycopg.connect(primary.url(), autocommit=True, options="-c statement_timeout=60000") as conn:
            conn.execute("CREATE TABLE received (tracking text)")
            conn.execute("INSERT INTO received VALUES ('ABCD-2345')")
            [(name, state)] = conn.execute(
                "SELECT application_name, sync_state FROM pg_stat_replication").fetchall()
            assert (name, state) == ("standby1", "sync")
            assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
        deadline = time.monotonic() + WITHIN_S
        while True:
            try:
                with psycopg.connect(f"postgresql://postgres@127.0.0.1:{standby_port}/postgres") as conn:
                    assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
                    assert conn.execute("SELECT tracking FROM received").fetchall() == [("ABCD-2345",)]
                    break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        if standby is not None:
            standby.terminate()
            standby.wait(timeout=30)
        primary.destroy()
