# syntax=docker/dockerfile:1
# One image for every role: `serve` (API + in-process executor), `serve --no-executor` (API replica)
# and `executor`. Built from the repository root: docker build -t agent-harness .

# --- build: a virtualenv with the runtime dependencies only, pinned by requirements.lock ---
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY server/ server/
COPY harness_cli/ harness_cli/
COPY generated/ generated/
COPY spec/ spec/
# Editable, so the package stays at /app beside spec/ (the server reads spec/agent-harness.yaml
# next to its own package); no [dev] extra: the linters and test tools stay out of the image. The
# otel extra (the tracing SDK and OTLP exporter) is in, so HARNESS_OTEL_ENABLED needs no rebuild.
RUN /opt/venv/bin/pip install -c requirements.lock -e '.[otel]'

# --- runtime ---
FROM python:3.11-slim
RUN groupadd --system --gid 10001 harness \
    && useradd --system --uid 10001 --gid harness --no-create-home --home-dir /nonexistent harness
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY examples/agents/ /app/examples/agents/
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
USER 10001:10001
EXPOSE 8080
# slim has no curl: the probe is Python's own urllib. An executor-only container (no HTTP API)
# overrides it (deploy/compose.yaml checks /healthz on its metrics port instead).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
ENTRYPOINT ["agent-harness"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
