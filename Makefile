# Developer shortcuts. CI runs .ci/run, which runs the README's test command.
PYTHON ?= python
SRC := src tests

.PHONY: all lint format types test bench generate build check

all: lint types test

lint:
	$(PYTHON) -m ruff check $(SRC)
	$(PYTHON) -m ruff format --check $(SRC)

format:
	$(PYTHON) -m ruff format $(SRC)
	$(PYTHON) -m ruff check --fix $(SRC)

types:
	$(PYTHON) -m mypy src/

test:
	$(PYTHON) -m pytest

# Placeholder until benchmarks exist: runs every bench/*.py script there is.
bench:
	@set -e; found=0; \
	for script in bench/*.py; do \
		[ -f "$$script" ] || continue; found=1; \
		echo "$(PYTHON) $$script"; $(PYTHON) "$$script"; \
	done; \
	[ "$$found" = 1 ] || echo "no benchmarks yet (bench/*.py)"

generate:
	$(PYTHON) -m kg generate all

check:
	$(PYTHON) -m kg generate --check all

build:
	$(PYTHON) -m kg build
