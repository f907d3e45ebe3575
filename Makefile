# Fasthold: `make run` sets everything up and serves the platform; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
# In CI the suite runs a second time against these services and fails if they are missing.
CI_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
CI_BROKER_URL ?= redis://127.0.0.1:6379/15
PYTEST_WORKERS ?= 2
PO_FILES := $(wildcard lms/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test install translations extract-messages update-translations bench clean

run: install translations
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "Fasthold on http://127.0.0.1:$(PORT) (Ctrl-C stops the web server, the worker and beat)"
	$(BIN)/honcho -f Procfile.dev start -p $(PORT)

test: install translations
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider
ifeq ($(CI),true)
	@echo "== CI: the suite again on PostgreSQL and Redis, with a real Celery worker (browser journeys ran above) =="
	FASTHOLD_TEST_DATABASE_URL=$(CI_DATABASE_URL) FASTHOLD_TEST_BROKER_URL=$(CI_BROKER_URL) \
		FASTHOLD_REQUIRE_SERVICES=1 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider -m "not e2e"
endif

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

translations: install $(MO_FILES)

lms/translations/%/LC_MESSAGES/messages.mo: lms/translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile --statistics -d lms/translations -l $* -i $< -o $@

# For developers adding strings: extract, then merge into the da and sv catalogues.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _nl:1,2 -k lazy_ngettext:1,2 -o lms/translations/messages.pot --no-location --sort-output .

update-translations: extract-messages
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching --ignore-obsolete

bench: install
	$(BIN)/python bench/people.py

clean:
	rm -rf $(VENV) instance .pytest_cache
