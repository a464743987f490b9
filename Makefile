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

# The scale benchmark at small sizes (about 2 minutes); see bench/README.md for 1e6 and 1e7.
BENCH_ARGS ?= --sizes 1e4 --runs 3
bench:
	$(PYTHON) bench/run.py $(BENCH_ARGS)

generate:
	$(PYTHON) -m kg generate all

check:
	$(PYTHON) -m kg generate --check all

build:
	$(PYTHON) -m kg build
