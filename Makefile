# broadtalk: the two commands a new machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PY_SOURCES := broadtalk tests bench docs main.py

.PHONY: run test test-server lint format translations catalog demo bench bench-large bench-server clean screenshots system-packages

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("broadtalk needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## system-packages: the system libraries Qt needs (Debian/Ubuntu: installed when missing and we may)
system-packages:
	@tools/system-packages $(SYSTEM_PACKAGES_ARGS)

## run: set up (first time) and start the desktop app on your own local database
run: SYSTEM_PACKAGES_ARGS = --display
run: system-packages $(STAMP) translations
	$(BIN)/broadtalk

## test: set up (first time) and run lint and the whole test suite
test: system-packages $(STAMP) translations
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

## test-server: the tests that use a practice database again, on a PostgreSQL server they start themselves
test-server: system-packages $(STAMP) translations
	BROADTALK_TEST_ENGINE=postgresql QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)

format: $(STAMP)
	$(BIN)/ruff check --fix $(PY_SOURCES)
	$(BIN)/ruff format $(PY_SOURCES)

## translations: compile the gettext catalogs (.po -> .mo)
translations: $(STAMP)
	$(BIN)/pybabel compile --domain broadtalk --directory translations --statistics 2>&1 | grep -v '^compiling' || true

## catalog: extract the strings from the code and merge them into the nl and en catalogs
catalog: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output --keyword N_ --keyword ngettext:1,2 \
	    --project broadtalk --copyright-holder "broadtalk developers" -o translations/broadtalk.pot broadtalk
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --domain broadtalk -i translations/broadtalk.pot -d translations

## demo: a demo practice of 200 fictional clients in demo.sqlite (passphrase: see DEMO_PASSPHRASE, PIN 12345)
DEMO_PASSPHRASE ?= oefenpraktijk
demo: $(STAMP) translations
	rm -f demo.sqlite demo.sqlite-wal demo.sqlite-shm
	BROADTALK_PASSPHRASE=$(DEMO_PASSPHRASE) $(BIN)/broadtalk --db demo.sqlite demo --clients 200 --seed 1
	@echo "demo.sqlite: passphrase '$(DEMO_PASSPHRASE)', every practitioner's PIN 12345"
	$(BIN)/broadtalk --db demo.sqlite

## bench: the benchmarks at 1,000 and 10,000 clients, each beside its floor and budget (bench/README.md)
bench: $(STAMP) translations
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench --sizes 1000,10000 $(BENCH_ARGS)

## bench-large: the same at 100,000 clients (builds a 100,000-client demo: about a GB, several minutes)
bench-large: $(STAMP) translations
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench --sizes 100000 $(BENCH_ARGS)

## bench-server: the benchmarks at 1,000 and 10,000 clients on a PostgreSQL server the run starts and stops itself
bench-server: $(STAMP) translations
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench --engine postgresql --sizes 1000,10000 $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .hypothesis
	find translations -name '*.mo' -delete

## screenshots: the README's screenshots, from the real app with demo data (offscreen)
screenshots: $(STAMP) translations
	$(BIN)/python docs/screenshots.py
