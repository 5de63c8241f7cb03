# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements.lock
# uv resolves the lock (`make lock`); installing from it needs only pip.
UV_VERSION := 0.13.9
# The lock is for the machines the project runs on (x86_64 Linux, CPython 3.11), whoever
# runs `make lock` and wherever; each pinned version lists the hashes of all its files.
LOCK_TARGET := --python-version 3.11 --python-platform x86_64-unknown-linux-gnu

.PHONY: run test lock cluster bench bench-holds bench-reminders bench-answers bench-progress bench-db bench-kill bench-slow-sends bench-cluster playground pictures clean bench-throughput profile-button

# Exactly the locked versions, checked against their hashes; then the project itself,
# editable, built by the locked setuptools (no download of a build environment).
$(STAMP): $(LOCK) pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m pip check || { echo "$(LOCK) lacks a dependency of pyproject.toml: run make lock"; exit 1; }
	touch $(STAMP)

# Refresh the lock after changing dependencies in pyproject.toml. Versions already
# pinned stay unless a requirement needs another; `make lock LOCK_ARGS=--upgrade`
# moves everything to the newest allowed versions.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet 'uv==$(UV_VERSION)'
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes $(LOCK_TARGET) \
		--custom-compile-command "make lock" --quiet $(LOCK_ARGS) -o $(LOCK)

# With no TELEGRAM_BOT_TOKEN on a terminal, `make run` opens the local playground.
run: $(STAMP)
	$(PY) -m bot

# The playground on purpose, token or not: make playground ARGS="--speed 10"
playground: $(STAMP)
	$(PY) -m bot playground $(ARGS)

# PostgreSQL, two webhook workers and the emulator as their load balancer, with a chat:
# make cluster ARGS="--workers 3 --speed 10"
cluster: $(STAMP)
	$(PY) -m bot cluster $(ARGS)

# Three pytest workers on two cores: most tests wait on sockets, timers and child
# processes, so a third worker fills the waits (about 70 s instead of 155 s here).
TEST_WORKERS ?= 3
test: $(STAMP)
	$(VENV)/bin/ruff check bot db tests bench setup.py
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -n $(TEST_WORKERS)

# Every exercise picture and loop into docs/pictures/ (commit them), with a gallery README.
pictures: $(STAMP)
	$(PY) -m bot.media

# Every benchmark but the cluster, one at a time (about 15 minutes): each rewrites its
# section of docs/performance.md, and bench.all its "Benchmark run" table (each one's
# duration, the total). make bench ARGS=--with-cluster adds bench-cluster (4-5 min more);
# ARGS="--skip kill,db" or ARGS="--only holds" for a part.
bench: $(STAMP)
	$(PY) -m bench.all $(ARGS)

# Updates/s, CPU, HTTP calls and SQL statements per update: echo vs question vs button.
bench-throughput: $(STAMP)
	$(PY) -m bench.throughput

# A short button-press load sampled by py-spy (cProfile where it can't attach):
# docs/profile-button.md and docs/profile-button.svg.
profile-button: $(STAMP)
	$(PY) -m pip install --quiet py-spy || true
	$(PY) -m bench.profile_button

bench-holds: $(STAMP)
	$(PY) -m bench.holds

bench-reminders: $(STAMP)
	$(PY) -m bench.reminders

bench-answers: $(STAMP)
	$(PY) -m bench.answers

bench-progress: $(STAMP)
	$(PY) -m bench.progress

# Cost per query of the database layer: SQLite, PostgreSQL, and the raw drivers.
bench-db: $(STAMP)
	$(PY) -m bench.db

# kill -9 the real bot during reminder bursts and holds (about 2 minutes; not in `make test`)
bench-kill: $(STAMP)
	$(PY) -m bench.kill

# 300 reminders with 5 % of answers slowed past the read timeout: sent twice? lost?
bench-slow-sends: $(STAMP)
	$(PY) -m bench.slow_sends

# Not in `make bench` (see bench/all.py): its figures are the ones docs/scaling.md uses.
# Webhook workers on SQLite and PostgreSQL: updates/s, holds, reminders (about 4 min).
bench-cluster: $(STAMP)
	$(PY) -m bench.cluster

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
