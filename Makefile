# Two commands on a fresh machine: `make run` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test bench clean-db

# Reinstall only when the dependency list changes; an editable install keeps sql/ and
# migrations/ read from the checkout.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Embedded Postgres (.pgdata/), migrations, demo data when the database is empty, then the
# API and the scheduler in one foreground process group.
run: install
	$(BIN)/pgrec up

# The tests start their own embedded instance (.pgdata-test/) so they can run beside `make run`.
test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m benchmarks.foundation

clean-db:
	-$(BIN)/pgrec db stop
	rm -rf .pgdata .pgdata-test
