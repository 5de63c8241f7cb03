# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench bench-holds bench-reminders bench-answers bench-db playground clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# With no TELEGRAM_BOT_TOKEN on a terminal, `make run` opens the local playground.
run: $(STAMP)
	$(PY) -m bot

# The playground on purpose, token or not: make playground ARGS="--speed 10"
playground: $(STAMP)
	$(PY) -m bot playground $(ARGS)

test: $(STAMP)
	$(VENV)/bin/ruff check bot db tests bench
	$(VENV)/bin/mypy
	$(PY) -m pytest -q

bench: bench-holds bench-answers bench-reminders bench-db

bench-holds: $(STAMP)
	$(PY) -m bench.holds

bench-reminders: $(STAMP)
	$(PY) -m bench.reminders

bench-answers: $(STAMP)
	$(PY) -m bench.answers

# Cost per query of the database layer: SQLite, PostgreSQL, and the raw drivers.
bench-db: $(STAMP)
	$(PY) -m bench.db

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
