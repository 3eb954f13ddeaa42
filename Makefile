# One command to run, one to test. Python 3.11, nothing else needed for the embedded default.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: venv run port-free test lint migrate seed worker bench clean docs

$(BIN)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

venv: $(BIN)/.installed

migrate: venv
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

# Where `make run` listens; the QR links in signed PDFs point there unless PUBLIC_BASE_URL is set.
HOST ?= 127.0.0.1
PORT ?= 8000
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

# Checked before anything else runs: one clear line (and no banner) when the port is taken.
PORT_TAKEN = $(shell $(PY) -c 'import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("$(HOST)", $(PORT)))' 2>/dev/null || echo taken)
port-free:
	$(if $(PORT_TAKEN),$(error port $(PORT) on $(HOST) is already in use: stop what uses it or pick another, e.g. make run PORT=8001))

# The acquirer simulator (SNAP BI, QRIS) that `make run` pays through; `flask acquirer pay --qris …`.
ACQUIRER_PORT ?= 8040

# The local RFC 3161 timestamp authority the PDF signatures get their timestamps from (PAdES B-T).
TSA_PORT ?= 8045

# The local OSS-RBA simulator (PIA v4.3): answers inqueryNIB/checkLicenseStatus and takes our status pushes.
OSS_PORT ?= 8030

# SQLite + in-process jobs; the worker process runs the periodic jobs (SLA sweeps) in-process too.
run: port-free seed
	@echo "API on http://$(HOST):$(PORT)  (docs: http://$(HOST):$(PORT)/api/v1/docs; QR links: $(PUBLIC_BASE_URL))"
	export PUBLIC_BASE_URL='$(PUBLIC_BASE_URL)' PAYMENTS_ACQUIRER_BASE_URL='http://127.0.0.1:$(ACQUIRER_PORT)' \
	  DOCUMENT_TSA_URL="$${DOCUMENT_TSA_URL:-http://127.0.0.1:$(TSA_PORT)/}" \
	  OSS_BASE_URL="$${OSS_BASE_URL:-http://127.0.0.1:$(OSS_PORT)/v1/kl/rba}"; \
	$(BIN)/flask acquirer --port $(ACQUIRER_PORT) & sim=$$!; \
	$(BIN)/flask tsa-simulator --port $(TSA_PORT) & tsa=$$!; \
	$(BIN)/flask oss-simulator --port $(OSS_PORT) --target http://$(HOST):$(PORT) & oss=$$!; \
	$(BIN)/flask worker & worker=$$!; trap 'kill $$worker $$sim $$tsa $$oss' EXIT INT TERM; \
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 wsgi:app

test: venv
	APP_ENV=test $(BIN)/pytest -q

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Every benchmark with its floor, docs/benchmarks.md rewritten (bench/run_all.py says the environment).
bench: venv
	$(BIN)/python bench/run_all.py

worker: venv
	$(BIN)/flask worker

clean:
	rm -rf $(VENV) instance
