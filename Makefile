VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	$(PY) -m compileall -q src  # editable installs leave it uncompiled (with PYTHONDONTWRITEBYTECODE, for every run)
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/painregen demo --out demo-output

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests $(wildcard benchmarks)
	$(VENV)/bin/mypy

test: $(STAMP) lint
	$(VENV)/bin/pytest -n 2

bench: $(STAMP)
	$(PIP) install --quiet -e '.[bench]'
	$(PY) benchmarks/run.py
	$(PY) benchmarks/bench_dedup.py
	$(PY) benchmarks/bench_prefill.py
	$(PY) benchmarks/bench_upload.py
	$(PY) benchmarks/web_timings.py --write

clean:
	rm -rf $(VENV) demo-output build *.egg-info
