# The two commands a newcomer needs: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SPEC := spec/agent-harness.yaml
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8080
FUZZ_URL ?= http://$(HOST):$(PORT)
FUZZ_TOKEN ?= fuzzer
FUZZ_EXAMPLES ?= 200
# `make run` accepts any token (development mode); clear this against a deployment that checks them.
FUZZ_ARGS ?= --dev-mode

.PHONY: install generate check-generated lint typecheck spec-check unit contract test run fuzz bench clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

# spec/ -> generated/: pydantic models (server side) and a typed client package.
generate: install
	$(MAKE) --no-print-directory _generate OUT=generated

_generate:
	rm -rf $(OUT)/models.py $(OUT)/client
	mkdir -p $(OUT)
	$(BIN)/datamodel-codegen --input $(SPEC) --output $(OUT)/models.py
	$(BIN)/openapi-python-client generate --path $(SPEC) --config spec/openapi-python-client.yaml \
		--output-path $(OUT)/client --overwrite --meta none --fail-on-warning >/dev/null
	$(BIN)/ruff check --isolated --no-cache --fix-only --extend-select=I -q $(OUT)/client
	$(BIN)/ruff format --isolated --no-cache -q $(OUT)/client
	printf '"""Generated from spec/agent-harness.yaml by `make generate`. Do not edit."""\n' > $(OUT)/__init__.py
	touch $(OUT)/py.typed

check-generated: install
	@tmp=$(CURDIR)/.check-generated && rm -rf $$tmp && mkdir -p $$tmp && $(MAKE) --no-print-directory _generate OUT=$$tmp/generated >/dev/null && \
	if diff -r -q --exclude=__pycache__ $$tmp/generated generated; then echo "generated/ is in sync with spec/"; \
	else echo "generated/ differs from spec/: run 'make generate'"; rm -rf $$tmp; exit 1; fi; rm -rf $$tmp

spec-check: install
	$(BIN)/openapi-spec-validator $(SPEC)

lint: install
	$(BIN)/ruff check server harness_cli contract_tests tests bench
	$(BIN)/ruff format --check server harness_cli contract_tests tests bench

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -q tests

# Without BASE_URL: the contract tests against in-process servers. With BASE_URL (and TOKEN): the
# conformance kit over HTTP against that deployment (TENANT, CONFORMANCE_ARGS pass through).
contract: install
ifdef BASE_URL
	$(BIN)/agent-harness conformance --base-url '$(BASE_URL)' $(if $(TENANT),--tenant '$(TENANT)') \
		$(if $(TOKEN),--token '$(TOKEN)') $(CONFORMANCE_ARGS)
else
	$(BIN)/pytest -q contract_tests
endif

test: install lint typecheck spec-check check-generated
	$(BIN)/pytest -q

# The sample `approver` agent reaches the demo MCP server on loopback, which agents may not reach
# unless the deployment allows it (SECURITY.md): the demo allows loopback, and nothing else.
RUN_EGRESS ?= ["127.0.0.0/8","::1/128"]
run: install
	HARNESS_EGRESS_ALLOW_NETWORKS='$(RUN_EGRESS)' \
		$(BIN)/agent-harness serve --host $(HOST) --port $(PORT) --agents examples/agents

# The conformance kit at length against a live server (start it with `make run`): the scenarios, then
# schemathesis with FUZZ_EXAMPLES examples per operation and phase instead of the kit's 20.
fuzz: install
	$(BIN)/agent-harness conformance --base-url '$(FUZZ_URL)' --token '$(FUZZ_TOKEN)' \
		$(if $(TENANT),--tenant '$(TENANT)') --max-examples $(FUZZ_EXAMPLES) $(FUZZ_ARGS)

# Every group at full size (minutes); e.g. `make bench BENCH_ARGS="load --quick"` for one group, small.
# `BENCH_ARGS="--update-doc BENCHMARKS.md"` rewrites the figures in BENCHMARKS.md from this run.
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
