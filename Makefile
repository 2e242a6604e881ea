# Two commands on a fresh machine: `make run` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install browser run test bench clean-db down

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

# The browser tests drive Debian's chromium (Playwright never downloads a browser here). Install
# it when it is missing and we may (CI runs as root on a clean Debian); otherwise those tests
# skip with a loud message, or fail under CI=true.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the browser tests (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else \
	    echo "chromium is not installed and this is not root: the browser tests will be skipped"; \
	  fi; }

# The tests start their own embedded instances (.pgdata-test/, .pgdata-test-2/: two pytest sessions
# side by side, tests/run_suite.py) so they can run beside `make run`.
test: install browser
	$(BIN)/python -m tests.run_suite

bench: install
	$(BIN)/python -m benchmarks.foundation

# Stops what `make run` started: the API, the scheduler and the embedded database.
down: install
	$(BIN)/pgrec down

clean-db:
	-$(BIN)/pgrec db stop
	rm -rf .pgdata .pgdata-test
