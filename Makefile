# The two commands a newcomer needs (README): `make run` and `make test`.
# Both create the virtual environment in .venv on first use.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint check

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev,semantic]'
	touch $@

run: $(VENV)/.installed
	$(PY) run_bot.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

check: $(VENV)/.installed
	$(PY) -m bot check knowledge

# Two test processes (pytest-xdist): the evaluation-set tests run every dev message
# through the sentence model, and the whole suite takes about 11 CPU minutes (7 minutes
# on two cores here). Two, not one per core: each process holds its own copy of the
# model (about 0.7 GB).
test: lint check
	$(PY) -m pytest -n 2
