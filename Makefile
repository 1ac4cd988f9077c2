# OcciReflex — `make run` serves the portal on http://localhost:3000, `make test` runs every test.
# Needs only Python 3.11, Node 20 and npm; everything else is installed here.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
BUN := $(TOOLS)/node_modules/.bin/bun
AXE := $(TOOLS)/axe/node_modules/axe-core/axe.min.js
PORT ?= 3000
WORKERS ?= 2
BACKEND_PORT ?= 8001

export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := 0
export NPM_CONFIG_REGISTRY ?= $(shell npm config get registry 2>/dev/null)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run run-scaled test test-dates deps bun axe chromium scaled-deps db lint clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

deps: $(VENV)/.installed

$(BUN):
	mkdir -p $(TOOLS)
	cd $(TOOLS) && npm install --no-audit --no-fund --silent bun@^1.4.4

bun: $(BUN)

# axe-core, with which the browser tests audit every page's accessibility
# (tests/e2e/test_accessibility.py reads $(AXE)).
$(AXE):
	mkdir -p $(TOOLS)/axe
	npm install --prefix $(TOOLS)/axe --no-audit --no-fund --silent --save-exact axe-core@4.10.3

axe: $(AXE)

# Debian's Chromium for the browser tests (Playwright cannot download browsers here), and
# Ghostscript, with which treepoem draws the GS1-128 bill barcodes of the barcode tests.
chromium:
	@command -v chromium >/dev/null 2>&1 && command -v gs >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO apt-get install -y -qq chromium fonts-liberation ghostscript; }

# nginx and Redis from Debian for the scale-out mode and its tests (RUNLEVEL=1: installing
# them does not start the system services; the mode starts its own nginx).
scaled-deps:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 && \
	  command -v redis-server >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx redis-server; }

db: deps
	$(PY) -m occireflex init-db
	$(PY) -m occireflex seed-demo --if-empty

# The portal, and beside it the scheduler sidecar (bills, programmed payments): started in
# the background, stopped with SIGTERM (it finishes its batch) when the portal stops.
run: deps bun db
	@$(PY) -m occireflex.scheduler & sched=$$!; \
	trap 'kill -TERM $$sched 2>/dev/null; wait $$sched' EXIT; \
	trap 'exit 130' INT; trap 'exit 143' TERM HUP; \
	$(VENV)/bin/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT)

# Scale-out mode (README «Modo escalado»): WORKERS backends with Reflex's state in Redis
# (OCCIREFLEX_REDIS_URL), behind nginx on PORT, and the scheduler; needs PostgreSQL
# (OCCIREFLEX_DB_URL). Sets Redis' notify-keyspace-events as Reflex needs, and says so.
run-scaled: deps bun scaled-deps db
	$(PY) -m occireflex serve-scaled --workers $(WORKERS) --port $(PORT) \
	  --backend-port $(BACKEND_PORT)

# Everything: the domain and state suites on SQLite and PostgreSQL, then once more with the
# clock moved to 31 December late at night (already 1 January in UTC: a test that reads the
# machine's clock shows up here; all dates: make test-dates), and beside them, in a second
# lane, the browser tests, which mostly wait (for the next token step, for a page) and so
# leave the other core to the first lane. The moved-clock re-run is split between the lanes
# so they end together: tests/state after the first, tests/domain after the browser tests.
# The browser lane's log follows the first lane's.
TEST_LOGS := .test-logs
TRAVEL_AT := 2027-12-31T23:30:00-05:00
TRAVELLED := OCCIREFLEX_TEST_TRAVEL=$(TRAVEL_AT) OCCIREFLEX_TEST_PG=0 $(PY) -m pytest -q \
	-p no:cacheprovider
test: deps bun axe chromium scaled-deps
	@mkdir -p $(TEST_LOGS); \
	{ $(PY) -m pytest tests/e2e -p no:cacheprovider; e2e=$$?; \
	  echo "== tests/domain, clock at $(TRAVEL_AT)"; $(TRAVELLED) tests/domain; moved=$$?; \
	  [ $$e2e = 0 ] && [ $$moved = 0 ]; } > $(TEST_LOGS)/e2e.log 2>&1 & browser=$$!; \
	trap 'pkill -P $$browser 2>/dev/null; kill $$browser 2>/dev/null' INT TERM; \
	$(PY) -m pytest tests/domain tests/state -p no:cacheprovider; units=$$?; \
	if [ $$units = 0 ]; then \
	  echo "== tests/state, clock at $(TRAVEL_AT)"; $(TRAVELLED) tests/state; units=$$?; \
	fi; \
	wait $$browser; e2e=$$?; \
	echo "== tests/e2e (browser lane), then tests/domain with the clock moved"; \
	cat $(TEST_LOGS)/e2e.log; \
	echo "== domain+state: exit $$units · e2e and moved domain: exit $$e2e"; \
	[ $$units = 0 ] && [ $$e2e = 0 ]

# The domain and state suites on SQLite with the whole test process moved to other days
# (tests/conftest.py, OCCIREFLEX_TEST_TRAVEL): a month end, a Colombian holiday Monday (Reyes,
# moved), 31 December late at night (already 1 January in UTC), a leap day, and today.
TEST_DATES ?= 2027-01-31T15:00:00-05:00 2027-01-11T15:00:00-05:00 2027-12-31T23:30:00-05:00 \
	2028-02-29T15:00:00-05:00 today

test-dates: deps
	@for at in $(TEST_DATES); do \
	  if [ "$$at" = today ]; then at=$$(date -Iseconds); fi; \
	  echo "== OCCIREFLEX_TEST_TRAVEL=$$at"; \
	  OCCIREFLEX_TEST_TRAVEL=$$at OCCIREFLEX_TEST_PG=0 $(PY) -m pytest tests/domain tests/state \
	    -q -p no:cacheprovider || exit 1; \
	done

lint: deps
	$(VENV)/bin/ruff check occireflex tests bench

clean:
	rm -rf .web .states $(TEST_LOGS)
