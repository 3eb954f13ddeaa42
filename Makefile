# One command to run, one to test. Python 3.11, nothing else needed for the embedded default.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: venv run test lint migrate seed worker bench clean

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

# SQLite + in-process jobs; the worker process runs the periodic jobs (SLA sweeps) in-process too.
run: seed
	@echo "API on http://127.0.0.1:8000  (docs: http://127.0.0.1:8000/api/v1/docs)"
	$(BIN)/flask worker & trap 'kill $$!' EXIT INT TERM; \
	$(BIN)/gunicorn --bind 127.0.0.1:8000 --workers 2 wsgi:app

test: venv
	APP_ENV=test $(BIN)/pytest -q

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

worker: venv
	$(BIN)/flask worker

clean:
	rm -rf $(VENV) instance
