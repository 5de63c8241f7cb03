# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench bench-holds bench-reminders bench-answers bench-kill playground clean

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
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q

bench: bench-holds bench-answers bench-reminders bench-kill

bench-holds: $(STAMP)
	$(PY) -m bench.holds

bench-reminders: $(STAMP)
	$(PY) -m bench.reminders

bench-answers: $(STAMP)
	$(PY) -m bench.answers

# kill -9 the real bot during reminder bursts and holds (about 2 minutes; not in `make test`)
bench-kill: $(STAMP)
	$(PY) -m bench.kill

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
