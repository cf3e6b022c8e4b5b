# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/supportdesk
export REDIS_URL_TEST ?= redis://127.0.0.1:6379/15

.PHONY: run test audit install install-dev lint messages clean bench bench-quick bench-vault bench-audit bench-followups bench-merkle bench-funds bench-relocation

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (python3 --version).")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

messages: install
	@if ! ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then :; elif command -v msgfmt >/dev/null 2>&1; then $(BIN)/python manage.py compilemessages --ignore=.venv -v 0; \
	else echo "gettext is not installed (apt-get install gettext): pages will be shown in English only."; fi

run: install
	@mkdir -p var/broker/queue var/broker/processed var/broker/control var/cache
	@$(BIN)/python scripts/local_env.py .env
	@test -s var/audit.key || (umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > var/audit.key)
	@test -s var/audit-signing.key || $(BIN)/python -m supportdesk.audit.signer generate-key --name localhost/supportdesk-audit var/audit-signing.key > /dev/null
	@# var/keys: the vault's keyring.json and index.key, and backup.json (SUPPORTDESK_BACKUP_KEY)
	@$(BIN)/python manage.py generate_keys --write var/keys --keep-existing
	@$(MAKE) --no-print-directory messages
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py demo_data
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start

# mypy loads the settings (django-stubs): the test environment's, never a local .env.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SUPPORTDESK_ENV=test ENV_FILE=/nonexistent $(BIN)/mypy supportdesk cases relocation funds tests benchmarks

test: install-dev lint
	@DATABASE_URL="$${DATABASE_URL:-$(DATABASE_URL_TEST)}" REDIS_URL="$${REDIS_URL:-$(REDIS_URL_TEST)}" scripts/services.sh
	@if command -v msgfmt >/dev/null 2>&1 && ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then SUPPORTDESK_ENV=test $(BIN)/python manage.py compilemessages --ignore=.venv -v 0; fi
	DATABASE_URL="$${DATABASE_URL:-$(DATABASE_URL_TEST)}" REDIS_URL="$${REDIS_URL:-$(REDIS_URL_TEST)}" \
		$(BIN)/pytest $(PYTEST_ARGS)

# Known-vulnerable dependencies (pip-audit), bandit, and `check --deploy` with deploy/env.example
# (deploy/audit.sh says what each found; docs/deploy.md, "make audit").
audit: install-dev
	@BIN=$(BIN) deploy/audit.sh

# Benchmarks: one command each, printing a table (results in docs/benchmarks.md). Each uses its
# own PostgreSQL database on the local server (see the module's docstring to choose another).
# `make bench` runs all of them and the whole-request benchmark (benchmarks/run.py), bounded in
# time, and regenerates the results block of docs/benchmarks.md; `make bench-quick` (or
# `make bench ARGS=--quick`) checks the same in minutes.
bench: install-dev
	$(BIN)/pip install --quiet -e '.[bench]'
	@scripts/services.sh
	$(BIN)/python -m benchmarks.run $(ARGS)

bench-quick:
	@$(MAKE) --no-print-directory bench ARGS="--quick $(ARGS)"

bench-vault: install-dev
	$(BIN)/pip install --quiet -e '.[bench]'
	@scripts/services.sh
	$(BIN)/python -m benchmarks.vault

bench-audit: install-dev
	$(BIN)/pip install --quiet -e '.[bench]'
	@scripts/services.sh
	$(BIN)/python -m benchmarks.audit

bench-followups: install-dev
	@scripts/services.sh
	$(BIN)/python -m benchmarks.followups

bench-merkle: install-dev
	@scripts/services.sh
	$(BIN)/python -m benchmarks.merkle

bench-funds: install-dev
	@scripts/services.sh
	$(BIN)/python -m benchmarks.funds

bench-relocation: install-dev
	@scripts/services.sh
	$(BIN)/python -m benchmarks.relocation

clean:
	rm -rf $(VENV) var staticfiles
