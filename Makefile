# campaign-ops — the two commands the README promises: `make demo` and `make test`.
# Everything installs into .venv from the pinned requirements.txt; nothing by hand.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
export CAMPAIGN_OPS_HOME ?= $(CURDIR)/.campaign-ops

.PHONY: install services demo test test-fast lint format lock bench clean

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	# --compile-bytecode: these machines set PYTHONDONTWRITEBYTECODE, so without it every
	# process pays seconds to import Airflow and Great Expectations.
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode -r requirements.txt
	$(BIN)/uv pip install --python $(BIN)/python --no-deps -e .
	@touch $@

install: $(STAMP)

demo: install
	$(BIN)/python -m campaign_ops.demo

# Server binaries the tests start privately on loopback (PostgreSQL, Samba); apt-get if missing.
services:
	bash scripts/install-services.sh

test: install services
	$(BIN)/python -m pytest

# Everything that needs no server (PostgreSQL, Samba, SMTP, Redis, LibreOffice, a browser, an
# Airflow process): the tier to run while working. tests/conftest.py marks the rest `server`.
test-fast: install
	$(BIN)/python -m pytest -m "not server"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the pinned set after editing requirements.in.
lock: install
	$(BIN)/uv pip compile requirements.in -o requirements.txt --python-version 3.11

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(CAMPAIGN_OPS_HOME)

# ---- local Airflow and the campaign board (issue 8) ------------------------------------------
.PHONY: up down browser

# Airflow standalone (SQLite, LocalExecutor, examples off) with dags/ and plugins/, on the
# state of `make demo`; prints the URL and the login. Harmless when it already runs.
up: install
	$(BIN)/python scripts/airflow_local.py up

# Stops everything `make up` started (its whole session); harmless when nothing runs. Works
# without the venv: the script only needs the standard library for this.
down:
	@$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) scripts/airflow_local.py down

# Debian's chromium and CJK fonts for the board's browser test (never downloads a browser).
browser:
	bash scripts/install-browser.sh
