# The two commands a newcomer needs: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SPEC := spec/agent-harness.yaml
# `make run` needs only what serving needs; the dev tools (generators, linters, test tools) come with
# `make install` / `make install-dev` / `make test`. One stamp per set, so each installs once.
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed-dev
PIP_INSTALL := $(BIN)/python -m pip install -q --disable-pip-version-check -c requirements.lock
# The browser test drives Debian's Chromium (never a browser download); installed once, as root.
CHROMIUM := /usr/bin/chromium
SWAGGER_UI_VERSION ?= 5.35.0
SWAGGER_UI_DIR := server/static/swagger-ui
HOST ?= 127.0.0.1
PORT ?= 8080
FUZZ_URL ?= http://$(HOST):$(PORT)
FUZZ_TOKEN ?= fuzzer
FUZZ_EXAMPLES ?= 200
# `make run` accepts any token (development mode); clear this against a deployment that checks them.
FUZZ_ARGS ?= --dev-mode

.PHONY: install install-dev install-run browser readme-tools vendor-swagger-ui generate check-generated lint typecheck \
	spec-check unit contract test test-cluster run fuzz bench bench-peers peers-venv clean docs-settings deploy-tools deploy-check k8s-render cluster-demo

install: install-dev
install-dev: $(STAMP)
install-run: $(RUN_STAMP)

$(RUN_STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -e .
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -e '.[dev]'
	touch $(RUN_STAMP) $(STAMP)

browser: $(CHROMIUM)

# Only where apt can install it (CI: Debian, as root); elsewhere the browser test is skipped.
$(CHROMIUM):
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "no $(CHROMIUM) and no root apt-get to install it: the browser test will be skipped"; fi

# Swagger UI for /docs/: the few files the page loads, from the npm package, pinned (see VENDORED).
vendor-swagger-ui:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack -q swagger-ui-dist@$(SWAGGER_UI_VERSION) >/dev/null && \
	tar xzf swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz && cd package && \
	cp swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js LICENSE NOTICE \
		swagger-ui-bundle.js.LICENSE.txt swagger-ui-standalone-preset.js.LICENSE.txt $(CURDIR)/$(SWAGGER_UI_DIR)/ && \
	rm -rf $$tmp && echo "vendored swagger-ui-dist $(SWAGGER_UI_VERSION): update $(SWAGGER_UI_DIR)/VENDORED"

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
	$(BIN)/ruff check server harness_cli testkit contract_tests tests bench deploy
	$(BIN)/ruff format --check server harness_cli testkit contract_tests tests bench deploy
	$(BIN)/hadolint Dockerfile

typecheck: install
	$(BIN)/mypy

# Two pytest-xdist workers (`TEST_WORKERS=0` for one process), a test file to each at a time: a
# module's shared server stays in one worker, and each worker flushes a Redis DB of its own
# (testkit/redis_clients.py). Most tests wait on processes and sockets, so two workers halve the
# wall time on two cores.
TEST_WORKERS ?= 2
PARALLEL := -n $(TEST_WORKERS) --dist loadfile

unit: install
	$(BIN)/pytest -q tests

# Without BASE_URL: the contract tests against in-process servers. With BASE_URL (and TOKEN): the
# conformance kit over HTTP against that deployment (TENANT, CONFORMANCE_ARGS pass through).
contract: install $(if $(BASE_URL),,browser readme-tools)
ifdef BASE_URL
	$(BIN)/agent-harness conformance --base-url '$(BASE_URL)' $(if $(TENANT),--tenant '$(TENANT)') \
		$(if $(TOKEN),--token '$(TOKEN)') $(CONFORMANCE_ARGS)
else
	$(BIN)/pytest -q $(PARALLEL) contract_tests
endif

# deploy-tools first: the deploy kit's tests (tests/test_deploy_kit.py, contract_tests/test_cluster_demo.py)
# need kubectl and nginx, and skip, saying so, only where they could not be installed.
test: install deploy-tools browser readme-tools lint typecheck spec-check check-generated
	$(BIN)/pytest -q $(PARALLEL)

# The modules that run across Redis deployments (lifecycle, cancel, executors, next turn, failover,
# cancel channels, ACL users), each against standalone, sentinel and cluster Redis the tests start
# from redis-server (minutes).
# `make test` runs a few of their cases in each deployment; this runs all of them.
DEPLOYMENT_TESTS := contract_tests/test_turn_lifecycle.py contract_tests/test_session_cancel.py \
	contract_tests/test_executors.py contract_tests/test_next_turn.py contract_tests/test_failover.py \
	contract_tests/test_failover_store.py contract_tests/test_cancel_channels.py \
	contract_tests/test_deployment_auth.py contract_tests/test_sentinel_bounds.py tests/test_deployments.py
test-cluster: install
	AGENT_HARNESS_TEST_DEPLOYMENTS=all $(BIN)/pytest -q $(PARALLEL) $(DEPLOYMENT_TESTS)

# The sample `approver` agent reaches the demo MCP server on loopback, which agents may not reach
# unless the deployment allows it (SECURITY.md): the demo allows loopback, and nothing else.
RUN_EGRESS ?= ["127.0.0.0/8","::1/128"]
run: install-run
	HARNESS_EGRESS_ALLOW_NETWORKS='$(RUN_EGRESS)' \
		$(BIN)/agent-harness serve --host $(HOST) --port $(PORT) --agents examples/agents

# The conformance kit at length against a live server (start it with `make run`): the scenarios, then
# schemathesis with FUZZ_EXAMPLES examples per operation and phase instead of the kit's 20.
fuzz: install
	$(BIN)/agent-harness conformance --base-url '$(FUZZ_URL)' --token '$(FUZZ_TOKEN)' \
		$(if $(TENANT),--tenant '$(TENANT)') --max-examples $(FUZZ_EXAMPLES) $(FUZZ_ARGS)

# Every group but peers at full size (about 7 minutes here); e.g. `make bench BENCH_ARGS="load --quick"`
# for one group, small. `BENCH_ARGS="--update-doc BENCHMARKS.md"` rewrites the figures in BENCHMARKS.md
# from this run. The latency distributions go to docs/bench/*.png.
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# The same scenarios against LangGraph's `langgraph dev` (trivial graphs, bench/peers/), in interleaved
# rounds; langgraph-cli[inmem] goes into a venv of its own at the versions bench/peers/constraints.txt pins.
PEERS_VENV := .venv-peers
PEERS_STAMP := $(PEERS_VENV)/.installed
PEERS_ARGS ?=
peers-venv: $(PEERS_STAMP)
$(PEERS_STAMP): bench/peers/constraints.txt
	test -x $(PEERS_VENV)/bin/python || $(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install -q --disable-pip-version-check -c bench/peers/constraints.txt \
		'langgraph-cli[inmem]'
	touch $(PEERS_STAMP)

bench-peers: install $(PEERS_STAMP)
	$(BIN)/python -m bench peers $(PEERS_ARGS)

# The README's settings table and .env.example, rewritten from server/config.py's Settings class
# (tests/test_settings_reference.py fails while they disagree).
docs-settings: install
	$(BIN)/python -m server.settings_reference

# `ensure_tool,COMMAND,DEBIAN_PACKAGE`: install the package when the command is missing and apt-get is
# usable (root, as CI is); otherwise say how, and carry on (the tests needing it skip with that reason).
define ensure_tool
if ! command -v $(1) >/dev/null 2>&1 && ! test -x /usr/sbin/$(1); then \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "$(1) is missing: installing Debian's $(2)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq $(2) >/dev/null \
			|| echo "could not install $(2): the checks that need $(1) will be skipped"; \
	else echo "$(1) is missing: install Debian's $(2) (apt-get install $(2)); the checks that need it are skipped"; fi; \
fi
endef
define require_tool
command -v $(1) >/dev/null 2>&1 || test -x /usr/sbin/$(1) || { echo "$(1) is missing: install Debian's $(2) (apt-get install -y $(2))" >&2; exit 1; }
endef

# The README's walkthroughs use curl and jq, and contract_tests/test_readme.py runs them.
readme-tools:
	@$(call ensure_tool,curl,curl)
	@$(call ensure_tool,jq,jq)

# kubectl (its built-in `kubectl kustomize` renders deploy/kubernetes/; no helm binary is reachable)
# and nginx (the cluster demo's proxy).
deploy-tools:
	@$(call ensure_tool,kubectl,kubernetes-client)
	@$(call ensure_tool,nginx,nginx)

# Every validation of the deploy kit: hadolint on the Dockerfile, the settings reference, the Compose
# file against the Compose schema, every rendered Kubernetes object against the Kubernetes schemas,
# the kit's command lines and variables against the CLI and Settings, and the topology run for real.
deploy-check: install deploy-tools
	@$(call require_tool,kubectl,kubernetes-client)
	@$(call require_tool,nginx,nginx)
	$(BIN)/hadolint Dockerfile
	$(BIN)/python -m server.settings_reference --check
	$(BIN)/pytest -q tests/test_deploy_kit.py tests/test_settings_reference.py contract_tests/test_cluster_demo.py

# Every object of one overlay (deploy/kubernetes/overlays/OVERLAY) in one YAML file.
OVERLAY ?= production
OUT ?= /dev/stdout
k8s-render: deploy-tools
	@$(call require_tool,kubectl,kubernetes-client)
	@kubectl kustomize deploy/kubernetes/overlays/$(OVERLAY) > $(OUT)

# deploy/compose.yaml's topology from local processes: redis-server, 2 API replicas, 2 executors and
# nginx on deploy/nginx/nginx.conf, serving on http://127.0.0.1:$(PORT) until Ctrl-C.
cluster-demo: install deploy-tools
	@$(call require_tool,nginx,nginx)
	$(BIN)/python -m deploy.cluster_demo --port $(PORT)

clean:
	rm -rf $(VENV) $(PEERS_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
