# Two commands: `make demo` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SURAKSHA_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
export SURAKSHA_TEST_POSTGRES_URL

.PHONY: demo test check test-sqlite test-postgres venv browser postgres nats deploy-tools bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# Debian's Chromium for the browser tests (Playwright's own browser download cannot work here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The PostgreSQL server the suite runs against a second time; started if it has stopped.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || { \
	  command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	  sleep 2; }

demo: venv
	mkdir -p var
	SURAKSHA_DATABASE_URL=$${SURAKSHA_DATABASE_URL:-sqlite:///var/suraksha-demo.db} $(PY) -m suraksha demo

# The shape of the code: import contracts (pyproject.toml), lint, types.
check: venv
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

# The suite on SQLite and on PostgreSQL side by side (each a process of its own, its own database and server; the
# machine has two cores): each run's output is shown when both have ended, and either failing fails the target.
test: venv browser postgres nats deploy-tools check
	@mkdir -p var
	@echo "running the suite on SQLite and on PostgreSQL side by side (var/test-sqlite.log, var/test-postgres.log)"
	@SURAKSHA_TEST_DB=sqlite $(PY) -m pytest > var/test-sqlite.log 2>&1 & sqlite=$$!; \
	SURAKSHA_TEST_DB=postgres $(PY) -m pytest > var/test-postgres.log 2>&1 & postgres=$$!; \
	wait $$sqlite; s=$$?; wait $$postgres; p=$$?; \
	echo "== SQLite (exit $$s)"; cat var/test-sqlite.log; echo "== PostgreSQL (exit $$p)"; cat var/test-postgres.log; \
	test $$s -eq 0 -a $$p -eq 0

test-sqlite: venv browser nats deploy-tools
	SURAKSHA_TEST_DB=sqlite $(PY) -m pytest

test-postgres: venv browser postgres nats deploy-tools
	SURAKSHA_TEST_DB=postgres $(PY) -m pytest

# The programs the deployment layout's tests run its configuration with (tests/deploy): nginx and docker-compose
# (which validates deploy/compose.yaml without a Docker daemon).
deploy-tools:
	@command -v nginx >/dev/null 2>&1 && command -v docker-compose >/dev/null 2>&1 || { \
	  echo "installing nginx and docker-compose for the deployment layout's tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    nginx-light docker-compose >/dev/null; }

# NATS with JetStream, for the tests of several app nodes on one bus; started if it has stopped.
nats:
	@$(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', 4222), 2)" 2>/dev/null || { \
	  command -v nats-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null; }; \
	  mkdir -p /var/lib/nats-server; \
	  start-stop-daemon --start --oknodo --background --exec $$(command -v nats-server) -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server; \
	  sleep 1; }

bench: venv
	$(PY) -m pip install --quiet -e '.[test,bench]'
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(PY) bench/run_all.py

clean:
	rm -rf var/suraksha-demo.db* var/suraksha-demo-positions.db* .pytest_cache
