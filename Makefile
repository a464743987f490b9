# Developer shortcuts. CI runs .ci/run, which runs the README's test command.
PYTHON ?= python
SRC := src tests

.PHONY: all check lint format types imports test fast bench generate check-generated build docs release-digests

# `make test` alone runs all of it (tests/test_quality.py runs lint, types and imports,
# and tests check the generated files); `make check` runs those checks without the tests.
all: check test

check: lint types imports check-generated

lint:
	$(PYTHON) -m ruff check $(SRC)
	$(PYTHON) -m ruff format --check $(SRC)

format:
	$(PYTHON) -m ruff format $(SRC)
	$(PYTHON) -m ruff check --fix $(SRC)

types:
	$(PYTHON) -m mypy src/

# The contracts of [tool.importlinter] in pyproject.toml (the layers).
imports:
	lint-imports

test:
	$(PYTHON) -m pytest

# The loop to run while editing (under 2 minutes on 2 cores): no test that starts a real
# server or browser, none that takes more than a few seconds. CI runs them all.
fast:
	$(PYTHON) -m pytest -m "not slow and not external"

# The scale benchmark at small sizes (about 2 minutes); see bench/README.md for 1e6 and 1e7.
BENCH_ARGS ?= --sizes 1e4 --runs 3
bench:
	$(PYTHON) bench/run.py $(BENCH_ARGS)

generate:
	$(PYTHON) -m kg generate all

check-generated:
	$(PYTHON) -m kg generate --check all

build:
	$(PYTHON) -m kg build

# The documentation site (mkdocs.yml, docs/) into site/; tests/test_docs.py builds it too.
docs:
	$(PYTHON) -m mkdocs build --strict -d site

# Records the digests tests/test_release.py compares the release files with: run it only
# when the release files are meant to change (new data, a new ontology version).
release-digests:
	rm -rf build/release
	$(PYTHON) -m kg build -d build/release
	cd build/release && sha256sum kg-* > ../../tests/release/SHA256SUMS
