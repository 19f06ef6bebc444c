# values-bot: one verb per job. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
UV_VERSION := 0.13.9

.PHONY: demo run test test-slow test-all check lint types fmt bench install dev lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs come from the lock files (exact versions, checked by hash); `make lock` remakes them.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(PIP) install --require-hashes -r requirements.lock
	$(PIP) install --no-deps -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements-dev.lock | $(BIN)/python
	$(PIP) install --require-hashes -r requirements-dev.lock
	$(PIP) install --no-deps -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

run: $(VENV)/.installed
	$(BIN)/values-bot run

# A made-up quarter in an empty database, to try the web app: `make demo`, then `make run`.
demo: $(VENV)/.installed
	$(BIN)/values-bot demo --people 60 --weeks 8

# The quick suite; the soak, replica, outage and packaging tests are marked slow.
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m "not slow"

test-slow: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m slow

test-all: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check bot storage tests bench
	$(BIN)/ruff check bot storage tests bench

types: $(VENV)/.installed-dev
	$(BIN)/mypy

check: lint types test

fmt: $(VENV)/.installed-dev
	$(BIN)/ruff format bot storage tests bench
	$(BIN)/ruff check --fix bot storage tests bench

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run

# Keeps every pin that still satisfies pyproject.toml; `make lock UPGRADE=1` takes the newest.
lock:
	test -x .lock-tools/bin/uv || ($(PYTHON) -m venv .lock-tools && .lock-tools/bin/pip install --quiet uv==$(UV_VERSION))
	for extra in "" dev; do \
	  out=requirements$${extra:+-$$extra}.lock; \
	  .lock-tools/bin/uv pip compile pyproject.toml $${extra:+--extra $$extra} --universal \
	    --python-version 3.11 --generate-hashes --quiet $(if $(UPGRADE),--upgrade) -o $$out; \
	done

clean:
	rm -rf $(VENV) .lock-tools .pytest_cache .mypy_cache .ruff_cache
