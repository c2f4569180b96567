# The two commands a newcomer runs are `make demo` and `make test`; both install what they need first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install test quality demo bench clean

install: $(STAMP)

# Re-installs only when the package metadata or the pinned versions change. constraints.txt pins every dependency
# at the version last checked (a new release cannot change a run unseen); torch/torchvision are unpinned: pip takes
# the build this machine provides (see README) rather than downloading another one.
# The venv takes about 7 GB with the CUDA build of torch that pip finds on x86_64 (the NVIDIA libraries are most of it):
# with less free space, say so before pip fails half-way with "No space left on device".
$(STAMP): pyproject.toml constraints.txt
	@free=$$(df -Pk . | awk 'NR==2 {print int($$4 / 1048576)}'); if [ "$$free" -lt 8 ]; then \
		echo "make install: only $$free GB free here; the venv needs about 7 GB (torch with its CUDA libraries)" >&2; fi
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

test: install
	$(PY) -m pytest -q tests

quality: install
	$(VENV)/bin/ruff check src tests examples benchmarks
	$(VENV)/bin/ruff format --check src tests examples benchmarks
	$(VENV)/bin/mlinter src/videobert_hf

demo: install
	@if [ -f examples/demo.py ]; then $(PY) examples/demo.py; else echo "make demo: not yet built (the end-to-end demo arrives with the pretraining issue)"; fi

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache
