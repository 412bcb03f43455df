# Claim Atlas: the two commands of the README.
#   make run   set up a virtual environment and start the app on the bundled corpus
#   make test  set up a virtual environment and run every test (lint, unit, AppTest, browser)
#   make unit  the fast unit tests and doctests only (no spaCy model, no full gazetteer: well under a minute)
# Other targets: make evaluate, make benchmark, make screenshot, make gazetteer, make fixture-gazetteer.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test unit lint evaluate benchmark screenshot gazetteer fixture-gazetteer clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(VENV)/.runtime-installed $@

run: $(VENV)/.runtime-installed
	$(BIN)/python -m geo gazetteer build
	$(BIN)/python -m streamlit run serve.py --server.port $(PORT)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .

test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/python -m mypy
	$(BIN)/python -m geo gazetteer build
	$(BIN)/python -m pytest tests geo -m "e2e or not e2e"

unit: $(VENV)/.dev-installed
	$(BIN)/python -m pytest tests geo -q -m "not integration and not e2e"

evaluate: $(VENV)/.runtime-installed
	$(BIN)/python -m geo evaluate data/articles ../shared/seeds/gold

benchmark: $(VENV)/.dev-installed
	$(BIN)/python scripts/benchmark.py

screenshot: $(VENV)/.dev-installed
	$(BIN)/python -m pytest tests/e2e/test_map_page.py -m e2e -q

gazetteer: $(VENV)/.runtime-installed
	$(BIN)/python -m geo gazetteer build --force

# Regenerate tests/fixtures/gazetteer.sql (the unit tests' small gazetteer) from the full build.
fixture-gazetteer: $(VENV)/.runtime-installed
	$(BIN)/python -m geo gazetteer build
	$(BIN)/python scripts/make_fixture_gazetteer.py

clean:
	rm -rf var .pytest_cache .ruff_cache
