# Gongshi — one command per job. Everything runs inside .venv, which `make venv` creates.
PY        := .venv/bin/python
DEMO_DIR  := build/demo-exports
# The demo data is generated relative to this date, so the demo site is the same every day.
DEMO_AS_OF ?= 2026-11-20
PORT      ?= 8000
OUTPUT    ?= output

.PHONY: venv demo html serve test bench publish rollback clean

venv: .venv/.installed
.venv/.installed: requirements.txt
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

$(DEMO_DIR)/.done: venv pipeline/demo.py $(wildcard pipeline/demo_*.py)
	$(PY) -m pipeline demo --out $(DEMO_DIR)
	touch $@

demo: $(DEMO_DIR)/.done

## html: build the demo portal into $(OUTPUT)/ (pull + render)
html: demo
	$(PY) -m pipeline build --source $(DEMO_DIR) --as-of $(DEMO_AS_OF) --output $(OUTPUT) --codes private/demo-codes.csv

## serve: build the demo portal and serve it on http://127.0.0.1:$(PORT)/
serve: html
	@echo "Serving the demo portal on http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	$(PY) -m http.server --bind 127.0.0.1 --directory $(OUTPUT) $(PORT)

## test: the whole suite (unit, integration, browser)
test: venv node_modules/.installed
	$(PY) -m pytest

bench: venv
	$(PY) -m pipeline bench --incremental $(if $(SCALES),--scales $(SCALES),)

publish: demo
	$(PY) -m pipeline publish --source $(DEMO_DIR) --as-of $(DEMO_AS_OF) --target releases

rollback: venv
	$(PY) -m pipeline rollback --target releases

clean:
	rm -rf output build content private .pytest_cache test-artifacts
