# Two commands for a newcomer (README): `make run` and `make test`. Everything else is installed here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: documents run test install browser migrate demo serve lint audit bench screenshots clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found %d.%d)" % sys.version_info[:2])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py demo

# The site on a production WSGI server (granian), static files by WhiteNoise.
serve: install
	@echo "serving http://$(HOST):$(PORT)/"
	$(BIN)/granian --interface wsgi --host $(HOST) --port $(PORT) --workers 2 --blocking-threads 4 zhiban.wsgi:application

# The site and the job runner (reminders, outbox) together; Ctrl-C stops both.
run: demo
	@echo "serving http://$(HOST):$(PORT)/ with the job runner"
	@$(BIN)/python manage.py runjobs & JOBS=$$!; trap 'kill $$JOBS 2>/dev/null' EXIT INT TERM; \
	$(BIN)/granian --interface wsgi --host $(HOST) --port $(PORT) --workers 2 --blocking-threads 4 zhiban.wsgi:application

# Browser tests (tests/browser.py) drive Debian's chromium through Playwright, never a downloaded browser.
# Installed here once (CI's machine starts without it); a no-op when it is there. apt's output is shown on failure only.
# A Chinese font (WenQuanYi Micro Hei) with it, so screenshots and printed PDFs show characters, not boxes.
browser:
	@{ test -x /usr/bin/chromium && fc-list :lang=zh | grep -q .; } || { echo "installing Debian's chromium and a Chinese font for the browser tests"; \
	  log=$$(mktemp); { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei; } >$$log 2>&1 || { cat $$log; rm -f $$log; exit 1; }; \
	  rm -f $$log; }

# PDF of the archive's volumes: LibreOffice headless converts the Word file; free Chinese fonts by family
# (zhiban/lib/fonts/fonts.conf maps 仿宋/小标宋, 楷体, 黑体 onto them); poppler's pdffonts checks the embedding.
documents:
	@test -x /usr/bin/soffice -a -x /usr/bin/pdffonts -a -d /usr/share/fonts/truetype/arphic || { \
	  echo "installing LibreOffice (headless), poppler and Chinese fonts for the archive's PDF"; \
	  log=$$(mktemp); { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui poppler-utils \
	  fonts-arphic-uming fonts-arphic-ukai fonts-wqy-microhei; } >$$log 2>&1 || { cat $$log; rm -f $$log; exit 1; }; \
	  rm -f $$log; }

# The whole suite; with DATABASE_URL set (postgres://…), on PostgreSQL.
test: install browser documents
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check zhiban tests bench

# Known vulnerabilities of the pinned dependencies, and bandit on zhiban/ with each finding justified.
audit: install
	$(BIN)/python .ci/pip_audit_check.py
	$(BIN)/python .ci/bandit_check.py

bench: install
	$(BIN)/python bench/web.py
	$(BIN)/python bench/writes.py
	$(BIN)/python bench/roster.py

# What each demo persona sees (desks, 一口清, the wall board, the roster's month), saved as PNG in var/screenshots/.
screenshots: install browser
	$(BIN)/python tools/screenshots.py

clean:
	rm -rf $(VENV) var
