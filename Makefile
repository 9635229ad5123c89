# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test install clickhouse-server chromium bench clean

demo: $(STAMP)
	$(BIN)/cluetrain run --input data/twcs_head5000.csv
	@echo "Open the dashboard on these results: $(BIN)/cluetrain dashboard   (then http://127.0.0.1:8080/)"

test: $(STAMP) clickhouse-server chromium
	$(BIN)/pytest -q

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# Debian's clickhouse-server (18.16) for the integration tests; the fixtures start it as
# a plain process. Installed when we are root and it is missing; otherwise those tests
# skip (or fail under CI=true).
clickhouse-server:
	@if [ ! -x /usr/bin/clickhouse-server ] && [ ! -x /usr/sbin/clickhouse-server ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y -q clickhouse-server >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null && apt-get install -y -q clickhouse-server >/dev/null; }; \
	  else echo "clickhouse-server missing and not root: server tests will skip"; fi; \
	fi

# Debian's chromium and chromium-driver for the page tests (Selenium drives them; no
# browser is ever downloaded). Installed when we are root and they are missing.
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null; }; \
	  else echo "chromium or chromium-driver missing and not root: page tests will skip"; fi; \
	fi

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python bench/run.py --events 500000

clean:
	rm -rf $(VENV) cluetrain-data *.egg-info
