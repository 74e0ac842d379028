# Two commands set everything up: `make run` serves the API, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := main.py

.PHONY: run run-https test lint format migrate seed clean

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

## make test: install the test requirements and run the suite (TEST_DATABASE_URL for PostgreSQL).
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
