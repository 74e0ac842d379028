# Two commands set everything up: `make run` serves the API, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := main.py

.PHONY: run run-https serve-production test e2e fuzz lint format migrate seed clean bench bench-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

migrate: $(VENV)/.installed
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo --if-empty

## make run: install, migrate, load the demo catalogue into an empty database, serve on :5000.
run: seed
	$(BIN)/python main.py

## make run-https: the same over HTTPS, with a self-signed certificate made on first use.
run-https: seed
	$(BIN)/flask make-cert --cert instance/cert.pem --key instance/key.pem
	TLS_CERT_FILE=instance/cert.pem TLS_KEY_FILE=instance/key.pem $(BIN)/python main.py

## make serve-production: gunicorn (gunicorn.conf.py) on a unix socket behind nginx on SERVE_BIND
## (127.0.0.1:8080); needs the nginx binary (README "Production"). Migrate first (`make migrate`).
serve-production: $(VENV)/.installed
	$(BIN)/python -m app.ops.serve

## make test: install the test requirements and run the suite (TEST_DATABASE_URL for PostgreSQL).
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

$(VENV)/.installed-e2e: e2e/requirements.txt $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -r e2e/requirements.txt
	touch $@

## make e2e: Swagger UI in headless Chromium (installs Debian's chromium and chromium-driver first
## when /usr/bin/chromedriver is missing: as root, or through sudo).
e2e: $(VENV)/.installed-e2e
	@if [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	  elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	  else \
	    echo "make e2e: /usr/bin/chromedriver is missing, and installing Debian's chromium and" \
	      "chromium-driver needs root or sudo: run 'apt-get install -y chromium chromium-driver'" \
	      "as root, then 'make e2e' again." >&2; \
	    exit 1; \
	  fi; \
	  echo "Installing chromium and chromium-driver (Debian)"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; \
	fi
	$(BIN)/python -m pytest e2e -q

## make bench: load benchmarks against gunicorn on SQLite and PostgreSQL, one table (README
## "Performance"). Scale with BENCH_ARGS, e.g. BENCH_ARGS="--seconds 10 --stock 5000".
## The test requirements bring aiosmtpd, the slow SMTP server of the sender-on booking run.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## make bench-smoke: the same with tiny numbers on SQLite; fails only when the benchmark breaks.
bench-smoke: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run --events 2000 --seconds 1 --rounds 1 --stock 50 \
		--databases sqlite $(BENCH_ARGS)

$(VENV)/.installed-fuzz: fuzz/requirements.txt $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -r fuzz/requirements.txt
	touch $@

## make fuzz: schemathesis runs every operation of swagger.yml against the app in-process, as
## admin, organizer and reseller; FUZZ_MAX_EXAMPLES bounds the examples per operation (25).
fuzz: $(VENV)/.installed-fuzz
	$(BIN)/python -m pytest fuzz -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
