# The two commands a fresh clone needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi.py

.PHONY: run test lint format install migrate seed clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

# Serves http://127.0.0.1:5000 with the demo data (DEMO_DATA=0 skips loading it).
run: migrate
	@if [ "$${DEMO_DATA:-1}" != "0" ]; then $(BIN)/flask seed-demo && $(BIN)/flask search reindex --if-behind; fi
	@# The demo's index and every stored match list are built above, before the site serves its
	@# first page. The background worker beside the site applies later changes and runs the daily
	@# maintenance (expiring demands, the 08:00 match digest). It stops with the site.
	@mkdir -p instance && echo "后台同步已启动，之后的修改约几秒内可检索（日志：instance/search-sync.log；flask search status 查看进度）"
	@$(BIN)/flask search sync --watch > instance/search-sync.log 2>&1 & SYNC=$$!; \
	trap 'kill $$SYNC 2>/dev/null' EXIT INT TERM; \
	DEMO_BANNER=$${DEMO_BANNER:-$${DEMO_DATA:-1}} $(BIN)/flask run --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The suite runs in two processes (pytest-xdist), one per core of the 2-core machine it is sized for.
# Each test file stays on one worker (--dist loadfile): some modules read what their earlier tests
# stored (tests/security/test_xss.py). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
test: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Extract the interface's messages and add the new ones to translations/en (docs/i18n.md).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -k lazy_gettext --no-location --sort-output \
		-o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l en --no-fuzzy-matching \
		--no-location

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
