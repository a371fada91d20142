# Casetrack: `make run` serves the site on http://127.0.0.1:$(PORT); `make test` runs the suite.
SHELL := /bin/bash
PORT ?= 8000
PY := .venv/bin/python
# A working uv on PATH, or one bootstrapped into .tools/ (git-ignored) with the system Python.
UV := $(shell uv --version >/dev/null 2>&1 && echo uv || echo $(CURDIR)/.tools/bin/uv)

.PHONY: run test lint format sync serve-prep bench

$(CURDIR)/.tools/bin/uv:
	@echo "uv not found: installing it into .tools/"
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

# Install exactly what uv.lock pins. Falls back to any Python >= 3.12 if 3.13 is missing.
sync: $(if $(filter uv,$(UV)),,$(CURDIR)/.tools/bin/uv)
	@if $(UV) python find --no-python-downloads 3.13 >/dev/null 2>&1; then \
		$(UV) sync --frozen --no-python-downloads; \
	else \
		echo "Python 3.13 not found; using the newest Python >= 3.12 available."; \
		$(UV) sync --frozen --no-python-downloads --python '>=3.12'; \
	fi

serve-prep: sync
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loadseed
	$(PY) manage.py ensure_admin

run: serve-prep
	@echo "Casetrack on http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: sync
	$(PY) -m pytest $(PYTEST_ARGS)

lint: sync
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: sync
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Benchmark at a million records on PostgreSQL (bench/README.md): loads the data on first
# run, serves the site with gunicorn and Datasette on 127.0.0.1, writes bench/results.json.
BENCH_ARGS ?=
bench: sync
	$(PY) bench/run.py $(BENCH_ARGS)
