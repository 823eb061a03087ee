# Atelier: `make run` serves the demo, `make test` runs the suite. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint translations extract-messages mail db clean help

help:
	@echo "make run    set up, migrate, seed the demo data and serve on http://127.0.0.1:$(PORT)"
	@echo "make test   set up with the dev tools and run the whole test suite"
	@echo "make lint   ruff"
	@echo "make mutate mutation testing of the rule modules (ONLY=feeds for one; tools/mutate.py)"
	@echo "make bench  the benchmarks (bench/README.md); make bench-load: the load benchmark only"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(VENV)/.installed $@

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d app/translations -f

# Mail waits in the outbox until delivered; without MAIL_SERVER, delivery writes .eml files to
# instance/mail/. `make run` delivers the demo's mail at once, then runs `flask tick` (what cron
# runs in production: mail, offers, reminders) every TICK seconds beside the server; Ctrl-C
# stops both.
TICK ?= 10
run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) mail send
	@echo "Mail goes to instance/mail/ as .eml files within $(TICK) seconds (unless MAIL_SERVER is set)."
	export SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}; \
	( while sleep $(TICK); do $(FLASK) tick >/dev/null || true; done ) & ticker=$$!; \
	trap 'kill $$ticker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.installed-dev translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks (bench/, see bench/README.md); not part of `make test`. `make bench` runs the feed
# timings (pytest-benchmark), then the load benchmark against gunicorn on SQLite and, when it
# answers on 127.0.0.1:5432, PostgreSQL. BENCH_LOAD_ARGS="--scale 0.1 --duration 5" for a
# quick run.
.PHONY: bench bench-load
bench: $(VENV)/.installed-dev translations
	$(BIN)/python -m pytest bench -q --benchmark-only
	$(BIN)/python -m bench.load $(BENCH_LOAD_ARGS)

bench-load: $(VENV)/.installed translations
	$(BIN)/python -m bench.load $(BENCH_LOAD_ARGS)

# Mutation testing of the rule modules, each against its own test folder (tools/mutate.py);
# not part of `make test`. ONLY=registration (words of the module paths) runs some of them.
.PHONY: mutate
mutate: $(VENV)/.installed-dev translations
	$(BIN)/python tools/mutate.py $(ONLY) $(MUTATE_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Refresh the catalogue of marked strings and merge it into each language's .po file.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
		-o app/translations/messages.pot \
		--no-location --sort-output --project Atelier --copyright-holder "Atelier contributors" .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations \
		--no-wrap --no-fuzzy-matching --ignore-obsolete

mail: $(VENV)/.installed
	$(FLASK) mail send

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
